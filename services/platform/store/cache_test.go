package store_test

import (
	"errors"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

// TestCacheServesNothingOlderThanACommittedWrite: a cache decodes each
// record once, serves it from memory while its version holds, and shows a
// write committed through another store (another replica) on the very next
// read.
func TestCacheServesNothingOlderThanACommittedWrite(t *testing.T) {
	c, ks := redistest.New(t)
	ctx := testContext(t)
	var decodes atomic.Int64
	codec := store.Codec[string]{
		Encode: func(v string) ([]byte, error) { return []byte(v), nil },
		Decode: func(b []byte, version int64) (string, error) { decodes.Add(1); return string(b), nil },
	}
	mine, other := store.New(c, ks), store.New(c, ks)
	cache := store.NewCache(store.NewCollection(mine, codec, errors.New("not found")))
	set := ks.Key(tag, "things")
	keyOf := func(m string) string { return ks.Key(tag, "thing", m) }
	for _, m := range []string{"a", "b", "c"} {
		if _, err := other.Commit(ctx, store.Mutation{Tag: tag, Writes: []store.Write{{Key: keyOf(m), Data: []byte(m + "1")}},
			Index: []store.IndexOp{store.SAdd(set, m)}}); err != nil {
			t.Fatal(err)
		}
	}
	read := func() []string {
		t.Helper()
		got, err := cache.Members(ctx, set, keyOf)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		return got
	}
	if got := read(); !slices.Equal(got, []string{"a1", "b1", "c1"}) || decodes.Load() != 3 {
		t.Fatalf("first read = %v with %d decodes, want [a1 b1 c1] with 3", got, decodes.Load())
	}
	if got := read(); !slices.Equal(got, []string{"a1", "b1", "c1"}) || decodes.Load() != 3 {
		t.Fatalf("unchanged read = %v with %d decodes in all, want nothing decoded again", got, decodes.Load())
	}
	if _, err := other.Commit(ctx, store.Mutation{Tag: tag, Writes: []store.Write{{Key: keyOf("b"), Data: []byte("b2"), IfVersion: 1}}}); err != nil {
		t.Fatal(err)
	}
	if got := read(); !slices.Equal(got, []string{"a1", "b2", "c1"}) || decodes.Load() != 4 {
		t.Fatalf("read after another replica's write = %v with %d decodes in all, want b2 and one decode more", got, decodes.Load())
	}
	// An index entry whose record is gone is left out.
	if _, err := other.Commit(ctx, store.Mutation{Tag: tag, Writes: []store.Write{{Key: keyOf("c"), Delete: true, IfVersion: 1}}}); err != nil {
		t.Fatal(err)
	}
	if got := read(); !slices.Equal(got, []string{"a1", "b2"}) {
		t.Fatalf("read after a delete = %v, want [a1 b2]", got)
	}
	if got, err := cache.GetMany(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("GetMany(nil) = %v, %v", got, err)
	}
}
