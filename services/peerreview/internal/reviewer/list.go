package reviewer

import (
	"slices"
	"strings"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// FilterSchema lists the fields a reviewer list can be filtered on: role
// (`role = DIRECTOR`), the home council's region (`region = LONDON`; a
// reviewer without a home council has none, so only `!=` holds for them),
// expertise, a list, so tested with `:` (`expertise:VOICE_OF_THE_CHILD`),
// and the days of the quarter: available_days_per_quarter, committed_days
// and remaining_days (see RemainingDays), compared as integers
// (`expertise:VOICE_OF_THE_CHILD AND remaining_days >= 5`). Enum values
// are accepted with or without their prefixes.
var FilterSchema = filter.Schema{
	"role":                       {Type: filter.Enum, Values: fault.Names(Roles), Prefix: "REVIEWER_ROLE_"},
	"region":                     {Type: filter.Enum, Values: fault.Names(reference.Regions), Prefix: "REGION_"},
	"expertise":                  {Type: filter.Enum, Repeated: true, Values: fault.Names(Themes), Prefix: "THEME_"},
	"available_days_per_quarter": {Type: filter.Int},
	"committed_days":             {Type: filter.Int},
	"remaining_days":             {Type: filter.Int},
}

// record adapts a reviewer, with the days committed to open reviews, to
// the filter package.
type record struct {
	r         *Reviewer
	committed int
}

// Get implements filter.Record.
func (rec record) Get(field string) (any, bool) {
	switch field {
	case "role":
		return string(rec.r.Role), true
	case "region":
		reg := rec.r.Region()
		return string(reg), reg != ""
	case "expertise":
		return fault.Names(rec.r.Expertise), true
	case "available_days_per_quarter":
		return rec.r.AvailableDaysPerQuarter, true
	case "committed_days":
		return rec.committed, true
	case "remaining_days":
		return rec.r.RemainingDays(rec.committed), true
	}
	return nil, false
}

// Select returns the reviewers f matches, ordered by display name
// (case-insensitively, then exactly) with ties broken by ID, so pages are
// stable. committed maps reviewer IDs to the days they have committed to
// open reviews this quarter (Commitments.CommittedDays); a reviewer absent
// from it, or every reviewer when it is nil, has committed none. The
// caller pages over the result.
func Select(all []Reviewer, committed map[string]int, f *filter.Filter) []Reviewer {
	out := make([]Reviewer, 0, len(all))
	for i := range all {
		if f.Match(record{r: &all[i], committed: committed[all[i].ID]}) {
			out = append(out, all[i])
		}
	}
	slices.SortFunc(out, func(a, b Reviewer) int {
		if c := strings.Compare(strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName)); c != 0 {
			return c
		}
		if c := strings.Compare(a.DisplayName, b.DisplayName); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}
