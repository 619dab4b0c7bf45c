// Package councilstore keeps LocalAuthority records in Redis,
// through the platform store: every council's records share the council's
// hash tag, so a write and its outbox event commit in one transaction.
package councilstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Councils stores LocalAuthority records. It implements council.Storer.
type Councils struct {
	all *store.Collection[council.LocalAuthority]
	// cached serves All and Get: every list page and risk assessment reads
	// every council, decoded only when it changed (see store.Cache).
	cached *store.Cache[council.LocalAuthority]
	now    func() time.Time

	// keys keeps each council's record key once built: every list names
	// every council's record, and building a key allocates.
	keysMu sync.RWMutex
	keys   map[string]string
}

// NewCouncils returns the council store over st, storing councils in the
// form codec gives.
func NewCouncils(st *store.Store, codec store.Codec[council.LocalAuthority]) *Councils {
	all := store.NewCollection(st, codec, council.ErrNotFound)
	return &Councils{all: all, cached: store.NewCache(all), now: time.Now}
}

var _ council.Storer = (*Councils)(nil)

func (c *Councils) st() *store.Store { return c.all.Store() }

func (c *Councils) recordKey(gss string) string {
	c.keysMu.RLock()
	k, ok := c.keys[gss]
	c.keysMu.RUnlock()
	if ok {
		return k
	}
	k = c.st().Keyspace().Key(keyspace.CouncilTag(gss), "council")
	// Only the register's councils are kept, so callers naming codes that
	// hold nothing cannot grow the map.
	if _, known := reference.CouncilByCode(gss); known {
		c.keysMu.Lock()
		if c.keys == nil {
			c.keys = map[string]string{}
		}
		c.keys[gss] = k
		c.keysMu.Unlock()
	}
	return k
}

// indexKey is the set of every stored council's GSS code. Councils are
// reference data, added once and never removed.
// Key is council gss's record key, for reads that depend on it (see
// store.Memo).
func (c *Councils) Key(gss string) string { return c.recordKey(gss) }

func (c *Councils) indexKey() string { return c.st().Keyspace().Key("councils", "index") }

// Get implements council.Storer in one round trip, decoding the record
// only when this process has not decoded that version of it already (every
// list decodes every council).
func (c *Councils) Get(ctx context.Context, gss string) (council.LocalAuthority, error) {
	return c.cached.Get(ctx, c.recordKey(gss))
}

// Queue queues on p the read of council gss, so a read of other keys (its
// indicator sets) takes the council in the same round trip. Decode it once p
// has run; a council not stored decodes as absent.
func (c *Councils) Queue(ctx context.Context, p redis.Pipeliner, gss string) store.Queued[council.LocalAuthority] {
	return c.all.Queue(ctx, p, c.recordKey(gss))
}

// Decode returns the council q read, and false when none is stored; a
// version this process has decoded already is not decoded again.
func (c *Councils) Decode(q store.Queued[council.LocalAuthority]) (council.LocalAuthority, bool, error) {
	return c.cached.Decode(q)
}

// All implements council.Storer in two round trips: one SMEMBERS, then one
// script that returns the data of only the records that changed since this
// process last decoded them; nothing older than the last committed write
// (store.Cache).
func (c *Councils) All(ctx context.Context) ([]council.LocalAuthority, error) {
	return c.cached.Members(ctx, c.indexKey(), c.recordKey)
}

// Seed implements council.Storer: each council is created only if absent, so
// restarts and concurrent replicas never overwrite later changes.
func (c *Councils) Seed(ctx context.Context, cs []reference.Council) (int, error) {
	added := 0
	now := c.now().UTC()
	for _, rc := range cs {
		w, err := c.all.Put(c.recordKey(rc.GSSCode), council.LocalAuthority{Council: rc, UpdateTime: now}, store.MustNotExist)
		if err != nil {
			return added, fmt.Errorf("seed council %s: %w", rc.GSSCode, err)
		}
		_, err = c.st().Commit(ctx, store.Mutation{Tag: keyspace.CouncilTag(rc.GSSCode), Writes: []store.Write{w}})
		switch {
		case errors.Is(err, store.ErrConflict):
		case err != nil:
			return added, fmt.Errorf("seed council %s: %w", rc.GSSCode, err)
		default:
			added++
		}
		// The index lives in its own slot, so it is added after the record;
		// SADD is idempotent and a crash between the two is mended by the
		// next start's seed.
		if err := c.st().Client().SAdd(ctx, c.indexKey(), rc.GSSCode).Err(); err != nil {
			return added, fmt.Errorf("index council %s: %w", rc.GSSCode, err)
		}
	}
	return added, nil
}

// Write returns the write that stores la as it now stands, pinned to the
// version it was read at, so a judgement's publication can commit the
// council's new latest judgement in the same transaction as the inspection.
func (c *Councils) Write(la council.LocalAuthority) (store.Write, error) {
	return c.all.Put(c.recordKey(la.GSSCode), la, la.Version)
}
