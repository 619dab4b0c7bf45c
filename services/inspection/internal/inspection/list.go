package inspection

import (
	"slices"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// FilterSchema lists the fields an inspection list can be filtered on.
// publish_date compares as a date (`publish_date >= 2015-01-01`); an
// unpublished inspection has none, so any comparison with it is false
// except `!=`.
var FilterSchema = columns.Schema()

// OrderFields lists the fields an inspection list can be ordered by.
var OrderFields = []string{"publish_date", "start_date"}

// DefaultOrder is the order of a list that names none: the most recently
// published first, then the unpublished ones.
const DefaultOrder = "publish_date desc"

// columns are the fields a list filters and orders on.
var columns = filter.Columns[Inspection]{
	"framework":     filter.EnumColumn(Frameworks, "FRAMEWORK_", func(ins *Inspection) Framework { return ins.Framework }),
	"state":         filter.EnumColumn(States, "INSPECTION_STATE_", func(ins *Inspection) State { return ins.State }),
	"overall_grade": filter.OptionalEnumColumn(reference.Grades, "GRADE_", (*Inspection).OverallGrade),
	"publish_date":  filter.TimeColumn(filter.Date, func(ins *Inspection) time.Time { return ins.PublishDate }),
	"start_date":    filter.TimeColumn(0, func(ins *Inspection) time.Time { return ins.StartDate }),
}

// Select returns the inspections that f matches, in order, with ties broken
// by resource name so pages are stable. With publishedOnly, unpublished
// inspections are left out, for readers who may see only published
// judgements. The caller pages over the result.
func Select(all []Inspection, f *filter.Filter, order filter.Order, publishedOnly bool) []Inspection {
	if publishedOnly {
		all = slices.DeleteFunc(slices.Clone(all), func(ins Inspection) bool { return ins.State != Published })
	}
	return filter.Select(all, f, columns.Record, filter.ThenByName(order, columns.Record, (*Inspection).Name))
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
