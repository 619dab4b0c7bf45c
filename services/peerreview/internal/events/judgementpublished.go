package events

import (
	"context"
	"fmt"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offerstore"
	"github.com/turnaround-sli/turnaround/services/platform/events"
)

// HandleJudgement is the events.Handler of topic "inspection". Events of
// other types, and judgements that are not inadequate, change nothing.
func (c *Consumers) HandleJudgement(ctx context.Context, e events.Event) error {
	j, ok, err := offerstore.DecodeJudgement(e)
	if err != nil || !ok {
		return err
	}
	o, changed, err := c.svc.FromJudgement(ctx, j, request(e))
	if err != nil {
		return fmt.Errorf("events: answer judgement of %s: %w", j.Inspection, err)
	}
	if changed {
		c.log.InfoContext(ctx, "support offer made or upgraded for an inadequate judgement",
			"inspection", j.Inspection, "support_offer", o.Name(), "tier", string(o.Tier), "event_id", e.ID)
	}
	return nil
}
