// Package timelinestore keeps councils' timelines and standings in Redis.
// Everything of one council shares its hash tag {la:GSS}:
//
//	{la:GSS}:oversight:standing      the standing (JSON), versioned
//	{la:GSS}:oversight:entry:<id>    one timeline entry (JSON)
//	{la:GSS}:oversight:entries       sorted set of entry ids by time (µs)
//
// and the set {oversight}:councils names the councils that have any, so the
// overview reads every standing in two round trips.
package timelinestore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

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
	entries   *store.Collection[timeline.Entry]
}

var _ timeline.Storer = (*Store)(nil)

// errNotFound is the collections' missing-record sentinel.
var errNotFound = errors.New("timelinestore: not found")

// New returns the store over st.
func New(st *store.Store) *Store {
	standingCodec := store.Codec[timeline.Standing]{
		Encode: func(s timeline.Standing) ([]byte, error) { return json.Marshal(s) },
		Decode: func(b []byte, v int64) (timeline.Standing, error) {
			var s timeline.Standing
			err := json.Unmarshal(b, &s)
			s.Version = v
			return s, err
		},
	}
	entryCodec := store.Codec[timeline.Entry]{
		Encode: func(e timeline.Entry) ([]byte, error) { return json.Marshal(e) },
		Decode: func(b []byte, _ int64) (timeline.Entry, error) {
			var e timeline.Entry
			err := json.Unmarshal(b, &e)
			return e, err
		},
	}
	return &Store{
		st: st, ks: st.Keyspace(),
		standings: store.NewCollection(st, standingCodec, errNotFound),
		entries:   store.NewCollection(st, entryCodec, errNotFound),
	}
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
	st, err := s.standings.Get(ctx, s.StandingKey(gss))
	if errors.Is(err, errNotFound) {
		return timeline.Standing{Council: gss}, nil
	}
	return st, err
}

// Record implements timeline.Storer.
func (s *Store) Record(ctx context.Context, e timeline.Entry, st timeline.Standing) (bool, error) {
	ew, err := s.entries.Put(s.EntryKey(e.Council, e.ID), e, store.MustNotExist)
	if err != nil {
		return false, err
	}
	sw, err := s.standings.Put(s.StandingKey(e.Council), st, st.Version)
	if err != nil {
		return false, err
	}
	_, err = s.st.Commit(ctx, store.Mutation{
		Tag:    tag(e.Council),
		Writes: []store.Write{ew, sw},
		Index:  []store.IndexOp{store.ZAdd(s.IndexKey(e.Council), float64(e.Time.UnixMicro()), e.ID)},
	})
	if errors.Is(err, store.ErrConflict) {
		n, xerr := s.st.Client().Exists(ctx, ew.Key).Result()
		if xerr != nil {
			return false, fmt.Errorf("timelinestore: exists %s: %w", ew.Key, xerr)
		}
		if n == 1 {
			return false, s.register(ctx, e) // recorded before: a redelivery
		}
		return false, fmt.Errorf("%w: %w", timeline.ErrConflict, err)
	}
	if err != nil {
		return false, err
	}
	return true, s.register(ctx, e)
}

// register notes, outside the council's slot, that the council has a
// standing and which council an engagement supports. Both are names only,
// safe to write again; a failure leaves the event pending, and its
// redelivery, finding the entry, registers again.
func (s *Store) register(ctx context.Context, e timeline.Entry) error {
	if err := s.st.Client().SAdd(ctx, s.CouncilsKey(), e.Council).Err(); err != nil {
		return fmt.Errorf("timelinestore: sadd %s: %w", s.CouncilsKey(), err)
	}
	if e.Kind == timeline.KindEngagementStarted {
		if err := s.st.Client().HSet(ctx, s.EngagementsKey(), e.Resource, e.Council).Err(); err != nil {
			return fmt.Errorf("timelinestore: hset %s: %w", s.EngagementsKey(), err)
		}
	}
	return nil
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

// Entries implements timeline.Storer.
func (s *Store) Entries(ctx context.Context, gss string) ([]timeline.Entry, error) {
	out, _, err := s.entries.Range(ctx, s.IndexKey(gss), 0, -1, false, func(id string) string { return s.EntryKey(gss, id) })
	return out, err
}

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
	return nil
}
