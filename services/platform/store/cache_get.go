package store

import (
	"context"
	"errors"
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
	ca.mu.Lock()
	e, ok := ca.at[key]
	ca.mu.Unlock()
	if ok && e.version == rec.Version {
		return e.v, nil
	}
	v, err := ca.c.codec.Decode(rec.Data, rec.Version)
	if err != nil {
		return zero, err
	}
	ca.mu.Lock()
	if cur, ok := ca.at[key]; !ok || cur.version < rec.Version {
		ca.at[key] = cached[T]{version: rec.Version, v: v}
	}
	ca.mu.Unlock()
	return v, nil
}
