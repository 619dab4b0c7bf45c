package planstore

import (
	"context"
	"fmt"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/deadline"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Announcements are the events that announce the change p makes since it
// was read (plan.Plan.Unannounced): one ImprovementPlanStateChanged per
// state change and one ImprovementPlanDeadlineExtended per extension, in
// the order they were made, for the same commit as p. r is the request
// that made the change; its first role is the role of whoever made it.
// Every commit of a changed plan adds them (SaveWithEvents does; a store
// that commits a plan with records of its own adds them itself), so a
// consumer that follows them knows every plan's state and deadline
// exactly.
func Announcements(ctx context.Context, p plan.Plan, r change.Request) ([]events.Event, error) {
	changes, extensions := p.Unannounced()
	if len(changes) == 0 && len(extensions) == 0 {
		return nil, nil
	}
	role := ""
	if len(r.Roles) > 0 {
		role = r.Roles[0]
	}
	pending := DecisionPending(p)
	out := make([]events.Event, 0, len(changes)+len(extensions))
	for _, c := range changes {
		m := &eventsv1.ImprovementPlanStateChanged{
			ImprovementPlan: p.Name(),
			LocalAuthority:  resource.CouncilName(p.GSSCode),
			FromState:       string(c.From),
			ToState:         string(c.To),
			Reason:          c.Reason,
			ChangeDate:      refproto.Date(plan.Day(c.Time)),
			ChangedBy:       c.Actor,
			ChangedByRole:   role,
			Deadline:        refproto.Date(p.Deadline),
			DecisionPending: pending,
		}
		if c.To == plan.Escalated {
			m.Intervention = p.Intervention
		}
		if c.Actor == plan.ServiceActor {
			m.ChangedByRole = ""
		}
		ev, err := events.NewEvent(ctx, Topic, p.Name(), m)
		if err != nil {
			return nil, fmt.Errorf("announce the change of %s to %s: %w", p.Name(), c.To, err)
		}
		out = append(out, ev)
	}
	for _, x := range extensions {
		ev, err := events.NewEvent(ctx, Topic, p.Name(), &eventsv1.ImprovementPlanDeadlineExtended{
			ImprovementPlan:  p.Name(),
			LocalAuthority:   resource.CouncilName(p.GSSCode),
			PreviousDeadline: refproto.Date(x.PreviousDeadline),
			NewDeadline:      refproto.Date(x.NewDeadline),
			Reason:           x.Reason,
			ExtendedBy:       x.ExtendedBy,
			State:            string(p.State),
			DecisionPending:  pending,
		})
		if err != nil {
			return nil, fmt.Errorf("announce the extension of %s: %w", p.Name(), err)
		}
		out = append(out, ev)
	}
	return out, nil
}

// DecisionPending reports whether DfE's decision on p is still to come at
// its deadline in force: the deadline clock watches it (deadline.Watches),
// or its deadline has passed and the decision is due.
func DecisionPending(p plan.Plan) bool {
	return p.State == plan.DecisionDue || deadline.Watches(p)
}
