package inspection

import (
	"slices"
	"strings"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// FilterSchema lists the fields an inspection list can be filtered on.
// publish_date compares as a date (`publish_date >= 2015-01-01`); an
// unpublished inspection has none, so any comparison with it is false
// except `!=`.
var FilterSchema = filter.Schema{
	"framework":     {Type: filter.Enum, Values: fault.Names(Frameworks), Prefix: "FRAMEWORK_"},
	"state":         {Type: filter.Enum, Values: fault.Names(States), Prefix: "INSPECTION_STATE_"},
	"overall_grade": {Type: filter.Enum, Values: fault.Names(reference.Grades), Prefix: "GRADE_"},
	"publish_date":  {Type: filter.Date},
}

// OrderFields lists the fields an inspection list can be ordered by.
var OrderFields = []string{"publish_date", "start_date"}

// DefaultOrder is the order of a list that names none: the most recently
// published first, then the unpublished ones.
const DefaultOrder = "publish_date desc"

// record adapts an inspection to the filter package.
type record struct{ ins *Inspection }

// Get implements filter.Record.
func (r record) Get(field string) (any, bool) {
	switch field {
	case "framework":
		return string(r.ins.Framework), true
	case "state":
		return string(r.ins.State), true
	case "overall_grade":
		g, ok := r.ins.OverallGrade()
		return string(g), ok
	case "publish_date":
		return r.ins.PublishDate, !r.ins.PublishDate.IsZero()
	case "start_date":
		return r.ins.StartDate, !r.ins.StartDate.IsZero()
	}
	return nil, false
}

// Select returns the inspections that f matches, in order, with ties broken
// by resource name so pages are stable. With publishedOnly, unpublished
// inspections are left out, for readers who may see only published
// judgements. The caller pages over the result.
func Select(all []Inspection, f *filter.Filter, order filter.Order, publishedOnly bool) []Inspection {
	out := make([]Inspection, 0, len(all))
	for i := range all {
		if publishedOnly && all[i].State != Published {
			continue
		}
		if f.Match(record{&all[i]}) {
			out = append(out, all[i])
		}
	}
	slices.SortStableFunc(out, func(a, b Inspection) int {
		if c := order.Compare(record{&a}, record{&b}); c != 0 {
			return c
		}
		return strings.Compare(a.Name(), b.Name())
	})
	return out
}

// Query is what a list asks for: the inspections f matches, in order, and
// with PublishedOnly none that is unpublished, for readers who may see only
// published judgements. Visible, when set, keeps only the inspections it
// accepts: the caller's view of each record, as the handler judges it.
type Query struct {
	Filter        *filter.Filter
	Order         filter.Order
	PublishedOnly bool
	Visible       func(Inspection) bool
}
