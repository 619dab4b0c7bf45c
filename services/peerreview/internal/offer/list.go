package offer

import (
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
)

// FilterSchema lists the fields an offer list can be filtered on.
var FilterSchema = filter.Schema{
	"tier":  {Type: filter.Enum, Values: fault.Names(Tiers), Prefix: "OFFER_TIER_"},
	"state": {Type: filter.Enum, Values: fault.Names(States), Prefix: "OFFER_STATE_"},
}

// record adapts an offer to the filter package.
type record struct{ o *Offer }

// Get implements filter.Record.
func (r record) Get(field string) (any, bool) {
	switch field {
	case "tier":
		return string(r.o.Tier), true
	case "state":
		return string(r.o.State), true
	}
	return nil, false
}

// Select returns the offers that f matches, keeping their order.
func Select(all []Offer, f *filter.Filter) []Offer {
	out := make([]Offer, 0, len(all))
	for i := range all {
		if f.Match(record{&all[i]}) {
			out = append(out, all[i])
		}
	}
	return out
}
