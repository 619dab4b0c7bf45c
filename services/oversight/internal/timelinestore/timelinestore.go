// Package timelinestore keeps councils' timelines and standings in Redis.
// Everything of one council shares its hash tag {la:GSS}:
//
//	{la:GSS}:oversight:standing      the standing (JSON), versioned
//	{la:GSS}:oversight:entry:<id>    one timeline entry (JSON)
//	{la:GSS}:oversight:entries       sorted set of entry ids by time (µs)
//
// and the set {oversight}:councils names the councils that have any, so the
// overview reads every standing in two round trips; the counter
// {oversight}:standings:version moves on after every change to a standing,
// so the overview, computed once, is served again until it does.
package timelinestore

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/oversight/internal/timeline"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Store implements timeline.Storer.
type Store struct {
	st        *store.Store
	ks        keyspace.Keyspace
	standings *store.Collection[timeline.Standing]
	// known holds the standings this process read or wrote last, so the
	// next event or listing of a council finds its standing decoded
	// already unless another replica changed it since.
	known   *store.Cache[timeline.Standing]
	entries *store.Collection[timeline.Entry]
	// listings answers a council's entries and standing again from
	// memory, with a Tracker, while none of its keys changed.
	listings *store.Memo[listing]
	// cache holds decoded entries by key.
	cache struct {
		sync.Mutex
		entries map[string]timeline.Entry
	}
}

var _ timeline.Storer = (*Store)(nil)

// errNotFound is the collections' missing-record sentinel.
var errNotFound = errors.New("timelinestore: not found")

// The stored forms: a council's standing, with its record's version, and
// an entry.
var (
	standingCodec = store.JSONCodec(func(s *timeline.Standing, v int64) { s.Version = v })
	entryCodec    = store.JSONCodec[timeline.Entry](nil)
)

// New returns the store over st.
func New(st *store.Store) *Store {
	out := &Store{
		st: st, ks: st.Keyspace(),
		standings: store.NewCollection(st, standingCodec, errNotFound),
		entries:   store.NewCollection(st, entryCodec, errNotFound),
	}
	out.known = store.NewCache(out.standings).Copying(timeline.Standing.Clone)
	out.cache.entries = map[string]timeline.Entry{}
	out.listings = store.NewMemo[listing](st)
	return out
}

// listing is a council's timeline as List shows it.
type listing struct {
	entries  []timeline.Entry
	standing timeline.Standing
}

// Listing implements timeline.Storer: the council's entry ids and its
// standing in one round trip, and the entries not yet in the process's
// cache in a second; with a Tracker, one PING instead while no entry, the
// index or the standing of the council changed (store.Memo). The entries
// and the standing are shared by every call that gets them from memory.
func (s *Store) Listing(ctx context.Context, gss string) ([]timeline.Entry, timeline.Standing, error) {
	keys := func() []string { return []string{s.IndexKey(gss), s.EntryKey(gss, store.Any), s.StandingKey(gss)} }
	l, err := s.listings.Read(ctx, gss, keys, func() (listing, error) {
		var ids *redis.StringSliceCmd
		var standing store.Queued[timeline.Standing]
		if _, err := s.st.Client().Pipelined(ctx, func(p redis.Pipeliner) error {
			ids = p.ZRange(ctx, s.IndexKey(gss), 0, -1)
			standing = s.standings.Queue(ctx, p, s.StandingKey(gss))
			return nil
		}); err != nil {
			return listing{}, fmt.Errorf("timelinestore: timeline of %s: %w", gss, err)
		}
		st, ok, err := s.known.Decode(standing)
		if err != nil {
			return listing{}, err
		}
		if !ok {
			st = timeline.Standing{Council: gss}
		}
		entries, err := s.entriesOf(ctx, gss, ids.Val())
		return listing{entries, st}, err
	})
	return l.entries, l.standing, err
}

func tag(gss string) string { return keyspace.CouncilTag(gss) }

// StandingKey, EntryKey and IndexKey name a council's keys.
func (s *Store) StandingKey(gss string) string { return s.ks.Key(tag(gss), "oversight", "standing") }

// EntryKey is the key of one entry.
func (s *Store) EntryKey(gss, id string) string { return s.ks.Key(tag(gss), "oversight", "entry", id) }

// IndexKey is the council's entries by time.
func (s *Store) IndexKey(gss string) string { return s.ks.Key(tag(gss), "oversight", "entries") }

// CouncilsKey is the set of councils with a standing.
func (s *Store) CouncilsKey() string { return s.ks.Key("oversight", "councils") }

// Standing implements timeline.Storer.
func (s *Store) Standing(ctx context.Context, gss string) (timeline.Standing, error) {
	// Load, not Get: the standing changes at most events, so a memo would
	// PING only to learn that before reading it.
	st, err := s.known.Load(ctx, s.StandingKey(gss))
	if errors.Is(err, errNotFound) {
		return timeline.Standing{Council: gss}, nil
	}
	return st, err
}

// Record implements timeline.Storer.
func (s *Store) Record(ctx context.Context, e timeline.Entry, st *timeline.Standing) (bool, error) {
	ew, err := s.entries.Put(s.EntryKey(e.Council, e.ID), e, store.MustNotExist)
	if err != nil {
		return false, err
	}
	writes := []store.Write{ew}
	var sw store.Write
	if st != nil {
		if sw, err = s.standings.Put(s.StandingKey(e.Council), *st, st.Version); err != nil {
			return false, err
		}
		writes = append(writes, sw)
	}
	res, err := s.st.Commit(ctx, store.Mutation{
		Tag:    tag(e.Council),
		Writes: writes,
		Index:  []store.IndexOp{store.ZAdd(s.IndexKey(e.Council), float64(e.Time.UnixMicro()), e.ID)},
	})
	if errors.Is(err, store.ErrConflict) {
		n, xerr := s.st.Client().Exists(ctx, ew.Key).Result()
		if xerr != nil {
			return false, fmt.Errorf("timelinestore: exists %s: %w", ew.Key, xerr)
		}
		if n == 1 {
			// Recorded before: a redelivery, perhaps of an event whose
			// registration failed after its commit, so it is done again
			// in full.
			return false, s.register(ctx, e, true)
		}
		return false, fmt.Errorf("%w: %w", timeline.ErrConflict, err)
	}
	if err != nil {
		return false, err
	}
	if st != nil {
		kept := *st
		kept.Version = res.Versions[sw.Key]
		s.known.Wrote(sw, kept.Version, kept)
	}
	return true, s.register(ctx, e, st != nil)
}

// register notes, outside the council's slot, that the council has a
// standing and moves the standings' version on (when the standing
// changed), and which council an engagement supports. All are safe to do again; a failure leaves the
// event pending, and its redelivery, finding the entry, registers again.
func (s *Store) register(ctx context.Context, e timeline.Entry, standing bool) error {
	if standing {
		if _, err := s.st.Client().Pipelined(ctx, func(p redis.Pipeliner) error {
			p.SAdd(ctx, s.CouncilsKey(), e.Council)
			p.Incr(ctx, s.VersionKey())
			return nil
		}); err != nil {
			return fmt.Errorf("timelinestore: register %s: %w", e.Council, err)
		}
	}
	if e.Kind == timeline.KindEngagementStarted {
		if err := s.st.Client().HSet(ctx, s.EngagementsKey(), e.Resource, e.Council).Err(); err != nil {
			return fmt.Errorf("timelinestore: hset %s: %w", s.EngagementsKey(), err)
		}
	}
	return nil
}

// VersionKey counts the changes to standings: the overview's cache
// follows it. It is never deleted, not even by a purge, so it never goes
// back to a value a reader may have cached.
func (s *Store) VersionKey() string { return s.ks.Key("oversight", "standings", "version") }

// StandingsVersion implements timeline.Storer.
func (s *Store) StandingsVersion(ctx context.Context) (int64, error) {
	v, err := s.st.Client().Get(ctx, s.VersionKey()).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("timelinestore: get %s: %w", s.VersionKey(), err)
	}
	return v, nil
}

// EngagementsKey maps engagement names to their councils.
func (s *Store) EngagementsKey() string { return s.ks.Key("oversight", "engagements") }

// EngagementCouncil implements timeline.Storer.
func (s *Store) EngagementCouncil(ctx context.Context, engagement string) (string, error) {
	gss, err := s.st.Client().HGet(ctx, s.EngagementsKey(), engagement).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("timelinestore: hget %s: %w", s.EngagementsKey(), err)
	}
	return gss, nil
}

// entriesOf returns the council's entries of ids (its index, in time
// order): those not yet in the process's cache read in one round trip. An
// entry never changes once recorded (a rebuild records the same entry again
// from the same event), so a cached one is as good as a read.
func (s *Store) entriesOf(ctx context.Context, gss string, ids []string) ([]timeline.Entry, error) {
	out := make([]timeline.Entry, len(ids))
	found := make([]bool, len(ids))
	var missing []string
	s.cache.Lock()
	for i, id := range ids {
		out[i], found[i] = s.cache.entries[s.EntryKey(gss, id)]
		if !found[i] {
			missing = append(missing, s.EntryKey(gss, id))
		}
	}
	s.cache.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	read, err := s.entries.GetMany(ctx, missing)
	if err != nil {
		return nil, err
	}
	byKey := make(map[string]timeline.Entry, len(read))
	for _, e := range read {
		byKey[s.EntryKey(e.Council, e.ID)] = e
	}
	s.cache.Lock()
	if len(s.cache.entries)+len(byKey) > maxCachedEntries {
		s.cache.entries = make(map[string]timeline.Entry, len(byKey))
	}
	for k, e := range byKey {
		s.cache.entries[k] = e
	}
	s.cache.Unlock()
	kept := out[:0]
	for i, id := range ids {
		if !found[i] {
			e, ok := byKey[s.EntryKey(gss, id)]
			if !ok {
				continue // indexed, not yet readable: left out, as GetMany does
			}
			out[i] = e
		}
		kept = append(kept, out[i])
	}
	return kept, nil
}

// maxCachedEntries bounds the entries a process keeps decoded (a few
// hundred bytes each); past it the cache starts again.
const maxCachedEntries = 50000

// Standings implements timeline.Storer.
func (s *Store) Standings(ctx context.Context) ([]timeline.Standing, error) {
	return s.standings.Members(ctx, s.CouncilsKey(), s.StandingKey)
}

// Purge deletes every council's timeline and standing, for a rebuild.
func (s *Store) Purge(ctx context.Context, councils []string) error {
	c := s.st.Client()
	for _, gss := range councils {
		ids, err := c.ZRange(ctx, s.IndexKey(gss), 0, -1).Result()
		if err != nil {
			return fmt.Errorf("timelinestore: purge %s: %w", gss, err)
		}
		keys := []string{s.StandingKey(gss), s.IndexKey(gss)}
		for _, id := range ids {
			keys = append(keys, s.EntryKey(gss, id))
		}
		for len(keys) > 0 {
			n := min(len(keys), 500)
			if err := c.Del(ctx, keys[:n]...).Err(); err != nil {
				return fmt.Errorf("timelinestore: purge %s: %w", gss, err)
			}
			keys = keys[n:]
		}
	}
	if err := c.Del(ctx, s.CouncilsKey(), s.EngagementsKey()).Err(); err != nil {
		return fmt.Errorf("timelinestore: purge: %w", err)
	}
	if err := c.Incr(ctx, s.VersionKey()).Err(); err != nil {
		return fmt.Errorf("timelinestore: purge: %w", err)
	}
	return nil
}
