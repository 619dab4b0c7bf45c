// Package auditstore keeps the audit trail's read model in Redis, under
// one hash tag so an entry and its indexes commit together:
//
//	{oversight:audit}:entry:<id>   one entry (JSON)
//	{oversight:audit}:all          sorted set of every entry id by time (µs)
//	{oversight:audit}:la:<gss>     the same for one council's records
package auditstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/turnaround-sli/turnaround/services/oversight/internal/audit"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Tag is the hash tag of the trail.
const Tag = "oversight:audit"

var errNotFound = errors.New("auditstore: not found")

// Store implements audit.Storer.
type Store struct {
	st      *store.Store
	ks      keyspace.Keyspace
	entries *store.Collection[audit.Entry]
}

var _ audit.Storer = (*Store)(nil)

// New returns the store over st.
func New(st *store.Store) *Store {
	codec := store.Codec[audit.Entry]{
		Encode: func(e audit.Entry) ([]byte, error) { return json.Marshal(e) },
		Decode: func(b []byte, _ int64) (audit.Entry, error) {
			var e audit.Entry
			err := json.Unmarshal(b, &e)
			return e, err
		},
	}
	return &Store{st: st, ks: st.Keyspace(), entries: store.NewCollection(st, codec, errNotFound)}
}

func (s *Store) entryKey(id string) string { return s.ks.Key(Tag, "entry", id) }

func (s *Store) indexKey(gss string) string {
	if gss == "" {
		return s.ks.Key(Tag, "all")
	}
	return s.ks.Key(Tag, "la", gss)
}

// Add implements audit.Storer.
func (s *Store) Add(ctx context.Context, e audit.Entry) (bool, error) {
	w, err := s.entries.Put(s.entryKey(e.ID), e, store.MustNotExist)
	if err != nil {
		return false, err
	}
	score := float64(e.Time.UnixMicro())
	idx := []store.IndexOp{store.ZAdd(s.indexKey(""), score, e.ID)}
	if e.Council != "" {
		idx = append(idx, store.ZAdd(s.indexKey(e.Council), score, e.ID))
	}
	_, err = s.st.Commit(ctx, store.Mutation{Tag: Tag, Writes: []store.Write{w}, Index: idx})
	if errors.Is(err, store.ErrConflict) {
		return false, nil // stored before: a redelivery
	}
	if err != nil {
		return false, fmt.Errorf("auditstore: add %s: %w", e.ID, err)
	}
	return true, nil
}

// Entries implements audit.Storer.
func (s *Store) Entries(ctx context.Context, gss string) ([]audit.Entry, error) {
	out, _, err := s.entries.Range(ctx, s.indexKey(gss), 0, -1, true, s.entryKey)
	return out, err
}

// Purge deletes the trail's read model, for a rebuild.
func (s *Store) Purge(ctx context.Context) error {
	c := s.st.Client()
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, s.ks.Key(Tag)+"*", 500).Result()
		if err != nil {
			return fmt.Errorf("auditstore: purge: %w", err)
		}
		if len(keys) > 0 {
			if err := c.Del(ctx, keys...).Err(); err != nil {
				return fmt.Errorf("auditstore: purge: %w", err)
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}
