package council

import (
	"context"

	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Service carries out the council use cases: read one, list, and seed the
// reference data. Councils change only through the publication of a
// judgement, which the inspection use case makes (see WithJudgement).
type Service struct {
	store Storer
	// selected keeps List's selections per state of the councils.
	selected selections
}

// NewService returns the council use cases over st.
func NewService(st Storer) *Service { return &Service{store: st} }

// Get returns the council with GSS code gss, or ErrNotFound.
func (s *Service) Get(ctx context.Context, gss string) (LocalAuthority, error) {
	return s.store.Get(ctx, gss)
}

// List returns the councils f matches, in order (see Select). It reads
// every council's current version on each call, and filters and orders the
// councils once per state of them for each filter and order: the slice
// returned is shared with other calls, so read it only.
func (s *Service) List(ctx context.Context, f *filter.Filter, order filter.Order) ([]LocalAuthority, error) {
	all, err := s.store.All(ctx)
	if err != nil {
		return nil, err
	}
	return s.selected.selectFrom(all, f, order), nil
}

// Seed stores the councils of cs that are not yet stored, leaving existing
// records untouched, so it is safe to run on every start.
func (s *Service) Seed(ctx context.Context, cs []reference.Council) (added int, err error) {
	return s.store.Seed(ctx, cs)
}
