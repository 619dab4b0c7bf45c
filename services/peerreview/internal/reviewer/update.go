package reviewer

import (
	"slices"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// MaskFields are the fields an update may change.
var MaskFields = []string{"display_name", "home_council", "role", "expertise", "available_days_per_quarter", "conflicts"}

// ignoredFields identify the resource or are output only. A mask derived
// from a request body (as the REST gateway derives one for PATCH) names
// them, and they are ignored as AIP-203 asks.
var ignoredFields = []string{"name", "etag", "committed_days", "update_time"}

// Mask is a parsed update mask: which fields an update replaces.
type Mask struct {
	fields map[string]bool
}

// ParseMask reads an update mask (AIP-134, AIP-161): "*" for every field in
// MaskFields, or any of them by name; name, etag and output-only fields are
// ignored. Any other path, or a mask that changes nothing, is a violation
// on update_mask. Callers that got no mask pass the paths of the fields the
// request sets.
func ParseMask(paths []string) (Mask, error) {
	m := Mask{fields: map[string]bool{}}
	var vs fault.Violations
	for _, p := range paths {
		switch {
		case p == "*":
			for _, f := range MaskFields {
				m.fields[f] = true
			}
		case slices.Contains(MaskFields, p):
			m.fields[p] = true
		case slices.Contains(ignoredFields, p):
		default:
			vs.Add("update_mask", "path %q is not a field an update can change; updatable fields: %s, or *",
				p, strings.Join(MaskFields, ", "))
		}
	}
	if len(vs) == 0 && len(m.fields) == 0 {
		vs.Add("update_mask", "names no field to change; list the fields to change, such as available_days_per_quarter")
	}
	if err := vs.Err(); err != nil {
		return Mask{}, err
	}
	return m, nil
}

// Has reports whether the mask replaces field.
func (m Mask) Has(field string) bool { return m.fields[field] }

// Covers reports whether the mask changes the field at path, a request
// field path relative to the reviewer such as "conflicts[2]", so that
// problems in fields the update leaves alone are not reported.
func (m Mask) Covers(path string) bool {
	top, _, _ := strings.Cut(path, ".")
	if i := strings.IndexByte(top, '['); i >= 0 {
		top = top[:i]
	}
	return m.Has(top)
}

// Apply returns r with the fields the mask names replaced by patch's
// values, as of now, and validates the result, reporting violations under
// "reviewer.". Identity and version are r's.
func (r Reviewer) Apply(patch Reviewer, m Mask, now time.Time) (Reviewer, error) {
	out := r.Clone()
	patch = patch.Clone()
	if m.Has("display_name") {
		out.DisplayName = patch.DisplayName
	}
	if m.Has("home_council") {
		out.HomeCouncil = patch.HomeCouncil
	}
	if m.Has("role") {
		out.Role = patch.Role
	}
	if m.Has("expertise") {
		out.Expertise = patch.Expertise
	}
	if m.Has("available_days_per_quarter") {
		out.AvailableDaysPerQuarter = patch.AvailableDaysPerQuarter
	}
	if m.Has("conflicts") {
		out.Conflicts = patch.Conflicts
	}
	if err := out.Validate("reviewer."); err != nil {
		return Reviewer{}, err
	}
	out.UpdateTime = now
	return out, nil
}
