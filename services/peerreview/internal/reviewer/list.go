package reviewer

import (
	"slices"
	"strings"

	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// FilterSchema lists the fields a reviewer list can be filtered on: role
// (`role = DIRECTOR`), the home council's region (`region = LONDON`; a
// reviewer without a home council has none, so only `!=` holds for them)
// and expertise (`expertise:LEADERSHIP`). Values are enum names without
// their prefixes.
var FilterSchema = filter.Schema{
	"role":      {Type: filter.Enum, Values: names(Roles), Prefix: "REVIEWER_ROLE_"},
	"region":    {Type: filter.Enum, Values: names(reference.Regions), Prefix: "REGION_"},
	"expertise": {Type: filter.Enum, Repeated: true, Values: names(Themes), Prefix: "THEME_"},
}

func names[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// record adapts a reviewer to the filter package.
type record struct{ r *Reviewer }

// Get implements filter.Record.
func (rec record) Get(field string) (any, bool) {
	switch field {
	case "role":
		return string(rec.r.Role), true
	case "region":
		reg := rec.r.Region()
		return string(reg), reg != ""
	case "expertise":
		return names(rec.r.Expertise), true
	}
	return nil, false
}

// Select returns the reviewers f matches, ordered by display name
// (case-insensitively, then exactly) with ties broken by ID, so pages are
// stable. The caller pages over the result.
func Select(all []Reviewer, f *filter.Filter) []Reviewer {
	out := make([]Reviewer, 0, len(all))
	for i := range all {
		if f.Match(record{&all[i]}) {
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
