package plan

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// ReasonDeadlineFixed: the plan's state does not allow its deadline to be
// extended.
const ReasonDeadlineFixed = "DEADLINE_NOT_EXTENDABLE"

// MaxReasonLen bounds the reasons recorded with a change.
const MaxReasonLen = 2000

// extendable are the states in which DfE can extend the deadline: every
// state in which the deadline still matters. Once improved, escalated or
// closed, there is no deadline left to meet.
var extendable = []State{Draft, Submitted, Approved, Monitoring, DecisionDue, Continued}

// Submit sends a draft plan to DfE on behalf of actor, as of now. A plan
// that is not a draft cannot be submitted (INVALID_PLAN_TRANSITION); a
// draft that fails any credibility rule gives NotCredible's
// FAILED_PRECONDITION, naming every failure, and stays a draft.
func (p *Plan) Submit(actor string, now time.Time) error {
	if !CanTransition(p.State, Submitted) {
		return invalidTransition(p.State, Submitted)
	}
	if checks := p.Check(); !Credible(checks) {
		return NotCredible(checks)
	}
	return p.Transition(Submitted, actor, "submitted to DfE", now)
}

// Approve approves a submitted plan on behalf of actor (DfE), for reason,
// as of now.
func (p *Plan) Approve(actor, reason string, now time.Time) error {
	if err := CheckReason(reason, false); err != nil {
		return err
	}
	return p.Transition(Approved, actor, orDefault(reason, "approved by DfE"), now)
}

// Return sends a submitted plan back to draft on behalf of actor (DfE).
// The reason says what must change, and is required.
func (p *Plan) Return(actor, reason string, now time.Time) error {
	if err := CheckReason(reason, true); err != nil {
		return err
	}
	return p.Transition(Draft, actor, reason, now)
}

// Close closes a plan that is improved, continued or escalated, on behalf
// of actor (DfE), for reason, as of now.
func (p *Plan) Close(actor, reason string, now time.Time) error {
	if err := CheckReason(reason, false); err != nil {
		return err
	}
	return p.Transition(Closed, actor, orDefault(reason, "closed by DfE"), now)
}

// Extend moves the deadline to newDeadline on behalf of actor (DfE), for
// reason, as of now, and records the extension; the original deadline is
// kept. The reason is required, and the new deadline must be later than
// the deadline in force and than today: a deadline already past would
// bring the decision straight back (INVALID_ARGUMENT otherwise, on reason
// and new_deadline). Only a plan whose deadline still matters can be
// extended: draft, submitted, approved, monitoring, continued or decision
// due (ReasonDeadlineFixed otherwise). A plan whose deadline had passed
// (DECISION_DUE) goes back to the state it was in before, recorded as a
// transition whose reason names the extension, and the new deadline runs
// for it as the old one did.
func (p *Plan) Extend(newDeadline time.Time, reason, actor string, now time.Time) error {
	var vs fault.Violations
	if err := CheckReason(reason, true); err != nil {
		f, _ := fault.As(err)
		vs = append(vs, f.Violations...)
	}
	today := Day(now)
	switch {
	case newDeadline.IsZero():
		vs.Add("new_deadline", "is required")
	case !Day(newDeadline).After(p.Deadline):
		vs.Add("new_deadline", "must be after the deadline in force, %s, got %s", date(p.Deadline), date(newDeadline))
	case !Day(newDeadline).After(today):
		vs.Add("new_deadline", "must be after today, %s, got %s", date(today), date(newDeadline))
	}
	if err := vs.Err(); err != nil {
		return err
	}
	if !slices.Contains(extendable, p.State) {
		return fault.FailedPrecondition(ReasonDeadlineFixed,
			"the deadline of a plan in state %s cannot be extended: it no longer runs", p.State).With("state", string(p.State))
	}
	newDeadline = Day(newDeadline)
	if p.State == DecisionDue {
		back := p.StateBeforeDecision()
		why := fmt.Sprintf("deadline extended from %s to %s: %s", date(p.Deadline), date(newDeadline), strings.TrimSpace(reason))
		if err := p.Transition(back, actor, why, now); err != nil {
			return err
		}
	}
	now = now.UTC()
	p.Extensions = append(p.Extensions, Extension{
		PreviousDeadline: p.Deadline, NewDeadline: newDeadline, Reason: strings.TrimSpace(reason), ExtendedBy: actor, Time: now,
	})
	p.Deadline = newDeadline
	p.UpdateTime = now
	return nil
}

// CheckReason reports a missing (when required) or overlong reason as a
// violation on the request field reason.
func CheckReason(reason string, required bool) error {
	var vs fault.Violations
	switch {
	case required && strings.TrimSpace(reason) == "":
		vs.Add("reason", "is required: say why, for the record")
	case len(reason) > MaxReasonLen:
		vs.Add("reason", "is %d bytes long; the limit is %d", len(reason), MaxReasonLen)
	}
	return vs.Err()
}

func orDefault(s, def string) string {
	if s = strings.TrimSpace(s); s != "" {
		return s
	}
	return def
}
