package needapi

import (
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
	"strconv"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/needstore"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

// fromProto reads the client-settable fields of a SponsorNeed message, and
// its state, which only an update reads (to close the need). The
// output-only intervention, engagement and create_time are ignored
// (AIP-203). Excluded sponsors that are not sponsor names at all are
// reported here, as violations under prefix; everything else is for the
// rules to judge.
func fromProto(m *sponsorv1.SponsorNeed, prefix string) (need.Need, fault.Violations) {
	var vs fault.Violations
	n := need.Need{
		Urgency:              int(m.GetUrgency()),
		StaffDaysNeeded:      int(m.GetStaffDaysNeeded()),
		RequiresTrustSponsor: m.GetRequiresTrustSponsor(),
		State:                need.State(refproto.EnumName(m.GetState(), needstore.StatePrefix)),
	}
	for _, a := range m.GetAreas() {
		n.Areas = append(n.Areas, need.AreaWeight{Area: a.GetArea(), Weight: int(a.GetWeight())})
	}
	for i, name := range m.GetExcludedSponsors() {
		id, err := sponsor.ParseName(prefix+"excluded_sponsors["+strconv.Itoa(i)+"]", name)
		if f, ok := fault.As(err); ok {
			vs = append(vs, f.Violations...)
		}
		n.ExcludedSponsors = append(n.ExcludedSponsors, id)
	}
	return n, vs
}

// populatedPaths are the update mask paths of the fields m sets: the mask
// an update without update_mask implies (AIP-134). requires_trust_sponsor
// set to false cannot be told from one left out, so an update that drops
// the requirement names it in update_mask (the REST gateway's PATCH does
// so for every field in the body).
func populatedPaths(m *sponsorv1.SponsorNeed) []string {
	var paths []string
	add := func(set bool, path string) {
		if set {
			paths = append(paths, path)
		}
	}
	add(len(m.GetAreas()) > 0, "areas")
	add(m.GetUrgency() != 0, "urgency")
	add(m.GetStaffDaysNeeded() != 0, "staff_days_needed")
	add(m.GetRequiresTrustSponsor(), "requires_trust_sponsor")
	add(len(m.GetExcludedSponsors()) > 0, "excluded_sponsors")
	add(m.GetState() != sponsorv1.NeedState_NEED_STATE_UNSPECIFIED, "state")
	return paths
}

// joinViolations reports the request's own violations with those of the
// rules, leaving out a rule's violation on a field the request's violations
// already name (a malformed sponsor name is not also "not a sponsor id").
func joinViolations(vs fault.Violations, errs ...error) error {
	reported := map[string]bool{}
	for _, v := range vs {
		reported[v.Field] = true
	}
	all := []error{vs.Err()}
	for _, err := range errs {
		if f, ok := fault.As(err); ok && f.Kind == fault.KindInvalid {
			var rest fault.Violations
			for _, v := range f.Violations {
				if !reported[v.Field] {
					rest = append(rest, v)
				}
			}
			err = rest.Err()
		}
		all = append(all, err)
	}
	return fault.Join(all...)
}
