package sponsorapi

import (
	"fmt"
	"strconv"

	"google.golang.org/protobuf/types/known/timestamppb"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/areaapi"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

// Enum name prefixes of the proto enums a sponsor uses.
const (
	kindPrefix     = "SPONSOR_KIND_"
	strengthPrefix = "STRENGTH_"
	regionPrefix   = "REGION_"
)

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
		vs.Merge(err)
		return gss
	}
	sp := sponsor.Sponsor{
		DisplayName:         m.GetDisplayName(),
		Kind:                sponsor.Kind(refproto.EnumName(m.GetKind(), kindPrefix)),
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
			Area:     areaapi.Name(e.GetJudgementArea(), e.GetTheme()),
			Strength: sponsor.Strength(refproto.EnumName(e.GetStrength(), strengthPrefix)),
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

// toProto renders sp as the API returns it: with its etag, and with u, the
// engagements and staff-days its active engagements take, as its output
// fields.
func toProto(sp sponsor.Sponsor, u sponsor.Usage) *sponsorv1.Sponsor {
	m := ToStored(sp)
	m.Etag = change.Format(sp.Version)
	m.ActiveEngagements = int32(u.ActiveEngagements)
	m.CommittedStaffDays = int32(u.CommittedStaffDays)
	return m
}

// ToStored renders sp as its stored form: the API message without the etag
// and the usage, since the version lives beside the data and the usage is
// the engagements'.
func ToStored(sp sponsor.Sponsor) *sponsorv1.Sponsor {
	m := &sponsorv1.Sponsor{
		Name:                sp.Name(),
		DisplayName:         sp.DisplayName,
		Kind:                sponsorv1.SponsorKind(sponsorv1.SponsorKind_value[kindPrefix+string(sp.Kind)]),
		National:            sp.National,
		MaxEngagements:      int32(sp.MaxEngagements),
		StaffDaysPerQuarter: int32(sp.StaffDaysPerQuarter),
		DayRatePence:        sp.DayRatePence,
		CanLeadTrust:        sp.CanLeadTrust,
		Paused:              sp.Paused,
		UpdateTime:          timestamppb.New(sp.UpdateTime),
	}
	for _, gss := range sp.MemberCouncils {
		m.MemberCouncils = append(m.MemberCouncils, resource.CouncilName(gss))
	}
	for _, r := range sp.RegionsServed {
		m.RegionsServed = append(m.RegionsServed, refproto.Region(r))
	}
	for _, e := range sp.Expertise {
		x := &sponsorv1.Expertise{Strength: sponsorv1.Strength(sponsorv1.Strength_value[strengthPrefix+string(e.Strength)])}
		switch judgement, theme := areaapi.Split(e.Area); {
		case judgement != typev1.JudgementArea_JUDGEMENT_AREA_UNSPECIFIED:
			x.Area = &sponsorv1.Expertise_JudgementArea{JudgementArea: judgement}
		case theme != peerreviewv1.Theme_THEME_UNSPECIFIED:
			x.Area = &sponsorv1.Expertise_Theme{Theme: theme}
		}
		m.Expertise = append(m.Expertise, x)
	}
	for _, gss := range sp.Conflicts {
		m.Conflicts = append(m.Conflicts, resource.CouncilName(gss))
	}
	for _, p := range sp.OutOfArea {
		m.OutOfAreaPlacements = append(m.OutOfAreaPlacements, &sponsorv1.Placements{
			LocalAuthority: resource.CouncilName(p.Council), Children: int32(p.Children),
		})
	}
	return m
}

// FromStored reads a stored sponsor at version. Stored data was validated
// when written, so anything unexpected is corruption and an error, where
// fromProto would leave it for the rules to judge.
func FromStored(m *sponsorv1.Sponsor, version int64) (sponsor.Sponsor, error) {
	id, err := resource.ParseID("name", sponsor.Collection, m.GetName())
	if err != nil {
		return sponsor.Sponsor{}, fmt.Errorf("decode sponsor %q: %w", m.GetName(), err)
	}
	sp, vs := fromProto(m, "")
	if err := vs.Err(); err != nil {
		return sponsor.Sponsor{}, fmt.Errorf("decode sponsor %s: %w", m.GetName(), err)
	}
	for i, e := range m.GetExpertise() {
		if e.GetArea() == nil {
			// Stored before areas were enums, as the bare name the domain uses.
			sp.Expertise[i].Area = areaapi.Legacy(e)
		}
	}
	for _, r := range m.GetRegionsServed() {
		if _, ok := refproto.RegionFrom(r); !ok {
			return sponsor.Sponsor{}, fmt.Errorf("decode sponsor %s: region %s", m.GetName(), r)
		}
	}
	if !sp.Kind.Valid() {
		return sponsor.Sponsor{}, fmt.Errorf("decode sponsor %s: kind %s", m.GetName(), m.GetKind())
	}
	sp.ID, sp.Version, sp.UpdateTime = id, version, m.GetUpdateTime().AsTime()
	return sp, nil
}
