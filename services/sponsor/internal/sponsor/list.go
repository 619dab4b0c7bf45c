package sponsor

import (
	"slices"
	"strings"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
)

// FilterSchema lists the fields a sponsor list can be filtered on, as
// ListSponsors documents them: `kind = CHARITY`, `paused = false`,
// `can_lead_trust = true`. Values are enum names without their prefixes.
var FilterSchema = filter.Schema{
	"kind":           {Type: filter.Enum, Values: fault.Names(Kinds), Prefix: "SPONSOR_KIND_"},
	"paused":         {Type: filter.Bool},
	"can_lead_trust": {Type: filter.Bool},
}

// record adapts a sponsor to the filter package.
type record struct{ s *Sponsor }

// Get implements filter.Record.
func (r record) Get(field string) (any, bool) {
	switch field {
	case "kind":
		return string(r.s.Kind), true
	case "paused":
		return r.s.Paused, true
	case "can_lead_trust":
		return r.s.CanLeadTrust, true
	}
	return nil, false
}

// Select returns the sponsors f matches, ordered by resource name (the
// order ListSponsors promises), so pages are stable. The caller pages over
// the result.
func Select(all []Sponsor, f *filter.Filter) []Sponsor {
	out := make([]Sponsor, 0, len(all))
	for i := range all {
		if f.Match(record{&all[i]}) {
			out = append(out, all[i])
		}
	}
	slices.SortFunc(out, func(a, b Sponsor) int { return strings.Compare(a.ID, b.ID) })
	return out
}
