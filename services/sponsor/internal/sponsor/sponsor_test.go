package sponsor

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// leeds is a valid council sponsor; the cases below break one rule each.
func leeds() Sponsor {
	return Sponsor{
		ID: "leeds", DisplayName: "Leeds City Council", Kind: Council, MemberCouncils: []string{"E08000035"},
		Expertise:      []Expertise{{Area: AreaVoiceOfTheChild, Strength: Leading}, {Area: AreaLeadership, Strength: Strong}},
		MaxEngagements: 2, StaffDaysPerQuarter: 180, DayRatePence: 50_000, CanLeadTrust: true,
		Conflicts: []string{"E08000032"}, OutOfArea: []Placement{{Council: "E08000036", Children: 4}},
	}
}

func charity() Sponsor {
	return Sponsor{
		ID: "nspcc", DisplayName: "NSPCC", Kind: Charity, RegionsServed: []reference.Region{reference.London, reference.NorthEast},
		Expertise:      []Expertise{{Area: AreaChildProtectionPractice, Strength: Leading}},
		MaxEngagements: 2, StaffDaysPerQuarter: 120, DayRatePence: 52_000,
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Sponsor)
		base   func() Sponsor
		want   []string
	}{
		{"a valid council", func(*Sponsor) {}, leeds, nil},
		{"a valid regional charity", func(*Sponsor) {}, charity, nil},
		{"a valid national charity", func(s *Sponsor) { s.RegionsServed, s.National = nil, true }, charity, nil},
		{"a valid partnership", func(s *Sponsor) {
			s.Kind, s.MemberCouncils = CouncilPartnership, []string{"E09000033", "E09000013", "E09000020"}
		}, leeds, nil},
		{"zero capacity is allowed", func(s *Sponsor) { s.MaxEngagements, s.StaffDaysPerQuarter = 0, 0 }, leeds, nil},
		{"no display name", func(s *Sponsor) { s.DisplayName = "  " }, leeds, []string{"s.display_name"}},
		{"a long display name", func(s *Sponsor) { s.DisplayName = strings.Repeat("é", MaxDisplayName+1) }, leeds, []string{"s.display_name"}},
		{"no kind", func(s *Sponsor) { s.Kind = "" }, leeds, []string{"s.kind"}},
		{"an unknown kind", func(s *Sponsor) { s.Kind = "7" }, leeds, []string{"s.kind"}},
		{"a council of two councils", func(s *Sponsor) { s.MemberCouncils = append(s.MemberCouncils, "E08000036") }, leeds, []string{"s.member_councils"}},
		{"a council of none", func(s *Sponsor) { s.MemberCouncils = nil }, leeds, []string{"s.member_councils"}},
		{"a partnership of one", func(s *Sponsor) { s.Kind = CouncilPartnership }, leeds, []string{"s.member_councils"}},
		{"a member outside the 152", func(s *Sponsor) { s.MemberCouncils = []string{"E08999999"} }, leeds, []string{"s.member_councils[0]"}},
		{"a member twice", func(s *Sponsor) {
			s.Kind, s.MemberCouncils = CouncilPartnership, []string{"E09000027", "E09000027"}
		}, leeds, []string{"s.member_councils[1]"}},
		{"a council with regions", func(s *Sponsor) { s.RegionsServed = []reference.Region{reference.London} }, leeds, []string{"s.regions_served"}},
		{"a national council", func(s *Sponsor) { s.National = true }, leeds, []string{"s.national"}},
		{"a charity with members", func(s *Sponsor) { s.MemberCouncils = []string{"E08000035"} }, charity, []string{"s.member_councils"}},
		{"a charity with no place", func(s *Sponsor) { s.RegionsServed = nil }, charity, []string{"s.regions_served"}},
		{"a national charity with regions", func(s *Sponsor) { s.National = true }, charity, []string{"s.regions_served"}},
		{"an unknown region", func(s *Sponsor) { s.RegionsServed = []reference.Region{"ATLANTIS"} }, charity, []string{"s.regions_served[0]"}},
		{"a region twice", func(s *Sponsor) {
			s.RegionsServed = []reference.Region{reference.London, reference.London}
		}, charity, []string{"s.regions_served[1]"}},
		{"no expertise", func(s *Sponsor) { s.Expertise = nil }, leeds, []string{"s.expertise"}},
		{"an unknown area", func(s *Sponsor) { s.Expertise[0].Area = "OVERALL_EFFECTIVENESS" }, leeds, []string{"s.expertise[0].area"}},
		{"an area twice", func(s *Sponsor) { s.Expertise[1].Area = s.Expertise[0].Area }, leeds, []string{"s.expertise[1].area"}},
		{"no strength", func(s *Sponsor) { s.Expertise[1].Strength = "" }, leeds, []string{"s.expertise[1].strength"}},
		{"negative engagements", func(s *Sponsor) { s.MaxEngagements = -1 }, leeds, []string{"s.max_engagements"}},
		{"too many engagements", func(s *Sponsor) { s.MaxEngagements = MaxEngagements + 1 }, leeds, []string{"s.max_engagements"}},
		{"negative staff-days", func(s *Sponsor) { s.StaffDaysPerQuarter = -5 }, leeds, []string{"s.staff_days_per_quarter"}},
		{"too many staff-days", func(s *Sponsor) { s.StaffDaysPerQuarter = MaxStaffDays + 1 }, leeds, []string{"s.staff_days_per_quarter"}},
		{"no day rate", func(s *Sponsor) { s.DayRatePence = 0 }, leeds, []string{"s.day_rate_pence"}},
		{"a day rate too high", func(s *Sponsor) { s.DayRatePence = MaxDayRatePence + 1 }, leeds, []string{"s.day_rate_pence"}},
		{"a conflict outside the 152", func(s *Sponsor) { s.Conflicts = []string{"E10999999"} }, leeds, []string{"s.conflicts[0]"}},
		{"a conflict twice", func(s *Sponsor) { s.Conflicts = []string{"E08000032", "E08000032"} }, leeds, []string{"s.conflicts[1]"}},
		{"a placement outside the 152", func(s *Sponsor) { s.OutOfArea[0].Council = "E06999999" }, leeds, []string{"s.out_of_area_placements[0].local_authority"}},
		{"a placement twice", func(s *Sponsor) {
			s.OutOfArea = append(s.OutOfArea, Placement{Council: "E08000036", Children: 1})
		}, leeds, []string{"s.out_of_area_placements[1].local_authority"}},
		{"no children placed", func(s *Sponsor) { s.OutOfArea[0].Children = 0 }, leeds, []string{"s.out_of_area_placements[0].children"}},
		{"every problem at once", func(s *Sponsor) {
			s.DisplayName, s.Kind, s.Expertise, s.DayRatePence = "", "", nil, -1
		}, leeds, []string{"s.day_rate_pence", "s.display_name", "s.expertise", "s.kind"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.base()
			tc.change(&s)
			err := s.Validate("s.")
			if got := rpctest.Fields(err); !slices.Equal(got, tc.want) {
				t.Errorf("violations on %v (%v), want %v", got, err, tc.want)
			}
			if (err == nil) != (tc.want == nil) {
				t.Errorf("err = %v, want violations %v", err, tc.want)
			}
		})
	}
}

func TestAreas(t *testing.T) {
	if len(Areas) != 18 {
		t.Errorf("%d areas, want 18 (6 judgement areas and 13 themes sharing CARE_LEAVERS)", len(Areas))
	}
	seen := map[string]bool{}
	for _, a := range Areas {
		if seen[a] {
			t.Errorf("%s listed twice", a)
		}
		seen[a] = true
	}
	for _, a := range append(slices.Clone(reference.JudgementAreas), ThemeAreas...) {
		if !ValidArea(a) {
			t.Errorf("%s is not valid", a)
		}
	}
	if ValidArea("OVERALL_EFFECTIVENESS") || ValidArea("") {
		t.Error("overall effectiveness or nothing is an area")
	}
}

func TestRegions(t *testing.T) {
	tri := leeds()
	tri.Kind, tri.MemberCouncils = CouncilPartnership, []string{"E09000033", "E09000013"}
	national := charity()
	national.National, national.RegionsServed = true, nil
	cases := []struct {
		name string
		s    Sponsor
		want []reference.Region
	}{
		{"a council's region", leeds(), []reference.Region{reference.YorkshireAndTheHumber}},
		{"a partnership in one region, once", tri, []reference.Region{reference.London}},
		{"a charity's regions, in enum order", charity(), []reference.Region{reference.NorthEast, reference.London}},
		{"a national charity", national, reference.Regions},
	}
	for _, tc := range cases {
		if got := tc.s.Regions(); !slices.Equal(got, tc.want) {
			t.Errorf("%s: Regions = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestLookups(t *testing.T) {
	s := leeds()
	if s.StrengthIn(AreaVoiceOfTheChild) != Leading || s.StrengthIn(reference.AreaLSCB) != "" {
		t.Error("StrengthIn")
	}
	if s.ChildrenPlacedIn("E08000036") != 4 || s.ChildrenPlacedIn("E08000035") != 0 {
		t.Error("ChildrenPlacedIn")
	}
	for i, st := range Strengths {
		if st.Level() != i+1 {
			t.Errorf("%s level %d, want %d", st, st.Level(), i+1)
		}
	}
	if Strength("HUGE").Level() != 0 {
		t.Error("an unknown strength has a level")
	}
	c := s.Clone()
	c.Expertise[0].Area, c.MemberCouncils[0] = "X", "Y"
	if s.Expertise[0].Area == "X" || s.MemberCouncils[0] == "Y" {
		t.Error("Clone shares slices")
	}
}

func TestNamesAndIDs(t *testing.T) {
	storetest.IDNames(t, storetest.IDIn(Collection), map[string]string{
		"sponsors/north-yorkshire": "north-yorkshire",
		"sponsors/a":               "a",
	}, []string{
		"sponsors/North",
		"sponsors/1abc",
		"sponsors/abc-",
		"sponsors/a_b",
		"sponsors/" + strings.Repeat("a", 64),
		"sponsor/leeds",
		"sponsors/leeds/engagements/x",
	})
	if gss, err := resource.ParseCouncil("c", "localAuthorities/E08000035"); err != nil || gss != "E08000035" {
		t.Errorf("ParseCouncilName = %q, %v", gss, err)
	}
	if _, err := resource.ParseCouncil("c", "E08000035"); !slices.Equal(rpctest.Fields(err), []string{"c"}) {
		t.Errorf("a bare GSS code: %v", err)
	}
	seen := map[string]bool{}
	for range 200 {
		id := resource.NewID()
		if !resource.ValidID(id) || len(id) != resource.IDLen || seen[id] {
			t.Fatalf("NewID gave %q (valid %v), or a repeat", id, resource.ValidID(id))
		}
		seen[id] = true
	}
	a, b := resource.IDFor("sponsor", "m\x00alice", "req-1"), resource.IDFor("sponsor", "m\x00alice", "req-1")
	if a != b || !resource.ValidID(a) {
		t.Errorf("IDFor is not a stable valid id: %q, %q", a, b)
	}
	if resource.IDFor("sponsor", "m\x00bob", "req-1") == a || resource.IDFor("sponsor", "m\x00alice", "req-2") == a {
		t.Error("IDFor ignores the scope or the request id")
	}
}

func TestMask(t *testing.T) {
	if _, err := ParseMask(nil); !slices.Equal(rpctest.Fields(err), []string{"update_mask"}) {
		t.Errorf("empty mask: %v", err)
	}
	if _, err := ParseMask([]string{"name", "etag", "active_engagements"}); !slices.Equal(rpctest.Fields(err), []string{"update_mask"}) {
		t.Errorf("a mask of ignored fields only changes nothing: %v", err)
	}
	if _, err := ParseMask([]string{"paused", "colour"}); !slices.Equal(rpctest.Fields(err), []string{"update_mask"}) {
		t.Errorf("an unknown path: %v", err)
	}
	all, err := ParseMask([]string{"*"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range MaskFields {
		if !all.Has(f) {
			t.Errorf("* does not cover %s", f)
		}
	}
	m, err := ParseMask([]string{"paused", "expertise", "update_time"})
	if err != nil {
		t.Fatal(err)
	}
	if !m.Covers("expertise[2].area") || !m.Covers("paused") || m.Covers("conflicts[0]") {
		t.Error("Covers")
	}
}

func TestApply(t *testing.T) {
	now := time.Date(2016, 2, 1, 9, 0, 0, 0, time.UTC)
	cur := leeds()
	cur.Version = 3
	m, _ := ParseMask([]string{"paused", "staff_days_per_quarter"})
	patch := Sponsor{Paused: true, StaffDaysPerQuarter: 60, DisplayName: "ignored"}
	out, err := cur.Apply(patch, m, now)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Paused || out.StaffDaysPerQuarter != 60 || out.DisplayName != cur.DisplayName || out.Version != 3 ||
		out.ID != "leeds" || !out.UpdateTime.Equal(now) {
		t.Errorf("Apply = %+v", out)
	}
	if cur.Paused {
		t.Error("Apply changed its receiver")
	}
	// A change of kind alone leaves the member councils of a council: a
	// charity must not have them.
	kind, _ := ParseMask([]string{"kind"})
	if _, err := cur.Apply(Sponsor{Kind: Charity}, kind, now); !slices.Equal(rpctest.Fields(err), []string{"sponsor.member_councils", "sponsor.regions_served"}) {
		t.Errorf("kind to charity: %v", err)
	}
	both, _ := ParseMask([]string{"kind", "member_councils", "national"})
	out, err = cur.Apply(Sponsor{Kind: Charity, National: true}, both, now)
	if err != nil || out.Kind != Charity || len(out.MemberCouncils) != 0 || !out.National {
		t.Errorf("kind to national charity: %+v, %v", out, err)
	}
}

func TestSelect(t *testing.T) {
	a := leeds()
	b := charity()
	b.Paused = true
	c := leeds()
	c.ID, c.CanLeadTrust = "durham", false
	all := []Sponsor{a, b, c}
	storetest.Selects(t, FilterSchema, func(f *filter.Filter) []Sponsor { return Select(all, f) }, func(s Sponsor) string { return s.ID }, map[string][]string{
		"":               {"durham", "leeds", "nspcc"},
		"kind = CHARITY": {"nspcc"},
		"kind = council": {"durham", "leeds"},
		"paused = false": {"durham", "leeds"},
		"can_lead_trust = true AND paused = false": {"leeds"},
	})
	if _, err := filter.Compile("region = LONDON", FilterSchema); !errors.Is(err, filter.ErrInvalidFilter) {
		t.Errorf("an unknown filter field: %v", err)
	}
}
