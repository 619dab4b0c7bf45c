package engagement

import (
	"slices"
	"strings"

	"github.com/turnaround-sli/turnaround/services/platform/filter"
)

// FilterSchema lists the fields an engagement list can be filtered on, e.g.
// `state = ACTIVE AND local_authority = "localAuthorities/E06000046"`.
var FilterSchema = filter.Schema{
	"state":           {Type: filter.Enum, Values: []string{string(Active), string(Ended)}, Prefix: "ENGAGEMENT_STATE_"},
	"local_authority": {Type: filter.Reference, Collection: "localAuthorities"},
}

// record adapts an engagement to the filter package.
type record struct{ e *Engagement }

// Get implements filter.Record.
func (r record) Get(field string) (any, bool) {
	switch field {
	case "state":
		return string(r.e.State), true
	case "local_authority":
		return r.e.CouncilName(), true
	}
	return nil, false
}

// Select returns the engagements that f matches, newest first (by create
// time), with ties broken by resource name so pages are stable. The caller
// pages over the result.
func Select(all []Engagement, f *filter.Filter) []Engagement {
	out := make([]Engagement, 0, len(all))
	for i := range all {
		if f.Match(record{&all[i]}) {
			out = append(out, all[i])
		}
	}
	slices.SortStableFunc(out, func(a, b Engagement) int {
		if c := b.CreateTime.Compare(a.CreateTime); c != 0 {
			return c
		}
		return strings.Compare(a.Name(), b.Name())
	})
	return out
}
