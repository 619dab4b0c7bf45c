package need

import (
	"cmp"
	"slices"
	"strings"

	"github.com/turnaround-sli/turnaround/services/platform/filter"
)

// FilterSchema lists the fields a need list can be filtered on, as
// ListSponsorNeeds documents them: `state = OPEN`, `urgency >= 4`,
// `requires_trust_sponsor = true`. Values are enum names without their
// prefixes.
var FilterSchema = columns.Schema()

var columns = filter.Columns[Need]{
	"state":                  filter.EnumColumn(States, "NEED_STATE_", func(n *Need) State { return n.State }),
	"urgency":                filter.ValueColumn(filter.Int, func(n *Need) int64 { return int64(n.Urgency) }),
	"requires_trust_sponsor": filter.ValueColumn(filter.Bool, func(n *Need) bool { return n.RequiresTrustSponsor }),
}

// Select returns the needs f matches, most urgent first; among equally
// urgent needs the one waiting longest (earliest created) comes first, and
// ties are broken by resource name, so pages are stable. The caller pages
// over the result.
func Select(all []Need, f *filter.Filter) []Need {
	return filter.Select(all, f, columns.Record, mostUrgentFirst)
}

// SortMostUrgentFirst orders needs as Select does.
func SortMostUrgentFirst(ns []Need) {
	slices.SortFunc(ns, func(a, b Need) int { return mostUrgentFirst(&a, &b) })
}

func mostUrgentFirst(a, b *Need) int {
	return cmp.Or(
		cmp.Compare(b.Urgency, a.Urgency),
		a.CreateTime.Compare(b.CreateTime),
		strings.Compare(a.Name(), b.Name()),
	)
}
