package review

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/usecase"
)

// Storer is the storage the review rules need. Insert and Save are pinned
// to the version the review was read at and fail with an error matching
// change.ErrConflict when it moved; each commits the change, its audit entry and,
// when r.RequestID is set, the response to replay, in one transaction. A
// review saved completed or cancelled is no longer its council's review
// under way; one saved completed emits PeerReviewCompleted in the same
// transaction.
type Storer interface {
	usecase.CouncilRecords[Review]
	// Insert stores a new review (GSSCode and ID set) at version 1 and
	// marks it as its council's review under way. It returns ErrUnderWay
	// when the council has one already, and an error matching change.ErrConflict
	// when the ID is taken or a concurrent call committed first.
	Insert(ctx context.Context, rv Review, r change.Request) (Review, error)
	// SaveLink stores a completed review whose support offer was just
	// linked, over the version rv.Version, emitting nothing: the review's
	// completion was announced when it completed.
	SaveLink(ctx context.Context, rv Review, r change.Request) (Review, error)
}

// Service carries out the review use cases over a Storer. It is what the
// gRPC handlers call, and what programmatic callers such as the demo data
// loader use to create and move reviews with the same rules.
type Service struct {
	usecase.CouncilCore[Review, Storer]
}

// NewService returns the use cases over st, reading the time from now (nil
// means time.Now).
func NewService(st Storer, now func() time.Time) *Service {
	return &Service{CouncilCore: usecase.NewCouncil[Review](st, now)}
}

// Request creates a REQUESTED review of kind for the council gss and
// returns it as stored; see New for the checks. A council with a review
// under way gets ErrUnderWay. A repeat of r.RequestID returns the first call's
// review, found by the commit or after a refusal (change.Retry).
func (s *Service) Request(ctx context.Context, gss string, kind Kind, reason string, r change.Request) (Review, error) {
	replay := usecase.Replayer[Review](s.Store, gss, r)
	// A conflict is a retry of this request whose first call committed
	// (its answer is then replayed), another request that took the
	// council's slot (Insert then reports ErrUnderWay), or a fresh ID
	// taken.
	return change.Retry(ctx, "review: request a review of "+gss, replay, func(ctx context.Context) (Review, error) {
		rv, err := New(gss, kind, reason, r.Subject, s.Clock())
		if err != nil {
			return Review{}, err
		}
		rv.ID = resource.NewID()
		return s.Store.Insert(ctx, rv, r)
	})
}

// Schedule sets the days on site: requested → scheduled. etag, when not 0,
// must be current.
func (s *Service) Schedule(ctx context.Context, gss, id string, start, end time.Time, etag change.Etag, r change.Request) (Review, error) {
	return s.change(ctx, gss, id, etag, r, func(cur Review) (Review, error) {
		return cur.Schedule(start, end, s.Clock())
	})
}

// AssignTeam sets the team of a scheduled review. The caller has checked
// the team against the pool (CheckTeam); etag must be current.
func (s *Service) AssignTeam(ctx context.Context, gss, id string, team []Member, etag change.Etag, r change.Request) (Review, error) {
	return s.change(ctx, gss, id, etag, r, func(cur Review) (Review, error) {
		return cur.AssignTeam(team)
	})
}

// StartOnSite records the team on site: scheduled → on site.
func (s *Service) StartOnSite(ctx context.Context, gss, id string, etag change.Etag, r change.Request) (Review, error) {
	return s.change(ctx, gss, id, etag, r, func(cur Review) (Review, error) {
		return cur.StartOnSite()
	})
}

// RecordFindings replaces the findings; the first recording moves an
// on-site review to reporting.
func (s *Service) RecordFindings(ctx context.Context, gss, id string, findings []Finding, etag change.Etag, r change.Request) (Review, error) {
	return s.change(ctx, gss, id, etag, r, func(cur Review) (Review, error) {
		return cur.RecordFindings(findings)
	})
}

// Complete records the conclusion: reporting → completed. The store emits
// PeerReviewCompleted with the review, in one transaction.
func (s *Service) Complete(ctx context.Context, gss, id string, risk Risk, conclusion string, etag change.Etag, r change.Request) (Review, error) {
	return s.change(ctx, gss, id, etag, r, func(cur Review) (Review, error) {
		return cur.Complete(risk, conclusion, s.Clock())
	})
}

// Cancel cancels a review that is neither completed nor cancelled.
func (s *Service) Cancel(ctx context.Context, gss, id, reason string, etag change.Etag, r change.Request) (Review, error) {
	return s.change(ctx, gss, id, etag, r, func(cur Review) (Review, error) {
		return cur.Cancel(reason)
	})
}

// change is the read-modify-write cycle of every action: the rule runs on
// a fresh read each attempt, after the etag check, and a repeat of
// r.RequestID is answered with the first call's review (change.Retry).
func (s *Service) change(ctx context.Context, gss, id string, etag change.Etag, r change.Request, rule func(Review) (Review, error)) (Review, error) {
	return s.Change(ctx, "review: change "+Name(gss, id), gss, id, r, func(cur Review) (Review, error) {
		if err := etag.Check(cur.Version); err != nil {
			return Review{}, err
		}
		return rule(cur)
	})
}

// LinkOffer records that the support offer named offerName
// (localAuthorities/{gss}/supportOffers/{id}, of the same council) was made
// because of the completed review id of the council gss: it sets the
// review's support_offer, audited as r. Linking the same offer again does
// nothing, so an event consumer may call it on every redelivery. A review
// not completed, or linked to another offer, is FAILED_PRECONDITION; a
// missing review is ErrNotFound.
func (s *Service) LinkOffer(ctx context.Context, gss, id, offerName string, r change.Request) error {
	offers := resource.CouncilName(gss) + "/supportOffers/"
	if oid, ok := strings.CutPrefix(offerName, offers); !ok || !resource.ValidID(oid) {
		return fault.Field("support_offer", "must be %s{id}, got %q", offers, offerName)
	}
	what := fmt.Sprintf("review: link %s to %s", offerName, Name(gss, id))
	_, err := change.Retry(ctx, what, nil, func(ctx context.Context) (Review, error) {
		cur, err := s.Store.Get(ctx, gss, id)
		if err != nil {
			return Review{}, err
		}
		next, changed, err := cur.LinkOffer(offerName)
		if err != nil || !changed {
			return cur, err
		}
		out, err := s.Store.SaveLink(ctx, next, r)
		if err != nil && !errors.Is(err, change.ErrConflict) {
			return out, fmt.Errorf("%s: %w", what, err)
		}
		return out, err
	})
	return err
}
