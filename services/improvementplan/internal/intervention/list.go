package intervention

import (
	"slices"
	"strings"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// FilterSchema lists the fields an intervention list can be filtered on:
// the kind, the state, the council's region and when it was ordered (an
// instant, or a date meaning its midnight UTC), e.g.
// `kind = CHILDRENS_SERVICES_TRUST AND state = IN_FORCE` or
// `region = NORTH_WEST AND order_time >= "2016-01-01" AND order_time < "2016-07-01"`.
var FilterSchema = filter.Schema{
	"kind":       {Type: filter.Enum, Values: fault.Names(Kinds), Prefix: "INTERVENTION_KIND_"},
	"state":      {Type: filter.Enum, Values: fault.Names(States), Prefix: "INTERVENTION_STATE_"},
	"region":     {Type: filter.Enum, Values: fault.Names(reference.Regions), Prefix: "REGION_"},
	"order_time": {Type: filter.Timestamp},
}

// record adapts an intervention to the filter package.
type record struct{ iv *Intervention }

// Get implements filter.Record.
func (r record) Get(field string) (any, bool) {
	switch field {
	case "kind":
		return string(r.iv.Kind), true
	case "state":
		return string(r.iv.State), true
	case "region":
		c, ok := reference.CouncilByCode(r.iv.GSSCode)
		return string(c.Region), ok
	case "order_time":
		return r.iv.OrderTime, !r.iv.OrderTime.IsZero()
	}
	return nil, false
}

// Select returns the interventions that f matches, newest first (by order
// time), with ties broken by resource name so pages are stable. The caller
// pages over the result.
func Select(all []Intervention, f *filter.Filter) []Intervention {
	out := make([]Intervention, 0, len(all))
	for i := range all {
		if f.Match(record{&all[i]}) {
			out = append(out, all[i])
		}
	}
	slices.SortStableFunc(out, func(a, b Intervention) int {
		if c := b.OrderTime.Compare(a.OrderTime); c != 0 {
			return c
		}
		return strings.Compare(a.Name(), b.Name())
	})
	return out
}
