package store

import (
	"bytes"
	"context"
	"errors"
)

// Get is Collection.Get through the cache, in the one round trip
// Collection.Get takes: the record's data and version are read as there,
// and the data is decoded only when the cache does not hold that version
// already. A changed record is decoded and cached, so Get never serves a
// state older than the one it read. With a Tracker, a record read before
// is answered from memory after one PING while its key has not changed
// (see Memo).
func (ca *Cache[T]) Get(ctx context.Context, key string) (T, error) {
	return ca.gets.Read(ctx, key, func() []string { return []string{key} }, func() (T, error) {
		return ca.get(ctx, key)
	})
}

// Load is Get without the Tracker's memo: one round trip to Redis every
// time, and the data decoded only when the cache does not hold that version
// already. It suits a record that changes between most reads, such as one
// this process writes at every event (see Wrote), where Get would spend a
// PING to learn that it changed before reading it anyway.
func (ca *Cache[T]) Load(ctx context.Context, key string) (T, error) { return ca.get(ctx, key) }

// get is Get without a Tracker.
func (ca *Cache[T]) get(ctx context.Context, key string) (T, error) {
	var zero T
	rec, err := ca.c.st.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return zero, ca.c.notFound
	}
	if err != nil {
		return zero, err
	}
	return ca.decoded(rec)
}

// Decode is q.Decode through the cache, for a read q queued on a pipeline
// of the cache's collection: the record q read is decoded only when the
// cache does not hold that version of it already.
func (ca *Cache[T]) Decode(q Queued[T]) (T, bool, error) {
	var zero T
	rec, err := q.record()
	if err != nil || !rec.Exists() {
		return zero, false, err
	}
	v, err := ca.decoded(rec)
	if err != nil {
		return zero, false, err
	}
	return v, true, nil
}

// decoded returns the aggregate rec holds: the cached one when the cache
// holds that version decoded from the same stored form, else rec decoded
// and cached. The stored form is compared as well as the version because a
// record deleted and created again starts again at version 1, and this
// read, unlike GetMany's, does not see the record's incarnation.
func (ca *Cache[T]) decoded(rec Record) (T, error) {
	ca.mu.Lock()
	e, ok := ca.at[rec.Key]
	ca.mu.Unlock()
	if ok && e.data != nil && e.version == rec.Version && bytes.Equal(e.data, rec.Data) {
		return ca.out(e.v), nil
	}
	v, _, err := ca.c.decoded(rec)
	if err != nil {
		return v, err
	}
	ca.mu.Lock()
	if cur, ok := ca.at[rec.Key]; !ok || cur.version <= rec.Version {
		ca.at[rec.Key] = cached[T]{version: rec.Version, data: bytes.Clone(rec.Data), v: v}
	}
	ca.mu.Unlock()
	return ca.out(v), nil
}

// Wrote keeps v as the aggregate that w, committed, left at version, so
// that the next read finding that version and that stored form hands v out
// without decoding it: a process that writes a record and reads it back (a
// consumer folding events into one record) decodes only what others wrote.
// v must be what the codec decodes from w.Data at version. A read still
// compares the stored form, so a record changed since is read as before,
// and an older state never replaces a later one the cache holds.
func (ca *Cache[T]) Wrote(w Write, version int64, v T) {
	if w.Delete {
		ca.forget(w.Key)
		return
	}
	v = ca.out(v) // the caller keeps its own
	ca.mu.Lock()
	if cur, ok := ca.at[w.Key]; !ok || cur.version < version {
		ca.at[w.Key] = cached[T]{version: version, data: bytes.Clone(w.Data), v: v}
	}
	ca.mu.Unlock()
}
