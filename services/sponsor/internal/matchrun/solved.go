package matchrun

import (
	"cmp"
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/turnaround-sli/turnaround/services/sponsor/internal/match"
)

// maxSolved bounds how many solved inputs a Service keeps. A run's input
// changes whenever a need or a sponsor does, so a handful covers the runs
// officials repeat while nothing changes; the bound keeps a long-lived
// process from holding every input it ever solved.
const maxSolved = 64

// solved is an input the engine solved and its result, shared read-only by
// every run of the same input: nothing changes a Result or an Input after
// Solve returns it.
type solved struct {
	in  match.Input
	res *match.Result
}

// solvedCache keeps solved inputs by solveKey. The engine is deterministic
// (the same input, overrides included, gives the same result) unless its
// time limit cuts it short, so only results that finished within their
// limit are kept (see reusable), and a run of an input solved before takes
// that result instead of solving again. Its data is the input itself,
// fingerprinted, so it can never be out of date: a change to a need, a
// sponsor or the capacity in use changes the fingerprint and misses.
type solvedCache struct {
	mu sync.Mutex
	at map[string]solved
}

// solveKey names an input up to order: its fingerprint (which covers the
// needs, sponsors, capacity in use, algorithm, weights and limits) and its
// what-if overrides, which the fingerprint leaves out. It is "" when the
// input is not valid, so that Solve reports why.
func solveKey(in match.Input) string {
	fp, err := match.Fingerprint(in)
	if err != nil {
		return ""
	}
	o, err := json.Marshal(in.Overrides)
	if err != nil {
		return ""
	}
	return fp + "\x00" + string(o)
}

func (c *solvedCache) get(key string) (solved, bool) {
	if key == "" {
		return solved{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.at[key]
	return s, ok
}

func (c *solvedCache) put(key string, s solved) {
	if key == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at == nil {
		c.at = map[string]solved{}
	}
	if len(c.at) >= maxSolved {
		for k := range c.at {
			delete(c.at, k)
			if len(c.at) < maxSolved/2 {
				break
			}
		}
	}
	c.at[key] = s
}

// reusable reports whether res, which Solve returned after took under ctx
// for in, is the result any later Solve of the same input returns: it ran
// to completion or its node limit (both deterministic), and within its
// time limit, so that the report was not cut short either (the report
// keeps fewer candidates only once the limit has passed).
func reusable(ctx context.Context, in match.Input, res *match.Result, took time.Duration) bool {
	if res == nil || res.Stop == match.StopTimeLimit {
		return false
	}
	limit := cmp.Or(in.TimeLimit, match.DefaultTimeLimit)
	if d, ok := ctx.Deadline(); ok && time.Until(d)+took < limit {
		limit = time.Until(d) + took
	}
	return took < limit
}

// solve returns the engine's result for in: the one an identical input
// had, when it is reusable, or a new one. The input returned is the one
// the result was solved from (the same as in up to order).
func (s *Service) solve(ctx context.Context, in match.Input) (match.Input, *match.Result, error) {
	key := solveKey(in)
	if hit, ok := s.solved.get(key); ok {
		return hit.in, hit.res, nil
	}
	start := time.Now()
	res, err := match.Solve(ctx, in)
	if err != nil {
		return match.Input{}, nil, err
	}
	if reusable(ctx, in, res, time.Since(start)) {
		s.solved.put(key, solved{in: in, res: res})
	}
	return in, res, nil
}
