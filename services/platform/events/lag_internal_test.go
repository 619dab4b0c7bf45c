package events

import "testing"

// TestStreamIDAfter covers the comparison Lag uses to see that a group has
// been delivered the stream's newest entry: numeric, not lexical, on both
// parts of the ID.
func TestStreamIDAfter(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"1700000000001-0", "1700000000000-5", true},
		{"1700000000000-5", "1700000000001-0", false},
		{"1700000000000-10", "1700000000000-9", true},
		{"1700000000000-9", "1700000000000-10", false},
		{"1700000000000-3", "1700000000000-3", false},
		{"10-0", "9-0", true},
		{"1-0", "0-0", true},
		{"0-0", "0-0", false},
		{"garbage", "1-0", true},
		{"1-0", "garbage", true},
	} {
		if got := streamIDAfter(tt.a, tt.b); got != tt.want {
			t.Errorf("streamIDAfter(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
