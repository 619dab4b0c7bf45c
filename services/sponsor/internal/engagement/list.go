package engagement

import (
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/filter"
)

// FilterSchema lists the fields an engagement list can be filtered on, e.g.
// `state = ACTIVE AND local_authority = "localAuthorities/E06000046"`.
var FilterSchema = columns.Schema()

var columns = filter.Columns[Engagement]{
	"state":           filter.EnumColumn([]State{Active, Ended}, "ENGAGEMENT_STATE_", func(e *Engagement) State { return e.State }),
	"local_authority": {Field: filter.Field{Type: filter.Reference, Collection: "localAuthorities"}, Get: func(e *Engagement) (any, bool) { return e.CouncilName(), true }},
}

// Select returns the engagements that f matches, newest first (by create
// time), with ties broken by resource name so pages are stable. The caller
// pages over the result.
func Select(all []Engagement, f *filter.Filter) []Engagement {
	return filter.Select(all, f, columns.Record,
		filter.NewestFirst(func(e *Engagement) time.Time { return e.CreateTime }, (*Engagement).Name))
}
