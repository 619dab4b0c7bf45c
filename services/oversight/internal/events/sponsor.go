package events

import (
	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/timeline"
	"github.com/turnaround-sli/turnaround/services/platform/events"
)

// The sponsor service's events: needs opened and closed, engagements
// started and ended. An approved match run names no council; its
// engagements' own events do.
func init() {
	decoders[events.TypeName(&eventsv1.SponsorNeedOpened{})] = sponsorNeedOpened
	decoders[events.TypeName(&eventsv1.SponsorNeedClosed{})] = sponsorNeedClosed
	decoders[events.TypeName(&eventsv1.EngagementStarted{})] = engagementStarted
	decoders[events.TypeName(&eventsv1.EngagementEnded{})] = engagementEnded
}

func sponsorNeedClosed(e events.Event) (timeline.Fact, error) {
	var m eventsv1.SponsorNeedClosed
	if err := e.Unmarshal(&m); err != nil {
		return timeline.Fact{}, err
	}
	te, err := councilEvent(e, m.GetLocalAuthority())
	if err != nil {
		return timeline.Fact{}, err
	}
	return timeline.SponsorNeedClosed(te, m.GetSponsorNeed(), m.GetClosedBy()), nil
}

func engagementEnded(e events.Event) (timeline.Fact, error) {
	var m eventsv1.EngagementEnded
	if err := e.Unmarshal(&m); err != nil {
		return timeline.Fact{}, err
	}
	te, err := councilEvent(e, m.GetLocalAuthority())
	if err != nil {
		return timeline.Fact{}, err
	}
	return timeline.EngagementEnded(te, m.GetEngagement(), sponsorID(m.GetSponsor()), m.GetReason()), nil
}

func sponsorNeedOpened(e events.Event) (timeline.Fact, error) {
	var m eventsv1.SponsorNeedOpened
	if err := e.Unmarshal(&m); err != nil {
		return timeline.Fact{}, err
	}
	te, err := councilEvent(e, m.GetLocalAuthority())
	if err != nil {
		return timeline.Fact{}, err
	}
	return timeline.SponsorNeedOpened(te, m.GetSponsorNeed()), nil
}

func engagementStarted(e events.Event) (timeline.Fact, error) {
	var m eventsv1.EngagementStarted
	if err := e.Unmarshal(&m); err != nil {
		return timeline.Fact{}, err
	}
	te, err := councilEvent(e, m.GetLocalAuthority())
	if err != nil {
		return timeline.Fact{}, err
	}
	return timeline.EngagementStarted(te, m.GetEngagement(), sponsorID(m.GetSponsor()), m.GetSponsorNeed()), nil
}
