package deadline

import (
	"context"
	"fmt"
	"time"

	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/platform/change"
)

// SuiteClock is the suite's clock as a rehearsal moves it;
// *clock.Clock (services/platform/clock) implements it.
type SuiteClock interface {
	// Advance moves the clock forward by by on behalf of r (a violation on
	// field when by is out of range; FAILED_PRECONDITION in production)
	// and returns how far it now runs ahead of its base clock.
	Advance(ctx context.Context, field string, by time.Duration, r change.Request) (time.Duration, error)
	// Now is the suite's time.
	Now() time.Time
}

// Lister lists plans; *planstore.Plans implements it.
type Lister interface {
	// List returns the plans of council gss, or of every council for
	// plan.AllCouncils.
	List(ctx context.Context, gss string) ([]plan.Plan, error)
}

// Rehearsal moves the suite's clock forward, so a training session can
// walk from a judgement to its deadline and DfE's decision, and fires at
// once the deadlines the move brought due (the schedule would within a
// second or two anyway).
type Rehearsal struct {
	clock SuiteClock
	fire  func(ctx context.Context) error
	plans Lister
}

// NewRehearsal returns the rehearsal use case over the suite's clock; fire
// runs the deadline jobs due now, and plans lists the plans to report.
func NewRehearsal(clock SuiteClock, fire func(ctx context.Context) error, plans Lister) *Rehearsal {
	return &Rehearsal{clock: clock, fire: fire, plans: plans}
}

// Advanced is the clock after a move.
type Advanced struct {
	// Now is the suite's time after the move; Offset how far it runs ahead
	// of its base clock.
	Now    time.Time
	Offset time.Duration
	// DecisionDue are the plans whose deadline the move passed and that
	// are now DECISION_DUE, by name.
	DecisionDue []string
}

// Advance moves the suite's clock forward by by, on behalf of r, fires the
// deadlines due, and reports the plans that came to DfE's decision. A retry
// of r's request_id moves nothing (and so reports no plan).
func (s *Rehearsal) Advance(ctx context.Context, by time.Duration, r change.Request) (Advanced, error) {
	before := s.clock.Now()
	offset, err := s.clock.Advance(ctx, "by", by, r)
	if err != nil {
		return Advanced{}, err
	}
	after := s.clock.Now()
	if err := s.fire(ctx); err != nil {
		return Advanced{}, fmt.Errorf("deadline: fire the deadlines due: %w", err)
	}
	all, err := s.plans.List(ctx, plan.AllCouncils)
	if err != nil {
		return Advanced{}, fmt.Errorf("deadline: list the plans: %w", err)
	}
	out := Advanced{Now: after, Offset: offset}
	for _, p := range all {
		if due := DueAt(p); p.State == plan.DecisionDue && due.After(before) && !due.After(after) {
			out.DecisionDue = append(out.DecisionDue, p.Name())
		}
	}
	return out, nil
}
