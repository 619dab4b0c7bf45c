package watch_test

import (
	"testing"

	"github.com/turnaround-sli/turnaround/services/partner/internal/watch"
)

func TestCursorRoundTrips(t *testing.T) {
	c := watch.Cursor{"inspection": "1700000000000-3", "peerreview": "0-0"}
	got, err := watch.ParseCursor("cursor", c.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["inspection"] != "1700000000000-3" || got["peerreview"] != "0-0" {
		t.Fatalf("round trip %v", got)
	}
	if (watch.Cursor{"b": "1-0", "a": "2-0"}).String() != (watch.Cursor{"a": "2-0", "b": "1-0"}).String() {
		t.Fatal("equal cursors encode differently")
	}
	if c, err := watch.ParseCursor("cursor", ""); err != nil || len(c) != 0 {
		t.Fatalf("empty cursor: %v %v", c, err)
	}
	for _, bad := range []string{"!", "YWJj", watch.Cursor{"inspection": "x-1"}.String()} {
		if _, err := watch.ParseCursor("cursor", bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestAfterOrdersStreamIDs(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"2-0", "1-9", true}, {"1-10", "1-9", true}, {"1-9", "1-9", false}, {"1-8", "1-9", false},
		{"10-0", "9-0", true}, {"x", "1-0", false},
	} {
		if got := watch.After(tt.a, tt.b); got != tt.want {
			t.Errorf("After(%s, %s) = %v", tt.a, tt.b, got)
		}
	}
}
