package sponsor

import (
	"strings"

	"github.com/turnaround-sli/turnaround/services/platform/filter"
)

// FilterSchema lists the fields a sponsor list can be filtered on, as
// ListSponsors documents them: `kind = CHARITY`, `paused = false`,
// `can_lead_trust = true`. Values are enum names without their prefixes.
var FilterSchema = columns.Schema()

var columns = filter.Columns[Sponsor]{
	"kind":           filter.EnumColumn(Kinds, "SPONSOR_KIND_", func(s *Sponsor) Kind { return s.Kind }),
	"paused":         filter.ValueColumn(filter.Bool, func(s *Sponsor) bool { return s.Paused }),
	"can_lead_trust": filter.ValueColumn(filter.Bool, func(s *Sponsor) bool { return s.CanLeadTrust }),
}

// Select returns the sponsors f matches, ordered by resource name (the
// order ListSponsors promises), so pages are stable. The caller pages over
// the result.
func Select(all []Sponsor, f *filter.Filter) []Sponsor {
	return filter.Select(all, f, columns.Record,
		func(a, b *Sponsor) int { return strings.Compare(a.ID, b.ID) })
}
