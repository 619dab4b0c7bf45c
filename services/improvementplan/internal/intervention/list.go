package intervention

import (
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/filter"
)

// FilterSchema lists the fields an intervention list can be filtered on:
// the kind, the state, the council's region and when it was ordered (an
// instant, or a date meaning its midnight UTC), e.g.
// `kind = CHILDRENS_SERVICES_TRUST AND state = IN_FORCE` or
// `region = NORTH_WEST AND order_time >= "2016-01-01" AND order_time < "2016-07-01"`.
var FilterSchema = columns.Schema()

var columns = filter.Columns[Intervention]{
	"kind":       filter.EnumColumn(Kinds, "INTERVENTION_KIND_", func(iv *Intervention) Kind { return iv.Kind }),
	"state":      filter.EnumColumn(States, "INTERVENTION_STATE_", func(iv *Intervention) State { return iv.State }),
	"region":     filter.RegionColumn(func(iv *Intervention) string { return iv.GSSCode }),
	"order_time": filter.TimeColumn(filter.Timestamp, func(iv *Intervention) time.Time { return iv.OrderTime }),
}

// Select returns the interventions that f matches, newest first (by order
// time), with ties broken by resource name so pages are stable. The caller
// pages over the result.
func Select(all []Intervention, f *filter.Filter) []Intervention {
	return filter.Select(all, f, columns.Record, filter.NewestFirst(func(iv *Intervention) time.Time { return iv.OrderTime }, (*Intervention).Name))
}
