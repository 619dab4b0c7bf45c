package indicatorstore

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicator"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// newestPeriods remembers the newest period found for each council, and
// the newest of all, so that a read of councils' newest sets can ask for
// the set of that period in the same round trip as the period index
// instead of after it.
//
// It is only ever a guess: the index read in the same pipeline decides
// which period is newest, and a set read for another period is dropped and
// read again. A replica that guesses wrong (another imported a newer
// period) costs one more round trip, never a wrong answer.
type newestPeriods struct {
	mu  sync.RWMutex
	of  map[string]indicator.Period
	all indicator.Period
}

// guess returns the period to read for council gss, 0 for none.
func (n *newestPeriods) guess(gss string) indicator.Period {
	n.mu.RLock()
	defer n.mu.RUnlock()
	if p, ok := n.of[gss]; ok {
		return p
	}
	return n.all
}

// found records that p is council gss's newest period. Only councils that
// have sets are recorded, so the map stays within the councils.
func (n *newestPeriods) found(gss string, p indicator.Period) {
	n.mu.RLock()
	same := n.of[gss] == p && n.all >= p
	n.mu.RUnlock()
	if same {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.of == nil {
		n.of = map[string]indicator.Period{}
	}
	n.of[gss] = p
	n.all = max(n.all, p)
}

// newestRead is one council's part of a latest read.
type newestRead struct {
	index *redis.StringSliceCmd
	guess indicator.Period
	set   store.Queued[indicator.Set] // queued when guess is not 0
}

// LatestWithBenchmarks is Latest and then Benchmarks of the periods of the
// sets found, usually in one pipelined round trip: each council's period
// index beside its set of the period it is expected to be, and the stored
// benchmarks of the periods expected. Councils whose newest period was not
// the one expected, and benchmarks of periods not expected, take one more
// round trip. A period without stored benchmarks is left out, as Benchmarks
// leaves it out.
//
// Every value returned was read during the call, so none is older than a
// write committed before it.
func (s *Sets) LatestWithBenchmarks(ctx context.Context, gss []string) (map[string]indicator.Set, map[indicator.Period]indicator.Benchmarks, error) {
	return s.latest(ctx, gss, true, nil)
}

// LatestWithBenchmarksAlong is LatestWithBenchmarks that also queues along's
// reads on its first pipeline, so a caller reads other keys (a council's
// record) in the same round trip. along's commands have run, and their
// errors are theirs to inspect, once it returns without error.
func (s *Sets) LatestWithBenchmarksAlong(ctx context.Context, gss []string, along func(redis.Pipeliner)) (map[string]indicator.Set, map[indicator.Period]indicator.Benchmarks, error) {
	return s.latest(ctx, gss, true, along)
}

// latest reads the newest set of each council in gss and, withBenchmarks,
// the benchmarks of their periods (nil otherwise); along, when not nil,
// queues its own reads on the first pipeline.
func (s *Sets) latest(ctx context.Context, gss []string, withBenchmarks bool, along func(redis.Pipeliner)) (map[string]indicator.Set, map[indicator.Period]indicator.Benchmarks, error) {
	sets, benchmarks, err := s.readLatest(ctx, gss, withBenchmarks, along)
	if err != nil {
		return nil, nil, err
	}
	onlyPeriodsOf(benchmarks, sets)
	return sets, benchmarks, nil
}

// readLatest is latest, possibly with benchmarks of periods no set found
// has.
func (s *Sets) readLatest(ctx context.Context, gss []string, withBenchmarks bool, along func(redis.Pipeliner)) (map[string]indicator.Set, map[indicator.Period]indicator.Benchmarks, error) {
	out := make(map[string]indicator.Set, len(gss))
	var benchmarks map[indicator.Period]indicator.Benchmarks
	if withBenchmarks {
		benchmarks = map[indicator.Period]indicator.Benchmarks{}
	}
	if len(gss) == 0 && along == nil {
		return out, benchmarks, nil
	}
	reads := make([]newestRead, len(gss))
	guessed := map[indicator.Period]*redis.StringCmd{}
	_, err := s.st().Client().Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, code := range gss {
			r := &reads[i]
			r.index = pipe.ZRevRange(ctx, s.periodsKey(code), 0, 0)
			if r.guess = s.newest.guess(code); r.guess != 0 {
				r.set = s.all.Queue(ctx, pipe, s.setKey(code, r.guess))
				if _, ok := guessed[r.guess]; withBenchmarks && !ok {
					guessed[r.guess] = pipe.Get(ctx, s.benchmarksKey(r.guess))
				}
			}
		}
		if along != nil {
			along(pipe)
		}
		return nil
	})
	// A period without benchmarks answers redis.Nil, which the pipeline
	// reports as its error; each command is inspected below instead.
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, nil, fmt.Errorf("read newest indicator sets: %w", err)
	}

	var missed []string // councils whose newest set was not read yet
	var missedKeys []string
	periods := map[indicator.Period]bool{}
	for i, r := range reads {
		if err := r.index.Err(); err != nil {
			return nil, nil, fmt.Errorf("read newest indicator period of %s: %w", gss[i], err)
		}
		if len(r.index.Val()) == 0 {
			continue
		}
		p, err := indicator.ParsePeriod("period", r.index.Val()[0])
		if err != nil {
			return nil, nil, fmt.Errorf("read newest indicator period of %s: bad period %q in the index", gss[i], r.index.Val()[0])
		}
		s.newest.found(gss[i], p)
		periods[p] = true
		if r.guess == p {
			set, ok, err := s.cached.Decode(r.set)
			if err != nil {
				return nil, nil, fmt.Errorf("read newest indicator set of %s: %w", gss[i], err)
			}
			if ok {
				out[set.GSSCode] = set
				continue
			}
		}
		missed = append(missed, gss[i])
		missedKeys = append(missedKeys, s.setKey(gss[i], p))
	}

	var unguessed []indicator.Period // periods whose benchmarks were not read yet
	if withBenchmarks {
		for p := range periods {
			cmd, ok := guessed[p]
			if !ok {
				unguessed = append(unguessed, p)
				continue
			}
			if err := s.decodeInto(benchmarks, p, cmd); err != nil {
				return nil, nil, err
			}
		}
	}
	if len(missed) == 0 && len(unguessed) == 0 {
		return out, benchmarks, nil
	}

	// The second round trip: the sets and benchmarks not guessed.
	queued := make([]store.Queued[indicator.Set], len(missedKeys))
	more := make([]*redis.StringCmd, len(unguessed))
	_, err = s.st().Client().Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, k := range missedKeys {
			queued[i] = s.all.Queue(ctx, pipe, k)
		}
		for i, p := range unguessed {
			more[i] = pipe.Get(ctx, s.benchmarksKey(p))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, nil, fmt.Errorf("read newest indicator sets: %w", err)
	}
	for i, q := range queued {
		set, ok, err := s.cached.Decode(q)
		if err != nil {
			return nil, nil, fmt.Errorf("read newest indicator set of %s: %w", missed[i], err)
		}
		if ok {
			out[set.GSSCode] = set
		}
	}
	for i, p := range unguessed {
		if err := s.decodeInto(benchmarks, p, more[i]); err != nil {
			return nil, nil, err
		}
	}
	return out, benchmarks, nil
}

// onlyPeriodsOf drops from benchmarks the periods of no set in sets (an
// index entry whose set was not found).
func onlyPeriodsOf(benchmarks map[indicator.Period]indicator.Benchmarks, sets map[string]indicator.Set) {
	if len(benchmarks) == 0 {
		return
	}
	have := make(map[indicator.Period]bool, len(benchmarks))
	for _, set := range sets {
		have[set.Period] = true
	}
	for p := range benchmarks {
		if !have[p] {
			delete(benchmarks, p)
		}
	}
}

// decodeInto adds the benchmarks of p that cmd read to into, unless none
// are stored.
func (s *Sets) decodeInto(into map[indicator.Period]indicator.Benchmarks, p indicator.Period, cmd *redis.StringCmd) error {
	data, err := cmd.Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return nil
	case err != nil:
		return fmt.Errorf("read %s benchmarks: %w", p, err)
	}
	b, err := s.decoded.decode(p, data)
	if err != nil {
		return fmt.Errorf("decode %s benchmarks: %w", p, err)
	}
	into[p] = b
	return nil
}
