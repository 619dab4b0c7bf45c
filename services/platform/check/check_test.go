package check

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// record collects what a check adds, as "field: description".
func record() (Add, *[]string) {
	var got []string
	return func(field, format string, args ...any) {
		got = append(got, field+": "+fmt.Sprintf(format, args...))
	}, &got
}

func TestText(t *testing.T) {
	for _, tt := range []struct {
		name string
		rule Text
		s    string
		want string
	}{
		{"optional empty", Text{Max: 3}, "", ""},
		{"within the limit", Text{Max: 3}, "abc", ""},
		{"counts characters, not bytes", Text{Max: 3}, "ééé", ""},
		{"too long", Text{Max: 3}, "abcd", "f: is 4 characters long; the limit is 3"},
		{"own description of too long", Text{Max: 3, Long: "has %d; at most %d"}, "abcd", "f: has 4; at most 3"},
		{"not UTF-8", Text{Max: 3}, "\xff", "f: is not valid UTF-8"},
		{"required and blank", Text{Max: 3}.Required(), "  ", "f: is required"},
		{"required for a reason", Text{Max: 3}.RequiredFor("say why"), "", "f: is required: say why"},
		{"own blank description", Text{Max: 3, Blank: "is empty"}, "", "f: is empty"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			add, got := record()
			ok := tt.rule.Check(add, "f", tt.s)
			if g := strings.Join(*got, "; "); g != tt.want || ok != (tt.want == "") {
				t.Errorf("Check(%q) = %v, %q; want %q", tt.s, ok, g, tt.want)
			}
		})
	}
}

func TestEnum(t *testing.T) {
	type colour string
	all := []colour{"RED", "BLUE"}
	for _, tt := range []struct {
		v    colour
		want string
	}{
		{"RED", ""},
		{"", "c: is required: one of RED, BLUE"},
		{"GREEN", "c: must be one of RED, BLUE, got GREEN"},
	} {
		add, got := record()
		ok := Enum(add, "c", tt.v, all)
		if g := strings.Join(*got, "; "); g != tt.want || ok != (tt.want == "") {
			t.Errorf("Enum(%q) = %v, %q; want %q", tt.v, ok, g, tt.want)
		}
	}
	if got := List(all); got != "RED, BLUE" {
		t.Errorf("List = %q", got)
	}
	if got := At("areas", 2); got != "areas[2]" {
		t.Errorf("At = %q", got)
	}
}

// TestTodayIsEnglandsDate: the calendar date in England, as midnight UTC,
// for concerns received and deployments worked around midnight.
func TestTodayIsEnglandsDate(t *testing.T) {
	for _, tt := range []struct {
		now  time.Time
		want string
	}{
		// British Summer Time: 23:00 UTC on 30 June is midnight on 1 July.
		{time.Date(2015, 6, 30, 22, 59, 0, 0, time.UTC), "2015-06-30"},
		{time.Date(2015, 6, 30, 23, 0, 0, 0, time.UTC), "2015-07-01"},
		{time.Date(2016, 6, 30, 23, 30, 0, 0, time.UTC), "2016-07-01"},
		{time.Date(2016, 6, 30, 22, 59, 0, 0, time.UTC), "2016-06-30"},
		// Winter: England is on UTC.
		{time.Date(2015, 12, 14, 23, 59, 0, 0, time.UTC), "2015-12-14"},
		{time.Date(2016, 1, 31, 23, 30, 0, 0, time.UTC), "2016-01-31"},
	} {
		if got := Today(tt.now); got.Format(time.DateOnly) != tt.want || got.Location() != time.UTC || got.Hour() != 0 || got.Minute() != 0 {
			t.Errorf("Today(%s) = %s, want %s at midnight UTC", tt.now, got, tt.want)
		}
	}
}

func TestTodayAndPast(t *testing.T) {
	// 23:30 UTC on 30 June is already 1 July in England (BST).
	now := time.Date(2024, 6, 30, 23, 30, 0, 0, time.UTC)
	if got, want := Today(now), time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Today = %v, want %v", got, want)
	}
	for _, tt := range []struct {
		d    time.Time
		want string
	}{
		{time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC), ""},
		{time.Time{}, "d: is required"},
		{time.Date(2024, 7, 2, 0, 0, 0, 0, time.UTC), "d: 2024-07-02 is in the future; today is 2024-07-01"},
	} {
		add, got := record()
		Past(add, "d", tt.d, now, "is required")
		if g := strings.Join(*got, "; "); g != tt.want {
			t.Errorf("Past(%v) = %q, want %q", tt.d, g, tt.want)
		}
	}
}
