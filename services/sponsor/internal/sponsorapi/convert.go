package sponsorapi

import (
	"strconv"

	"github.com/turnaround-sli/turnaround/services/reference/refproto"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsorstore"
)

// regionPrefix is the enum name prefix of turnaround.type.v1.Region.
const regionPrefix = "REGION_"

// fromProto reads the client-settable fields of a Sponsor message.
// Output-only fields (name, etag, active_engagements,
// committed_staff_days, update_time) are ignored (AIP-203). Enum values
// are carried over by name for the rules to judge; only council names that
// are not resource names at all are reported here, as violations under
// prefix.
func fromProto(m *sponsorv1.Sponsor, prefix string) (sponsor.Sponsor, fault.Violations) {
	var vs fault.Violations
	council := func(field, name string) string {
		gss, err := resource.ParseCouncil(prefix+field, name)
		if f, ok := fault.As(err); ok {
			vs = append(vs, f.Violations...)
		}
		return gss
	}
	sp := sponsor.Sponsor{
		DisplayName:         m.GetDisplayName(),
		Kind:                sponsor.Kind(refproto.EnumName(m.GetKind(), sponsorstore.KindPrefix)),
		National:            m.GetNational(),
		MaxEngagements:      int(m.GetMaxEngagements()),
		StaffDaysPerQuarter: int(m.GetStaffDaysPerQuarter()),
		DayRatePence:        m.GetDayRatePence(),
		CanLeadTrust:        m.GetCanLeadTrust(),
		Paused:              m.GetPaused(),
	}
	for i, c := range m.GetMemberCouncils() {
		sp.MemberCouncils = append(sp.MemberCouncils, council("member_councils["+strconv.Itoa(i)+"]", c))
	}
	for _, r := range m.GetRegionsServed() {
		sp.RegionsServed = append(sp.RegionsServed, reference.Region(refproto.EnumName(r, regionPrefix)))
	}
	for _, e := range m.GetExpertise() {
		sp.Expertise = append(sp.Expertise, sponsor.Expertise{
			Area: e.GetArea(), Strength: sponsor.Strength(refproto.EnumName(e.GetStrength(), sponsorstore.StrengthPrefix)),
		})
	}
	for i, c := range m.GetConflicts() {
		sp.Conflicts = append(sp.Conflicts, council("conflicts["+strconv.Itoa(i)+"]", c))
	}
	for i, p := range m.GetOutOfAreaPlacements() {
		sp.OutOfArea = append(sp.OutOfArea, sponsor.Placement{
			Council:  council("out_of_area_placements["+strconv.Itoa(i)+"].local_authority", p.GetLocalAuthority()),
			Children: int(p.GetChildren()),
		})
	}
	return sp, vs
}

// joinViolations reports the request's own violations with those of the
// rules, leaving out a rule's violation on a field the request's violations
// already name (a malformed council name is not also "not one of the
// 152").
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
