package store_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
)

// TestCacheServesNothingOlderThanACommittedWrite: a cache decodes each
// record once, serves it from memory while its version holds, and shows a
// write committed through another store (another replica) on the very next
// read.
func TestCacheServesNothingOlderThanACommittedWrite(t *testing.T) {
	c, ks := redistest.New(t)
	ctx := testContext(t)
	var decodes atomic.Int64
	codec := countingCodec(&decodes)
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

// TestCacheTellsARecreatedRecordFromTheOneItHeld: a record deleted and
// created again through another store starts again at version 1, so it may
// reach the very version the cache holds of the record that was deleted;
// the cache must read the new record all the same, never serve the old.
func TestCacheTellsARecreatedRecordFromTheOneItHeld(t *testing.T) {
	c, ks := redistest.New(t)
	ctx := testContext(t)
	mine, other := store.New(c, ks), store.New(c, ks)
	cache := store.NewCache(store.NewCollection(mine, stringCodec, errors.New("not found")))
	key := ks.Key(tag, "thing", "a")
	commit := func(w store.Write) {
		t.Helper()
		w.Key = key
		if _, err := other.Commit(ctx, store.Mutation{Tag: tag, Writes: []store.Write{w}}); err != nil {
			t.Fatal(err)
		}
	}
	read := func(want string) {
		t.Helper()
		got, err := cache.GetMany(ctx, []string{key})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, []string{want}) {
			t.Fatalf("read %v, want [%s]", got, want)
		}
	}

	commit(store.Write{Data: []byte("first"), IfVersion: store.MustNotExist})
	read("first")
	commit(store.Write{Delete: true, IfVersion: 1})
	commit(store.Write{Data: []byte("second"), IfVersion: store.MustNotExist})
	read("second") // version 1 again

	commit(store.Write{Data: []byte("second, changed"), IfVersion: 1})
	read("second, changed") // version 2
	commit(store.Write{Delete: true, IfVersion: 2})
	commit(store.Write{Data: []byte("third"), IfVersion: store.MustNotExist})
	commit(store.Write{Data: []byte("third, changed"), IfVersion: 1})
	read("third, changed") // version 2 again

	// The same through a second cache, as another replica's, which reads
	// each state once the first has named it.
	replica := store.NewCache(store.NewCollection(other, stringCodec, errors.New("not found")))
	if got, err := replica.GetMany(ctx, []string{key}); err != nil || !slices.Equal(got, []string{"third, changed"}) {
		t.Fatalf("replica read %v, %v", got, err)
	}
	commit(store.Write{Delete: true, IfVersion: 2})
	commit(store.Write{Data: []byte("fourth"), IfVersion: store.MustNotExist})
	commit(store.Write{Data: []byte("fourth, changed"), IfVersion: 1})
	if got, err := replica.GetMany(ctx, []string{key}); err != nil || !slices.Equal(got, []string{"fourth, changed"}) {
		t.Fatalf("replica read %v, %v after the record was created again", got, err)
	}
	read("fourth, changed")

	// The record's data and version read as before by the store.
	rec, err := mine.Get(ctx, key)
	if err != nil || string(rec.Data) != "fourth, changed" || rec.Version != 2 {
		t.Fatalf("Get = %+v, %v", rec, err)
	}
}

// TestCacheHandsOutCopies: what a caller does to an aggregate it was given
// does not change what the next read returns.
func TestCacheHandsOutCopies(t *testing.T) {
	c, ks := redistest.New(t)
	ctx := testContext(t)
	st := store.New(c, ks)
	codec := store.Codec[[]string]{
		Encode: func(v []string) ([]byte, error) { return []byte(strings.Join(v, ",")), nil },
		Decode: func(b []byte, _ int64) ([]string, error) { return strings.Split(string(b), ","), nil },
	}
	cache := store.NewCache(store.NewCollection(st, codec, errors.New("not found"))).Copying(slices.Clone[[]string])
	key := ks.Key(tag, "list", "a")
	if _, err := st.Commit(ctx, store.Mutation{Tag: tag, Writes: []store.Write{{Key: key, Data: []byte("x,y")}}}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		got, err := cache.GetMany(ctx, []string{key})
		if err != nil || len(got) != 1 || !slices.Equal(got[0], []string{"x", "y"}) {
			t.Fatalf("read %d = %v, %v; want [[x y]]", i, got, err)
		}
		got[0][0] = "changed"
	}
}

// TestCacheReadsInOneRoundTrip: a cache's GetMany is one round trip, and
// Members and InCouncils two, whatever the number of records, of hash tags
// and of records that changed since the last read, the first read included.
func TestCacheReadsInOneRoundTrip(t *testing.T) {
	c, ks := redistest.New(t)
	ctx := testContext(t)
	st := store.New(c, ks)
	trips := redistest.CountRoundTrips(c)
	if err := c.Ping(ctx).Err(); err != nil { // dials the connection
		t.Fatal(err)
	}
	cache := store.NewCache(store.NewCollection(st, stringCodec, errors.New("not found")))
	councils := []string{storetest.Leeds, storetest.Doncaster, storetest.Slough}
	recordKey := func(gss, id string) string { return ks.Key(keyspace.CouncilTag(gss), "thing", id) }
	indexKey := func(gss string) string { return ks.Key(keyspace.CouncilTag(gss), "things") }
	var keys []string
	for n := 1; n <= 3; n++ {
		for _, gss := range councils[:n] {
			id := fmt.Sprint(len(keys))
			key := recordKey(gss, id)
			keys = append(keys, key)
			_, err := st.Commit(ctx, store.Mutation{Tag: keyspace.CouncilTag(gss), Writes: []store.Write{{Key: key, Data: []byte(id)}},
				Index: []store.IndexOp{store.SAdd(indexKey(gss), id)}})
			if err != nil {
				t.Fatal(err)
			}
		}
		// Change one record already cached.
		if _, err := st.Commit(ctx, store.Mutation{Tag: keyspace.CouncilTag(councils[0]), Writes: []store.Write{{Key: keys[0], Data: []byte("0"), IfVersion: store.AnyVersion}}}); err != nil {
			t.Fatal(err)
		}
		var got []string
		var err error
		if rt := trips.During(func() { got, err = cache.GetMany(ctx, append(slices.Clone(keys), recordKey(storetest.Leeds, "none"))) }); rt != 1 || err != nil || len(got) != len(keys) {
			t.Errorf("GetMany of %d records took %d round trips, want 1 (%d read, %v)", len(keys), rt, len(got), err)
		}
		if rt := trips.During(func() { got, err = cache.InCouncils(ctx, resource.AllCouncils, indexKey, recordKey) }); rt != 2 || err != nil || len(got) != len(keys) {
			t.Errorf("InCouncils of %d records took %d round trips, want 2 (%d read, %v)", len(keys), rt, len(got), err)
		}
		if rt := trips.During(func() {
			got, err = cache.Members(ctx, indexKey(storetest.Leeds), func(id string) string { return recordKey(storetest.Leeds, id) })
		}); rt != 2 || err != nil || len(got) != n {
			t.Errorf("Members of %d records took %d round trips, want 2 (%v read, %v)", n, rt, got, err)
		}
	}
}

// countingCodec is stringCodec counting its decodes in n.
func countingCodec(n *atomic.Int64) store.Codec[string] {
	return store.Codec[string]{
		Encode: stringCodec.Encode,
		Decode: func(b []byte, version int64) (string, error) { n.Add(1); return stringCodec.Decode(b, version) },
	}
}

var stringCodec = store.Codec[string]{
	Encode: func(v string) ([]byte, error) { return []byte(v), nil },
	Decode: func(b []byte, _ int64) (string, error) { return string(b), nil },
}

// TestCacheUnderConcurrentReadsAndWrites: readers sharing one cache while
// another store updates, deletes and creates again the records they read
// get no error, and once the writes stop, every reader sees the last.
func TestCacheUnderConcurrentReadsAndWrites(t *testing.T) {
	c, ks := redistest.New(t)
	ctx := testContext(t)
	mine, other := store.New(c, ks), store.New(c, ks)
	cache := store.NewCache(store.NewCollection(mine, stringCodec, errors.New("not found")))
	keys := []string{ks.Key(tag, "thing", "a"), ks.Key(tag, "thing", "b")}
	done := make(chan struct{})
	errs := make(chan error, 8)
	var readers sync.WaitGroup
	for range 8 {
		readers.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if _, err := cache.GetMany(ctx, keys); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for i := range 50 {
		for _, k := range keys {
			w := store.Write{Key: k, Data: []byte(fmt.Sprint(k, i)), IfVersion: store.AnyVersion}
			if i%10 == 9 {
				w = store.Write{Key: k, Delete: true, IfVersion: store.AnyVersion}
			}
			if _, err := other.Commit(ctx, store.Mutation{Tag: tag, Writes: []store.Write{w}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, k := range keys {
		if _, err := other.Commit(ctx, store.Mutation{Tag: tag, Writes: []store.Write{{Key: k, Data: []byte(k + " last"), IfVersion: store.AnyVersion}}}); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got, err := cache.GetMany(ctx, keys)
	if err != nil || !slices.Equal(got, []string{keys[0] + " last", keys[1] + " last"}) {
		t.Errorf("after the writes: %v, %v", got, err)
	}
}
