package engagement

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// Ending says why an engagement ends: in plain words, and the
// intervention whose lifting ended it, if any.
type Ending struct {
	Reason       string
	Intervention string
}

// End returns e ended: it takes no more deployments and no longer uses the
// sponsor's capacity; what was deployed stays on record. An engagement
// that has ended already is a FAILED_PRECONDITION fault with reason
// ENGAGEMENT_NOT_ACTIVE. e itself is left unchanged.
func (e Engagement) End() (Engagement, error) {
	if e.State != Active {
		return Engagement{}, fault.FailedPrecondition(ReasonNotActive, "%s has ended already", e.Name()).With("state", string(e.State))
	}
	out := e.Clone()
	out.State = Ended
	return out, nil
}

// EndEngagement ends engagement id of sponsor for why, on behalf of r, and
// reports whether it ended now: an engagement that has ended already is
// left as it is (so a redelivered event ends nothing twice). A concurrent
// deployment is retried over.
func EndEngagement(ctx context.Context, st Storer, sponsor, id string, why Ending, r change.Request) (Engagement, bool, error) {
	why.Reason = strings.TrimSpace(why.Reason)
	for range maxAttempts {
		cur, err := st.Get(ctx, sponsor, id)
		if err != nil {
			return Engagement{}, false, err
		}
		if cur.State != Active {
			return cur, false, nil
		}
		ended, err := cur.End()
		if err != nil {
			return Engagement{}, false, err
		}
		saved, err := st.End(ctx, ended, why, r)
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			return Engagement{}, false, err
		}
		return saved, true, nil
	}
	return Engagement{}, false, fmt.Errorf("engagement: end %s: it kept changing for %d attempts: %w", Name(sponsor, id), maxAttempts, ErrConflict)
}
