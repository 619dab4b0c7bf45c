package store

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Queued is a read of one record queued on a caller's pipeline, so that a
// store package can read records in the same round trip as its indexes or
// other keys. Decode it once the pipeline has run.
type Queued[T any] struct {
	c   *Collection[T]
	key string
	cmd *redis.SliceCmd
}

// Queue queues on p the read of the record under key: one HMGET of its data
// and version, as Get sends.
func (c *Collection[T]) Queue(ctx context.Context, p redis.Pipeliner, key string) Queued[T] {
	return Queued[T]{c: c, key: key, cmd: p.HMGet(ctx, key, fieldData, fieldVersion)}
}

// Key is the key the read was queued for.
func (q Queued[T]) Key() string { return q.key }

// Decode returns the record read and true, or false when the key held
// nothing, once the pipeline q was queued on has run.
func (q Queued[T]) Decode() (T, bool, error) {
	var zero T
	if err := q.cmd.Err(); err != nil {
		return zero, false, fmt.Errorf("store: get %s: %w", q.key, err)
	}
	r, err := recordFrom(q.key, q.cmd.Val())
	if err != nil || !r.Exists() {
		return zero, false, err
	}
	v, err := q.c.codec.Decode(r.Data, r.Version)
	if err != nil {
		return zero, false, fmt.Errorf("store: record %s: %w", q.key, err)
	}
	return v, true, nil
}
