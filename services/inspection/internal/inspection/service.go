package inspection

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// ErrNotFound is what a Storer returns for an inspection it does not hold.
var ErrNotFound = fault.NotFound(ReasonNotFound, "the inspection does not exist")

// ErrCouncilNotFound is what a Storer returns when asked to create an
// inspection of a council it does not hold.
var ErrCouncilNotFound = fault.NotFound(ReasonCouncilNotFound, "the council does not exist")

// ErrRecommendationAnswered is what a Storer returns when asked to create
// an inspection answering an emergency inspection recommendation that
// another inspection already answers: one recommendation, one inspection.
var ErrRecommendationAnswered = fault.AlreadyExists(ReasonRecommendationAnswered,
	"an inspection already answers this emergency inspection recommendation")

// Request describes the call behind a change, for the audit trail and for
// idempotency (AIP-155).
type Request struct {
	// Subject and Roles are the caller's, as its token names them.
	Subject string
	Roles   []string
	// Method is the full gRPC method name the change was made through.
	// Programmatic callers name the method whose effect they reproduce.
	Method string
	// ID is the request_id; empty when the caller asked for no
	// idempotency.
	ID string
	// Hash fingerprints what the request asks for, so that a request_id
	// reused for a different request is refused rather than replayed.
	// With ID set and Hash nil, a repeat replays whatever the first call
	// returned.
	Hash []byte
	// Scope keeps request IDs apart; empty means per Method and Subject
	// (store.IdempotencyScope). A caller that acts on behalf of another
	// method with that method's request_id sets its own scope, so the two
	// never share an idempotency record.
	Scope string
}

// Storer is the storage the inspection rules need. Create, Update and
// Publish writes are pinned to the version the inspection was read at and
// fail with an error matching ErrConflict when it moved; each commits the
// change, its audit entry and, when r.ID is set, the response to replay, in
// one transaction.
type Storer interface {
	// Get returns one inspection, or ErrNotFound.
	Get(ctx context.Context, gss, id string) (Inspection, error)
	// List returns a council's inspections, or every council's when gss is
	// AllCouncils, in no particular order.
	List(ctx context.Context, gss string) ([]Inspection, error)
	// Replay returns the inspection a previous call with r.ID returned, if
	// any. A reused r.ID with another r.Hash is an INVALID_ARGUMENT fault.
	Replay(ctx context.Context, gss string, r Request) (Inspection, bool, error)
	// Insert stores a new inspection (ins.GSSCode and ins.ID set) at
	// version 1. It returns ErrCouncilNotFound when the council does not
	// exist, ErrRecommendationAnswered when ins.EmergencyRecommendation is
	// already answered, and an error matching ErrConflict when the ID is
	// taken or a concurrent call with the same r.ID committed first.
	Insert(ctx context.Context, ins Inspection, r Request) (Inspection, error)
	// Save stores a changed inspection over the version ins.Version.
	Save(ctx context.Context, ins Inspection, r Request) (Inspection, error)
	// SavePublication stores an inspection just published over the
	// version ins.Version and, in the same transaction, makes it its
	// council's latest judgement (unless it is a monitoring visit) and
	// emits JudgementPublished.
	SavePublication(ctx context.Context, ins Inspection, r Request) (Inspection, error)
}

// maxAttempts bounds the read-modify-write cycles a change makes when a
// concurrent write moved something the caller did not name by etag (the
// council record during a publication, say).
const maxAttempts = 5

// Service carries out the inspection use cases over a Storer: schedule,
// update, publish, read. It is what the gRPC handlers call, and what
// programmatic callers such as the demo data loader use to create and
// publish inspections with the same rules.
type Service struct {
	store Storer
	now   func() time.Time
}

// NewService returns the use cases over st, reading the time from now (nil
// means time.Now).
func NewService(st Storer, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, now: now}
}

// Now is the service's clock reading, in UTC, for checks made outside the
// use cases (a handler validating a request it is about to refuse).
func (s *Service) Now() time.Time { return s.now().UTC() }

// Get returns one inspection, or ErrNotFound.
func (s *Service) Get(ctx context.Context, gss, id string) (Inspection, error) {
	return s.store.Get(ctx, gss, id)
}

// List returns a council's inspections, or every council's for
// AllCouncils.
func (s *Service) List(ctx context.Context, gss string) ([]Inspection, error) {
	return s.store.List(ctx, gss)
}

// Schedule creates ins as a SCHEDULED inspection of the council gss and
// returns it as stored. Only the framework and the fieldwork dates are
// required; whatever else ins holds must be valid for its framework (see
// Validate), with violations under "inspection.". A repeat of r.ID returns
// the first call's inspection.
func (s *Service) Schedule(ctx context.Context, gss string, ins Inspection, r Request) (Inspection, error) {
	return s.schedule(ctx, gss, ins, r, "inspection.")
}

// ScheduleEmergency schedules an EMERGENCY inspection of the council gss
// answering the emergency inspection recommendation named recommendation,
// with violations reported on start_date and end_date rather than under
// "inspection.". A recommendation that an inspection already answers gives
// ErrRecommendationAnswered.
func (s *Service) ScheduleEmergency(ctx context.Context, gss string, start, end time.Time, recommendation string, r Request) (Inspection, error) {
	if recommendation == "" {
		var vs fault.Violations
		vs.Add("emergency_recommendation", "is required: an emergency inspection is scheduled to answer a recommendation")
		return Inspection{}, vs.Err()
	}
	ins := Inspection{Framework: Emergency, StartDate: start, EndDate: end, EmergencyRecommendation: recommendation}
	return s.schedule(ctx, gss, ins, r, "")
}

func (s *Service) schedule(ctx context.Context, gss string, ins Inspection, r Request, prefix string) (Inspection, error) {
	if prev, ok, err := s.store.Replay(ctx, gss, r); err != nil || ok {
		return prev, err
	}
	now := s.now().UTC()
	ins = ins.Clone()
	ins.GSSCode = gss
	ins.State = Scheduled
	ins.PublishDate = time.Time{}
	ins.Version = 0
	ins.CreateTime, ins.UpdateTime = now, now
	if err := ins.Validate(prefix, now); err != nil {
		return Inspection{}, err
	}
	for range maxAttempts {
		ins.ID = NewID()
		out, err := s.store.Insert(ctx, ins, r)
		if !errors.Is(err, ErrConflict) {
			return out, err
		}
		// Either a concurrent call with the same request_id won, whose
		// answer is now to be replayed, or the fresh ID was taken.
		if prev, ok, rerr := s.store.Replay(ctx, gss, r); rerr != nil || ok {
			return prev, rerr
		}
	}
	return Inspection{}, fmt.Errorf("judgement: schedule an inspection of %s: no free id after %d attempts: %w", gss, maxAttempts, ErrConflict)
}

// Update replaces the fields of inspection id of council gss that m names
// with patch's. etag is the version the caller read; it must be current.
// A published inspection cannot change (ErrPublished); a stale etag gives
// ErrConflict; an invalid result gives INVALID_ARGUMENT violations.
func (s *Service) Update(ctx context.Context, gss, id string, patch Inspection, m Mask, etag int64, r Request) (Inspection, error) {
	return s.change(ctx, gss, id, etag, r, func(cur Inspection) (Inspection, error) {
		return cur.Apply(patch, m, s.now().UTC())
	}, s.store.Save)
}

// Publish publishes inspection id of council gss on date: it becomes
// PUBLISHED and, unless it is a monitoring visit, the council's latest
// judgement, and JudgementPublished is emitted. etag, when not 0, must be
// current. A repeat of r.ID returns the first call's inspection; any other
// second publication is ErrPublished. See Inspection.Publish for the rules.
func (s *Service) Publish(ctx context.Context, gss, id string, date time.Time, etag int64, r Request) (Inspection, error) {
	if prev, ok, err := s.store.Replay(ctx, gss, r); err != nil || ok {
		return prev, err
	}
	return s.change(ctx, gss, id, etag, r, func(cur Inspection) (Inspection, error) {
		return cur.Publish(date, s.now().UTC())
	}, s.store.SavePublication)
}

// change is the read-modify-write cycle of Update and Publish. The rule
// runs on a fresh read each attempt; a published inspection is reported
// before a stale etag, since re-reading cannot help.
func (s *Service) change(ctx context.Context, gss, id string, etag int64, r Request,
	rule func(Inspection) (Inspection, error), save func(context.Context, Inspection, Request) (Inspection, error),
) (Inspection, error) {
	for range maxAttempts {
		cur, err := s.store.Get(ctx, gss, id)
		if err != nil {
			return Inspection{}, err
		}
		if cur.State == Published {
			return Inspection{}, ErrPublished
		}
		if err := CheckEtag(etag, cur.Version); err != nil {
			return Inspection{}, err
		}
		next, err := rule(cur)
		if err != nil {
			return Inspection{}, err
		}
		out, err := save(ctx, next, r)
		if !errors.Is(err, ErrConflict) {
			return out, err
		}
		if prev, ok, rerr := s.store.Replay(ctx, gss, r); rerr != nil || ok {
			return prev, rerr
		}
		if err := ctx.Err(); err != nil {
			return Inspection{}, err
		}
	}
	return Inspection{}, fmt.Errorf("judgement: change %s: still contended after %d attempts: %w", Name(gss, id), maxAttempts, ErrConflict)
}
