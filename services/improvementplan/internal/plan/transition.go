package plan

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// transitions lists, for each state, the states a plan may move to. The
// life of a plan:
//
//	DRAFT → SUBMITTED → APPROVED → MONITORING → DECISION_DUE → CONTINUED or ESCALATED → CLOSED
//	SUBMITTED → DRAFT                      DfE returns the plan with reasons
//	DRAFT … CONTINUED → DECISION_DUE       the deadline passes (the clock)
//	any open state → IMPROVED → CLOSED     a re-inspection is no longer inadequate
//	DECISION_DUE → the state before it    DfE extends the deadline
//
// The clock moves a plan to DECISION_DUE from every state before a decision,
// draft and submitted included: the six months run from the judgement, not
// from the plan's approval, and a council with no approved plan at the
// deadline is exactly the case DfE must decide on. After a decision to
// continue, CONTINUED can reach DECISION_DUE again at an extended deadline.
var transitions = map[State][]State{
	Draft:       {Submitted, DecisionDue, Improved},
	Submitted:   {Draft, Approved, DecisionDue, Improved},
	Approved:    {Monitoring, DecisionDue, Improved},
	Monitoring:  {DecisionDue, Improved},
	DecisionDue: {Continued, Escalated, Improved, Draft, Submitted, Approved, Monitoring},
	Continued:   {DecisionDue, Improved, Closed},
	Escalated:   {Improved, Closed},
	Improved:    {Closed},
	Closed:      nil,
}

// decisions are the states DECISION_DUE leaves to by a decision or an
// inspection; any other state it leaves to must be the one it was entered
// from (a deadline extension undoes the deadline passing).
var decisions = []State{Continued, Escalated, Improved}

// ErrNoActor is returned by Transition when no actor is named: every change
// of state records who made it, so a caller that does not know is a
// programming error.
var ErrNoActor = errors.New("plan: a state change needs an actor")

// CanTransition reports whether a plan in state from may move to to,
// leaving aside the DECISION_DUE rule that a return must go back to the
// state before (Transition checks that against the plan's history).
func CanTransition(from, to State) bool { return slices.Contains(transitions[from], to) }

// Transition moves the plan to state to on behalf of actor, for reason, as
// of now, and records the change in its history. It is the only way a
// plan's state changes. A change the state machine does not allow is a
// FAILED_PRECONDITION fault with reason INVALID_PLAN_TRANSITION and the
// states in its metadata (from, to); the plan is then unchanged.
func (p *Plan) Transition(to State, actor, reason string, now time.Time) error {
	if actor == "" {
		return ErrNoActor
	}
	from := p.State
	ok := CanTransition(from, to)
	if ok && from == DecisionDue && !slices.Contains(decisions, to) {
		ok = p.StateBeforeDecision() == to
	}
	if !ok {
		return invalidTransition(from, to)
	}
	now = now.UTC()
	p.History = append(p.History, StateChange{From: from, To: to, Actor: actor, Reason: strings.TrimSpace(reason), Time: now})
	p.State = to
	p.UpdateTime = now
	return nil
}

// StateBeforeDecision is the state the plan was in when it last moved to
// DECISION_DUE, or "" when it never did.
func (p Plan) StateBeforeDecision() State {
	for i := len(p.History) - 1; i >= 0; i-- {
		if p.History[i].To == DecisionDue {
			return p.History[i].From
		}
	}
	return ""
}

func invalidTransition(from, to State) error {
	allowed := make([]string, 0, len(transitions[from]))
	for _, s := range transitions[from] {
		allowed = append(allowed, string(s))
	}
	next := "none: the plan is closed"
	if len(allowed) > 0 {
		next = strings.Join(allowed, ", ")
	}
	return fault.FailedPrecondition(ReasonInvalidTransition,
		"an improvement plan in state %s cannot move to %s; from %s it can move to %s", from, to, from, next).
		With("from", string(from)).With("to", string(to))
}
