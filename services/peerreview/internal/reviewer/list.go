package reviewer

import (
	"cmp"
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
var FilterSchema = columns.Schema()

// committedReviewer is a reviewer with the days committed to open reviews,
// as the filter sees it.
type committedReviewer struct {
	*Reviewer
	committed int
}

var columns = filter.Columns[committedReviewer]{
	"role": filter.EnumColumn(Roles, "REVIEWER_ROLE_", func(r *committedReviewer) Role { return r.Role }),
	"region": filter.OptionalEnumColumn(reference.Regions, "REGION_", func(r *committedReviewer) (reference.Region, bool) {
		reg := r.Region()
		return reg, reg != ""
	}),
	"expertise": {
		Field: filter.Field{Type: filter.Enum, Repeated: true, Values: fault.Names(Themes), Prefix: "THEME_"},
		Get:   func(r *committedReviewer) (any, bool) { return fault.Names(r.Expertise), true },
	},
	"available_days_per_quarter": filter.ValueColumn(filter.Int, func(r *committedReviewer) int { return r.AvailableDaysPerQuarter }),
	"committed_days":             filter.ValueColumn(filter.Int, func(r *committedReviewer) int { return r.committed }),
	"remaining_days":             filter.ValueColumn(filter.Int, func(r *committedReviewer) int { return r.RemainingDays(r.committed) }),
}

// Select returns the reviewers f matches, ordered by display name
// (case-insensitively, then exactly) with ties broken by ID, so pages are
// stable. committed maps reviewer IDs to the days they have committed to
// open reviews this quarter (Commitments.CommittedDays); a reviewer absent
// from it, or every reviewer when it is nil, has committed none. The
// caller pages over the result.
func Select(all []Reviewer, committed map[string]int, f *filter.Filter) []Reviewer {
	view := func(r *Reviewer) filter.Record { return columns.Record(&committedReviewer{r, committed[r.ID]}) }
	return filter.Select(all, f, view, func(a, b *Reviewer) int {
		return cmp.Or(
			strings.Compare(strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName)),
			strings.Compare(a.DisplayName, b.DisplayName),
			strings.Compare(a.ID, b.ID),
		)
	})
}
