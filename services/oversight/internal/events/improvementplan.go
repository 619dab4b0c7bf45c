package events

import (
	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/timeline"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// The improvement-plan service's events: plans opened, deadlines reached
// and interventions ordered.
func init() {
	decoders[events.TypeName(&eventsv1.ImprovementPlanOpened{})] = improvementPlanOpened
	decoders[events.TypeName(&eventsv1.ImprovementDeadlineReached{})] = improvementDeadlineReached
	decoders[events.TypeName(&eventsv1.InterventionOrdered{})] = interventionOrdered
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
