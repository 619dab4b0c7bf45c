package concern

import (
	"slices"
	"strings"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
)

// ConcernFilterSchema lists the fields a concern list can be filtered on.
var ConcernFilterSchema = filter.Schema{
	"kind":          {Type: filter.Enum, Values: fault.Names(Kinds), Prefix: "CONCERN_KIND_"},
	"severity":      {Type: filter.Enum, Values: fault.Names(Severities), Prefix: "SEVERITY_"},
	"received_date": {Type: filter.Date},
}

// RecommendationFilterSchema lists the fields a recommendation list can be
// filtered on.
var RecommendationFilterSchema = filter.Schema{
	"state": {Type: filter.Enum, Values: fault.Names(States), Prefix: "RECOMMENDATION_STATE_"},
	"rule":  {Type: filter.String},
}

// concernRecord adapts a concern to the filter package.
type concernRecord struct{ c *Concern }

// Get implements filter.Record.
func (r concernRecord) Get(field string) (any, bool) {
	switch field {
	case "kind":
		return string(r.c.Kind), true
	case "severity":
		return string(r.c.Severity), true
	case "received_date":
		return r.c.ReceivedDate, !r.c.ReceivedDate.IsZero()
	}
	return nil, false
}

// recommendationRecord adapts a recommendation to the filter package.
type recommendationRecord struct{ r *Recommendation }

// Get implements filter.Record.
func (r recommendationRecord) Get(field string) (any, bool) {
	switch field {
	case "state":
		return string(r.r.State), true
	case "rule":
		return r.r.Rule, true
	}
	return nil, false
}

// SelectConcerns returns the concerns f matches, newest received first;
// concerns received on the same day are ordered newest recorded first.
func SelectConcerns(all []Concern, f *filter.Filter) []Concern {
	out := make([]Concern, 0, len(all))
	for i := range all {
		if f.Match(concernRecord{&all[i]}) {
			out = append(out, all[i])
		}
	}
	slices.SortFunc(out, func(a, b Concern) int {
		switch {
		case olderFirst(a, b):
			return 1
		case olderFirst(b, a):
			return -1
		}
		return 0
	})
	return out
}

// SelectRecommendations returns the recommendations f matches, newest
// first, ties broken by resource name so pages are stable.
func SelectRecommendations(all []Recommendation, f *filter.Filter) []Recommendation {
	out := make([]Recommendation, 0, len(all))
	for i := range all {
		if f.Match(recommendationRecord{&all[i]}) {
			out = append(out, all[i])
		}
	}
	slices.SortFunc(out, func(a, b Recommendation) int {
		if c := b.CreateTime.Compare(a.CreateTime); c != 0 {
			return c
		}
		return strings.Compare(a.ResourceName(), b.ResourceName())
	})
	return out
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
