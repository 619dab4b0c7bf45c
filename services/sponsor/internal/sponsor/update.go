package sponsor

import (
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/mask"
)

// MaskFields are the fields an update may change: every client-settable
// field of a sponsor.
var MaskFields = []string{
	"display_name", "kind", "member_councils", "regions_served", "national", "expertise",
	"max_engagements", "staff_days_per_quarter", "day_rate_pence", "can_lead_trust",
	"conflicts", "out_of_area_placements", "paused",
}

// ignoredFields identify the resource or are output only. A mask derived
// from a request body (as the REST gateway derives one for PATCH) names
// them, and they are ignored as AIP-203 asks.
var ignoredFields = []string{"name", "etag", "active_engagements", "committed_staff_days", "update_time"}

// Mask is a parsed update mask: which fields an update replaces.
type Mask = mask.Mask

// ParseMask reads an update mask (AIP-134, AIP-161): "*" for every field in
// MaskFields, or any of them by name; name, etag and output-only fields are
// ignored. Any other path, or a mask that changes nothing, is a violation
// on update_mask. Callers that got no mask pass the paths of the fields the
// request sets.
func ParseMask(paths []string) (Mask, error) {
	return mask.Parse(paths, MaskFields, ignoredFields, "paused or staff_days_per_quarter")
}

// Apply returns s with the fields the mask names replaced by patch's
// values, as of now, and validates the whole result, reporting violations
// under "sponsor.": a change of kind, for example, must come with member
// councils or regions that fit it. Identity and version are s's. Lowering
// a capacity below what is in use is allowed: the sponsor then has no
// headroom, and matching gives it nothing new until engagements end.
func (s Sponsor) Apply(patch Sponsor, m Mask, now time.Time) (Sponsor, error) {
	out := s.Clone()
	patch = patch.Clone()
	set := func(field string, apply func()) {
		if m.Has(field) {
			apply()
		}
	}
	set("display_name", func() { out.DisplayName = patch.DisplayName })
	set("kind", func() { out.Kind = patch.Kind })
	set("member_councils", func() { out.MemberCouncils = patch.MemberCouncils })
	set("regions_served", func() { out.RegionsServed = patch.RegionsServed })
	set("national", func() { out.National = patch.National })
	set("expertise", func() { out.Expertise = patch.Expertise })
	set("max_engagements", func() { out.MaxEngagements = patch.MaxEngagements })
	set("staff_days_per_quarter", func() { out.StaffDaysPerQuarter = patch.StaffDaysPerQuarter })
	set("day_rate_pence", func() { out.DayRatePence = patch.DayRatePence })
	set("can_lead_trust", func() { out.CanLeadTrust = patch.CanLeadTrust })
	set("conflicts", func() { out.Conflicts = patch.Conflicts })
	set("out_of_area_placements", func() { out.OutOfArea = patch.OutOfArea })
	set("paused", func() { out.Paused = patch.Paused })
	if err := out.Validate("sponsor."); err != nil {
		return Sponsor{}, err
	}
	out.UpdateTime = now.UTC()
	return out, nil
}
