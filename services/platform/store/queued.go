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

// record is the record read, once the pipeline q was queued on has run.
func (q Queued[T]) record() (Record, error) {
	if err := q.cmd.Err(); err != nil {
		return Record{}, fmt.Errorf("store: get %s: %w", q.key, err)
	}
	return recordFrom(q.key, q.cmd.Val())
}

// Decode returns the record read and true, or false when the key held
// nothing, once the pipeline q was queued on has run.
func (q Queued[T]) Decode() (T, bool, error) {
	r, err := q.record()
	if err != nil {
		var zero T
		return zero, false, err
	}
	return q.c.decoded(r)
}
