package sponsorstore

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

// Enum name prefixes of the proto enums a sponsor uses.
const (
	KindPrefix     = "SPONSOR_KIND_"
	StrengthPrefix = "STRENGTH_"
)

// KindProto returns the proto enum of a sponsor kind.
func KindProto(k sponsor.Kind) sponsorv1.SponsorKind {
	return sponsorv1.SponsorKind(sponsorv1.SponsorKind_value[KindPrefix+string(k)])
}

// StrengthProto returns the proto enum of a strength.
func StrengthProto(s sponsor.Strength) sponsorv1.Strength {
	return sponsorv1.Strength(sponsorv1.Strength_value[StrengthPrefix+string(s)])
}

// Encode renders sp as the API returns it: with its etag, and with u, the
// engagements and staff-days its active engagements take, as its output
// fields. Without etag and usage it is also the stored form: the version
// lives beside the data, and the usage is the engagements'.
func Encode(sp sponsor.Sponsor, u sponsor.Usage) *sponsorv1.Sponsor {
	m := encode(sp)
	m.Etag = store.Etag(sp.Version)
	m.ActiveEngagements = int32(u.ActiveEngagements)
	m.CommittedStaffDays = int32(u.CommittedStaffDays)
	return m
}

func encode(sp sponsor.Sponsor) *sponsorv1.Sponsor {
	m := &sponsorv1.Sponsor{
		Name:                sp.Name(),
		DisplayName:         sp.DisplayName,
		Kind:                KindProto(sp.Kind),
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
		m.Expertise = append(m.Expertise, &sponsorv1.Expertise{Area: e.Area, Strength: StrengthProto(e.Strength)})
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

// marshal encodes sp's stored form; with etag, the form an idempotency
// record replays, which carries its version.
func marshal(sp sponsor.Sponsor, withEtag bool) ([]byte, error) {
	m := encode(sp)
	if withEtag {
		m.Etag = store.Etag(sp.Version)
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode sponsor %s: %w", sp.Name(), err)
	}
	return b, nil
}

// decode reads a stored sponsor at version. Stored data was validated when
// written, so anything unexpected is corruption and an error.
func decode(data []byte, version int64) (sponsor.Sponsor, error) {
	var m sponsorv1.Sponsor
	if err := proto.Unmarshal(data, &m); err != nil {
		return sponsor.Sponsor{}, fmt.Errorf("decode sponsor: %w", err)
	}
	id, err := resource.ParseID("name", sponsor.Collection, m.GetName())
	if err != nil {
		return sponsor.Sponsor{}, fmt.Errorf("decode sponsor %q: %w", m.GetName(), err)
	}
	sp := sponsor.Sponsor{
		ID:                  id,
		DisplayName:         m.GetDisplayName(),
		Kind:                sponsor.Kind(strings.TrimPrefix(m.GetKind().String(), KindPrefix)),
		National:            m.GetNational(),
		MaxEngagements:      int(m.GetMaxEngagements()),
		StaffDaysPerQuarter: int(m.GetStaffDaysPerQuarter()),
		DayRatePence:        m.GetDayRatePence(),
		CanLeadTrust:        m.GetCanLeadTrust(),
		Paused:              m.GetPaused(),
		Version:             version,
		UpdateTime:          m.GetUpdateTime().AsTime(),
	}
	council := func(name string) (string, error) {
		gss, err := resource.ParseCouncil("council", name)
		if err != nil {
			return "", fmt.Errorf("decode sponsor %s: %w", m.GetName(), err)
		}
		return gss, nil
	}
	for _, c := range m.GetMemberCouncils() {
		gss, err := council(c)
		if err != nil {
			return sponsor.Sponsor{}, err
		}
		sp.MemberCouncils = append(sp.MemberCouncils, gss)
	}
	for _, r := range m.GetRegionsServed() {
		region, ok := refproto.RegionFrom(r)
		if !ok {
			return sponsor.Sponsor{}, fmt.Errorf("decode sponsor %s: region %s", m.GetName(), r)
		}
		sp.RegionsServed = append(sp.RegionsServed, region)
	}
	for _, e := range m.GetExpertise() {
		sp.Expertise = append(sp.Expertise, sponsor.Expertise{
			Area: e.GetArea(), Strength: sponsor.Strength(strings.TrimPrefix(e.GetStrength().String(), StrengthPrefix)),
		})
	}
	for _, c := range m.GetConflicts() {
		gss, err := council(c)
		if err != nil {
			return sponsor.Sponsor{}, err
		}
		sp.Conflicts = append(sp.Conflicts, gss)
	}
	for _, p := range m.GetOutOfAreaPlacements() {
		gss, err := council(p.GetLocalAuthority())
		if err != nil {
			return sponsor.Sponsor{}, err
		}
		sp.OutOfArea = append(sp.OutOfArea, sponsor.Placement{Council: gss, Children: int(p.GetChildren())})
	}
	if !sp.Kind.Valid() {
		return sponsor.Sponsor{}, fmt.Errorf("decode sponsor %s: kind %s", m.GetName(), m.GetKind())
	}
	return sp, nil
}
