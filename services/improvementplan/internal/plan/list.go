package plan

import (
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/filter"
)

// FilterSchema lists the fields a plan list can be filtered on: the state
// by name (`state = APPROVED`), the deadline in force as a date
// (`deadline < 2016-06-01`, `deadline >= 2016-01-01 AND deadline <= 2016-03-31`)
// and the council's region (`region = NORTH_WEST AND deadline < "2016-09-01"`).
var FilterSchema = columns.Schema()

// OrderFields lists the fields a plan list can be ordered by.
var OrderFields = []string{"deadline", "create_time"}

// DefaultOrder is the order of a list that names none: the nearest
// deadline first, the order in which DfE meets the decisions.
const DefaultOrder = "deadline"

// columns are the fields a list filters and orders on.
var columns = filter.Columns[Plan]{
	"state":       filter.EnumColumn(States, "PLAN_STATE_", func(p *Plan) State { return p.State }),
	"deadline":    filter.TimeColumn(filter.Date, func(p *Plan) time.Time { return p.Deadline }),
	"region":      filter.RegionColumn(func(p *Plan) string { return p.GSSCode }),
	"create_time": filter.TimeColumn(0, func(p *Plan) time.Time { return p.CreateTime }),
}

// Select returns the plans that f matches, in order, with ties broken by
// resource name so pages are stable. The caller pages over the result.
func Select(all []Plan, f *filter.Filter, order filter.Order) []Plan {
	return filter.Select(all, f, columns.Record, filter.ThenByName(order, columns.Record, (*Plan).Name))
}
