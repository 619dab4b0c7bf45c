package concern

import (
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/filter"
)

// ConcernFilterSchema lists the fields a concern list can be filtered on.
var ConcernFilterSchema = concernColumns.Schema()

var concernColumns = filter.Columns[Concern]{
	"kind":          filter.EnumColumn(Kinds, "CONCERN_KIND_", func(c *Concern) Kind { return c.Kind }),
	"severity":      filter.EnumColumn(Severities, "SEVERITY_", func(c *Concern) Severity { return c.Severity }),
	"received_date": filter.TimeColumn(filter.Date, func(c *Concern) time.Time { return c.ReceivedDate }),
}

// RecommendationFilterSchema lists the fields a recommendation list can be
// filtered on.
var RecommendationFilterSchema = recommendationColumns.Schema()

var recommendationColumns = filter.Columns[Recommendation]{
	"state": filter.EnumColumn(States, "RECOMMENDATION_STATE_", func(r *Recommendation) State { return r.State }),
	"rule":  filter.ValueColumn(filter.String, func(r *Recommendation) string { return r.Rule }),
}

// SelectConcerns returns the concerns f matches, newest received first;
// concerns received on the same day are ordered newest recorded first.
func SelectConcerns(all []Concern, f *filter.Filter) []Concern {
	return filter.Select(all, f, concernColumns.Record, func(a, b *Concern) int {
		switch {
		case olderFirst(*a, *b):
			return 1
		case olderFirst(*b, *a):
			return -1
		}
		return 0
	})
}

// SelectRecommendations returns the recommendations f matches, newest
// first, ties broken by resource name so pages are stable.
func SelectRecommendations(all []Recommendation, f *filter.Filter) []Recommendation {
	return filter.Select(all, f, recommendationColumns.Record,
		filter.NewestFirst(func(r *Recommendation) time.Time { return r.CreateTime }, (*Recommendation).ResourceName))
}

// NarrowState returns the one state a compiled recommendation filter
// requires, so a store can read only that state's index, or "" when the
// filter does not pin a single state.
func NarrowState(f *filter.Filter) State {
	eq := f.Equalities()["state"]
	if len(eq) == 0 {
		return ""
	}
	for _, v := range eq[1:] {
		if v != eq[0] {
			return ""
		}
	}
	return State(eq[0])
}
