// Package matchrunstore keeps match runs in Redis, through the platform
// store. Every run lives under one hash tag, "matchruns", with the index
// of runs by creation time, their audit entries, idempotency records and
// the outbox MatchRunApproved goes to, so a run commits with its index
// entry, its event and its audit entry in one transaction.
//
// Keys, under the tag "matchruns":
//
//	{matchruns}:run:{id}   a run (a record: its stored form and version)
//	{matchruns}:index      a sorted set of run ids scored by creation time (ms)
//
// The stored form is JSON of the whole run: the engine's input and full
// result, including the input fingerprint approval checks. Lists read the
// index and then every record in one pipeline: two round trips.
package matchrunstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/matchrun"
)

// Tag is the hash tag of every run and its index, audit entries,
// idempotency records and outbox.
const Tag = "matchruns"

// Runs stores match runs.
type Runs struct {
	st *store.Store
}

// New returns the run store over st.
func New(st *store.Store) *Runs { return &Runs{st: st} }

// Key is the record key of run id.
func (s *Runs) Key(id string) string { return s.st.Keyspace().Key(Tag, "run", id) }

func (s *Runs) indexKey() string { return s.st.Keyspace().Key(Tag, "index") }

// stored is a run's stored form; the version lives in the record.
type stored struct {
	Run matchrun.Run `json:"run"`
}

func marshal(r matchrun.Run) ([]byte, error) {
	r.Version = 0
	b, err := json.Marshal(stored{Run: r})
	if err != nil {
		return nil, fmt.Errorf("encode match run %s: %w", r.Name(), err)
	}
	return b, nil
}

func decode(data []byte, version int64) (matchrun.Run, error) {
	var st stored
	if err := json.Unmarshal(data, &st); err != nil {
		return matchrun.Run{}, fmt.Errorf("decode match run: %w", err)
	}
	st.Run.Version = version
	return st.Run, nil
}

// Get returns run id, or matchrun.ErrNotFound.
func (s *Runs) Get(ctx context.Context, id string) (matchrun.Run, error) {
	rec, err := s.st.Get(ctx, s.Key(id))
	if errors.Is(err, store.ErrNotFound) {
		return matchrun.Run{}, matchrun.ErrNotFound
	}
	if err != nil {
		return matchrun.Run{}, fmt.Errorf("get match run %s: %w", matchrun.Name(id), err)
	}
	return decode(rec.Data, rec.Version)
}

// All returns every run, newest first, in two round trips.
func (s *Runs) All(ctx context.Context) ([]matchrun.Run, error) {
	ids, err := s.st.Client().ZRevRange(ctx, s.indexKey(), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("list match runs: %w", err)
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.Key(id)
	}
	recs, err := s.st.GetMany(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("list match runs: %w", err)
	}
	out := make([]matchrun.Run, 0, len(recs))
	for _, rec := range recs {
		if !rec.Exists() {
			continue
		}
		r, err := decode(rec.Data, rec.Version)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", rec.Key, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// Change is what accompanies a run's write: who made it, the idempotency
// record to store with it, and events for the outbox.
type Change struct {
	Audit       store.AuditEntry
	Idempotency *store.IdempotencyRecord
	Events      []events.Event
}

// Insert stores the new run r at version 1 with its index entry and c, and
// returns it at version 1. An id already taken gives an error matching
// store.ErrConflict.
func (s *Runs) Insert(ctx context.Context, r matchrun.Run, c Change) (matchrun.Run, error) {
	r.Version = 1
	m, err := s.mutation(r, store.MustNotExist, c)
	if err != nil {
		return matchrun.Run{}, err
	}
	m.Index = []store.IndexOp{store.ZAdd(s.indexKey(), float64(r.CreateTime.UnixMilli()), r.ID)}
	if _, err := s.st.Commit(ctx, m); err != nil {
		return matchrun.Run{}, fmt.Errorf("store match run %s: %w", r.Name(), err)
	}
	return r, nil
}

// Save stores r over the version it was read at (r.Version) with c, and
// returns it at its new version. A run that moved meanwhile gives an error
// matching store.ErrConflict and matchrun.ErrConflict.
func (s *Runs) Save(ctx context.Context, r matchrun.Run, c Change) (matchrun.Run, error) {
	read := r.Version
	r.Version++
	m, err := s.mutation(r, read, c)
	if err != nil {
		return matchrun.Run{}, err
	}
	if _, err := s.st.Commit(ctx, m); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return matchrun.Run{}, fmt.Errorf("save match run %s: %w", r.Name(), matchrun.ErrConflict)
		}
		return matchrun.Run{}, fmt.Errorf("save match run %s: %w", r.Name(), err)
	}
	return r, nil
}

func (s *Runs) mutation(r matchrun.Run, read int64, c Change) (store.Mutation, error) {
	data, err := marshal(r)
	if err != nil {
		return store.Mutation{}, err
	}
	key := s.Key(r.ID)
	audit := c.Audit
	audit.Resource, audit.Key = r.Name(), key
	return store.Mutation{
		Tag:         Tag,
		Writes:      []store.Write{{Key: key, Data: data, IfVersion: read}},
		Events:      c.Events,
		Audit:       []store.AuditEntry{audit},
		Idempotency: c.Idempotency,
	}, nil
}
