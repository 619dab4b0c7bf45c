package sponsorapi

import (
	"reflect"
	"slices"
	"testing"
	"time"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

func tri() sponsor.Sponsor {
	return sponsor.Sponsor{
		ID: "tri-borough", DisplayName: "Tri-borough", Kind: sponsor.CouncilPartnership,
		MemberCouncils: []string{"E09000033", "E09000013", "E09000020"},
		RegionsServed:  []reference.Region{reference.London},
		Expertise: []sponsor.Expertise{
			{Area: sponsor.AreaChildProtectionPractice, Strength: sponsor.Leading},
			{Area: sponsor.AreaCaseloads, Strength: sponsor.Strong},
		},
		MaxEngagements: 3, StaffDaysPerQuarter: 300, DayRatePence: 65_000, CanLeadTrust: true,
		Conflicts:  []string{"E09000001"},
		OutOfArea:  []sponsor.Placement{{Council: "E10000016", Children: 22}},
		UpdateTime: time.Date(2016, 1, 4, 9, 30, 0, 0, time.UTC),
	}
}

func TestEncode(t *testing.T) {
	sp := tri()
	sp.Version = 4
	m := toProto(sp, sponsor.Usage{ActiveEngagements: 2, CommittedStaffDays: 150})
	if m.GetName() != "sponsors/tri-borough" || m.GetEtag() != `"4"` || m.GetActiveEngagements() != 2 || m.GetCommittedStaffDays() != 150 ||
		m.GetKind() != sponsorv1.SponsorKind_SPONSOR_KIND_COUNCIL_PARTNERSHIP ||
		!slices.Equal(m.GetMemberCouncils(), []string{"localAuthorities/E09000033", "localAuthorities/E09000013", "localAuthorities/E09000020"}) ||
		m.GetExpertise()[0].GetStrength() != sponsorv1.Strength_STRENGTH_LEADING ||
		m.GetOutOfAreaPlacements()[0].GetLocalAuthority() != "localAuthorities/E10000016" {
		t.Errorf("Encode = %v", m)
	}
}

// TestStoredForm: a sponsor comes back from its stored form as it went in,
// at the version the record carries, and a stored form that could not have
// been written is an error.
func TestStoredForm(t *testing.T) {
	sp := tri()
	b, err := codec.Encode(sp)
	if err != nil {
		t.Fatal(err)
	}
	got, err := codec.Decode(b, 3)
	sp.Version = 3
	if err != nil || !reflect.DeepEqual(got, sp) {
		t.Errorf("round trip = %+v, %v; want %+v", got, err, sp)
	}
	bad := ToStored(tri())
	bad.Kind = sponsorv1.SponsorKind_SPONSOR_KIND_UNSPECIFIED
	if _, err := FromStored(bad, 1); err == nil {
		t.Error("a stored sponsor of no kind decoded")
	}
}
