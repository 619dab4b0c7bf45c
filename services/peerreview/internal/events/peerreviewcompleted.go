package events

import (
	"context"
	"fmt"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offerstore"
	"github.com/turnaround-sli/turnaround/services/platform/events"
)

// HandleReviewCompleted is the events.Handler of topic "peerreview".
// Events of other types (this service's own SupportOfferCreated among
// them), and reviews that found no risk calling for support, change
// nothing.
func (c *Consumers) HandleReviewCompleted(ctx context.Context, e events.Event) error {
	r, ok, err := offerstore.DecodeReviewCompleted(e)
	if err != nil || !ok {
		return err
	}
	o, changed, err := c.svc.FromReview(ctx, r, request(e))
	if err != nil {
		return fmt.Errorf("events: answer peer review %s: %w", r.PeerReview, err)
	}
	if o.ID == "" {
		return nil
	}
	gss, id, _ := offer.ParseReviewName(r.PeerReview)
	if err := c.linker.LinkOffer(ctx, gss, id, o.Name(), linkRequest); err != nil {
		return fmt.Errorf("events: link %s to peer review %s: %w", o.Name(), r.PeerReview, err)
	}
	if changed {
		c.log.InfoContext(ctx, "enhanced support offer made or upgraded for a peer review",
			"peer_review", r.PeerReview, "support_offer", o.Name(), "tier", string(o.Tier), "event_id", e.ID)
	}
	return nil
}
