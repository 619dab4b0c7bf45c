// Package deadline is the six-month clock of improvement plans: when a plan
// opens, or its deadline moves, a job named after the plan is (re)scheduled
// for the moment the deadline passes, and when the job fires the plan moves
// to DECISION_DUE and ImprovementDeadlineReached is emitted in the same
// commit.
//
// The jobs live in a durable schedule (platform/schedule) that fires each job
// on one replica at a time, at least once. Firing is idempotent, so the
// effect happens exactly once: a plan no longer in a state the clock watches
// (because the first firing moved it to DECISION_DUE, or it improved, or was
// escalated) is left alone, and two replicas racing on one plan are
// serialised by the plan's version, the loser re-reading and finding nothing
// to do. Firing also reconciles: a plan whose deadline in force is still in
// the future (extended after the job was scheduled, with the reschedule lost
// to a crash) has its job moved instead of firing. Sweep reconciles the
// other way round: every watched plan whose job is missing or due at the
// wrong time gets it back, so a plan whose deadline moved without a
// Reschedule is caught within a sweep.
//
// The package is pure Go; the face of the service wires it to the schedule,
// the plan store and the event encoding.
package deadline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
)

// ScheduleName is the name of the durable schedule that holds the deadline
// jobs; every replica of the service shares it.
const ScheduleName = "improvementplan-deadlines"

// maxAttempts bounds the re-reads after a concurrent change to the plan
// (a council editing it as the deadline passes, or another replica firing).
const maxAttempts = 5

// Watched are the states the clock applies to: every state before DfE's
// decision. A plan in any of them moves to DECISION_DUE when its deadline
// passes, since the six months run from the judgement, not from the plan's
// approval: a council without an approved plan at the deadline is exactly
// the case DfE must decide on. CONTINUED is watched because a plan DfE let
// continue faces its (extended) deadline again. DECISION_DUE, ESCALATED,
// IMPROVED and CLOSED are not: the deadline has done its work or no longer
// matters.
var Watched = []plan.State{plan.Draft, plan.Submitted, plan.Approved, plan.Monitoring, plan.Continued}

// IsWatched reports whether s is one of Watched; Watches decides for a
// whole plan.
func IsWatched(s plan.State) bool { return slices.Contains(Watched, s) }

// Watches reports whether the clock applies to p: its state is watched and,
// for a CONTINUED plan, its deadline passes after DfE's decision to let it
// continue. A decision to continue is made after the deadline; until DfE
// sets a new one (ExtendDeadline), no deadline runs, and the old one must not
// bring the plan straight back to DECISION_DUE.
func Watches(p plan.Plan) bool {
	if !IsWatched(p.State) {
		return false
	}
	if p.State != plan.Continued {
		return true
	}
	for i := len(p.History) - 1; i >= 0; i-- {
		if h := p.History[i]; h.To == plan.Continued {
			return DueAt(p).After(h.Time)
		}
	}
	return true
}

// DueAt is when the deadline of p passes: the end of the deadline day, that
// is midnight UTC at the start of the next day. The deadline day itself is
// still within the time allowed, as an action due today is not yet late.
func DueAt(p plan.Plan) time.Time { return plan.Day(p.Deadline).AddDate(0, 0, 1) }

// Plans is what the clock needs of the plan store; *planstore.Plans
// implements it.
type Plans interface {
	// Get returns the plan or an error matching plan.ErrNotFound.
	Get(ctx context.Context, gss, id string) (plan.Plan, error)
	// SaveWithEvents stores p, changed from version p.Version, with the
	// audit entry of r and events in one commit; a plan that moved since
	// gives an error matching plan.ErrConflict.
	SaveWithEvents(ctx context.Context, p plan.Plan, r change.Request, evs ...events.Event) (plan.Plan, error)
	// List returns the plans of a council, or of every council for
	// plan.AllCouncils.
	List(ctx context.Context, gss string) ([]plan.Plan, error)
}

// Jobs is the durable schedule of deadline jobs; *schedule.Scheduler
// implements it.
type Jobs interface {
	// Schedule makes the job id due at due, moving it if it exists.
	Schedule(ctx context.Context, id string, due time.Time, payload []byte) error
	// Cancel removes the job id and reports whether it existed.
	Cancel(ctx context.Context, id string) (bool, error)
	// Scheduled returns the due times of those of ids that are scheduled.
	Scheduled(ctx context.Context, ids ...string) (map[string]time.Time, error)
}

// ReachedEvent builds the ImprovementDeadlineReached event of p, a plan whose
// deadline has just passed. The face of the service supplies it, since event
// payloads are protobuf messages.
type ReachedEvent func(ctx context.Context, p plan.Plan) (events.Event, error)

// Rescheduler is what a handler that opens a plan or moves its deadline
// (ExtendDeadline, DecideProgress, a re-inspection) calls after its commit so
// the clock follows; *Clock implements it.
type Rescheduler interface {
	Reschedule(ctx context.Context, p plan.Plan) error
}

// Clock schedules and fires plan deadlines.
type Clock struct {
	plans   Plans
	jobs    Jobs
	reached ReachedEvent
	now     func() time.Time
}

var _ Rescheduler = (*Clock)(nil)

// New returns the clock over plans and jobs; now is the time deadlines are
// compared with.
func New(plans Plans, jobs Jobs, reached ReachedEvent, now func() time.Time) *Clock {
	return &Clock{plans: plans, jobs: jobs, reached: reached, now: now}
}

// Reschedule makes the plan's deadline job match the plan as stored: due at
// DueAt(p) while the clock watches it (see Watches), and gone otherwise. It is
// idempotent, so callers call it after every commit that opens a plan,
// moves its deadline or changes its state, and again on a retry. A call that
// is lost (the process died after the commit) is repaired when the old job
// fires: Fire reconciles with the plan it reads.
func (c *Clock) Reschedule(ctx context.Context, p plan.Plan) error {
	if Watches(p) {
		due := DueAt(p)
		if err := c.jobs.Schedule(ctx, p.Name(), due, []byte(plan.Day(p.Deadline).Format(time.DateOnly))); err != nil {
			return fmt.Errorf("deadline: schedule %s for %s: %w", p.Name(), due.Format(time.RFC3339), err)
		}
		return nil
	}
	if _, err := c.jobs.Cancel(ctx, p.Name()); err != nil {
		return fmt.Errorf("deadline: cancel the deadline of %s: %w", p.Name(), err)
	}
	return nil
}

// Sweep reconciles the schedule with every plan: a watched plan whose job
// is missing, or due at another time than its deadline says, is
// rescheduled. It returns how many jobs it (re)scheduled. Handlers that
// move a deadline call Reschedule themselves; the sweep repairs what a
// crash between their commit and that call left behind, and covers any
// handler that changes a plan's state or deadline without calling it (a
// plan extended out of DECISION_DUE, say, which has no job left to
// reconcile when it fires). Jobs of unwatched plans are left to fire, which
// does nothing.
func (c *Clock) Sweep(ctx context.Context) (int, error) {
	all, err := c.plans.List(ctx, plan.AllCouncils)
	if err != nil {
		return 0, fmt.Errorf("deadline: sweep: %w", err)
	}
	var watched []plan.Plan
	var names []string
	for _, p := range all {
		if Watches(p) {
			watched = append(watched, p)
			names = append(names, p.Name())
		}
	}
	due, err := c.jobs.Scheduled(ctx, names...)
	if err != nil {
		return 0, fmt.Errorf("deadline: sweep: %w", err)
	}
	n := 0
	for _, p := range watched {
		if at, ok := due[p.Name()]; ok && at.Equal(DueAt(p)) {
			continue
		}
		if err := c.Reschedule(ctx, p); err != nil {
			return n, fmt.Errorf("deadline: sweep: %w", err)
		}
		n++
	}
	return n, nil
}

// Outcome is what one firing did.
type Outcome string

// The outcomes of Fire.
const (
	// Reached: the plan moved to DECISION_DUE and the event was emitted.
	Reached Outcome = "reached"
	// Moved: the plan's deadline is still ahead (it was extended), so the
	// job was rescheduled to it.
	Moved Outcome = "moved"
	// Unwatched: the clock does not watch the plan (see Watches), most
	// often because an earlier firing already moved it to DECISION_DUE.
	Unwatched Outcome = "unwatched"
	// Missing: there is no such plan, so there is nothing to do.
	Missing Outcome = "missing"
)

// Fire handles the deadline job of the plan named name: it moves the plan
// to DECISION_DUE with an ImprovementDeadlineReached event and an audit
// entry, in one commit, if the plan is watched and its deadline has passed.
// It is idempotent; see the package documentation.
func (c *Clock) Fire(ctx context.Context, name string) (Outcome, error) {
	gss, id, err := plan.ParseName("job", name)
	if err != nil {
		// Only a plan's name is ever scheduled; a job that names none
		// refers to nothing the clock could act on.
		return Missing, nil
	}
	for range maxAttempts {
		p, err := c.plans.Get(ctx, gss, id)
		if errors.Is(err, plan.ErrNotFound) {
			return Missing, nil
		}
		if err != nil {
			return "", fmt.Errorf("deadline: fire %s: %w", name, err)
		}
		if !Watches(p) {
			return Unwatched, nil
		}
		now := c.now()
		if now.Before(DueAt(p)) {
			if err := c.Reschedule(ctx, p); err != nil {
				return "", err
			}
			return Moved, nil
		}
		_, err = c.reach(ctx, p, now)
		if errors.Is(err, plan.ErrConflict) {
			continue
		}
		if err != nil {
			return "", err
		}
		return Reached, nil
	}
	return "", fmt.Errorf("deadline: fire %s: the plan kept changing for %d attempts: %w", name, maxAttempts, plan.ErrConflict)
}

// reach moves p to DECISION_DUE and saves it with the event.
func (c *Clock) reach(ctx context.Context, p plan.Plan, now time.Time) (plan.Plan, error) {
	next := p.Clone()
	reason := fmt.Sprintf("the deadline of %s passed", plan.Day(p.Deadline).Format(time.DateOnly))
	if len(p.Extensions) > 0 {
		reason += fmt.Sprintf(" (the original deadline was %s)", plan.Day(p.OriginalDeadline).Format(time.DateOnly))
	}
	if err := next.Transition(plan.DecisionDue, plan.ServiceActor, reason, now); err != nil {
		return plan.Plan{}, fmt.Errorf("deadline: %s: %w", p.Name(), err)
	}
	ev, err := c.reached(ctx, next)
	if err != nil {
		return plan.Plan{}, fmt.Errorf("deadline: event for %s: %w", p.Name(), err)
	}
	saved, err := c.plans.SaveWithEvents(ctx, next, change.Request{Subject: plan.ServiceActor, Method: ev.Type}, ev)
	if err != nil {
		return plan.Plan{}, fmt.Errorf("deadline: %s reached its deadline: %w", p.Name(), err)
	}
	return saved, nil
}
