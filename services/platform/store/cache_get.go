package store

import (
	"context"
	"errors"
	"fmt"
)

// Get is Collection.Get through the cache, in the one round trip
// Collection.Get takes: the record's data and version are read as there,
// and the data is decoded only when the cache does not hold that version
// already. A changed record is decoded and cached, so Get never serves a
// state older than the one it read.
func (ca *Cache[T]) Get(ctx context.Context, key string) (T, error) {
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
	if err := q.cmd.Err(); err != nil {
		return zero, false, fmt.Errorf("store: get %s: %w", q.key, err)
	}
	rec, err := recordFrom(q.key, q.cmd.Val())
	if err != nil || !rec.Exists() {
		return zero, false, err
	}
	v, err := ca.decoded(rec)
	if err != nil {
		return zero, false, fmt.Errorf("store: record %s: %w", q.key, err)
	}
	return v, true, nil
}

// decoded returns the aggregate rec holds: the cached one when the cache
// holds rec's version, else rec decoded, and cached unless a later version
// is cached meanwhile.
func (ca *Cache[T]) decoded(rec Record) (T, error) {
	ca.mu.Lock()
	e, ok := ca.at[rec.Key]
	ca.mu.Unlock()
	if ok && e.version == rec.Version {
		return e.v, nil
	}
	v, err := ca.c.codec.Decode(rec.Data, rec.Version)
	if err != nil {
		var zero T
		return zero, err
	}
	ca.mu.Lock()
	if cur, ok := ca.at[rec.Key]; !ok || cur.version < rec.Version {
		ca.at[rec.Key] = cached[T]{version: rec.Version, v: v}
	}
	ca.mu.Unlock()
	return v, nil
}
