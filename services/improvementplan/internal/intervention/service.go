package intervention

import (
	"context"
	"time"

	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/usecase"
)

// Storer is the storage the intervention use cases need;
// interventionstore implements it. Each write commits its records, their
// audit entries (naming r) and, when r carries a request ID and hash, what
// a retry of r replays, in one transaction; a record that moved since it
// was read, or an ID already taken, gives an error matching
// change.ErrConflict and nothing is written.
type Storer interface {
	usecase.CouncilRecords[Intervention]
	// Insert stores iv, a new intervention, at version 1 with its
	// InterventionOrdered event, and returns it at version 1.
	Insert(ctx context.Context, iv Intervention, r change.Request) (Intervention, error)
	// ReplayDecision returns the outcome a previous decision with
	// r.RequestID committed, at the versions it committed, if any.
	ReplayDecision(ctx context.Context, gss string, r change.Request) (Outcome, bool, error)
	// Decide stores out: the plan pinned to the version it was read at
	// and, when the decision ordered one, the intervention at version 1
	// with its InterventionOrdered event. It returns the outcome at its new
	// versions.
	Decide(ctx context.Context, out Outcome, r change.Request) (Outcome, error)
}

// Service carries out the intervention use cases: DfE's orders, lifts and
// decisions at a plan's deadline, and the reads.
type Service struct {
	usecase.CouncilCore[Intervention, Storer]
	plans   plan.Reader
	ratings plan.RatingSource
}

// NewService returns the use cases over st and plans, showing each decided
// plan with its review ratings from ratings, reading the time from now
// (nil means time.Now).
func NewService(st Storer, plans plan.Reader, ratings plan.RatingSource, now func() time.Time) *Service {
	return &Service{CouncilCore: usecase.NewCouncil[Intervention](st, now), plans: plans, ratings: ratings}
}

// List returns the interventions of the council gss (or of every council,
// for plan.AllCouncils) that f selects, newest first (see Select).
func (s *Service) List(ctx context.Context, gss string, f *filter.Filter) ([]Intervention, error) {
	all, err := s.Store.List(ctx, gss)
	if err != nil {
		return nil, err
	}
	return Select(all, f), nil
}

// Order orders the intervention o in the council gss on behalf of
// r.Subject, IN_FORCE from now (violations under "intervention."). A plan
// that o names must exist (an error matching plan.ErrNotFound otherwise).
// A repeat of r.RequestID returns the first call's intervention, found by
// the commit or after a refusal (change.Retry).
func (s *Service) Order(ctx context.Context, gss string, o Order, r change.Request) (Intervention, error) {
	replay := usecase.Replayer[Intervention](s.Store, gss, r)
	// A conflict is a retry of this request whose first call committed
	// (its answer is then replayed) or a fresh ID taken.
	return change.Retry(ctx, "intervention: order an intervention in "+gss, replay, func(ctx context.Context) (Intervention, error) {
		grades := func([]string) map[string]string { return nil }
		if o.Plan != "" {
			_, planID, err := plan.ParseName("intervention.improvement_plan", o.Plan)
			if err != nil {
				return Intervention{}, err
			}
			escalated, err := s.plans.Get(ctx, gss, planID)
			if err != nil {
				return Intervention{}, err
			}
			grades = func(areas []string) map[string]string { return gradesOf(escalated, areas) }
		}
		iv, err := New(gss, resource.NewID(), o, "intervention.", r.Subject, s.Clock())
		if err != nil {
			return Intervention{}, err
		}
		iv.AreaGrades = grades(iv.Areas)
		return s.Store.Insert(ctx, iv, r)
	})
}

// Lift lifts intervention id of the council gss for reason (see
// Intervention.Lift), checking etag after the state: re-reading cannot make
// a lifted intervention liftable. A repeat of r.RequestID returns the first
// call's intervention.
func (s *Service) Lift(ctx context.Context, gss, id string, etag change.Etag, reason string, r change.Request) (Intervention, error) {
	return s.Change(ctx, "intervention: lift "+Name(gss, id), gss, id, r, func(cur Intervention) (Intervention, error) {
		lifted, err := cur.Lift(reason)
		if err != nil {
			return Intervention{}, err
		}
		return lifted, etag.Check(cur.Version)
	})
}

// Decided is a committed decision as the API shows it: the plan with its
// progress review ratings, and the intervention ordered (nil when the plan
// continues), each at the version the decision committed.
type Decided struct {
	Plan         plan.Reviewed
	Intervention *Intervention
}

// Decide applies DfE's decision d to plan planID of the council gss on
// behalf of r.Subject (see Decide), checking etag after the state:
// re-reading cannot make a decided plan due for a decision. The plan, the
// intervention ordered and its InterventionOrdered event commit together.
// A repeat of r.RequestID returns the first call's outcome.
func (s *Service) Decide(ctx context.Context, gss, planID string, etag change.Etag, d DecisionInput, r change.Request) (Decided, error) {
	replay := func(ctx context.Context) (Outcome, bool, error) { return s.Store.ReplayDecision(ctx, gss, r) }
	saved, err := change.Retry(ctx, "intervention: decide on "+plan.Name(gss, planID), replay, func(ctx context.Context) (Outcome, error) {
		cur, err := s.plans.Get(ctx, gss, planID)
		if err != nil {
			return Outcome{}, err
		}
		out, err := Decide(cur, d, resource.NewID(), r.Subject, s.Clock())
		if err != nil {
			return Outcome{}, err
		}
		if err := etag.Check(cur.Version); err != nil {
			return Outcome{}, err
		}
		return s.Store.Decide(ctx, out, r)
	})
	return s.decided(ctx, saved, err)
}

// decided adds the plan's progress review ratings to out.
func (s *Service) decided(ctx context.Context, out Outcome, err error) (Decided, error) {
	if err != nil {
		return Decided{}, err
	}
	ratings, err := s.ratings.Ratings(ctx, out.Plan.GSSCode, out.Plan.ID)
	if err != nil {
		return Decided{}, err
	}
	return Decided{Plan: plan.Reviewed{Plan: out.Plan, Ratings: ratings}, Intervention: out.Intervention}, nil
}
