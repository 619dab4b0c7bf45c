package sponsor

import (
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/mask"
)

// MaskFields are the fields an update may change: every client-settable
// field of a sponsor.
var MaskFields = updatable.Paths()

var updatable = mask.Fields[Sponsor]{
	{Path: "display_name", Set: func(s, p *Sponsor) { s.DisplayName = p.DisplayName }},
	{Path: "kind", Set: func(s, p *Sponsor) { s.Kind = p.Kind }},
	{Path: "member_councils", Set: func(s, p *Sponsor) { s.MemberCouncils = p.MemberCouncils }},
	{Path: "regions_served", Set: func(s, p *Sponsor) { s.RegionsServed = p.RegionsServed }},
	{Path: "national", Set: func(s, p *Sponsor) { s.National = p.National }},
	{Path: "expertise", Set: func(s, p *Sponsor) { s.Expertise = p.Expertise }},
	{Path: "max_engagements", Set: func(s, p *Sponsor) { s.MaxEngagements = p.MaxEngagements }},
	{Path: "staff_days_per_quarter", Set: func(s, p *Sponsor) { s.StaffDaysPerQuarter = p.StaffDaysPerQuarter }},
	{Path: "day_rate_pence", Set: func(s, p *Sponsor) { s.DayRatePence = p.DayRatePence }},
	{Path: "can_lead_trust", Set: func(s, p *Sponsor) { s.CanLeadTrust = p.CanLeadTrust }},
	{Path: "conflicts", Set: func(s, p *Sponsor) { s.Conflicts = p.Conflicts }},
	{Path: "out_of_area_placements", Set: func(s, p *Sponsor) { s.OutOfArea = p.OutOfArea }},
	{Path: "paused", Set: func(s, p *Sponsor) { s.Paused = p.Paused }},
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
	out := mask.Patch(updatable, m, s, patch)
	if err := out.Validate("sponsor."); err != nil {
		return Sponsor{}, err
	}
	out.UpdateTime = now.UTC()
	return out, nil
}
