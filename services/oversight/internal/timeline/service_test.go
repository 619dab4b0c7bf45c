package timeline

import (
	"context"
	"slices"
	"testing"
)

// listing is a Storer whose Listing answers one council's entries; List
// reads nothing else of it.
type listing struct {
	Storer
	entries []Entry
}

func (l listing) Listing(context.Context, string) ([]Entry, Standing, error) {
	return l.entries, Standing{}, nil
}

// TestListLeavesOutHiddenEntriesAndChangesNothingShared: List leaves the
// hidden entries out, keeps the others in order, those before the first
// left out included, and never changes the entries the storage shares;
// with none left out it hands them out as they are.
func TestListLeavesOutHiddenEntriesAndChangesNothingShared(t *testing.T) {
	const leeds = "E08000035"
	shared := []Entry{{ID: "a"}, {ID: "b"}, {ID: "h1", Hidden: true}, {ID: "c"}, {ID: "h2", Hidden: true}, {ID: "d"}}
	before := slices.Clone(shared)
	got, _, err := NewService(listing{entries: shared}).List(context.Background(), leeds, nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(es []Entry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	if want := []string{"a", "b", "c", "d"}; !slices.Equal(ids(got), want) {
		t.Errorf("listed %v, want %v", ids(got), want)
	}
	if !slices.Equal(shared, before) {
		t.Errorf("List changed the shared entries: %v, were %v", ids(shared), ids(before))
	}
	shown := []Entry{{ID: "a"}, {ID: "b"}}
	got, _, err = NewService(listing{entries: shown}).List(context.Background(), leeds, nil)
	if err != nil || len(got) != 2 || &got[0] != &shown[0] {
		t.Errorf("with nothing left out, List = %v (%v), want the shared entries themselves", ids(got), err)
	}
}
