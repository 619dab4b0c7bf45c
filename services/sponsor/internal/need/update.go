package need

import "github.com/turnaround-sli/turnaround/services/platform/mask"

// MaskFields are the fields an update may change. state is among them
// only to close a need: the one value an update may set it to is CLOSED
// (an approved match run is what matches a need).
var MaskFields = updatable.Paths()

// updatable are the fields an update may change; state, which only
// closes a need, is Apply's own rule.
var updatable = mask.Fields[Need]{
	{Path: "areas", Set: func(n, p *Need) { n.Areas = p.Areas }},
	{Path: "urgency", Set: func(n, p *Need) { n.Urgency = p.Urgency }},
	{Path: "staff_days_needed", Set: func(n, p *Need) { n.StaffDaysNeeded = p.StaffDaysNeeded }},
	{Path: "requires_trust_sponsor", Set: func(n, p *Need) { n.RequiresTrustSponsor = p.RequiresTrustSponsor }},
	{Path: "excluded_sponsors", Set: func(n, p *Need) { n.ExcludedSponsors = p.ExcludedSponsors }},
	{Path: "state"},
}

// ignoredFields identify the resource or are output only. A mask derived
// from a request body (as the REST gateway derives one for PATCH) names
// them, and they are ignored as AIP-203 asks.
var ignoredFields = []string{"name", "intervention", "engagement", "etag", "create_time"}

// Mask is a parsed update mask: which fields an update replaces.
type Mask = mask.Mask

// ParseMask reads an update mask (AIP-134, AIP-161): "*" for every field in
// MaskFields, or any of them by name; name, etag and output-only fields are
// ignored. Any other path, or a mask that changes nothing, is a violation
// on update_mask. Callers that got no mask pass the paths of the fields the
// request sets.
func ParseMask(paths []string) (Mask, error) {
	return mask.Parse(paths, MaskFields, ignoredFields, "urgency or areas")
}

// Apply returns the open need n with the fields the mask names replaced by
// patch's values and validates the result, reporting violations under
// "sponsor_need.". A need that is not OPEN is FAILED_PRECONDITION. For
// state, patch.State CLOSED closes the need; the need's own state, or
// none, changes nothing (a client that sends back the need as read names
// it); anything else is a violation. Identity and version are n's.
func (n Need) Apply(patch Need, m Mask) (Need, error) {
	if err := n.RequireOpen(); err != nil {
		return Need{}, err
	}
	out := mask.Patch(updatable, m, n, patch)
	vs := out.Violations("sponsor_need.")
	closing := false
	if m.Has("state") {
		switch patch.State {
		case Closed:
			closing = true
		case "", n.State:
		default:
			vs.Add("sponsor_need.state", "can only be set to CLOSED, to stop seeking a sponsor; "+
				"an approved match run is what matches a need, got %s", patch.State)
		}
	}
	if err := vs.Err(); err != nil {
		return Need{}, err
	}
	if closing {
		return out.Close()
	}
	return out, nil
}
