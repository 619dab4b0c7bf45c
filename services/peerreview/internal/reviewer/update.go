package reviewer

import (
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/mask"
)

// MaskFields are the fields an update may change.
var MaskFields = []string{"display_name", "home_council", "role", "expertise", "available_days_per_quarter", "conflicts"}

// ignoredFields identify the resource or are output only. A mask derived
// from a request body (as the REST gateway derives one for PATCH) names
// them, and they are ignored as AIP-203 asks.
var ignoredFields = []string{"name", "etag", "committed_days", "remaining_days", "update_time"}

// Mask is a parsed update mask of a reviewer: which fields an update
// replaces.
type Mask = mask.Mask

// ParseMask reads an update mask (AIP-134, AIP-161): "*" for every field in
// MaskFields, or any of them by name; name, etag and output-only fields are
// ignored. Any other path, or a mask that changes nothing, is a violation
// on update_mask. Callers that got no mask pass the paths of the fields the
// request sets.
func ParseMask(paths []string) (Mask, error) {
	return mask.Parse(paths, MaskFields, ignoredFields, "available_days_per_quarter")
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
