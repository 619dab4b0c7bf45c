package redistest

import (
	"context"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// RoundTrips is a go-redis hook that counts round trips: one per command,
// one per pipeline (and per MULTI/EXEC, which go-redis sends as one). The
// handshake of a new pooled connection (HELLO, then a CLIENT pipeline) is
// left out: it is no cost of the call that happens to open the connection.
// Tests add it with CountRoundTrips and assert that a read takes a
// constant number of round trips.
type RoundTrips struct{ n atomic.Int64 }

// CountRoundTrips adds a RoundTrips hook to c and returns it.
func CountRoundTrips(c redis.UniversalClient) *RoundTrips {
	r := &RoundTrips{}
	c.AddHook(r)
	return r
}

// Count is the number of round trips so far.
func (r *RoundTrips) Count() int64 { return r.n.Load() }

// During is the number of round trips fn takes.
func (r *RoundTrips) During(fn func()) int64 {
	before := r.Count()
	fn()
	return r.Count() - before
}

// DialHook implements redis.Hook.
func (r *RoundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook.
func (r *RoundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() != "hello" {
			r.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook implements redis.Hook.
func (r *RoundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) == 0 || cmds[0].Name() != "client" {
			r.n.Add(1)
		}
		return next(ctx, cmds)
	}
}
