package offer

import (
	"github.com/turnaround-sli/turnaround/services/platform/filter"
)

// FilterSchema lists the fields an offer list can be filtered on.
var FilterSchema = columns.Schema()

var columns = filter.Columns[Offer]{
	"tier":  filter.EnumColumn(Tiers, "OFFER_TIER_", func(o *Offer) Tier { return o.Tier }),
	"state": filter.EnumColumn(States, "OFFER_STATE_", func(o *Offer) State { return o.State }),
}

// Select returns the offers that f matches, keeping their order.
func Select(all []Offer, f *filter.Filter) []Offer {
	return filter.Select(all, f, columns.Record, nil)
}
