package events

import (
	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/timeline"
)

// The sponsor service's events: needs opened and closed, engagements
// started and ended. An approved match run names no council; its
// engagements' own events do.
func init() {
	onCouncil(sponsorNeedOpened)
	onCouncil(sponsorNeedClosed)
	onCouncil(engagementStarted)
	onCouncil(engagementEnded)
}

func sponsorNeedClosed(te timeline.Event, m *eventsv1.SponsorNeedClosed) (timeline.Fact, error) {
	return timeline.SponsorNeedClosed(te, m.GetSponsorNeed(), m.GetClosedBy()), nil
}

func engagementEnded(te timeline.Event, m *eventsv1.EngagementEnded) (timeline.Fact, error) {
	return timeline.EngagementEnded(te, m.GetEngagement(), sponsorID(m.GetSponsor()), m.GetReason()), nil
}

func sponsorNeedOpened(te timeline.Event, m *eventsv1.SponsorNeedOpened) (timeline.Fact, error) {
	return timeline.SponsorNeedOpened(te, m.GetSponsorNeed()), nil
}

func engagementStarted(te timeline.Event, m *eventsv1.EngagementStarted) (timeline.Fact, error) {
	return timeline.EngagementStarted(te, m.GetEngagement(), sponsorID(m.GetSponsor()), m.GetSponsorNeed()), nil
}
