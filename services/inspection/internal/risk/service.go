package risk

import (
	"context"
	"slices"
	"time"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicator"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
)

// Councils is what the risk use cases read of councils.
type Councils interface {
	// Get returns one council, or council.ErrNotFound.
	Get(ctx context.Context, gss string) (council.LocalAuthority, error)
	// All returns every council, in no particular order.
	All(ctx context.Context) ([]council.LocalAuthority, error)
}

// CouncilReader is what Councils may also do: read one council with its
// newest indicator set (by GSS code; empty when it has none) and the stored
// benchmarks of that set's period, together, in fewer round trips than Get
// and Indicators.Latest one after the other. A Service whose Councils
// implement it assesses one council that way. The sets and benchmarks it
// returns may be shared with other calls: the use cases only read them.
type CouncilReader interface {
	GetWithLatest(ctx context.Context, gss string) (council.LocalAuthority, map[string]indicator.Set, map[indicator.Period]indicator.Benchmarks, error)
}

// Indicators is what the risk use cases read of indicator sets: each
// council's newest set and the benchmarks of their periods, in a number of
// round trips that does not grow with the number of councils.
type Indicators interface {
	Latest(ctx context.Context, gss []string) (map[string]indicator.Set, map[indicator.Period]indicator.Benchmarks, error)
}

// Service carries out the risk use cases: score one council, or list every
// council's scores, from each council's newest indicator set.
type Service struct {
	councils   Councils
	indicators Indicators
	model      Model
	now        func() time.Time
}

// NewService returns the risk use cases, scoring with model and judging
// how recent a judgement is by now (nil means time.Now).
func NewService(councils Councils, indicators Indicators, model Model, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{councils: councils, indicators: indicators, model: model, now: now}
}

// Assess returns council gss's assessment with every factor explained, or
// council.ErrNotFound.
func (s *Service) Assess(ctx context.Context, gss string) (Council, error) {
	if r, ok := s.councils.(CouncilReader); ok {
		la, latest, benchmarks, err := r.GetWithLatest(ctx, gss)
		if err != nil {
			return Council{}, err
		}
		set, has := latest[gss]
		if _, benchmarked := benchmarks[set.Period]; !has || benchmarked {
			return s.model.ExplainCouncil(s.scored([]council.LocalAuthority{la}, latest, benchmarks, nil)[0]), nil
		}
		// The period's benchmarks are not stored: Indicators.Latest mends
		// them.
		return s.assessOne(ctx, la)
	}
	la, err := s.councils.Get(ctx, gss)
	if err != nil {
		return Council{}, err
	}
	return s.assessOne(ctx, la)
}

// assessOne is Assess of la, read.
func (s *Service) assessOne(ctx context.Context, la council.LocalAuthority) (Council, error) {
	assessed, err := s.assess(ctx, []council.LocalAuthority{la}, nil)
	if err != nil {
		return Council{}, err
	}
	return s.model.ExplainCouncil(assessed[0]), nil
}

// List returns the assessments of the councils keep admits that f matches,
// in risk order (see Model.AssessAll), unexplained: Explain the ones shown.
func (s *Service) List(ctx context.Context, keep func(gss string) bool, f *filter.Filter) ([]Council, error) {
	all, err := s.councils.All(ctx)
	if err != nil {
		return nil, err
	}
	all = slices.DeleteFunc(all, func(la council.LocalAuthority) bool { return !keep(la.GSSCode) })
	return s.assess(ctx, all, f)
}

// Explain returns c with every factor explained.
func (s *Service) Explain(c Council) Council { return s.model.ExplainCouncil(c) }

// WithholdMedians returns c, explained, with the medians of every factor
// withheld for reason: for a caller that may read the council's risk but
// not its indicators, to whom no aggregate of indicators is shown.
func (s *Service) WithholdMedians(c Council, reason string) Council {
	c.Assessment = s.model.WithholdMedians(c.Region, c.Assessment, reason)
	return c
}

// assess scores councils from their newest sets.
func (s *Service) assess(ctx context.Context, las []council.LocalAuthority, f *filter.Filter) ([]Council, error) {
	codes := make([]string, len(las))
	for i, la := range las {
		codes[i] = la.GSSCode
	}
	latest, benchmarks, err := s.indicators.Latest(ctx, codes)
	if err != nil {
		return nil, err
	}
	return s.scored(las, latest, benchmarks, f), nil
}

// scored scores councils from their newest sets and benchmarks, and keeps
// those f matches.
func (s *Service) scored(las []council.LocalAuthority, latest map[string]indicator.Set, benchmarks map[indicator.Period]indicator.Benchmarks, f *filter.Filter) []Council {
	all := s.model.AssessAll(las, latest, benchmarks, nil)
	now := s.now().UTC()
	out := all[:0]
	for _, c := range all {
		c.Status, c.Note = Standing(c.Latest, now)
		if f.Match(&c) {
			out = append(out, c)
		}
	}
	return out
}
