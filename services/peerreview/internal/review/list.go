package review

import (
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/filter"
)

// FilterSchema lists the fields a review list can be filtered on, for
// example `state = SCHEDULED AND kind = SAFEGUARDING_PEER_REVIEW`.
var FilterSchema = columns.Schema()

var columns = filter.Columns[Review]{
	"state": filter.EnumColumn(States, "REVIEW_STATE_", func(rv *Review) State { return rv.State }),
	"kind":  filter.EnumColumn(Kinds, "REVIEW_KIND_", func(rv *Review) Kind { return rv.Kind }),
}

// Select returns the reviews that f matches, newest first (by create time,
// ties by resource name so pages are stable). The caller pages over the
// result.
func Select(all []Review, f *filter.Filter) []Review {
	return filter.Select(all, f, columns.Record,
		filter.NewestFirst(func(rv *Review) time.Time { return rv.CreateTime }, (*Review).Name))
}
