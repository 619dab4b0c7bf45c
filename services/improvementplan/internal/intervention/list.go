package intervention

import (
	"slices"
	"strings"

	"github.com/turnaround-sli/turnaround/services/platform/filter"
)

// FilterSchema lists the fields an intervention list can be filtered on,
// e.g. `kind = CHILDRENS_SERVICES_TRUST AND state = IN_FORCE`.
var FilterSchema = filter.Schema{
	"kind":  {Type: filter.Enum, Values: names(Kinds), Prefix: "INTERVENTION_KIND_"},
	"state": {Type: filter.Enum, Values: names(States), Prefix: "INTERVENTION_STATE_"},
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
