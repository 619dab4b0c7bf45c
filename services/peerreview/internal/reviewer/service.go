package reviewer

import (
	"context"
	"fmt"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/usecase"
)

// Reasons of the faults the rules return, as google.rpc.ErrorInfo shows
// them.
const (
	// ReasonNotFound: no such reviewer.
	ReasonNotFound = "REVIEWER_NOT_FOUND"
	// ReasonOnOpenReview: the reviewer is on the team of a review that is
	// not completed or cancelled, so they cannot leave the pool.
	ReasonOnOpenReview = "REVIEWER_ON_OPEN_REVIEW"
)

// ErrNotFound is what a Storer returns for a reviewer it does not hold.
var ErrNotFound = fault.NotFound(ReasonNotFound, "the reviewer does not exist")

// ErrOnOpenReview refuses to delete a reviewer who is on an open review.
var ErrOnOpenReview = fault.FailedPrecondition(ReasonOnOpenReview,
	"the reviewer is on the team of an open peer review; cancel or complete it, or change its team, first")

// OpenAssignments says whether a reviewer is on the team of an open review
// (one not completed or cancelled). The peer review store implements it;
// Service.Delete consults it.
type OpenAssignments interface {
	// Assigned reports whether the reviewer with ID reviewerID is on an
	// open review's team.
	Assigned(ctx context.Context, reviewerID string) (bool, error)
}

// Commitments reports the days each reviewer has committed to open reviews
// this quarter. The peer review store implements it; the API shows the
// figure as committed_days and team proposals weigh it.
type Commitments interface {
	// CommittedDays maps reviewer IDs (the {id} of reviewers/{id}) to
	// their committed days; a reviewer absent from the map has none.
	CommittedDays(ctx context.Context) (map[string]int, error)
}

// Storer is the storage the pool rules need. Writes are pinned to the
// version the reviewer was read at and fail with an error matching
// change.ErrConflict when it moved; each commits the change, its audit entry and,
// when r.RequestID is set, the response to replay, in one transaction.
type Storer interface {
	// Get returns one reviewer, or ErrNotFound.
	Get(ctx context.Context, id string) (Reviewer, error)
	// All returns the whole pool, in no particular order, and the pool's
	// fingerprint, which changes whenever any reviewer is created,
	// changed or deleted.
	All(ctx context.Context) ([]Reviewer, string, error)
	// Replay returns the reviewer a previous create with r.RequestID returned,
	// if any. A reused r.RequestID with another r.RequestHash is an INVALID_ARGUMENT
	// fault.
	Replay(ctx context.Context, r change.Request) (Reviewer, bool, error)
	// Insert stores a new reviewer (rv.ID set) at version 1. It returns an
	// error matching change.ErrConflict when the ID is taken or a concurrent call
	// with the same r.RequestID committed first.
	Insert(ctx context.Context, rv Reviewer, r change.Request) (Reviewer, error)
	// Save stores a changed reviewer over the version rv.Version.
	Save(ctx context.Context, rv Reviewer, r change.Request) (Reviewer, error)
	// Delete removes the reviewer at the version rv.Version.
	Delete(ctx context.Context, rv Reviewer, r change.Request) error
}

// Service carries out the pool's use cases over a Storer: create, read,
// update and delete. The gRPC handlers call it, and so can programmatic
// callers such as a demo data loader.
type Service struct {
	usecase.Core[Storer]
	open OpenAssignments
}

// NewService returns the use cases over st. open tells Delete whether a
// reviewer is on an open review; nil means nobody ever is. now is the clock
// (nil means time.Now).
func NewService(st Storer, open OpenAssignments, now func() time.Time) *Service {
	return &Service{Core: usecase.New(st, now), open: open}
}

// Get returns one reviewer, or ErrNotFound.
func (s *Service) Get(ctx context.Context, id string) (Reviewer, error) {
	return s.Store.Get(ctx, id)
}

// All returns the pool and its fingerprint (see Storer.All).
func (s *Service) All(ctx context.Context) ([]Reviewer, string, error) {
	return s.Store.All(ctx)
}

// Create adds rv to the pool with a fresh ID and returns it as stored.
// Violations are reported under "reviewer.". A repeat of r.RequestID returns the
// first call's reviewer, found by the commit or after a refusal
// (change.Retry).
func (s *Service) Create(ctx context.Context, rv Reviewer, r change.Request) (Reviewer, error) {
	replay := func(ctx context.Context) (Reviewer, bool, error) { return s.Store.Replay(ctx, r) }
	// A conflict is a retry of this request whose first call committed
	// (its answer is then replayed) or a fresh ID taken.
	return change.Retry(ctx, "reviewer: create", replay, func(ctx context.Context) (Reviewer, error) {
		rv = rv.Clone()
		rv.Version = 0
		rv.UpdateTime = s.Now()
		if err := rv.Validate("reviewer."); err != nil {
			return Reviewer{}, err
		}
		rv.ID = resource.NewID()
		return s.Store.Insert(ctx, rv, r)
	})
}

// Update replaces the fields of reviewer id that m names with patch's.
// etag is the version the caller read and must be current (change.ErrConflict
// otherwise); an invalid result gives INVALID_ARGUMENT violations under
// "reviewer.".
func (s *Service) Update(ctx context.Context, id string, patch Reviewer, m Mask, etag change.Etag, r change.Request) (Reviewer, error) {
	return usecase.Update(ctx, s.Store.Get, s.Store.Save, id, etag, change.ErrConflict, r, func(cur Reviewer) (Reviewer, error) {
		return cur.Apply(patch, m, s.Now())
	})
}

// Delete removes reviewer id from the pool. etag is the version the caller
// read and must be current. A reviewer on an open review's team is refused
// with ErrOnOpenReview: their commitment stands until the review ends or
// its team changes.
func (s *Service) Delete(ctx context.Context, id string, etag change.Etag, r change.Request) error {
	cur, err := usecase.Current(ctx, s.Store.Get, id, etag, change.ErrConflict)
	if err != nil {
		return err
	}
	if s.open != nil {
		assigned, err := s.open.Assigned(ctx, id)
		if err != nil {
			return fmt.Errorf("reviewer: delete %s: check open reviews: %w", Name(id), err)
		}
		if assigned {
			return ErrOnOpenReview.With("reviewer", Name(id))
		}
	}
	return s.Store.Delete(ctx, cur, r)
}
