package events

import (
	"context"
	"fmt"
	"strings"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/support"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
)

// SponsorTopic is the sponsor service's topic, which this service's
// consumer group (Group) reads for EngagementStarted.
const SponsorTopic = "sponsor"

// Engagements feeds the read model of which sponsors actively support
// which councils (package support) from the sponsor service's
// EngagementStarted events: every engagement an approved match run creates
// starts ACTIVE. The sponsor service publishes no event when an engagement
// ends; support.Service.Ended is ready for one.
type Engagements struct{ support *support.Service }

// NewEngagements returns the consumer's handler over the read model.
func NewEngagements(s *support.Service) *Engagements { return &Engagements{support: s} }

// Consume is the consumer's handler for the sponsor topic; other event
// types on it are skipped. An event it cannot read fails, so it is retried
// and finally dead-lettered.
func (h *Engagements) Consume(ctx context.Context, e events.Event) error {
	msg, ok, err := events.As[eventsv1.EngagementStarted](e)
	if !ok || err != nil {
		return err
	}
	sponsor, okSponsor := strings.CutPrefix(msg.GetSponsor(), "sponsors/")
	gss, okCouncil := strings.CutPrefix(msg.GetLocalAuthority(), resource.Councils+"/")
	if !okSponsor || !okCouncil {
		return fmt.Errorf("improvementplan: event %s: engagement %s of %q for %q", e.ID, msg.GetEngagement(), msg.GetSponsor(), msg.GetLocalAuthority())
	}
	return h.support.Started(ctx, support.Engagement{Name: msg.GetEngagement(), Sponsor: sponsor, GSSCode: gss})
}
