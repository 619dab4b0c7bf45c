package events

import (
	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/timeline"
)

// The peer-review service's events: completed reviews and support offers.
func init() {
	onCouncil(peerReviewCompleted)
	onCouncil(supportOfferCreated)
}

func peerReviewCompleted(te timeline.Event, m *eventsv1.PeerReviewCompleted) (timeline.Fact, error) {
	return timeline.PeerReviewCompleted(te, m.GetPeerReview(), m.GetKind(), m.GetRisk()), nil
}

func supportOfferCreated(te timeline.Event, m *eventsv1.SupportOfferCreated) (timeline.Fact, error) {
	return timeline.SupportOfferCreated(te, m.GetSupportOffer(), m.GetTier()), nil
}
