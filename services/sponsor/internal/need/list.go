package need

import (
	"cmp"
	"slices"
	"strings"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
)

// FilterSchema lists the fields a need list can be filtered on, as
// ListSponsorNeeds documents them: `state = OPEN`, `urgency >= 4`,
// `requires_trust_sponsor = true`. Values are enum names without their
// prefixes.
var FilterSchema = filter.Schema{
	"state":                  {Type: filter.Enum, Values: fault.Names(States), Prefix: "NEED_STATE_"},
	"urgency":                {Type: filter.Int},
	"requires_trust_sponsor": {Type: filter.Bool},
}

// record adapts a need to the filter package.
type record struct{ n *Need }

// Get implements filter.Record.
func (r record) Get(field string) (any, bool) {
	switch field {
	case "state":
		return string(r.n.State), true
	case "urgency":
		return int64(r.n.Urgency), true
	case "requires_trust_sponsor":
		return r.n.RequiresTrustSponsor, true
	}
	return nil, false
}

// Select returns the needs f matches, most urgent first; among equally
// urgent needs the one waiting longest (earliest created) comes first, and
// ties are broken by resource name, so pages are stable. The caller pages
// over the result.
func Select(all []Need, f *filter.Filter) []Need {
	out := make([]Need, 0, len(all))
	for i := range all {
		if f.Match(record{&all[i]}) {
			out = append(out, all[i])
		}
	}
	SortMostUrgentFirst(out)
	return out
}

// SortMostUrgentFirst orders needs as Select does.
func SortMostUrgentFirst(ns []Need) {
	slices.SortFunc(ns, func(a, b Need) int {
		return cmp.Or(
			cmp.Compare(b.Urgency, a.Urgency),
			a.CreateTime.Compare(b.CreateTime),
			strings.Compare(a.Name(), b.Name()),
		)
	})
}
