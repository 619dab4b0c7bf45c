package events

import (
	"context"
	"fmt"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offerstore"
	"github.com/turnaround-sli/turnaround/services/platform/events"
)

// HandleJudgement is the events.Handler of topic "inspection". Events of
// other types, judgements that are not inadequate, and judgements recorded
// as history (JudgementPublished.historical: published or imported after
// their six-month improvement window) change nothing.
func (c *Consumers) HandleJudgement(ctx context.Context, e events.Event) error {
	j, ok, err := offerstore.DecodeJudgement(e)
	if err != nil || !ok {
		return err
	}
	if j.Historical {
		c.log.DebugContext(ctx, "no support offer for a judgement recorded as history",
			"inspection", j.Inspection, "event_id", e.ID)
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
