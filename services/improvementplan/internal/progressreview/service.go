package progressreview

import (
	"context"
	"time"

	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/usecase"
)

// Storer is the storage the progress review use cases need;
// progressreviewstore implements it.
type Storer interface {
	// Get returns one review, or an error matching ErrNotFound.
	Get(ctx context.Context, gss, planID, id string) (Review, error)
	// List returns a plan's reviews, oldest first (see Sort).
	List(ctx context.Context, gss, planID string) ([]Review, error)
	// Replay returns the review a previous call with r.RequestID recorded.
	usecase.CouncilReplays[Review]
	// Insert stores the new review rec records at version 1 and, when the
	// review moved the plan, the plan pinned to the version it was read
	// at, with their audit entries and the review to replay to a retry of
	// r, in one transaction. A taken ID or a plan that moved gives an error
	// matching plan.ErrConflict.
	Insert(ctx context.Context, rec Recorded, r change.Request) error
}

// Service carries out the progress review use cases.
type Service struct {
	usecase.Core[Storer]
	plans plan.Reader
}

// NewService returns the use cases over st and plans, reading the time
// from now (nil means time.Now).
func NewService(st Storer, plans plan.Reader, now func() time.Time) *Service {
	return &Service{Core: usecase.New(st, now), plans: plans}
}

// Create records d against plan planID of the council gss on behalf of
// r.Subject (see Record, with violations under "progress_review."). A
// repeat of r.RequestID returns the first call's review, found by the
// commit or after a refusal (change.Retry).
func (s *Service) Create(ctx context.Context, gss, planID string, d Draft, r change.Request) (Review, error) {
	now := s.Now()
	replay := usecase.Replayer[Review](s.Store, gss, r)
	// A conflict is the plan moving (another first review, the
	// deadline), a fresh ID taken, or a retry of this request whose
	// first call committed (its answer is then replayed).
	return change.Retry(ctx, "progressreview: record a review of "+plan.Name(gss, planID), replay, func(ctx context.Context) (Review, error) {
		cur, err := s.plans.Get(ctx, gss, planID)
		if err != nil {
			return Review{}, err
		}
		rec, err := Record(cur, d, resource.NewID(), "progress_review.", r.Subject, now)
		if err != nil {
			return Review{}, err
		}
		if err := s.Store.Insert(ctx, rec, r); err != nil {
			return Review{}, err
		}
		return rec.Review, nil
	})
}

// Get returns review id of plan planID of the council gss, or an error
// matching ErrNotFound.
func (s *Service) Get(ctx context.Context, gss, planID, id string) (Review, error) {
	return s.Store.Get(ctx, gss, planID, id)
}

// List returns the reviews of plan planID of the council gss, oldest
// first; a plan that does not exist is plan.ErrNotFound.
func (s *Service) List(ctx context.Context, gss, planID string) ([]Review, error) {
	if _, err := s.plans.Get(ctx, gss, planID); err != nil {
		return nil, err
	}
	return s.Store.List(ctx, gss, planID)
}
