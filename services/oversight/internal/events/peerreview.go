package events

import (
	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/timeline"
	"github.com/turnaround-sli/turnaround/services/platform/events"
)

// The peer-review service's events: completed reviews and support offers.
func init() {
	decoders[events.TypeName(&eventsv1.PeerReviewCompleted{})] = peerReviewCompleted
	decoders[events.TypeName(&eventsv1.SupportOfferCreated{})] = supportOfferCreated
}

func peerReviewCompleted(e events.Event) (timeline.Fact, error) {
	var m eventsv1.PeerReviewCompleted
	if err := e.Unmarshal(&m); err != nil {
		return timeline.Fact{}, err
	}
	te, err := councilEvent(e, m.GetLocalAuthority())
	if err != nil {
		return timeline.Fact{}, err
	}
	return timeline.PeerReviewCompleted(te, m.GetPeerReview(), m.GetKind(), m.GetRisk()), nil
}

func supportOfferCreated(e events.Event) (timeline.Fact, error) {
	var m eventsv1.SupportOfferCreated
	if err := e.Unmarshal(&m); err != nil {
		return timeline.Fact{}, err
	}
	te, err := councilEvent(e, m.GetLocalAuthority())
	if err != nil {
		return timeline.Fact{}, err
	}
	return timeline.SupportOfferCreated(te, m.GetSupportOffer(), m.GetTier()), nil
}
