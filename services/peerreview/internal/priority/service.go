package priority

import (
	"context"
	"time"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
)

// Risks reads, from the inspection service and for the caller, the risk
// assessments of the councils not yet inspected under SIF. An unreachable
// inspection service is an error, never an empty list: that would say no
// council is at risk.
type Risks interface {
	NotYetInspected(ctx context.Context) ([]Assessment, error)
}

// Reviews reads every council's peer reviews, to leave out councils with a
// review under way or completed recently.
type Reviews interface {
	All(ctx context.Context) ([]review.Review, error)
}

// Service is the review priorities use case.
type Service struct {
	risks   Risks
	reviews Reviews
	now     func() time.Time
}

// NewService returns the use case over the councils' risk, this service's
// reviews and the clock.
func NewService(risks Risks, reviews Reviews, now func() time.Time) *Service {
	return &Service{risks: risks, reviews: reviews, now: now}
}

// List ranks every council the LGA should offer a peer review now (see
// Rank). The whole list is computed on every call: 152 councils at most.
func (s *Service) List(ctx context.Context) ([]Priority, error) {
	assessments, err := s.risks.NotYetInspected(ctx)
	if err != nil {
		return nil, err
	}
	all, err := s.reviews.All(ctx)
	if err != nil {
		return nil, err
	}
	reviews := make([]Review, len(all))
	for i, rv := range all {
		reviews[i] = Review{Council: rv.GSSCode, State: rv.State, Completed: rv.CompleteTime}
	}
	return Rank(assessments, reviews, s.now()), nil
}
