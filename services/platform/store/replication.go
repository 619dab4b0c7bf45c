package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNotReplicated is returned by Commit when wait_replicas is set and fewer
// replicas than asked acknowledged the write within the wait timeout. The
// write did commit on the primary (and its request_id is remembered), but a
// failover now could lose it: the request fails UNAVAILABLE, and a retry with
// the same request_id replays the stored response once replication catches
// up, or fails the same way while it has not.
var ErrNotReplicated = errors.New("store: the write was not acknowledged by enough replicas")

// DefaultWaitTimeout is how long a commit waits for replicas when
// wait_replicas is set without wait_timeout.
const DefaultWaitTimeout = 500 * time.Millisecond

// Replication asks every commit to wait until Replicas replicas hold it
// (Redis WAIT), at most Timeout. Zero Replicas waits for none, the default:
// replication is then asynchronous and a failover may lose the last writes
// the primary acknowledged.
type Replication struct {
	Replicas int
	Timeout  time.Duration
}

// WithReplication makes commits wait for r.Replicas replicas; see
// Replication. ParseReplication reads it from REDIS_URL.
func WithReplication(r Replication) Option {
	return func(s *Store) {
		if r.Replicas > 0 && r.Timeout <= 0 {
			r.Timeout = DefaultWaitTimeout
		}
		s.replication = r
	}
}

// execReplicated is exec followed, when the store waits for replicas, by
// WAIT on the connection that ran the MULTI/EXEC: WAIT counts the writes of
// its own connection only, so it cannot run on another pooled one.
func (s *Store) execReplicated(ctx context.Context, c txPipeliner, p *plan, cur versions) (Result, error) {
	if s.replication.Replicas <= 0 {
		return s.exec(ctx, c, p, cur)
	}
	tx, ok := c.(*redis.Tx)
	if !ok {
		// Pin one connection for the MULTI/EXEC and the WAIT. A Cluster
		// client pins by key; watching the outbox stream only makes a
		// concurrent commit to the same tag retry, as any contention does.
		var keys []string
		if _, cluster := s.c.(*redis.ClusterClient); cluster {
			keys = []string{p.outbox}
		}
		var res Result
		err := s.c.Watch(ctx, func(tx *redis.Tx) error {
			var err error
			res, err = s.execReplicated(ctx, tx, p, cur)
			return err
		}, keys...)
		return res, err
	}
	res, err := s.exec(ctx, tx, p, cur)
	if err != nil {
		return res, err
	}
	n, err := tx.Wait(ctx, s.replication.Replicas, s.replication.Timeout).Result()
	if err != nil {
		return Result{}, fmt.Errorf("store: wait for %d replicas: %w", s.replication.Replicas, err)
	}
	if int(n) < s.replication.Replicas {
		return Result{}, fmt.Errorf("store: %d of %d replicas acknowledged within %s: %w",
			n, s.replication.Replicas, s.replication.Timeout, ErrNotReplicated)
	}
	return res, nil
}

// replayReplicated makes a replayed response as durable as a fresh one:
// when the store waits for replicas, a retry whose first attempt committed
// but failed ErrNotReplicated must not be acknowledged until the replicas
// hold the record. WAIT counts the writes of its own connection, so the
// record's expiry is renewed (a write that changes nothing else) and WAIT
// runs on that same connection.
func (s *Store) replayReplicated(ctx context.Context, key string) error {
	if s.replication.Replicas <= 0 {
		return nil
	}
	var keys []string
	if _, cluster := s.c.(*redis.ClusterClient); cluster {
		keys = []string{key}
	}
	return s.c.Watch(ctx, func(tx *redis.Tx) error {
		if err := tx.PExpire(ctx, key, s.idempotencyTTL).Err(); err != nil {
			return fmt.Errorf("store: replay: renew %s: %w", key, err)
		}
		n, err := tx.Wait(ctx, s.replication.Replicas, s.replication.Timeout).Result()
		if err != nil {
			return fmt.Errorf("store: replay: wait for %d replicas: %w", s.replication.Replicas, err)
		}
		if int(n) < s.replication.Replicas {
			return fmt.Errorf("store: replay: %d of %d replicas acknowledged within %s: %w",
				n, s.replication.Replicas, s.replication.Timeout, ErrNotReplicated)
		}
		return nil
	}, keys...)
}
