package engagement

import (
	"fmt"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/check"
)

// Quarter is a calendar quarter, written 2016-Q2 (April to June 2016).
// Calendar quarters fall on the same three-month blocks as the financial
// year's, so a sponsor's "staff-days per quarter" means the same either
// way.
type Quarter string

// QuarterOf is the quarter holding the calendar date of t (in UTC, the form
// dates take here).
func QuarterOf(t time.Time) Quarter {
	t = t.UTC()
	return Quarter(fmt.Sprintf("%04d-Q%d", t.Year(), (int(t.Month())-1)/3+1))
}

// Usage is the capacity a sponsor has in use: what matching subtracts from
// its capacity, and what the sponsor resource shows.
type Usage struct {
	// Active counts the sponsor's ACTIVE engagements, against its
	// concurrent-engagement capacity.
	Active int
	// CommittedStaffDays is the staff time committed in the current
	// quarter, against its staff-days-per-quarter capacity.
	CommittedStaffDays int
}

// UsageOf works out each sponsor's capacity in use from its engagements,
// at now, keyed by sponsor id; sponsors with no active engagement are
// absent, meaning nothing in use.
//
// Capacity in use follows engagements and deployments:
//   - every ACTIVE engagement counts one against the sponsor's concurrent
//     engagements, whatever its start date (the sponsor has committed to
//     it); an ENDED one counts nothing;
//   - each ACTIVE engagement commits, in the current quarter (the calendar
//     quarter of today in England), its planned staff-days per quarter, or
//     the staff-days deployed to it in that quarter if they are more (a
//     sponsor that lent more than planned has lent it); deployed half-days
//     round up to whole days.
func UsageOf(engagements []Engagement, now time.Time) map[string]Usage {
	quarter := QuarterOf(check.Today(now))
	out := map[string]Usage{}
	for _, e := range engagements {
		if e.State != Active {
			continue
		}
		u := out[e.Sponsor]
		u.Active++
		u.CommittedStaffDays += max(e.PlannedStaffDays, int(e.ByQuarter[quarter].WholeDaysUp()))
		out[e.Sponsor] = u
	}
	return out
}
