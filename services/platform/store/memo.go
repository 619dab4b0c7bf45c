package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Memo keeps what reads built from Redis and answers each again from
// memory while none of the keys it was read from has changed, which the
// Store's Tracker proves with one PING (see Tracker.Sync). Without a
// Tracker (Sentinel, Cluster, the embedded Redis) or while its connection
// is down, every call reads.
//
// An answer from memory is never older than the last write a caller saw,
// on this replica or another: a write acknowledged before the call has had
// its invalidation counted by the time Sync returns, and a counted
// invalidation of any key the read depends on sends the call to Redis.
//
// The first read of an id takes no PING: its answer comes from Redis, and
// it is kept at the count the watch had before the read began, so a write
// landing during the read, whose invalidation is counted later, makes the
// next call read again.
type Memo[T any] struct {
	st    *Store
	clone func(T) T

	mu sync.Mutex
	at map[string]*memoized[T]
}

type memoized[T any] struct {
	w     *watch
	keys  []string
	epoch uint64
	valid bool
	v     T
}

// NewMemo returns an empty memo over st's Tracker.
func NewMemo[T any](st *Store) *Memo[T] {
	return &Memo[T]{st: st, at: map[string]*memoized[T]{}}
}

// Copying makes the memo hand out clone(v) for the value v it keeps, and
// returns it: for values holding slices or maps a caller might change.
func (m *Memo[T]) Copying(clone func(T) T) *Memo[T] {
	m.clone = clone
	return m
}

// Read returns what read returns, or, when an earlier call with the same id
// kept it and none of the keys it depends on changed since, that answer.
// keys gives those keys, each a key or a key shape (a key with Any in place
// of each part that varies); it is called when the id is first read. An id
// is kept from its first successful read to its first failed one, so ids
// that name nothing (a record not found) leave nothing behind.
func (m *Memo[T]) Read(ctx context.Context, id string, keys func() []string, read func() (T, error)) (T, error) {
	var zero T
	tr := m.st.tracker
	if tr == nil {
		return read()
	}
	m.mu.Lock()
	e := m.at[id]
	if e == nil {
		e = &memoized[T]{keys: keys()}
		e.w = tr.watchFor(e.keys...)
		m.at[id] = e
	}
	valid := e.valid
	m.mu.Unlock()

	var epoch uint64
	if valid {
		var err error
		epoch, err = tr.Sync(ctx, e.w)
		if errors.Is(err, errTrackerDown) {
			return read()
		}
		if err != nil {
			return zero, fmt.Errorf("store: %s: %w", id, err)
		}
		m.mu.Lock()
		if e.valid && e.epoch == epoch {
			v := e.v
			m.mu.Unlock()
			return m.out(v), nil
		}
		m.mu.Unlock()
	} else {
		epoch = e.w.epoch.Load()
	}
	v, err := read()
	if err != nil {
		// Nothing is kept of a failed read (a record not found, an
		// outage), so ids that name nothing leave nothing behind.
		m.mu.Lock()
		if m.at[id] == e {
			delete(m.at, id)
			tr.unwatch(e.w, e.keys)
		}
		m.mu.Unlock()
		return zero, err
	}
	kept := m.out(v)
	m.mu.Lock()
	if !e.valid || epoch >= e.epoch {
		e.v, e.epoch, e.valid = kept, epoch, true
	}
	m.mu.Unlock()
	return v, nil
}

func (m *Memo[T]) out(v T) T {
	if m.clone == nil {
		return v
	}
	return m.clone(v)
}
