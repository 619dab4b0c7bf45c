package concern

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/usecase"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// ErrNotFound is what a Storer returns for a concern or recommendation it
// does not hold.
var ErrNotFound = errors.New("concern: not found")

// ErrCouncilNotFound is what a CouncilGrades returns for a council it does
// not know.
var ErrCouncilNotFound = errors.New("concern: council not found")

// Decider builds the recommendations a new concern creates, from the
// council's concerns received in the span the store was asked to read and
// the council's PENDING recommendations. The store may call it more than
// once, when a concurrent change forces a re-read.
type Decider func(recent []Concern, pending []Recommendation) ([]Recommendation, error)

// Storer is the storage the concern rules need.
type Storer interface {
	// Raise records c with the recommendations decide returns, in one
	// transaction with their events and audit entries. It reads the
	// council's concerns received from from to to (inclusive) and its
	// PENDING recommendations, calls decide, and commits only if no other
	// Raise or Decide for the council committed in between; otherwise it
	// reads again. It returns the recommendations it recorded.
	Raise(ctx context.Context, c Concern, from, to time.Time, decide Decider, ch change.Request) ([]Recommendation, error)
	// Concern returns one concern, or ErrNotFound.
	Concern(ctx context.Context, gss, id string) (Concern, error)
	// Concerns returns a council's concerns, in no particular order.
	Concerns(ctx context.Context, gss string) ([]Concern, error)
	// Recommendation returns one recommendation, or ErrNotFound.
	Recommendation(ctx context.Context, gss, id string) (Recommendation, error)
	// Recommendations returns the recommendations of council gss, or of
	// every council when gss is "", narrowed to state unless state is "".
	// The order is unspecified.
	Recommendations(ctx context.Context, gss string, state State) ([]Recommendation, error)
	// Decide records a decided recommendation if the stored one is still
	// at r.Version, and returns it as stored; otherwise it fails with an
	// ABORTED fault. It also serialises the decision with Raise, so a
	// concern raised concurrently sees either the PENDING recommendation
	// or the decided one, never a stale mix.
	Decide(ctx context.Context, r Recommendation, ch change.Request) (Recommendation, error)
	// ReplayRaised returns what Raise answered to ch's request_id at
	// council gss, if it did; ReplayDecision the same for Decide. A
	// request_id reused for another request is an INVALID_ARGUMENT fault.
	ReplayRaised(ctx context.Context, gss string, ch change.Request) (Raised, bool, error)
	ReplayDecision(ctx context.Context, gss string, ch change.Request) (Recommendation, bool, error)
}

// CouncilGrades tells the rules a council's latest published overall grade.
type CouncilGrades interface {
	// LatestGrade returns the grade and true, or false when the council
	// has no graded judgement; ErrCouncilNotFound when it does not exist.
	LatestGrade(ctx context.Context, gss string) (reference.Grade, bool, error)
}

// InspectionScheduler schedules the EMERGENCY inspection an accepted
// recommendation orders. An implementation must be idempotent per
// recommendation: scheduling the same recommendation again returns the
// inspection already scheduled, so an acceptance retried after a failure
// never schedules two inspections.
type InspectionScheduler interface {
	// ScheduleEmergency schedules fieldwork from start to end at council
	// gss and returns the inspection's resource name. recommendation is
	// the recommendation's resource name; r is the accepting request, for
	// the inspection's own audit trail.
	ScheduleEmergency(ctx context.Context, gss string, start, end time.Time,
		recommendation string, r change.Request) (inspectionName string, err error)
}

// Service runs the concern use cases: raise a concern and evaluate the
// rules, read and list, and decide on recommendations.
type Service struct {
	usecase.Core[Storer]
	grades    CouncilGrades
	scheduler InspectionScheduler
	rules     RuleSet
	newID     func() string
}

// Option configures a Service.
type Option func(*Service)

// WithClock makes the service read the time from now.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.Clock = now } }

// WithIDs makes the service draw new ids from newID instead of
// resource.NewID.
func WithIDs(newID func() string) Option { return func(s *Service) { s.newID = newID } }

// NewService returns the use cases over their dependencies. rules must be
// valid (ParseRules and DefaultRules return valid sets).
func NewService(st Storer, grades CouncilGrades, scheduler InspectionScheduler, rules RuleSet, opts ...Option) (*Service, error) {
	if st == nil || grades == nil || scheduler == nil {
		return nil, errors.New("concern: new service: store, grades and scheduler are required")
	}
	if err := rules.Validate(); err != nil {
		return nil, fmt.Errorf("concern: new service: %w", err)
	}
	s := &Service{Core: usecase.New(st, nil), grades: grades, scheduler: scheduler, rules: rules.clone(), newID: resource.NewID}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Rules returns the rule set the service evaluates.
func (s *Service) Rules() RuleSet { return s.rules.clone() }

// Check validates d against the service's clock.
func (s *Service) Check(d Draft) fault.Violations { return d.Validate(s.Clock()) }

// Raised is a recorded concern and the recommendations it created.
type Raised struct {
	Concern         Concern
	Recommendations []Recommendation
}

// Raise records concern d about council gss and evaluates the rules on it
// (see RuleSet.Evaluate); every rule that fires creates a PENDING
// recommendation, committed with the concern. A repeat of ch's request_id
// answers what the first call did.
func (s *Service) Raise(ctx context.Context, gss string, d Draft, ch change.Request) (Raised, error) {
	if prev, ok, err := s.Store.ReplayRaised(ctx, gss, ch); err != nil || ok {
		return prev, err
	}
	now := s.Clock()
	if err := d.Validate(now).Err(); err != nil {
		return Raised{}, err
	}
	if err := requireCouncil(gss); err != nil {
		return Raised{}, err
	}
	grade, graded, err := s.grades.LatestGrade(ctx, gss)
	if errors.Is(err, ErrCouncilNotFound) {
		return Raised{}, councilNotFound(gss)
	}
	if err != nil {
		return Raised{}, fmt.Errorf("concern: raise: latest grade of %s: %w", gss, err)
	}
	if !graded {
		grade = ""
	}
	c := Concern{
		GSSCode: gss, ID: s.newID(), Kind: d.Kind, Severity: d.Severity, ReceivedDate: d.ReceivedDate.UTC(),
		Narrative: d.Narrative, Source: d.Source, RecordedBy: ch.Subject, CreateTime: now.UTC(),
	}
	decide := func(recent []Concern, pending []Recommendation) ([]Recommendation, error) {
		firings := s.rules.Evaluate(Evaluation{New: c, Others: recent, LatestGrade: grade, Pending: pending})
		out := make([]Recommendation, 0, len(firings))
		for _, f := range firings {
			ids := make([]string, len(f.Concerns))
			for i, fc := range f.Concerns {
				ids[i] = fc.ID
			}
			out = append(out, Recommendation{
				GSSCode: gss, ID: s.newID(), Rule: f.Rule.ID, RuleDescription: f.Rule.Description,
				Concerns: ids, State: Pending, CreateTime: now.UTC(),
			})
		}
		return out, nil
	}
	from, to := s.rules.Span(c.ReceivedDate)
	recs, err := s.Store.Raise(ctx, c, from, to, decide, ch)
	if err != nil {
		return Raised{}, err
	}
	return Raised{Concern: c, Recommendations: recs}, nil
}

// Concern returns one concern of council gss.
func (s *Service) Concern(ctx context.Context, gss, id string) (Concern, error) {
	c, err := s.Store.Concern(ctx, gss, id)
	if errors.Is(err, ErrNotFound) {
		name := ConcernName(gss, id)
		return Concern{}, fault.NotFound("CONCERN_NOT_FOUND", "%s does not exist", name).With("name", name)
	}
	return c, err
}

// Concerns returns council gss's concerns matching f, newest received
// first (see SelectConcerns).
func (s *Service) Concerns(ctx context.Context, gss string, f *filter.Filter) ([]Concern, error) {
	if err := requireCouncil(gss); err != nil {
		return nil, err
	}
	cs, err := s.Store.Concerns(ctx, gss)
	if err != nil {
		return nil, err
	}
	return SelectConcerns(cs, f), nil
}

// Recommendation returns one recommendation of council gss.
func (s *Service) Recommendation(ctx context.Context, gss, id string) (Recommendation, error) {
	r, err := s.Store.Recommendation(ctx, gss, id)
	if errors.Is(err, ErrNotFound) {
		return Recommendation{}, recommendationNotFound(gss, id)
	}
	return r, err
}

// Recommendations returns the recommendations of council gss, or of every
// council when gss is "", matching f, newest first. state, when not "",
// lets the store narrow the read before f applies; f must imply it.
func (s *Service) Recommendations(ctx context.Context, gss string, state State, f *filter.Filter) ([]Recommendation, error) {
	if gss != "" {
		if err := requireCouncil(gss); err != nil {
			return nil, err
		}
	}
	rs, err := s.Store.Recommendations(ctx, gss, state)
	if err != nil {
		return nil, err
	}
	return SelectRecommendations(rs, f), nil
}

// Accept accepts recommendation id of council gss, which must be at etag
// and PENDING, and schedules the EMERGENCY inspection on
// sched through the InspectionScheduler. The acceptance records who, when,
// why and the inspection. The scheduler runs before the acceptance commits
// and is idempotent per recommendation, so a retry after a failed commit
// finds the inspection already scheduled. A repeat of ch's request_id
// answers what the first call did.
func (s *Service) Accept(ctx context.Context, gss, id string, etag change.Etag, sched Schedule, rationale string, ch change.Request) (Recommendation, error) {
	if prev, ok, err := s.Store.ReplayDecision(ctx, gss, ch); err != nil || ok {
		return prev, err
	}
	if err := ValidateAcceptance(sched, rationale).Err(); err != nil {
		return Recommendation{}, err
	}
	r, err := s.current(ctx, gss, id, etag)
	if err != nil {
		return Recommendation{}, err
	}
	next, err := r.Accept(Decision{By: ch.Subject, At: s.Clock(), Rationale: rationale}, sched)
	if err != nil {
		return Recommendation{}, err
	}
	inspection, err := s.scheduler.ScheduleEmergency(ctx, gss, sched.Start, sched.End, r.ResourceName(), ch)
	if err != nil {
		return Recommendation{}, fmt.Errorf("concern: accept %s: schedule emergency inspection: %w", r.ResourceName(), err)
	}
	next.Inspection = inspection
	return s.Store.Decide(ctx, next, ch)
}

// Dismiss dismisses recommendation id of council gss, which must be at
// etag and PENDING, keeping who, when and the rationale. A repeat of ch's
// request_id answers what the first call did.
func (s *Service) Dismiss(ctx context.Context, gss, id string, etag change.Etag, rationale string, ch change.Request) (Recommendation, error) {
	if prev, ok, err := s.Store.ReplayDecision(ctx, gss, ch); err != nil || ok {
		return prev, err
	}
	if err := ValidateDismissal(rationale).Err(); err != nil {
		return Recommendation{}, err
	}
	r, err := s.current(ctx, gss, id, etag)
	if err != nil {
		return Recommendation{}, err
	}
	next, err := r.Dismiss(Decision{By: ch.Subject, At: s.Clock(), Rationale: rationale})
	if err != nil {
		return Recommendation{}, err
	}
	return s.Store.Decide(ctx, next, ch)
}

// current reads a recommendation and checks the caller's etag against it.
func (s *Service) current(ctx context.Context, gss, id string, etag change.Etag) (Recommendation, error) {
	r, err := s.Recommendation(ctx, gss, id)
	if err != nil {
		return Recommendation{}, err
	}
	if err := etag.Check(r.Version); err != nil {
		return Recommendation{}, err
	}
	return r, nil
}

func requireCouncil(gss string) error {
	if _, ok := reference.CouncilByCode(gss); !ok {
		return councilNotFound(gss)
	}
	return nil
}

func councilNotFound(gss string) error {
	name := resource.CouncilName(gss)
	return fault.NotFound(resource.ReasonCouncilNotFound, "%s does not exist", name).With("name", name)
}

func recommendationNotFound(gss, id string) error {
	name := RecommendationName(gss, id)
	return fault.NotFound("RECOMMENDATION_NOT_FOUND", "%s does not exist", name).With("name", name)
}
