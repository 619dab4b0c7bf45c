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

// commitReplicated runs the commit script followed by WAIT in the same
// round trip on one connection: WAIT counts the writes of its own
// connection only, so it cannot run on another pooled one. A commit the
// script refused wrote nothing and waits for nothing.
func (s *Store) commitReplicated(ctx context.Context, p *plan) (Result, error) {
	// The outbox shares the mutation's slot, so it pins the connection.
	var res Result
	err := s.c.Watch(ctx, func(tx *redis.Tx) error {
		var wait *redis.Cmd
		var err error
		res, err = s.commitOnce(ctx, tx, p, func(pipe redis.Pipeliner) {
			// Pipeliner has no Wait method; this is tx.Wait's command.
			wait = pipe.Do(ctx, "wait", s.replication.Replicas, s.replication.Timeout.Milliseconds())
		})
		if err != nil {
			return err
		}
		return s.replicated("store", wait.Int64)
	}, s.pinned(p.outbox)...)
	if err != nil {
		return Result{}, err
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
	return s.c.Watch(ctx, func(tx *redis.Tx) error {
		if err := tx.PExpire(ctx, key, s.idempotencyTTL).Err(); err != nil {
			return fmt.Errorf("store: replay: renew %s: %w", key, err)
		}
		return s.replicated("store: replay", tx.Wait(ctx, s.replication.Replicas, s.replication.Timeout).Result)
	}, s.pinned(key)...)
}

// pinned is the key a Watch names to pin its connection: a Cluster client
// pins one by key (watching it is harmless: no MULTI/EXEC follows), any
// other client needs none.
func (s *Store) pinned(key string) []string {
	if _, cluster := s.c.(*redis.ClusterClient); cluster {
		return []string{key}
	}
	return nil
}

// replicated checks the answer of a WAIT, which acked gives: an error
// prefixed with what when it failed or fewer replicas than the store waits
// for acknowledged the writes in time (ErrNotReplicated).
func (s *Store) replicated(what string, acked func() (int64, error)) error {
	n, err := acked()
	if err != nil {
		return fmt.Errorf("%s: wait for %d replicas: %w", what, s.replication.Replicas, err)
	}
	if int(n) < s.replication.Replicas {
		return fmt.Errorf("%s: %d of %d replicas acknowledged within %s: %w",
			what, n, s.replication.Replicas, s.replication.Timeout, ErrNotReplicated)
	}
	return nil
}
