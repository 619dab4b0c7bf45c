package events

import (
	"context"
	"fmt"
	"strings"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
)

// interventionLiftedType is the event type of InterventionLifted.
var interventionLiftedType = events.TypeName(&eventsv1.InterventionLifted{})

// handleLifted ends the engagement meeting the need that the lifted
// intervention opened, audited as the sponsor service's own change with
// the event ID as the request ID. An intervention that opened no need, or
// whose need no engagement meets yet, ends nothing; an engagement that has
// ended already is left as it is, so a redelivery changes nothing.
func (c *Consumer) handleLifted(ctx context.Context, e events.Event) error {
	var m eventsv1.InterventionLifted
	if err := e.Unmarshal(&m); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformedEvent, err)
	}
	gss, _, named := need.ParseInterventionName(m.GetIntervention())
	if !named || m.GetLocalAuthority() != need.CouncilName(gss) {
		return fmt.Errorf("%w: event %s: intervention %q of council %q", ErrMalformedEvent, e.ID, m.GetIntervention(), m.GetLocalAuthority())
	}
	n, ok, err := c.svc.OpenedBy(ctx, gss, m.GetIntervention())
	if err != nil || !ok || n.Engagement == "" {
		return err
	}
	sponsor, id, err := engagement.ParseName("engagement", n.Engagement)
	if err != nil {
		return fmt.Errorf("needevents: need %s names engagement %q: %w", n.Name(), n.Engagement, err)
	}
	why := engagement.Ending{
		Reason:       "DfE lifted the " + strings.ToLower(strings.ReplaceAll(m.GetKind(), "_", " ")) + " it supported",
		Intervention: m.GetIntervention(),
	}
	if r := strings.TrimSpace(m.GetReason()); r != "" {
		why.Reason += ": " + r
	}
	ended, now, err := c.engagements.End(ctx, sponsor, id, why, change.Request{Subject: need.SystemActor, Method: e.Type, RequestID: e.ID})
	if err != nil {
		return fmt.Errorf("needevents: end %s: %w", n.Engagement, err)
	}
	if now {
		c.log.InfoContext(ctx, "engagement ended: its intervention was lifted",
			"engagement", ended.Name(), "intervention", m.GetIntervention(), "event_id", e.ID)
	}
	return nil
}
