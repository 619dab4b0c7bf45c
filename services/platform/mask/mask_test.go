package mask

import (
	"slices"
	"testing"
)

type rec struct {
	Title string
	Tags  []string
	Days  int
}

func (r rec) Clone() rec { r.Tags = slices.Clone(r.Tags); return r }

var recFields = Fields[rec]{
	{Path: "title", Set: func(dst, p *rec) { dst.Title = p.Title }},
	{Path: "tags", Set: func(dst, p *rec) { dst.Tags = p.Tags }},
	{Path: "days"},
}

type names []string

func (n names) Has(f string) bool { return slices.Contains(n, f) }

func TestPatchCopiesOnlyTheNamedFields(t *testing.T) {
	cur := rec{Title: "old", Tags: []string{"a"}, Days: 3}
	patch := rec{Title: "new", Tags: []string{"b", "c"}, Days: 9}
	got := Patch(recFields, names{"tags", "days"}, cur, patch)
	// days is named but has no Set: an update applies it by its own rule.
	if want := (rec{Title: "old", Tags: []string{"b", "c"}, Days: 3}); got.Title != want.Title || got.Days != want.Days || !slices.Equal(got.Tags, want.Tags) {
		t.Fatalf("Patch = %+v, want %+v", got, want)
	}
	// The result shares no memory with either input.
	got.Tags[0] = "x"
	if patch.Tags[0] != "b" || cur.Tags[0] != "a" {
		t.Errorf("the result shares memory: cur %v, patch %v", cur.Tags, patch.Tags)
	}
	if got := Patch(recFields, names{}, cur, patch); got.Title != "old" || !slices.Equal(got.Tags, []string{"a"}) {
		t.Errorf("an empty mask changed %+v", got)
	}
	if got := recFields.Paths(); !slices.Equal(got, []string{"title", "tags", "days"}) {
		t.Errorf("Paths = %v", got)
	}
}
