package plan

import (
	"slices"
	"strings"

	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// FilterSchema lists the fields a plan list can be filtered on: the state
// by name (`state = APPROVED`), the deadline in force as a date
// (`deadline < 2016-06-01`, `deadline >= 2016-01-01 AND deadline <= 2016-03-31`)
// and the council's region (`region = NORTH_WEST AND deadline < "2016-09-01"`).
var FilterSchema = filter.Schema{
	"state":    {Type: filter.Enum, Values: names(States), Prefix: "PLAN_STATE_"},
	"deadline": {Type: filter.Date},
	"region":   {Type: filter.Enum, Values: names(reference.Regions), Prefix: "REGION_"},
}

// OrderFields lists the fields a plan list can be ordered by.
var OrderFields = []string{"deadline", "create_time"}

// DefaultOrder is the order of a list that names none: the nearest
// deadline first, the order in which DfE meets the decisions.
const DefaultOrder = "deadline"

func names[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// record adapts a plan to the filter package.
type record struct{ p *Plan }

// Get implements filter.Record.
func (r record) Get(field string) (any, bool) {
	switch field {
	case "state":
		return string(r.p.State), true
	case "deadline":
		return r.p.Deadline, !r.p.Deadline.IsZero()
	case "region":
		c, ok := reference.CouncilByCode(r.p.GSSCode)
		return string(c.Region), ok
	case "create_time":
		return r.p.CreateTime, !r.p.CreateTime.IsZero()
	}
	return nil, false
}

// Select returns the plans that f matches, in order, with ties broken by
// resource name so pages are stable. The caller pages over the result.
func Select(all []Plan, f *filter.Filter, order filter.Order) []Plan {
	out := make([]Plan, 0, len(all))
	for i := range all {
		if f.Match(record{&all[i]}) {
			out = append(out, all[i])
		}
	}
	slices.SortStableFunc(out, func(a, b Plan) int {
		if c := order.Compare(record{&a}, record{&b}); c != 0 {
			return c
		}
		return strings.Compare(a.Name(), b.Name())
	})
	return out
}
