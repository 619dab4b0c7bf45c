package indicatorstore

import (
	"context"
	"fmt"

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
// council first and its set after takes two.
type CouncilsWithSets struct {
	*councilstore.Councils
	sets *Sets
}

// NewCouncilsWithSets returns the councils of councils, read along with the
// sets of sets.
func NewCouncilsWithSets(councils *councilstore.Councils, sets *Sets) CouncilsWithSets {
	return CouncilsWithSets{Councils: councils, sets: sets}
}

// GetWithLatest returns council gss, its newest set by GSS code (empty when
// it has none) and the stored benchmarks of that set's period (without it
// when none are stored), or council.ErrNotFound. Everything returned was read
// during the call.
func (c CouncilsWithSets) GetWithLatest(ctx context.Context, gss string) (council.LocalAuthority, map[string]indicator.Set, map[indicator.Period]indicator.Benchmarks, error) {
	var read store.Queued[council.LocalAuthority]
	sets, benchmarks, err := c.sets.LatestWithBenchmarksAlong(ctx, []string{gss}, func(p redis.Pipeliner) {
		read = c.Queue(ctx, p, gss)
	})
	if err != nil {
		return council.LocalAuthority{}, nil, nil, err
	}
	la, ok, err := c.Decode(read)
	switch {
	case err != nil:
		return council.LocalAuthority{}, nil, nil, fmt.Errorf("read council %s: %w", gss, err)
	case !ok:
		return council.LocalAuthority{}, nil, nil, council.ErrNotFound
	}
	return la, sets, benchmarks, nil
}
