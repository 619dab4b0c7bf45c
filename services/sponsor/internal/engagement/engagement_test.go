package engagement

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
)

const (
	hampshire   = "hampshire"
	sloughNeed  = "localAuthorities/" + storetest.Slough + "/sponsorNeeds/need-1"
	approvedRun = "matchRuns/run-1"
)

func validStart() Start {
	return Start{
		Sponsor: hampshire, Council: storetest.Slough, Need: sloughNeed, MatchRun: approvedRun,
		StartDate: storetest.Day(2016, 4, 1), PlannedStaffDays: 40,
	}
}

func TestNewValidatesEveryField(t *testing.T) {
	now := time.Date(2016, 3, 30, 14, 5, 0, 0, time.UTC)
	tests := []struct {
		name   string
		change func(*Start)
		id     string
		want   []string
	}{
		{"valid", func(*Start) {}, "eng-1", nil},
		{"no planned days is allowed", func(s *Start) { s.PlannedStaffDays = 0 }, "eng-1", nil},
		{"largest planned days", func(s *Start) { s.PlannedStaffDays = MaxPlannedStaffDays }, "eng-1", nil},
		{"sponsor id with a capital", func(s *Start) { s.Sponsor = "Hampshire" }, "eng-1", []string{"e.name"}},
		{"bad engagement id", func(*Start) {}, "eng/1", []string{"e.name"}},
		{"unknown council", func(s *Start) { s.Council = "E06999999" }, "eng-1", []string{"e.local_authority", "e.need"}},
		{"need of another council", func(s *Start) { s.Need = "localAuthorities/" + storetest.Doncaster + "/sponsorNeeds/need-1" }, "eng-1", []string{"e.need"}},
		{"need without id", func(s *Start) { s.Need = "localAuthorities/" + storetest.Slough + "/sponsorNeeds/" }, "eng-1", []string{"e.need"}},
		{"match run of another collection", func(s *Start) { s.MatchRun = "runs/run-1" }, "eng-1", []string{"e.match_run"}},
		{"no start date", func(s *Start) { s.StartDate = time.Time{} }, "eng-1", []string{"e.start_date"}},
		{"negative planned days", func(s *Start) { s.PlannedStaffDays = -1 }, "eng-1", []string{"e.planned_staff_days"}},
		{"too many planned days", func(s *Start) { s.PlannedStaffDays = MaxPlannedStaffDays + 1 }, "eng-1", []string{"e.planned_staff_days"}},
		{"everything at once", func(s *Start) { *s = Start{PlannedStaffDays: -5} }, "",
			[]string{"e.local_authority", "e.match_run", "e.name", "e.name", "e.need", "e.planned_staff_days", "e.start_date"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := validStart()
			tc.change(&s)
			e, err := New(s, tc.id, "e.", now)
			if got := rpctest.InvalidFields(t, err); !slices.Equal(got, tc.want) {
				t.Fatalf("violations %v, want %v (%v)", got, tc.want, err)
			}
			if err != nil {
				return
			}
			if e.State != Active || e.ID != tc.id || e.Sponsor != hampshire || e.Council != storetest.Slough || e.Version != 0 ||
				!e.CreateTime.Equal(now) || e.Deployed != 0 || len(e.ByQuarter) != 0 {
				t.Errorf("New = %+v", e)
			}
		})
	}
}

func TestNewKeepsTheCalendarDateOfTheStart(t *testing.T) {
	s := validStart()
	s.StartDate = time.Date(2016, 4, 1, 17, 30, 0, 0, time.FixedZone("BST", 3600))
	e, err := New(s, "eng-1", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !e.StartDate.Equal(storetest.Day(2016, 4, 1)) || e.StartDate.Location() != time.UTC {
		t.Errorf("start date %v, want 2016-04-01 midnight UTC", e.StartDate)
	}
	if e.Name() != "sponsors/hampshire/engagements/eng-1" || e.CouncilName() != "localAuthorities/"+storetest.Slough {
		t.Errorf("names %q, %q", e.Name(), e.CouncilName())
	}
}

func TestParseName(t *testing.T) {
	storetest.Names(t, ParseName, map[string][2]string{
		"sponsors/hampshire/engagements/eng-1":  {hampshire, "eng-1"},
		"sponsors/tri-borough/engagements/a1b2": {"tri-borough", "a1b2"},
	}, []string{
		"sponsors/-/engagements/eng-1",
		"sponsors/hampshire/engagements/",
		"sponsors/hampshire/engagements/eng-1/deployments/d1",
		"sponsors/hampshire/needs/eng-1",
		"sponsor/hampshire/engagements/eng-1",
		"sponsors/Hampshire/engagements/eng-1",
		"",
	})
}

func TestParseSponsor(t *testing.T) {
	storetest.Parents(t, ParseSponsor, false, map[string]string{
		"sponsors/nspcc": "nspcc",
	}, []string{"sponsors/-"})
	storetest.Parents(t, ParseSponsor, true, map[string]string{
		"sponsors/nspcc": "nspcc",
		"sponsors/-":     AllSponsors,
	}, []string{"sponsors/", "sponsors/nspcc/engagements", "localAuthorities/E06000039"})
}

func TestValidID(t *testing.T) {
	for id, want := range map[string]bool{
		"a": true, "hampshire": true, "tri-borough": true, "1st-sponsor": true, strings.Repeat("a", 63): true,
		"": false, "-a": false, "a-": false, "A": false, "a_b": false, "a/b": false, "a:b": false, "a{b}": false,
		strings.Repeat("a", 64): false,
	} {
		if ValidID(id) != want {
			t.Errorf("ValidID(%q) = %v, want %v", id, !want, want)
		}
	}
	seen := map[string]bool{}
	for range 100 {
		id := NewID()
		if !ValidID(id) || len(id) != idLen || id[0] < 'a' || id[0] > 'z' || seen[id] {
			t.Fatalf("NewID() = %q: invalid or repeated", id)
		}
		seen[id] = true
	}
}

func TestCheckEtag(t *testing.T) {
	if err := CheckEtag(3, 3); err != nil {
		t.Errorf("CheckEtag(3, 3) = %v", err)
	}
	if err := CheckEtag(2, 3); !errors.Is(err, ErrConflict) || !fault.IsKind(err, fault.KindConflict) {
		t.Errorf("CheckEtag(2, 3) = %v, want ErrConflict", err)
	}
}

func TestSelectFiltersAndOrdersNewestFirst(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2016, 5, 1, h, 0, 0, 0, time.UTC) }
	all := []Engagement{
		{Sponsor: "leeds", ID: "b", Council: storetest.Slough, State: Active, CreateTime: at(9)},
		{Sponsor: "leeds", ID: "a", Council: storetest.Doncaster, State: Ended, CreateTime: at(10)},
		{Sponsor: hampshire, ID: "c", Council: storetest.Slough, State: Active, CreateTime: at(10)},
		{Sponsor: "durham", ID: "d", Council: storetest.Slough, State: Active, CreateTime: at(11)},
	}
	storetest.Selects(t, FilterSchema, func(f *filter.Filter) []Engagement { return Select(all, f) }, func(e Engagement) string { return e.Name() }, map[string][]string{
		// Ties on create time are broken by name: hampshire before leeds.
		"":               {"sponsors/durham/engagements/d", "sponsors/hampshire/engagements/c", "sponsors/leeds/engagements/a", "sponsors/leeds/engagements/b"},
		"state = ENDED":  {"sponsors/leeds/engagements/a"},
		"state = active": {"sponsors/durham/engagements/d", "sponsors/hampshire/engagements/c", "sponsors/leeds/engagements/b"},
		`local_authority = "localAuthorities/` + storetest.Doncaster + `"`:                     {"sponsors/leeds/engagements/a"},
		`local_authority = "localAuthorities/` + storetest.Slough + `" AND NOT state = ACTIVE`: nil,
		// A council by its bare GSS code is the same filter as by its name.
		`local_authority = ` + storetest.Doncaster: {"sponsors/leeds/engagements/a"},
		`local_authority != ` + storetest.Slough:   {"sponsors/leeds/engagements/a"},
	})
	if _, err := filter.Compile("sponsor = leeds", FilterSchema); err == nil {
		t.Error("a filter on an undeclared field compiled")
	}
}
