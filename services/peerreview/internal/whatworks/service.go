package whatworks

import (
	"context"
	"errors"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
)

// LessonStorer is the storage the lesson use cases need.
type LessonStorer interface {
	// Get returns the lesson, or ErrNotFound.
	Get(ctx context.Context, id string) (Lesson, error)
	// All returns every lesson.
	All(ctx context.Context) ([]Lesson, error)
	// Replay returns the lesson a request with r's request ID created, if
	// any; a request ID reused for another request is an error.
	Replay(ctx context.Context, r change.Request) (Lesson, bool, error)
	// Create stores a new lesson, with its audit entry and the record that
	// makes a retry of r replay it; a taken ID conflicts.
	Create(ctx context.Context, l Lesson, r change.Request) (Lesson, error)
}

// Reviews is what What Works reads of peer reviews: every council's
// reviews for the summaries, and one review to check a lesson's link.
type Reviews interface {
	All(ctx context.Context) ([]review.Review, error)
	// Get returns one review, or review.ErrNotFound.
	Get(ctx context.Context, gss, id string) (review.Review, error)
}

// Judgements reads every council's latest published judgement, keyed by
// GSS code, from the inspection service.
type Judgements interface {
	LatestJudgements(ctx context.Context) (map[string]Judgement, error)
}

// Service is the What Works use cases: the anonymous theme summaries and
// the lessons councils agreed to share.
type Service struct {
	lessons    LessonStorer
	reviews    Reviews
	judgements Judgements
}

// NewService returns the use cases over the lesson store, the peer reviews
// and the councils' judgements.
func NewService(lessons LessonStorer, reviews Reviews, judgements Judgements) *Service {
	return &Service{lessons: lessons, reviews: reviews, judgements: judgements}
}

// Summaries summarises every completed review's findings by theme, each
// count over at least minCouncils councils (see Summarise). The councils'
// later grades are read only when the reviews come from enough councils to
// summarise, since below the minimum nothing is published.
func (s *Service) Summaries(ctx context.Context, minCouncils int) (Summaries, error) {
	reviews, err := s.reviews.All(ctx)
	if err != nil {
		return Summaries{}, err
	}
	councils := map[string]bool{}
	for _, rv := range reviews {
		if rv.State == review.Completed {
			councils[rv.GSSCode] = true
		}
	}
	var latest map[string]Judgement
	if len(councils) > 0 && len(councils) >= minCouncils {
		if latest, err = s.judgements.LatestJudgements(ctx); err != nil {
			return Summaries{}, err
		}
	}
	return Summarise(reviews, latest, minCouncils), nil
}

// Create publishes l (parsed from a Draft) for r, or replays what an
// earlier request with r's request ID published, found by the commit or
// after a refusal (change.Retry). A lesson that links a review needs
// that review to exist (NOT_FOUND) and be completed (FAILED_PRECONDITION,
// see CheckSource).
func (s *Service) Create(ctx context.Context, l Lesson, r change.Request) (Lesson, error) {
	replay := func(ctx context.Context) (Lesson, bool, error) { return s.lessons.Replay(ctx, r) }
	return change.Retry(ctx, "whatworks: publish a lesson", replay, func(ctx context.Context) (Lesson, error) {
		if l.PeerReview != "" {
			gss, id, _ := resource.ParseCouncilChild("lesson.peer_review", review.Collection, l.PeerReview)
			src, err := s.reviews.Get(ctx, gss, id)
			if errors.Is(err, review.ErrNotFound) {
				return Lesson{}, fault.NotFound(review.ReasonNotFound, "%s does not exist", l.PeerReview).With("peer_review", l.PeerReview)
			}
			if err != nil {
				return Lesson{}, err
			}
			if err := CheckSource(l, src); err != nil {
				return Lesson{}, err
			}
		}
		return s.lessons.Create(ctx, l, r)
	})
}

// Get returns the lesson with ID id, or ErrNotFound.
func (s *Service) Get(ctx context.Context, id string) (Lesson, error) {
	return s.lessons.Get(ctx, id)
}

// List returns the lessons f matches, newest first (see Select).
func (s *Service) List(ctx context.Context, f *filter.Filter) ([]Lesson, error) {
	all, err := s.lessons.All(ctx)
	if err != nil {
		return nil, err
	}
	return Select(all, f), nil
}
