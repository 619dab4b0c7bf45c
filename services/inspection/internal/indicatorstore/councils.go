package indicatorstore

import (
	"context"
	"fmt"
	"maps"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/councilstore"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicator"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// CouncilsWithSets is the council store that also reads a council together
// with its newest indicator set and the benchmarks of that set's period, in
// the round trip that reads the set: a risk assessment's reads, in one round
// trip once the store knows the council's newest period, where reading the
// council first and its set after takes two. With a Tracker, a council read
// before is answered from memory while none of those keys changed.
type CouncilsWithSets struct {
	*councilstore.Councils
	sets   *Sets
	latest *store.Memo[withLatest]
}

// withLatest is what GetWithLatest reads of one council.
type withLatest struct {
	la         council.LocalAuthority
	sets       map[string]indicator.Set
	benchmarks map[indicator.Period]indicator.Benchmarks
}

// NewCouncilsWithSets returns the councils of councils, read along with the
// sets of sets.
func NewCouncilsWithSets(councils *councilstore.Councils, sets *Sets) CouncilsWithSets {
	return CouncilsWithSets{Councils: councils, sets: sets, latest: store.NewMemo[withLatest](sets.st())}
}

// GetWithLatest returns council gss, its newest set by GSS code (empty when
// it has none) and the stored benchmarks of that set's period (without it
// when none are stored), or council.ErrNotFound. Nothing returned is older
// than a write acknowledged before the call. The maps are the caller's; the
// sets and benchmarks in them are shared and must not be changed.
func (c CouncilsWithSets) GetWithLatest(ctx context.Context, gss string) (council.LocalAuthority, map[string]indicator.Set, map[indicator.Period]indicator.Benchmarks, error) {
	// A council that does not exist fails its read, which the memo keeps
	// nothing of.
	got, err := c.latest.Read(ctx, gss, func() []string { return c.keysOf(gss) }, func() (withLatest, error) {
		return c.readWithLatest(ctx, gss)
	})
	if err != nil {
		return council.LocalAuthority{}, nil, nil, err
	}
	return got.la, maps.Clone(got.sets), maps.Clone(got.benchmarks), nil
}

// keysOf is every key readWithLatest of council gss depends on: the
// council, its period index, its sets and every period's benchmarks.
func (c CouncilsWithSets) keysOf(gss string) []string {
	return []string{c.Key(gss), c.sets.periodsKey(gss), c.sets.setKeyShape(gss), c.sets.benchmarksKeyShape()}
}

// readWithLatest is GetWithLatest, read from Redis.
func (c CouncilsWithSets) readWithLatest(ctx context.Context, gss string) (withLatest, error) {
	var read store.Queued[council.LocalAuthority]
	sets, benchmarks, err := c.sets.LatestWithBenchmarksAlong(ctx, []string{gss}, func(p redis.Pipeliner) {
		read = c.Queue(ctx, p, gss)
	})
	if err != nil {
		return withLatest{}, err
	}
	la, ok, err := c.Decode(read)
	switch {
	case err != nil:
		return withLatest{}, fmt.Errorf("read council %s: %w", gss, err)
	case !ok:
		return withLatest{}, council.ErrNotFound
	}
	return withLatest{la: la, sets: sets, benchmarks: benchmarks}, nil
}
