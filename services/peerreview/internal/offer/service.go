package offer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/usecase"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Storer is the storage the offer rules need. Writes are pinned: Insert
// to a new record, Save and SaveEscalation (for an upgrade) to the version
// the offer was read at, and fail with an error matching change.ErrConflict when
// that does not hold. Each commits the change, its audit entry and, when
// r.RequestID is set for an API call, the response to replay, in one transaction.
type Storer interface {
	usecase.CouncilRecords[Offer]
	// Insert stores a new offer (o.GSSCode and o.ID set) at version 1 and
	// emits SupportOfferCreated with it.
	Insert(ctx context.Context, o Offer, r change.Request) (Offer, error)
	// Caused returns the ID of the offer that cause c created or upgraded,
	// and false when c has changed nothing yet.
	Caused(ctx context.Context, c Cause) (string, bool, error)
	// SaveEscalation stores o, new (created) or upgraded over o.Version,
	// together with the record that c has been answered by it (which must
	// not exist yet) and the SupportOfferCreated event, in one
	// transaction.
	SaveEscalation(ctx context.Context, o Offer, created bool, c Cause, r change.Request) (Offer, error)
}

// maxAttempts bounds the read-modify-write cycles a change makes when a
// concurrent write moved something the caller did not name by etag.
const maxAttempts = 5

// Service carries out the support offer use cases over a Storer. It is what
// the gRPC handlers and the event consumers call, so that both apply the
// same rules.
type Service struct {
	usecase.CouncilCore[Offer, Storer]
}

// NewService returns the use cases over st, reading the time from now (nil
// means time.Now).
func NewService(st Storer, now func() time.Time) *Service {
	return &Service{CouncilCore: usecase.NewCouncil[Offer](st, now)}
}

// List returns a council's offers, or every council's for AllCouncils,
// newest first (ties by name, so pages are stable).
func (s *Service) List(ctx context.Context, gss string) ([]Offer, error) {
	return s.Sorted(ctx, gss, SortNewestFirst)
}

// SortNewestFirst orders offers by creation time, newest first, then by
// resource name.
func SortNewestFirst(offers []Offer) {
	order := filter.NewestFirst(func(o *Offer) time.Time { return o.CreateTime }, (*Offer).Name)
	slices.SortStableFunc(offers, func(a, b Offer) int { return order(&a, &b) })
}

// Create offers o to the council gss: OFFERED, with a history entry naming
// r.Subject. Tier and reasons are required and everything set must be
// valid (see Validate), with violations under "support_offer."; the state,
// history, review and inspection are the service's to set and are ignored.
// A council outside the 152 is resource.ErrCouncilNotFound. A repeat of r.RequestID
// returns the first call's offer, found by the commit or after a refusal
// (change.Retry).
func (s *Service) Create(ctx context.Context, gss string, o Offer, r change.Request) (Offer, error) {
	if _, ok := reference.CouncilByCode(gss); !ok {
		return Offer{}, resource.ErrCouncilNotFound
	}
	replay := usecase.Replayer[Offer](s.Store, gss, r)
	// A conflict is a retry of this request whose first call committed
	// (its answer is then replayed) or a fresh ID taken.
	return change.Retry(ctx, "offer: create an offer to "+gss, replay, func(ctx context.Context) (Offer, error) {
		now := s.Now()
		o = o.Clone()
		o.GSSCode = gss
		o.State = Offered
		o.PeerReview, o.Inspection = "", ""
		o.Version = 0
		o.CreateTime, o.UpdateTime = now, now
		if err := o.Validate("support_offer."); err != nil {
			return Offer{}, err
		}
		o.History = []string{HistoryLine(Offered, r.Subject, now, string(o.Tier)+" support offered")}
		o.ID = resource.NewID()
		return s.Store.Insert(ctx, o, r)
	})
}

// Update replaces the fields m names of offer id of council gss with
// patch's. etag is the version the caller read; it must be current. See
// Apply for the rules.
func (s *Service) Update(ctx context.Context, gss, id string, patch Offer, m Mask, etag change.Etag, r change.Request) (Offer, error) {
	return s.change(ctx, gss, id, etag, r, func(cur Offer) (Offer, error) {
		return cur.Apply(patch, m, s.Now())
	})
}

// Transition moves offer id of council gss to state to on behalf of a,
// recording reason in its history. etag must be current. A repeat of r.RequestID
// returns the first call's offer. See Offer.Transition for the rules.
func (s *Service) Transition(ctx context.Context, gss, id string, to State, a Actor, reason string, etag change.Etag, r change.Request) (Offer, error) {
	return s.change(ctx, gss, id, etag, r, func(cur Offer) (Offer, error) {
		return cur.Transition(to, a, reason, s.Now())
	})
}

// change is the read-modify-write cycle of Update and Transition. The rule
// runs on a fresh read each attempt, before the etag is compared, so that
// a refusal re-reading cannot cure (a closed offer, a forbidden move) is
// reported as such rather than as a stale etag.
func (s *Service) change(ctx context.Context, gss, id string, etag change.Etag, r change.Request, rule func(Offer) (Offer, error)) (Offer, error) {
	return s.Change(ctx, "offer: change "+Name(gss, id), gss, id, r, func(cur Offer) (Offer, error) {
		next, err := rule(cur)
		if err != nil {
			return Offer{}, err
		}
		return next, etag.Check(cur.Version)
	})
}

// FromJudgement answers a published judgement: an inadequate one creates
// the council's improvement support offer or upgrades its open offer (see
// JudgementPlan and Escalate). It returns the offer and true when this call
// made the change; false with the offer when the judgement had already been
// answered, and false with a zero offer when it calls for no support.
func (s *Service) FromJudgement(ctx context.Context, j Judgement, r change.Request) (Offer, bool, error) {
	p, ok := JudgementPlan(j)
	if !ok {
		return Offer{}, false, nil
	}
	return s.Escalate(ctx, p, r)
}

// FromReview answers a completed peer review: a MEDIUM or HIGH risk or a
// severe finding creates an ENHANCED offer or upgrades the council's open
// offer (see ReviewPlan and Escalate). Results are as for FromJudgement.
func (s *Service) FromReview(ctx context.Context, rc ReviewConclusion, r change.Request) (Offer, bool, error) {
	p, ok := ReviewPlan(rc)
	if !ok {
		return Offer{}, false, nil
	}
	return s.Escalate(ctx, p, r)
}

// Escalate applies p to the council's offers exactly once per cause: when
// p.Cause has already changed an offer it returns that offer and false,
// otherwise the offer it created or upgraded and true. The change and the
// record of its cause commit together, so a concurrent or repeated call
// for the same cause loses the race, re-reads and returns the winner's
// offer.
func (s *Service) Escalate(ctx context.Context, p Plan, r change.Request) (Offer, bool, error) {
	who := r.Subject
	if who == "" {
		who = SystemActor
	}
	for range maxAttempts {
		if id, done, err := s.Store.Caused(ctx, p.Cause); err != nil {
			return Offer{}, false, err
		} else if done {
			o, err := s.Store.Get(ctx, p.GSSCode, id)
			return o, false, err
		}
		offers, err := s.Store.List(ctx, p.GSSCode)
		if err != nil {
			return Offer{}, false, err
		}
		next, created := Escalate(offers, p, who, s.Now())
		if created {
			next.ID = resource.NewID()
		}
		if err := next.Validate(""); err != nil {
			return Offer{}, false, fmt.Errorf("offer: %s %s calls for an invalid offer: %w", p.Cause.Kind, p.Cause.ID, err)
		}
		out, err := s.Store.SaveEscalation(ctx, next, created, p.Cause, r)
		if errors.Is(err, change.ErrConflict) {
			if err := ctx.Err(); err != nil {
				return Offer{}, false, err
			}
			continue
		}
		if err != nil {
			return Offer{}, false, err
		}
		return out, true, nil
	}
	return Offer{}, false, fmt.Errorf("offer: answer %s %s of %s: still contended after %d attempts: %w",
		p.Cause.Kind, p.Cause.ID, p.GSSCode, maxAttempts, change.ErrConflict)
}
