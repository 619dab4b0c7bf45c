package review

import (
	"slices"
	"strings"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
)

// FilterSchema lists the fields a review list can be filtered on, for
// example `state = SCHEDULED AND kind = SAFEGUARDING_PEER_REVIEW`.
var FilterSchema = filter.Schema{
	"state": {Type: filter.Enum, Values: fault.Names(States), Prefix: "REVIEW_STATE_"},
	"kind":  {Type: filter.Enum, Values: fault.Names(Kinds), Prefix: "REVIEW_KIND_"},
}

// record adapts a review to the filter package.
type record struct{ rv *Review }

// Get implements filter.Record.
func (r record) Get(field string) (any, bool) {
	switch field {
	case "state":
		return string(r.rv.State), true
	case "kind":
		return string(r.rv.Kind), true
	}
	return nil, false
}

// Select returns the reviews that f matches, newest first (by create time,
// ties by resource name so pages are stable). The caller pages over the
// result.
func Select(all []Review, f *filter.Filter) []Review {
	out := make([]Review, 0, len(all))
	for i := range all {
		if f.Match(record{&all[i]}) {
			out = append(out, all[i])
		}
	}
	slices.SortStableFunc(out, func(a, b Review) int {
		if c := b.CreateTime.Compare(a.CreateTime); c != 0 {
			return c
		}
		return strings.Compare(a.Name(), b.Name())
	})
	return out
}
