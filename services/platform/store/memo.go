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
	out, err := m.ReadEach(ctx, []string{id}, func(int) []string { return keys() }, func([]int) ([]T, error) {
		v, err := read()
		return []T{v}, err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return out[0], nil
}

// ReadEach is Read of several ids at once, with one PING for all of them:
// the answer of each id, in the order of ids, from memory where it holds
// and by one call of read for the others. keys(i) gives the keys ids[i]
// depends on; read(missing) returns the answers of ids[missing[0]],
// ids[missing[1]] and so on, in that order. A failed read keeps nothing of
// the ids it was asked for.
func (m *Memo[T]) ReadEach(ctx context.Context, ids []string, keys func(i int) []string, read func(missing []int) ([]T, error)) ([]T, error) {
	every := func() []int {
		all := make([]int, len(ids))
		for i := range all {
			all[i] = i
		}
		return all
	}
	tr := m.st.tracker
	if tr == nil {
		return m.readAll(ids, every(), read)
	}
	entries := make([]*memoized[T], len(ids))
	held := false
	m.mu.Lock()
	for i, id := range ids {
		e := m.at[id]
		if e == nil {
			e = &memoized[T]{keys: keys(i)}
			e.w = tr.watchFor(e.keys...)
			m.at[id] = e
		}
		entries[i] = e
		held = held || e.valid
	}
	m.mu.Unlock()

	// Without anything held, no PING: the answers come from Redis, each
	// kept at the count its keys had before the read began.
	if held {
		err := tr.Sync(ctx)
		if errors.Is(err, errTrackerDown) {
			return m.readAll(ids, every(), read)
		}
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", ids[0], err)
		}
	}
	out := make([]T, len(ids))
	var missing []int // ascending
	epochs := make([]uint64, len(ids))
	m.mu.Lock()
	for i, e := range entries {
		epochs[i] = e.w.epoch.Load()
		if e.valid && e.epoch == epochs[i] {
			out[i] = e.v
		} else {
			missing = append(missing, i)
		}
	}
	m.mu.Unlock()
	if m.clone != nil {
		// The answers from memory are handed out as copies, made outside
		// the lock.
		next := 0
		for i := range out {
			if next < len(missing) && missing[next] == i {
				next++
				continue
			}
			out[i] = m.clone(out[i])
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	vals, err := m.readAll(ids, missing, read)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		// Nothing is kept of a failed read (a record not found, one
		// deleted, an outage), so ids that name nothing leave nothing
		// behind.
		for _, i := range missing {
			if e := entries[i]; m.at[ids[i]] == e {
				delete(m.at, ids[i])
				tr.unwatch(e.w, e.keys)
			}
		}
		return nil, err
	}
	for j, i := range missing {
		e := entries[i]
		if !e.valid || epochs[i] >= e.epoch {
			e.v, e.epoch, e.valid = m.out(vals[j]), epochs[i], true
		}
		out[i] = vals[j]
	}
	return out, nil
}

// readAll is read(missing), checked to answer every id it was asked for.
func (m *Memo[T]) readAll(ids []string, missing []int, read func(missing []int) ([]T, error)) ([]T, error) {
	vals, err := read(missing)
	if err == nil && len(vals) != len(missing) {
		err = fmt.Errorf("store: %s: %d answers to %d reads", ids[missing[0]], len(vals), len(missing))
	}
	return vals, err
}

func (m *Memo[T]) out(v T) T {
	if m.clone == nil {
		return v
	}
	return m.clone(v)
}
