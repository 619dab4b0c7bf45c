package store_test

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

// TestCacheGetAndDecode reads one record through a cache, alone (Get) and
// queued on a pipeline (Decode): each decodes a version once, shows a write
// committed through another store on the very next read, and reports a
// record that is not there.
func TestCacheGetAndDecode(t *testing.T) {
	c, ks := redistest.New(t)
	ctx := testContext(t)
	var decodes atomic.Int64
	codec := countingCodec(&decodes)
	notFound := errors.New("not found")
	mine, other := store.New(c, ks), store.New(c, ks)
	things := store.NewCollection(mine, codec, notFound)
	cache := store.NewCache(things)
	key, missing := ks.Key(tag, "thing", "a"), ks.Key(tag, "thing", "none")
	write := func(data string, ifVersion int64) {
		t.Helper()
		if _, err := other.Commit(ctx, store.Mutation{Tag: tag, Writes: []store.Write{{Key: key, Data: []byte(data), IfVersion: ifVersion}}}); err != nil {
			t.Fatal(err)
		}
	}
	get := func(want string, wantDecodes int64) {
		t.Helper()
		if got, err := cache.Get(ctx, key); err != nil || got != want || decodes.Load() != wantDecodes {
			t.Fatalf("Get = %q, %v with %d decodes in all; want %q with %d", got, err, decodes.Load(), want, wantDecodes)
		}
	}
	decode := func(k string) (string, bool, error) {
		t.Helper()
		var q store.Queued[string]
		if _, err := c.Pipelined(ctx, func(p redis.Pipeliner) error { q = things.Queue(ctx, p, k); return nil }); err != nil {
			t.Fatal(err)
		}
		return cache.Decode(q)
	}

	write("a1", store.MustNotExist)
	get("a1", 1)
	get("a1", 1)
	if got, ok, err := decode(key); err != nil || !ok || got != "a1" || decodes.Load() != 1 {
		t.Fatalf("Decode = %q, %v, %v with %d decodes in all; want a1 from memory", got, ok, err, decodes.Load())
	}
	write("a2", 1)
	if got, ok, err := decode(key); err != nil || !ok || got != "a2" || decodes.Load() != 2 {
		t.Fatalf("Decode after another store's write = %q, %v, %v with %d decodes in all; want a2 and one decode more", got, ok, err, decodes.Load())
	}
	get("a2", 2)
	write("a3", 2)
	get("a3", 3)

	if _, err := cache.Get(ctx, missing); !errors.Is(err, notFound) {
		t.Errorf("Get of nothing = %v, want the collection's not-found error", err)
	}
	if got, ok, err := decode(missing); err != nil || ok || got != "" {
		t.Errorf("Decode of nothing = %q, %v, %v; want absent", got, ok, err)
	}
}

// TestCacheGetTellsARecreatedRecordFromTheOneItHeld: Get, which reads no
// incarnation, never serves a record deleted and created again at the
// version the cache holds of the old one, whether the cache learnt the old
// one by Get or by GetMany.
func TestCacheGetTellsARecreatedRecordFromTheOneItHeld(t *testing.T) {
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
	get := func(want string) {
		t.Helper()
		if got, err := cache.Get(ctx, key); err != nil || got != want {
			t.Fatalf("Get = %q, %v; want %q", got, err, want)
		}
	}

	commit(store.Write{Data: []byte("first"), IfVersion: store.MustNotExist})
	get("first")
	get("first") // from the cache
	commit(store.Write{Delete: true, IfVersion: 1})
	commit(store.Write{Data: []byte("second"), IfVersion: store.MustNotExist})
	get("second") // version 1 again

	if got, err := cache.GetMany(ctx, []string{key}); err != nil || len(got) != 1 || got[0] != "second" {
		t.Fatalf("GetMany = %v, %v", got, err)
	}
	commit(store.Write{Delete: true, IfVersion: 1})
	commit(store.Write{Data: []byte("third"), IfVersion: store.MustNotExist})
	get("third")
}

// TestCacheWroteKeepsWhatThisProcessCommitted: after Wrote, a read (Get or
// Load) of the state written hands out the aggregate kept, with no decode; a write by
// another store since, or a Wrote of an older state, changes nothing of
// the guarantee: the read decodes the record as stored.
func TestCacheWroteKeepsWhatThisProcessCommitted(t *testing.T) {
	c, ks := redistest.New(t)
	ctx := testContext(t)
	var decodes atomic.Int64
	mine, other := store.New(c, ks), store.New(c, ks)
	notFound := errors.New("not found")
	cache := store.NewCache(store.NewCollection(mine, countingCodec(&decodes), notFound))
	key := ks.Key(tag, "thing", "a")
	commit := func(st *store.Store, data string, ifVersion int64) store.Write {
		t.Helper()
		w := store.Write{Key: key, Data: []byte(data), IfVersion: ifVersion}
		if _, err := st.Commit(ctx, store.Mutation{Tag: tag, Writes: []store.Write{w}}); err != nil {
			t.Fatal(err)
		}
		return w
	}
	get := func(want string, wantDecodes int64) {
		t.Helper()
		if got, err := cache.Get(ctx, key); err != nil || got != want || decodes.Load() != wantDecodes {
			t.Fatalf("Get = %q, %v with %d decodes in all; want %q with %d", got, err, decodes.Load(), want, wantDecodes)
		}
	}

	w := commit(mine, "a1", store.MustNotExist)
	cache.Wrote(w, 1, "a1")
	get("a1", 0)
	if got, err := cache.Load(ctx, key); err != nil || got != "a1" || decodes.Load() != 0 {
		t.Fatalf("Load = %q, %v with %d decodes in all; want a1 with none", got, err, decodes.Load())
	}
	w = commit(mine, "a2", 1)
	cache.Wrote(w, 2, "a2")
	cache.Wrote(store.Write{Key: key, Data: []byte("a1")}, 1, "a1") // late: ignored
	get("a2", 0)

	commit(other, "a3", 2)
	if got, err := cache.Load(ctx, key); err != nil || got != "a3" || decodes.Load() != 1 {
		t.Fatalf("Load after another store's write = %q, %v with %d decodes in all; want a3 with one", got, err, decodes.Load())
	}
	get("a3", 1)

	// What a commit wrote is kept only for that stored form: kept under a
	// form that is not the record's, it is never handed out.
	cache.Wrote(store.Write{Key: key, Data: []byte("not stored")}, 4, "wrong")
	commit(other, "a4", 3)
	get("a4", 2)

	del := store.Write{Key: key, Delete: true, IfVersion: 4}
	if _, err := mine.Commit(ctx, store.Mutation{Tag: tag, Writes: []store.Write{del}}); err != nil {
		t.Fatal(err)
	}
	cache.Wrote(del, 0, "")
	if got, err := cache.Get(ctx, key); !errors.Is(err, notFound) {
		t.Fatalf("Get after a delete = %q, %v; want the collection's not-found error", got, err)
	}
}
