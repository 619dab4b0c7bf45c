package filter

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// listed is a resource of the Select tests: a council record with a name
// and the instant it was made.
type listed struct {
	name string
	made time.Time
	rec  council
}

// TestSelectFiltersAndOrdersStably: Select keeps what the filter matches
// (everything for a nil filter), in the input's order without an order and
// stably sorted with one (equal resources keep their input order), newest
// first with ties by name under NewestFirst, and returns a slice of its own.
func TestSelectFiltersAndOrdersStably(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 1, 1, h, 0, 0, 0, time.UTC) }
	all := []listed{
		{"croydon", at(1), councils["croydon"]},
		{"manchester", at(3), councils["manchester"]},
		{"a-second", at(3), council{"region": "LONDON"}},
		{"b-third", at(2), council{"region": "LONDON"}},
		{"a-first", at(2), council{"region": "LONDON"}},
	}
	names := func(ls []listed) string {
		var out []string
		for _, l := range ls {
			out = append(out, l.name)
		}
		return strings.Join(out, " ")
	}
	view := func(l *listed) Record { return l.rec }

	if got := names(Select(all, nil, view, nil)); got != names(all) {
		t.Errorf("no filter, no order: %s, want the input's order %s", got, names(all))
	}
	london, err := Compile(`region = LONDON`, councilSchema)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(Select(all, london, view, nil)); got != "croydon a-second b-third a-first" {
		t.Errorf("region = LONDON: %s", got)
	}
	byHour := func(a, b *listed) int { return a.made.Compare(b.made) }
	if got := names(Select(all, nil, view, byHour)); got != "croydon b-third a-first manchester a-second" {
		t.Errorf("by hour, stably: %s", got)
	}
	newest := NewestFirst(func(l *listed) time.Time { return l.made }, func(l *listed) string { return l.name })
	if got := names(Select(all, london, view, newest)); got != "a-second a-first b-third croydon" {
		t.Errorf("London, newest first, ties by name: %s", got)
	}
	before := slices.Clone(all)
	out := Select(all, nil, view, newest)
	out[0].name = "changed"
	for i := range all {
		if all[i].name != before[i].name {
			t.Fatalf("changing Select's result changed its input: %s", names(all))
		}
	}
}
