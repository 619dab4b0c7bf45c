package demo

import (
	"slices"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

var now = time.Date(2016, 6, 2, 9, 0, 0, 0, time.UTC)

// TestDemoSponsors: the six sponsors of the domain brief with their
// member councils, and the two charities, valid and believable.
func TestDemoSponsors(t *testing.T) {
	all := Sponsors()
	members := map[string][]string{}
	for _, s := range all {
		if err := s.Validate(""); err != nil {
			t.Errorf("%s: %v", s.ID, err)
		}
		if !resource.ValidID(s.ID) {
			t.Errorf("%s: not a valid id", s.ID)
		}
		if s.MaxEngagements < 1 || s.MaxEngagements > 4 || s.StaffDaysPerQuarter < 60 || s.StaffDaysPerQuarter > 400 ||
			s.DayRatePence < 45_000 || s.DayRatePence > 65_000 {
			t.Errorf("%s: capacity %d engagements, %d staff-days, %dp a day: not believable", s.ID, s.MaxEngagements, s.StaffDaysPerQuarter, s.DayRatePence)
		}
		if len(s.Expertise) < 3 {
			t.Errorf("%s: only %d areas of expertise", s.ID, len(s.Expertise))
		}
		members[s.ID] = s.MemberCouncils
	}
	want := map[string][]string{
		"north-yorkshire":   {"E10000023"},
		"hampshire":         {"E10000014"},
		"tri-borough":       {"E09000033", "E09000013", "E09000020"},
		"leeds":             {"E08000035"},
		"durham":            {"E06000047"},
		"richmond-kingston": {"E09000027", "E09000021"},
		"barnardos":         nil,
		"nspcc":             nil,
	}
	if len(members) != len(want) {
		t.Errorf("%d demo sponsors, want %d", len(members), len(want))
	}
	for id, codes := range want {
		got, ok := members[id]
		if !ok || !slices.Equal(got, codes) {
			t.Errorf("%s: members %v (present %v), want %v", id, got, ok, codes)
		}
	}
	var trust, placing, charities int
	for _, s := range all {
		if s.CanLeadTrust {
			trust++
		}
		if len(s.OutOfArea) > 0 {
			placing++
		}
		if s.Kind == sponsor.Charity {
			charities++
		}
	}
	if trust < 3 || placing < 3 || charities != 2 {
		t.Errorf("%d can lead a trust, %d place out of area, %d charities", trust, placing, charities)
	}
}

// TestDemoNeeds: the hand needs are valid needs of councils under
// intervention, excluding only demo sponsors.
func TestDemoNeeds(t *testing.T) {
	ids := map[string]bool{}
	for _, s := range Sponsors() {
		ids[s.ID] = true
	}
	for _, d := range append(Needs(), AwaitingNeeds()...) {
		n, err := need.New(d.GSS, d.ID, d.Draft, "", now)
		if err != nil {
			t.Errorf("%s: %v", need.Name(d.GSS, d.ID), err)
		}
		for _, x := range n.ExcludedSponsors {
			if !ids[x] {
				t.Errorf("%s excludes %s, which the demo does not have", n.Name(), x)
			}
		}
	}
}
