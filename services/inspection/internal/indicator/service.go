package indicator

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/usecase"
)

// maxRecomputeAttempts bounds the recomputations of a period's benchmarks
// that keep losing to concurrent imports of the same period.
const maxRecomputeAttempts = 10

// Imported is an import's answer: the sets as stored, and the benchmarks of
// their periods once the import counted in them.
type Imported struct {
	Sets       []Set
	Benchmarks map[Period]Benchmarks
}

// Service carries out the indicator use cases over a Storer: import a batch
// of sets, keep each period's benchmarks in step with its sets, and read
// sets with their benchmarks.
type Service struct {
	usecase.Core[Storer]
}

// NewService returns the use cases over st, stamping sets with the time
// from now (nil means time.Now).
func NewService(st Storer, now func() time.Time) *Service {
	return &Service{Core: usecase.New(st, now)}
}

// Import stores sets (parsed by ParseBatch), each replacing the council's
// set for its period, and recomputes the benchmarks of every period it
// touched: once per import, never on a read. Each council's sets commit
// atomically; the batch is not atomic across councils, and benchmarks
// follow whatever committed even when a council failed. A repeat of r's
// request_id answers what the first call did; the answer is remembered
// once every council committed, so a retry of a batch that failed part-way
// imports it again, which is safe since an import replaces.
func (s *Service) Import(ctx context.Context, sets []Set, r change.Request) (Imported, error) {
	if prev, ok, err := s.Store.ReplayImport(ctx, r); err != nil || ok {
		return prev, err
	}
	now := s.Now()
	stamped := slices.Clone(sets)
	for i := range stamped {
		stamped[i].UpdateTime = now
	}
	stored, importErr := s.Store.Import(ctx, stamped, r)
	errs := []error{importErr}
	periods := slices.Compact(slices.Sorted(slices.Values(PeriodsOf(stored))))
	for _, p := range periods {
		errs = append(errs, s.Recompute(ctx, p))
	}
	if err := errors.Join(errs...); err != nil {
		return Imported{}, fmt.Errorf("import indicator sets: %w", err)
	}
	benchmarks, err := s.Benchmarks(ctx, periods)
	if err != nil {
		return Imported{}, err
	}
	out := Imported{Sets: stored, Benchmarks: benchmarks}
	err = s.Store.RememberImport(ctx, r, out)
	if errors.Is(err, change.ErrConflict) {
		// A concurrent twin of this request finished first; both imported
		// the same sets, and its answer is the one to give.
		if first, ok, rerr := s.Store.ReplayImport(ctx, r); rerr != nil || ok {
			return first, rerr
		}
	}
	if err != nil {
		return Imported{}, err
	}
	return out, nil
}

// Recompute recalculates the benchmarks of period p from every council's
// set of p and stores them. Import calls it after its commits; it also
// mends a crash between an import's commits and its recomputation.
//
// It moves the period's revision on, reads the revision and the sets, and
// stores the result only if the revision has not moved meanwhile;
// otherwise another import of p finished its commits during the read, and
// the sets are read again so that they count. The stored benchmarks never
// miss a committed set once both imports return.
func (s *Service) Recompute(ctx context.Context, p Period) error {
	if err := s.Store.BumpRevision(ctx, p); err != nil {
		return err
	}
	for range maxRecomputeAttempts {
		rev, sets, err := s.Store.PeriodSets(ctx, p)
		if err != nil {
			return err
		}
		stored, err := s.Store.SaveBenchmarks(ctx, ComputeBenchmarks(p, sets), rev)
		if err != nil || stored {
			return err
		}
	}
	return fmt.Errorf("recompute %s benchmarks: still contended after %d attempts: %w", p, maxRecomputeAttempts, change.ErrConflict)
}

// Get returns one council's set for a period, or ErrNotFound, with the
// period's benchmarks.
func (s *Service) Get(ctx context.Context, gss string, p Period) (Set, map[Period]Benchmarks, error) {
	set, err := s.Store.Get(ctx, gss, p)
	if err != nil {
		return Set{}, nil, err
	}
	b, err := s.Benchmarks(ctx, []Period{p})
	return set, b, err
}

// List returns up to limit of a council's sets from offset, newest period
// first, how many the council has, and the benchmarks of their periods.
func (s *Service) List(ctx context.Context, gss string, offset int64, limit int) ([]Set, int64, map[Period]Benchmarks, error) {
	sets, total, err := s.Store.List(ctx, gss, offset, limit)
	if err != nil {
		return nil, 0, nil, err
	}
	b, err := s.Benchmarks(ctx, PeriodsOf(sets))
	return sets, total, b, err
}

// Latest returns the newest set of each council in gss that has one, by
// GSS code, and the benchmarks of their periods, in a number of round
// trips that does not grow with len(gss).
func (s *Service) Latest(ctx context.Context, gss []string) (map[string]Set, map[Period]Benchmarks, error) {
	latest, b, err := s.Store.LatestWithBenchmarks(ctx, gss)
	if err != nil {
		return nil, nil, err
	}
	var missing []Period
	for _, set := range latest {
		if _, ok := b[set.Period]; !ok && !slices.Contains(missing, set.Period) {
			missing = append(missing, set.Period)
		}
	}
	if len(missing) == 0 {
		return latest, b, nil
	}
	mended, err := s.Benchmarks(ctx, missing)
	if err != nil {
		return nil, nil, err
	}
	if b == nil {
		b = make(map[Period]Benchmarks, len(mended))
	}
	maps.Copy(b, mended)
	return latest, b, nil
}

// Benchmarks returns the benchmarks of each period asked for that has
// sets, in one read when they are stored. A period that has sets but no
// stored benchmarks (an import stopped between its commits and its
// recomputation) is recomputed here, so the gap mends itself on the next
// read.
func (s *Service) Benchmarks(ctx context.Context, periods []Period) (map[Period]Benchmarks, error) {
	periods = slices.Compact(slices.Sorted(slices.Values(periods)))
	out, err := s.Store.Benchmarks(ctx, periods)
	if err != nil {
		return nil, err
	}
	for _, p := range periods {
		if _, ok := out[p]; ok {
			continue
		}
		_, sets, err := s.Store.PeriodSets(ctx, p)
		if err != nil {
			return nil, err
		}
		if len(sets) == 0 {
			continue
		}
		if err := s.Recompute(ctx, p); err != nil {
			return nil, err
		}
		out[p] = ComputeBenchmarks(p, sets)
	}
	return out, nil
}

// PeriodsOf returns the periods of sets, in their order.
func PeriodsOf(sets []Set) []Period {
	out := make([]Period, len(sets))
	for i, set := range sets {
		out[i] = set.Period
	}
	return out
}
