package needapi

import (
	"strconv"

	"github.com/turnaround-sli/turnaround/services/reference/refproto"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
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
		id, err := resource.ParseID(prefix+"excluded_sponsors["+strconv.Itoa(i)+"]", sponsor.Collection, name)
		if f, ok := fault.As(err); ok {
			vs = append(vs, f.Violations...)
		}
		n.ExcludedSponsors = append(n.ExcludedSponsors, id)
	}
	return n, vs
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
