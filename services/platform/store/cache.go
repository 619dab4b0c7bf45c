package store

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/redis/go-redis/v9"
)

// Cache is a Collection whose decoded aggregates are kept in memory, for
// list reads that would otherwise fetch and decode every record on every
// call (every page of councils reads all of them).
//
// It never serves data older than the last committed write a caller has
// seen: every read first reads the current version of each record it
// returns, in one pipelined round trip of small replies, and takes from
// memory only the records whose cached version is that version; the rest
// are read and decoded (one more round trip). A version names one state of
// a record (Commit bumps it with every write), so a matching version is the
// same data. Replicas of a service each keep their own Cache and each check
// Redis on every read, so a write through any replica is seen by all.
//
// A record deleted and created again starts again at version 1, which a
// Cache could mistake for the state it holds: use it only for aggregates
// that are never deleted (reference data such as councils).
type Cache[T any] struct {
	c  *Collection[T]
	mu sync.Mutex
	at map[string]cached[T]
}

type cached[T any] struct {
	version int64
	v       T
}

// NewCache returns an empty cache over c.
func NewCache[T any](c *Collection[T]) *Cache[T] {
	return &Cache[T]{c: c, at: map[string]cached[T]{}}
}

// Members is Collection.Members through the cache: the set, then the
// versions, then only the records that changed (or, when nothing is cached
// yet, the set and the records), so three round trips at most whatever the
// number of members.
func (ca *Cache[T]) Members(ctx context.Context, setKey string, keyOf func(member string) string) ([]T, error) {
	members, err := ca.c.st.c.SMembers(ctx, setKey).Result()
	if err != nil {
		return nil, fmt.Errorf("store: members of %s: %w", setKey, err)
	}
	return ca.GetMany(ctx, keysOf(members, keyOf))
}

// GetMany is Collection.GetMany through the cache: the records under keys,
// in their order, leaving out keys that hold nothing.
func (ca *Cache[T]) GetMany(ctx context.Context, keys []string) ([]T, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	if ca.cold(keys) {
		return ca.fill(ctx, keys)
	}
	cmds := make([]*redis.StringCmd, len(keys))
	_, err := ca.c.st.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.HGet(ctx, k, fieldVersion)
		}
		return nil
	})
	if err != nil && !isNil(err) {
		return nil, fmt.Errorf("store: versions of %d records: %w", len(keys), err)
	}
	hits := make([]T, len(keys))
	hit := make([]bool, len(keys))
	var stale []string
	ca.mu.Lock()
	for i, cmd := range cmds {
		raw, err := cmd.Result()
		switch {
		case isNil(err):
			delete(ca.at, keys[i])
			continue
		case err != nil:
			ca.mu.Unlock()
			return nil, fmt.Errorf("store: version of %s: %w", keys[i], err)
		}
		v, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			ca.mu.Unlock()
			return nil, fmt.Errorf("store: version of %s: %w", keys[i], err)
		}
		if e, ok := ca.at[keys[i]]; ok && e.version == v {
			hits[i], hit[i] = e.v, true
		} else {
			stale = append(stale, keys[i])
		}
	}
	ca.mu.Unlock()

	fresh := map[string]cached[T]{}
	if len(stale) > 0 {
		if fresh, err = ca.read(ctx, stale); err != nil {
			return nil, err
		}
	}
	out := make([]T, 0, len(keys))
	for i, k := range keys {
		switch e, ok := fresh[k]; {
		case hit[i]:
			out = append(out, hits[i])
		case ok:
			out = append(out, e.v)
		}
		// Neither: absent, or deleted before its data was read.
	}
	return out, nil
}

// cold reports whether none of keys is cached: checking versions first
// would then only add a round trip.
func (ca *Cache[T]) cold(keys []string) bool {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	for _, k := range keys {
		if _, ok := ca.at[k]; ok {
			return false
		}
	}
	return true
}

// fill reads and decodes the records under keys, as Collection.GetMany
// does, and caches them.
func (ca *Cache[T]) fill(ctx context.Context, keys []string) ([]T, error) {
	fresh, err := ca.read(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(fresh))
	for _, k := range keys {
		if e, ok := fresh[k]; ok {
			out = append(out, e.v)
		}
	}
	return out, nil
}

// read reads and decodes the records under keys that exist, by key, and
// caches each unless a concurrent read cached a later state meanwhile.
func (ca *Cache[T]) read(ctx context.Context, keys []string) (map[string]cached[T], error) {
	recs, err := ca.c.st.GetMany(ctx, keys)
	if err != nil {
		return nil, err
	}
	fresh := make(map[string]cached[T], len(recs))
	for _, r := range recs {
		if !r.Exists() {
			continue
		}
		v, err := ca.c.codec.Decode(r.Data, r.Version)
		if err != nil {
			return nil, fmt.Errorf("store: record %s: %w", r.Key, err)
		}
		fresh[r.Key] = cached[T]{version: r.Version, v: v}
	}
	ca.mu.Lock()
	defer ca.mu.Unlock()
	for k, e := range fresh {
		if cur, ok := ca.at[k]; !ok || cur.version < e.version {
			ca.at[k] = e
		}
	}
	return fresh, nil
}
