package engagement

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/usecase"
)

// Storer is the storage the engagement use cases need. Engagements are
// created by an approved match run (matchrun.Storer.CommitApproval).
type Storer interface {
	// Get returns one engagement, or ErrNotFound.
	Get(ctx context.Context, sponsor, id string) (Engagement, error)
	// List returns the engagements of sponsor, or of every sponsor with
	// AllSponsors, newest first.
	List(ctx context.Context, sponsor string) ([]Engagement, error)
	// Deployments returns the deployments of an engagement, oldest first.
	Deployments(ctx context.Context, sponsor, id string) ([]Deployment, error)
	// DeploymentsIn returns the deployments of sponsor dated in period and
	// the engagements they were made to.
	DeploymentsIn(ctx context.Context, sponsor string, period Period) ([]Deployment, []Engagement, error)
	// ReplayDeployment returns the deployment a previous request with r's
	// request ID recorded against sponsor, if any. A reused request ID
	// with another hash is an INVALID_ARGUMENT fault.
	ReplayDeployment(ctx context.Context, sponsor string, r change.Request) (Deployment, bool, error)
	// AddDeployment stores d and e, its engagement with d's time added,
	// over the version e was read at; ErrConflict when it moved.
	AddDeployment(ctx context.Context, e Engagement, d Deployment, r change.Request) (Engagement, error)
	// End stores e, ended, over the version it was read at, with its
	// EngagementEnded event and audit entry; ErrConflict when it moved.
	End(ctx context.Context, e Engagement, why Ending, r change.Request) (Engagement, error)
}

// DayRates gives a sponsor's day rate for compensation, in pence; an
// unknown sponsor is its NOT_FOUND fault.
type DayRates interface {
	DayRate(ctx context.Context, sponsorID string) (int64, error)
}

// maxAttempts bounds the commits RecordDeployment tries when another
// deployment to the same engagement commits between its read and its
// write.
const maxAttempts = 5

// Service carries out the engagement use cases over a Storer.
type Service struct {
	usecase.Core[Storer]
	rates DayRates
}

// NewService returns the use cases over st, with day rates from rates and
// the time from now (nil means time.Now).
func NewService(st Storer, rates DayRates, now func() time.Time) *Service {
	return &Service{Core: usecase.New(st, now), rates: rates}
}

// End ends engagement id of sponsor for why (see EndEngagement).
func (s *Service) End(ctx context.Context, sponsor, id string, why Ending, r change.Request) (Engagement, bool, error) {
	return EndEngagement(ctx, s.Store, sponsor, id, why, r)
}

// Get returns one engagement, or ErrNotFound.
func (s *Service) Get(ctx context.Context, sponsor, id string) (Engagement, error) {
	return s.Store.Get(ctx, sponsor, id)
}

// List returns the engagements of sponsor, or of every sponsor with
// AllSponsors, newest first.
func (s *Service) List(ctx context.Context, sponsor string) ([]Engagement, error) {
	return s.Store.List(ctx, sponsor)
}

// Deployments returns the deployments of engagement id of sponsor, oldest
// first; ErrNotFound when the engagement does not exist.
func (s *Service) Deployments(ctx context.Context, sponsor, id string) ([]Deployment, error) {
	if _, err := s.Store.Get(ctx, sponsor, id); err != nil {
		return nil, err
	}
	return s.Store.Deployments(ctx, sponsor, id)
}

// RecordDeployment records draft, staff time the officer r names deployed to
// engagement id of sponsor, and adds it to the engagement's totals in the
// same transaction. A repeat of r's request ID returns the first
// deployment; a deployment committed to the same engagement meanwhile is
// no conflict for the caller: the engagement is read again and the change
// retried.
func (s *Service) RecordDeployment(ctx context.Context, sponsor, id string, draft Draft, r change.Request) (Deployment, error) {
	if prev, ok, err := s.Store.ReplayDeployment(ctx, sponsor, r); err != nil || ok {
		return prev, err
	}
	depID := NewID()
	now := s.Clock()
	for range maxAttempts {
		cur, err := s.Store.Get(ctx, sponsor, id)
		if err != nil {
			return Deployment{}, err
		}
		next, dep, err := cur.Deploy(draft, "deployment.", depID, r.Subject, now)
		if err != nil {
			return Deployment{}, err
		}
		_, err = s.Store.AddDeployment(ctx, next, dep, r)
		if err == nil {
			return dep, nil
		}
		if !errors.Is(err, ErrConflict) || ctx.Err() != nil {
			return Deployment{}, err
		}
		// A concurrent retry of this request won, whose answer is now to
		// be replayed, or another deployment moved the engagement on.
		if prev, ok, err := s.Store.ReplayDeployment(ctx, sponsor, r); err != nil || ok {
			return prev, err
		}
	}
	return Deployment{}, fmt.Errorf("engagement: record a deployment to %s: still contended after %d attempts: %w",
		Name(sponsor, id), maxAttempts, ErrConflict)
}

// Statement is the compensation statement of sponsor for period (see
// Compensate).
func (s *Service) Statement(ctx context.Context, sponsor string, period Period) (Statement, error) {
	rate, err := s.rates.DayRate(ctx, sponsor)
	if err != nil {
		return Statement{}, fmt.Errorf("day rate of %s: %w", SponsorName(sponsor), err)
	}
	deps, engs, err := s.Store.DeploymentsIn(ctx, sponsor, period)
	if err != nil {
		return Statement{}, err
	}
	return Compensate(sponsor, period, rate, engs, deps)
}
