package reviewer

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

func valid() Reviewer {
	return Reviewer{
		DisplayName:             "Amara Okafor",
		HomeCouncil:             storetest.Leeds,
		Role:                    PrincipalSocialWorker,
		Expertise:               []Theme{Caseloads, Leadership},
		AvailableDaysPerQuarter: 12,
		Conflicts:               []string{storetest.Hampshire},
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Reviewer)
		fields []string
	}{
		{"valid", func(*Reviewer) {}, nil},
		{"an LGA associate may have no home council", func(r *Reviewer) { r.Role, r.HomeCouncil = LGAAssociate, "" }, nil},
		{"an LGA associate may have a home council", func(r *Reviewer) { r.Role = LGAAssociate }, nil},
		{"no expertise and no conflicts", func(r *Reviewer) { r.Expertise, r.Conflicts = nil, nil }, nil},
		{"0 and 60 days are the bounds", func(r *Reviewer) { r.AvailableDaysPerQuarter = 60 }, nil},
		{"no name", func(r *Reviewer) { r.DisplayName = "  " }, []string{"reviewer.display_name"}},
		{"padded name", func(r *Reviewer) { r.DisplayName = " Amara" }, []string{"reviewer.display_name"}},
		{"long name", func(r *Reviewer) { r.DisplayName = strings.Repeat("a", MaxDisplayNameLen+1) }, []string{"reviewer.display_name"}},
		{"no role", func(r *Reviewer) { r.Role = "" }, []string{"reviewer.role"}},
		{"unknown role", func(r *Reviewer) { r.Role = "CHIEF" }, []string{"reviewer.role"}},
		{"a director needs a home council", func(r *Reviewer) { r.Role, r.HomeCouncil = Director, "" }, []string{"reviewer.home_council"}},
		{"unknown council", func(r *Reviewer) { r.HomeCouncil = "E08999999" }, []string{"reviewer.home_council"}},
		{"unknown theme", func(r *Reviewer) { r.Expertise = []Theme{Caseloads, "ASTROLOGY"} }, []string{"reviewer.expertise[1]"}},
		{"unset theme", func(r *Reviewer) { r.Expertise = []Theme{""} }, []string{"reviewer.expertise[0]"}},
		{"repeated theme", func(r *Reviewer) { r.Expertise = []Theme{Caseloads, Leadership, Caseloads} }, []string{"reviewer.expertise[2]"}},
		{"negative days", func(r *Reviewer) { r.AvailableDaysPerQuarter = -1 }, []string{"reviewer.available_days_per_quarter"}},
		{"too many days", func(r *Reviewer) { r.AvailableDaysPerQuarter = 61 }, []string{"reviewer.available_days_per_quarter"}},
		{"unknown conflict", func(r *Reviewer) { r.Conflicts = []string{storetest.Camden, "E10999999"} }, []string{"reviewer.conflicts[1]"}},
		{"repeated conflict", func(r *Reviewer) { r.Conflicts = []string{storetest.Camden, storetest.Camden} }, []string{"reviewer.conflicts[1]"}},
		{"everything at once", func(r *Reviewer) {
			*r = Reviewer{Expertise: []Theme{"X"}, AvailableDaysPerQuarter: 99, Conflicts: []string{"nowhere"}, HomeCouncil: "E1"}
		}, []string{"reviewer.available_days_per_quarter", "reviewer.conflicts[0]", "reviewer.display_name",
			"reviewer.expertise[0]", "reviewer.home_council", "reviewer.role"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid()
			tt.mutate(&r)
			if got := rpctest.InvalidFields(t, r.Validate("reviewer.")); !slices.Equal(got, tt.fields) {
				t.Errorf("violations on %v, want %v", got, tt.fields)
			}
		})
	}
}

func TestParseName(t *testing.T) {
	storetest.IDNames(t, storetest.IDIn(Collection), map[string]string{
		"reviewers/abc123": "abc123",
		"reviewers/a-b":    "a-b",
	}, []string{
		"reviewers/",
		"reviewers/1abc",
		"reviewers/ABC",
		"reviewers/abc-",
		"reviewers/a/b",
		"reviewer/abc",
		"abc",
		"reviewers/" + strings.Repeat("a", 64),
	})
}

func TestParseCouncilName(t *testing.T) {
	if gss, err := resource.ParseCouncil("f", "localAuthorities/"+storetest.Leeds); err != nil || gss != storetest.Leeds {
		t.Errorf("got %q, %v; want %s", gss, err, storetest.Leeds)
	}
	for _, bad := range []string{storetest.Leeds, "localAuthorities/", "localAuthorities/E12000001", "localAuthorities/-", "councils/" + storetest.Leeds} {
		if _, err := resource.ParseCouncil("f", bad); !slices.Equal(rpctest.InvalidFields(t, err), []string{"f"}) {
			t.Errorf("resource.ParseCouncil(%q) = %v, want a violation on f", bad, err)
		}
	}
}

func TestParseMask(t *testing.T) {
	tests := []struct {
		name   string
		paths  []string
		has    []string
		fields []string
	}{
		{"one field", []string{"available_days_per_quarter"}, []string{"available_days_per_quarter"}, nil},
		{"every field", []string{"*"}, MaskFields, nil},
		{"gateway-derived mask: name, etag and output-only paths are ignored",
			[]string{"name", "etag", "display_name", "committed_days", "update_time"}, []string{"display_name"}, nil},
		{"a mask derived from a reviewer as read: remaining_days is output only too",
			[]string{"name", "etag", "display_name", "committed_days", "remaining_days", "update_time"}, []string{"display_name"}, nil},
		{"unknown path", []string{"role", "salary"}, nil, []string{"update_mask"}},
		{"sub-path of a scalar", []string{"role.name"}, nil, []string{"update_mask"}},
		{"nothing to change", []string{"name", "etag"}, nil, []string{"update_mask"}},
		{"empty", nil, nil, []string{"update_mask"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMask(tt.paths)
			if got := rpctest.InvalidFields(t, err); !slices.Equal(got, tt.fields) {
				t.Fatalf("violations on %v, want %v", got, tt.fields)
			}
			for _, f := range MaskFields {
				if m.Has(f) != slices.Contains(tt.has, f) {
					t.Errorf("Has(%s) = %v", f, m.Has(f))
				}
			}
		})
	}
	m, _ := ParseMask([]string{"conflicts"})
	if !m.Covers("conflicts[3]") || m.Covers("expertise[0]") || m.Covers("home_council") {
		t.Errorf("Covers does not follow the mask")
	}
}

func TestApply(t *testing.T) {
	now := time.Date(2016, 1, 4, 9, 0, 0, 0, time.UTC)
	cur := valid()
	cur.ID, cur.Version = "abc", 3
	patch := Reviewer{DisplayName: "Other", AvailableDaysPerQuarter: 30, Role: Director, Expertise: []Theme{Permanence}}

	m, _ := ParseMask([]string{"available_days_per_quarter", "expertise"})
	got, err := cur.Apply(patch, m, now)
	if err != nil {
		t.Fatal(err)
	}
	if got.AvailableDaysPerQuarter != 30 || !slices.Equal(got.Expertise, []Theme{Permanence}) {
		t.Errorf("masked fields not applied: %+v", got)
	}
	if got.DisplayName != cur.DisplayName || got.Role != cur.Role || got.ID != "abc" || got.Version != 3 || !got.UpdateTime.Equal(now) {
		t.Errorf("unmasked fields or identity changed: %+v", got)
	}
	// The patch's slices are not shared with the result.
	patch.Expertise[0] = Caseloads
	if got.Expertise[0] != Permanence {
		t.Errorf("result shares the patch's slice")
	}

	// The result is validated whole: an associate made a director must
	// have a home council, although the mask does not name it.
	assoc := Reviewer{ID: "x", DisplayName: "A", Role: LGAAssociate, AvailableDaysPerQuarter: 5}
	m, _ = ParseMask([]string{"role"})
	_, err = assoc.Apply(Reviewer{Role: Director}, m, now)
	if got := rpctest.InvalidFields(t, err); !slices.Equal(got, []string{"reviewer.home_council"}) {
		t.Errorf("violations %v, want on reviewer.home_council", got)
	}
}

// TestSelectByDays: the list of reviewers by expertise theme and
// the days they have left this quarter.
func TestSelectByDays(t *testing.T) {
	pool := []Reviewer{
		{ID: "a", DisplayName: "Ann", Role: Director, HomeCouncil: storetest.Leeds, Expertise: []Theme{VoiceOfTheChild}, AvailableDaysPerQuarter: 10},
		{ID: "b", DisplayName: "Bob", Role: TeamManager, HomeCouncil: storetest.Camden, Expertise: []Theme{VoiceOfTheChild, Caseloads}, AvailableDaysPerQuarter: 12},
		{ID: "c", DisplayName: "Cat", Role: TeamManager, HomeCouncil: storetest.Hampshire, Expertise: []Theme{Caseloads}, AvailableDaysPerQuarter: 20},
		{ID: "d", DisplayName: "Dan", Role: LGAAssociate, Expertise: []Theme{VoiceOfTheChild}, AvailableDaysPerQuarter: 4},
		// Eve's availability was lowered below her commitments.
		{ID: "e", DisplayName: "Eve", Role: PrincipalSocialWorker, HomeCouncil: storetest.Camden, Expertise: []Theme{VoiceOfTheChild}, AvailableDaysPerQuarter: 2},
	}
	committed := map[string]int{"a": 6, "b": 4, "e": 5}
	storetest.Selects(t, FilterSchema, func(f *filter.Filter) []Reviewer { return Select(pool, committed, f) }, func(r Reviewer) string { return r.ID }, map[string][]string{
		`expertise:VOICE_OF_THE_CHILD AND remaining_days >= 5`:         {"b"},
		`expertise:"THEME_VOICE_OF_THE_CHILD" AND remaining_days >= 4`: {"a", "b", "d"},
		`remaining_days = 0`:                        {"e"},
		`remaining_days > 7`:                        {"b", "c"},
		`committed_days > 0 AND remaining_days < 5`: {"a", "e"},
		`committed_days = 0`:                        {"c", "d"},
		`available_days_per_quarter >= 12 AND NOT expertise:VOICE_OF_THE_CHILD`: {"c"},
	})
	for _, bad := range []string{"remaining_days >= five", "remaining_days:5", "remaining_days >= 2.5", "expertise = VOICE_OF_THE_CHILD"} {
		if _, err := filter.Compile(bad, FilterSchema); !fault.IsKind(err, fault.KindInvalid) {
			t.Errorf("Compile(%q) = %v, want INVALID_ARGUMENT", bad, err)
		}
	}
	for _, tc := range []struct{ available, committed, want int }{{10, 6, 4}, {10, 0, 10}, {2, 5, 0}, {0, 0, 0}, {3, -1, 3}} {
		if got := (Reviewer{AvailableDaysPerQuarter: tc.available}).RemainingDays(tc.committed); got != tc.want {
			t.Errorf("RemainingDays of %d available, %d committed = %d, want %d", tc.available, tc.committed, got, tc.want)
		}
	}
}

func TestSelect(t *testing.T) {
	pool := []Reviewer{
		{ID: "d", DisplayName: "bea", Role: Director, HomeCouncil: storetest.Leeds, Expertise: []Theme{Leadership}},
		{ID: "c", DisplayName: "Bea", Role: TeamManager, HomeCouncil: storetest.Camden, Expertise: []Theme{Caseloads, Leadership}},
		{ID: "b", DisplayName: "Bea", Role: TeamManager, HomeCouncil: storetest.Hampshire},
		{ID: "a", DisplayName: "Zoe", Role: LGAAssociate},
		{ID: "e", DisplayName: "adam", Role: PrincipalSocialWorker, HomeCouncil: storetest.Camden, Expertise: []Theme{Caseloads}},
	}
	// Without commitments, every reviewer has committed nothing.
	storetest.Selects(t, FilterSchema, func(f *filter.Filter) []Reviewer { return Select(pool, nil, f) }, func(r Reviewer) string { return r.ID }, map[string][]string{
		"":                     {"e", "b", "c", "d", "a"},
		"role = TEAM_MANAGER":  {"b", "c"},
		"role = team_manager":  {"b", "c"},
		"region = LONDON":      {"e", "c"},
		"region != LONDON":     {"b", "d", "a"},
		"expertise:LEADERSHIP": {"c", "d"},
		"expertise:CASELOADS AND region = LONDON AND role = PRINCIPAL_SOCIAL_WORKER": {"e"},
		"expertise:*":     {"e", "c", "d"},
		"NOT expertise:*": {"b", "a"},
	})
	for _, bad := range []string{"role = CHIEF", "expertise = LEADERSHIP", "expertise:ASTROLOGY", "name = x", "region = WALES"} {
		if _, err := filter.Compile(bad, FilterSchema); !fault.IsKind(err, fault.KindInvalid) {
			t.Errorf("Compile(%q) = %v, want INVALID_ARGUMENT", bad, err)
		}
	}
}

func TestRegion(t *testing.T) {
	if got := (Reviewer{HomeCouncil: storetest.Camden}).Region(); got != reference.London {
		t.Errorf("Region = %q, want LONDON", got)
	}
	if got := (Reviewer{}).Region(); got != "" {
		t.Errorf("Region of no council = %q, want none", got)
	}
}
