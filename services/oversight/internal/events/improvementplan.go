package events

import (
	"errors"
	"fmt"
	"slices"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/timeline"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// The improvement-plan service's events: plans opened, every change of a
// plan's state and deadline, deadlines reached, and interventions ordered
// and lifted.
func init() {
	onCouncil(improvementPlanOpened)
	onCouncil(improvementPlanStateChanged)
	onCouncil(improvementPlanDeadlineExtended)
	onCouncil(improvementDeadlineReached)
	onCouncil(interventionOrdered)
	onCouncil(interventionLifted)
}

// planState checks a PlanState name without prefix.
func planState(field, s string) (string, error) {
	if slices.Contains(timeline.PlanStates, "PLAN_STATE_"+s) {
		return s, nil
	}
	return "", fmt.Errorf("%s %q is not a plan state", field, s)
}

func improvementPlanStateChanged(te timeline.Event, m *eventsv1.ImprovementPlanStateChanged) (timeline.Fact, error) {
	from, fromErr := planState("from_state", m.GetFromState())
	to, toErr := planState("to_state", m.GetToState())
	deadline, _, dateErr := refproto.DateFrom(m.GetDeadline())
	if err := errors.Join(fromErr, toErr, dateErr); err != nil {
		return timeline.Fact{}, err
	}
	return timeline.PlanStateChanged(te, timeline.PlanChange{
		Plan: m.GetImprovementPlan(), From: from, To: to, Reason: m.GetReason(),
		Actor: m.GetChangedBy(), Role: m.GetChangedByRole(),
		Deadline: deadline, Pending: m.GetDecisionPending(), Intervention: m.GetIntervention(),
	}), nil
}

func improvementPlanDeadlineExtended(te timeline.Event, m *eventsv1.ImprovementPlanDeadlineExtended) (timeline.Fact, error) {
	previous, _, prevErr := refproto.DateFrom(m.GetPreviousDeadline())
	next, _, nextErr := refproto.DateFrom(m.GetNewDeadline())
	state, stateErr := planState("state", m.GetState())
	if err := errors.Join(prevErr, nextErr, stateErr); err != nil {
		return timeline.Fact{}, err
	}
	return timeline.PlanDeadlineExtended(te, m.GetImprovementPlan(), previous, next, m.GetReason(), m.GetExtendedBy(), state, m.GetDecisionPending()), nil
}

func interventionLifted(te timeline.Event, m *eventsv1.InterventionLifted) (timeline.Fact, error) {
	return timeline.InterventionLifted(te, m.GetIntervention(), m.GetKind(), m.GetLiftedBy()), nil
}

func improvementPlanOpened(te timeline.Event, m *eventsv1.ImprovementPlanOpened) (timeline.Fact, error) {
	deadline, _, err := refproto.DateFrom(m.GetDeadline())
	if err != nil {
		return timeline.Fact{}, err
	}
	return timeline.ImprovementPlanOpened(te, m.GetImprovementPlan(), deadline), nil
}

func improvementDeadlineReached(te timeline.Event, m *eventsv1.ImprovementDeadlineReached) (timeline.Fact, error) {
	deadline, _, err := refproto.DateFrom(m.GetDeadline())
	if err != nil {
		return timeline.Fact{}, err
	}
	return timeline.ImprovementDeadlineReached(te, m.GetImprovementPlan(), deadline), nil
}

func interventionOrdered(te timeline.Event, m *eventsv1.InterventionOrdered) (timeline.Fact, error) {
	return timeline.InterventionOrdered(te, m.GetIntervention(), m.GetKind(), m.GetImprovementPlan(), m.GetOrderedBy()), nil
}
