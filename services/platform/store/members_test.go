package store_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

// TestMembersListsInMemberOrder: a set has no order of its own, so the
// aggregates of a set of IDs come back in ID order, whatever order they
// were added in, and a member whose record is gone is left out.
func TestMembersListsInMemberOrder(t *testing.T) {
	c, ks := redistest.New(t)
	ctx := testContext(t)
	st := store.New(c, ks)
	codec := store.Codec[string]{
		Encode: func(v string) ([]byte, error) { return []byte(v), nil },
		Decode: func(b []byte, _ int64) (string, error) { return string(b), nil },
	}
	col := store.NewCollection(st, codec, errors.New("not found"))
	set := ks.Key(tag, "things")
	keyOf := func(m string) string { return ks.Key(tag, "thing", m) }
	for _, m := range []string{"m", "c", "x", "a", "k"} {
		if _, err := st.Commit(ctx, store.Mutation{Tag: tag, Writes: []store.Write{{Key: keyOf(m), Data: []byte("thing " + m)}},
			Index: []store.IndexOp{store.SAdd(set, m)}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Commit(ctx, store.Mutation{Tag: tag, Writes: []store.Write{{Key: keyOf("k"), Delete: true, IfVersion: 1}}}); err != nil {
		t.Fatal(err)
	}
	got, err := col.Members(ctx, set, keyOf)
	if want := []string{"thing a", "thing c", "thing m", "thing x"}; err != nil || !slices.Equal(got, want) {
		t.Fatalf("Members = %v, %v; want %v", got, err, want)
	}
}
