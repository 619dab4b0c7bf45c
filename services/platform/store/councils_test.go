package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

func TestInCouncilsReadsOneCouncilOrEvery(t *testing.T) {
	ctx := context.Background()
	c, ks := redistest.New(t)
	st := store.New(c, ks)
	widgets := store.NewCollection(st, widgetCodec, store.ErrNotFound)
	indexKey := func(gss string) string { return ks.Key(keyspace.CouncilTag(gss), "widgets") }
	recordKey := func(gss, id string) string { return ks.Key(keyspace.CouncilTag(gss), "widget", id) }
	put := func(gss, id string) {
		t.Helper()
		w, err := widgets.Put(recordKey(gss, id), widget{Name: gss + "/" + id}, store.MustNotExist)
		if err != nil {
			t.Fatal(err)
		}
		m := store.Mutation{Tag: keyspace.CouncilTag(gss), Writes: []store.Write{w}, Index: []store.IndexOp{store.SAdd(indexKey(gss), id)}}
		if _, err := st.Commit(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	put("E08000025", "a")
	put("E08000025", "b")
	put("E09000002", "c")
	// An index entry whose record is gone is left out.
	if err := c.SAdd(ctx, indexKey("E09000002"), "gone").Err(); err != nil {
		t.Fatal(err)
	}
	names := func(gss string) []string {
		t.Helper()
		ws, err := widgets.InCouncils(ctx, gss, indexKey, recordKey)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, w := range ws {
			out = append(out, w.Name)
		}
		slices.Sort(out)
		return out
	}
	if got, want := names("E08000025"), []string{"E08000025/a", "E08000025/b"}; !slices.Equal(got, want) {
		t.Errorf("one council: %v, want %v", got, want)
	}
	if got := names("E06000001"); len(got) != 0 {
		t.Errorf("a council with nothing: %v", got)
	}
	if got, want := names(resource.AllCouncils), []string{"E08000025/a", "E08000025/b", "E09000002/c"}; !slices.Equal(got, want) {
		t.Errorf("every council: %v, want %v", got, want)
	}
}
