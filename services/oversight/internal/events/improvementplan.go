package events

import (
	"errors"
	"fmt"
	"slices"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/timeline"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// The improvement-plan service's events: plans opened, every change of a
// plan's state and deadline, deadlines reached, and interventions ordered
// and lifted.
func init() {
	decoders[events.TypeName(&eventsv1.ImprovementPlanOpened{})] = improvementPlanOpened
	decoders[events.TypeName(&eventsv1.ImprovementPlanStateChanged{})] = improvementPlanStateChanged
	decoders[events.TypeName(&eventsv1.ImprovementPlanDeadlineExtended{})] = improvementPlanDeadlineExtended
	decoders[events.TypeName(&eventsv1.ImprovementDeadlineReached{})] = improvementDeadlineReached
	decoders[events.TypeName(&eventsv1.InterventionOrdered{})] = interventionOrdered
	decoders[events.TypeName(&eventsv1.InterventionLifted{})] = interventionLifted
}

// planState checks a PlanState name without prefix.
func planState(field, s string) (string, error) {
	if slices.Contains(timeline.PlanStates, "PLAN_STATE_"+s) {
		return s, nil
	}
	return "", fmt.Errorf("%s %q is not a plan state", field, s)
}

func improvementPlanStateChanged(e events.Event) (timeline.Fact, error) {
	var m eventsv1.ImprovementPlanStateChanged
	if err := e.Unmarshal(&m); err != nil {
		return timeline.Fact{}, err
	}
	te, err := councilEvent(e, m.GetLocalAuthority())
	if err != nil {
		return timeline.Fact{}, err
	}
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

func improvementPlanDeadlineExtended(e events.Event) (timeline.Fact, error) {
	var m eventsv1.ImprovementPlanDeadlineExtended
	if err := e.Unmarshal(&m); err != nil {
		return timeline.Fact{}, err
	}
	te, err := councilEvent(e, m.GetLocalAuthority())
	if err != nil {
		return timeline.Fact{}, err
	}
	previous, _, prevErr := refproto.DateFrom(m.GetPreviousDeadline())
	next, _, nextErr := refproto.DateFrom(m.GetNewDeadline())
	state, stateErr := planState("state", m.GetState())
	if err := errors.Join(prevErr, nextErr, stateErr); err != nil {
		return timeline.Fact{}, err
	}
	return timeline.PlanDeadlineExtended(te, m.GetImprovementPlan(), previous, next, m.GetReason(), m.GetExtendedBy(), state, m.GetDecisionPending()), nil
}

func interventionLifted(e events.Event) (timeline.Fact, error) {
	var m eventsv1.InterventionLifted
	if err := e.Unmarshal(&m); err != nil {
		return timeline.Fact{}, err
	}
	te, err := councilEvent(e, m.GetLocalAuthority())
	if err != nil {
		return timeline.Fact{}, err
	}
	return timeline.InterventionLifted(te, m.GetIntervention(), m.GetKind(), m.GetLiftedBy()), nil
}

func improvementPlanOpened(e events.Event) (timeline.Fact, error) {
	var m eventsv1.ImprovementPlanOpened
	if err := e.Unmarshal(&m); err != nil {
		return timeline.Fact{}, err
	}
	te, err := councilEvent(e, m.GetLocalAuthority())
	if err != nil {
		return timeline.Fact{}, err
	}
	deadline, _, err := refproto.DateFrom(m.GetDeadline())
	if err != nil {
		return timeline.Fact{}, err
	}
	return timeline.ImprovementPlanOpened(te, m.GetImprovementPlan(), deadline), nil
}

func improvementDeadlineReached(e events.Event) (timeline.Fact, error) {
	var m eventsv1.ImprovementDeadlineReached
	if err := e.Unmarshal(&m); err != nil {
		return timeline.Fact{}, err
	}
	te, err := councilEvent(e, m.GetLocalAuthority())
	if err != nil {
		return timeline.Fact{}, err
	}
	deadline, _, err := refproto.DateFrom(m.GetDeadline())
	if err != nil {
		return timeline.Fact{}, err
	}
	return timeline.ImprovementDeadlineReached(te, m.GetImprovementPlan(), deadline), nil
}

func interventionOrdered(e events.Event) (timeline.Fact, error) {
	var m eventsv1.InterventionOrdered
	if err := e.Unmarshal(&m); err != nil {
		return timeline.Fact{}, err
	}
	te, err := councilEvent(e, m.GetLocalAuthority())
	if err != nil {
		return timeline.Fact{}, err
	}
	return timeline.InterventionOrdered(te, m.GetIntervention(), m.GetKind(), m.GetImprovementPlan(), m.GetOrderedBy()), nil
}
