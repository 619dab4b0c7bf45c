package reviewer

import (
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/mask"
)

// MaskFields are the fields an update may change.
var MaskFields = updatable.Paths()

var updatable = mask.Fields[Reviewer]{
	{Path: "display_name", Set: func(r, p *Reviewer) { r.DisplayName = p.DisplayName }},
	{Path: "home_council", Set: func(r, p *Reviewer) { r.HomeCouncil = p.HomeCouncil }},
	{Path: "role", Set: func(r, p *Reviewer) { r.Role = p.Role }},
	{Path: "expertise", Set: func(r, p *Reviewer) { r.Expertise = p.Expertise }},
	{Path: "available_days_per_quarter", Set: func(r, p *Reviewer) { r.AvailableDaysPerQuarter = p.AvailableDaysPerQuarter }},
	{Path: "conflicts", Set: func(r, p *Reviewer) { r.Conflicts = p.Conflicts }},
}

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
	out := mask.Patch(updatable, m, r, patch)
	if err := out.Validate("reviewer."); err != nil {
		return Reviewer{}, err
	}
	out.UpdateTime = now
	return out, nil
}
