package need

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

var now = time.Date(2016, 1, 11, 10, 0, 0, 0, time.UTC)

func draft() Need {
	return Need{
		Areas: []AreaWeight{
			{Area: reference.AreaHelpAndProtection, Weight: 9},
			{Area: sponsor.AreaWorkforceStability, Weight: 4},
		},
		Urgency: 5, StaffDaysNeeded: 120, RequiresTrustSponsor: true, ExcludedSponsors: []string{"durham"},
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Need)
		want   []string
	}{
		{"valid", func(*Need) {}, nil},
		{"the lightest and heaviest weights", func(n *Need) { n.Areas[0].Weight, n.Areas[1].Weight = 1, MaxAreaWeight }, nil},
		{"no areas", func(n *Need) { n.Areas = nil }, []string{"n.areas"}},
		{"an unknown area", func(n *Need) { n.Areas[1].Area = "OVERALL_EFFECTIVENESS" }, []string{"n.areas[1].area"}},
		{"an area twice", func(n *Need) { n.Areas[1].Area = n.Areas[0].Area }, []string{"n.areas[1].area"}},
		{"a weight of 0", func(n *Need) { n.Areas[0].Weight = 0 }, []string{"n.areas[0].weight"}},
		{"a weight of 11", func(n *Need) { n.Areas[1].Weight = 11 }, []string{"n.areas[1].weight"}},
		{"urgency 0", func(n *Need) { n.Urgency = 0 }, []string{"n.urgency"}},
		{"urgency 6", func(n *Need) { n.Urgency = 6 }, []string{"n.urgency"}},
		{"no staff-days", func(n *Need) { n.StaffDaysNeeded = 0 }, []string{"n.staff_days_needed"}},
		{"too many staff-days", func(n *Need) { n.StaffDaysNeeded = MaxStaffDays + 1 }, []string{"n.staff_days_needed"}},
		{"a malformed excluded sponsor", func(n *Need) { n.ExcludedSponsors = []string{"Durham"} }, []string{"n.excluded_sponsors[0]"}},
		{"an excluded sponsor twice", func(n *Need) { n.ExcludedSponsors = []string{"durham", "durham"} }, []string{"n.excluded_sponsors[1]"}},
		{"too many excluded sponsors", func(n *Need) {
			n.ExcludedSponsors = nil
			for range MaxExcluded + 1 {
				n.ExcludedSponsors = append(n.ExcludedSponsors, resource.NewID())
			}
		}, []string{"n.excluded_sponsors"}},
		{"every problem at once", func(n *Need) { n.Areas, n.Urgency, n.StaffDaysNeeded = nil, 9, -1 },
			[]string{"n.areas", "n.staff_days_needed", "n.urgency"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := draft()
			tc.change(&n)
			err := n.Validate("n.")
			if got := rpctest.Fields(err); !slices.Equal(got, tc.want) || (err == nil) != (tc.want == nil) {
				t.Errorf("violations on %v (%v), want %v", got, err, tc.want)
			}
		})
	}
}

func TestNewAndStates(t *testing.T) {
	d := draft()
	d.State, d.Intervention, d.Engagement = Closed, "localAuthorities/E08000024/interventions/x", "e"
	n, err := New(storetest.Sunderland, "abc", d, "", now)
	if err != nil {
		t.Fatal(err)
	}
	if n.State != Open || n.Intervention != "" || n.Engagement != "" || n.Name() != "localAuthorities/E08000024/sponsorNeeds/abc" ||
		!n.CreateTime.Equal(now) || n.WeightOf(reference.AreaHelpAndProtection) != 9 || n.WeightOf(reference.AreaLSCB) != 0 ||
		!n.Excludes("durham") || n.Excludes("leeds") {
		t.Errorf("New = %+v", n)
	}
	if _, err := New("E08999999", "abc", draft(), "", now); !errors.Is(err, resource.ErrCouncilNotFound) {
		t.Errorf("an unknown council: %v", err)
	}
	if _, err := New(storetest.Sunderland, "abc", Need{}, "p.", now); !slices.Equal(rpctest.Fields(err), []string{"p.areas", "p.staff_days_needed", "p.urgency"}) {
		t.Errorf("an empty draft: %v", err)
	}

	closed, err := n.Close()
	if err != nil || closed.State != Closed || n.State != Open {
		t.Errorf("Close = %+v, %v (receiver %s)", closed, err, n.State)
	}
	matched, err := n.Match("sponsors/hampshire/engagements/e1")
	if err != nil || matched.State != Matched || matched.Engagement != "sponsors/hampshire/engagements/e1" {
		t.Errorf("Match = %+v, %v", matched, err)
	}
	if _, err := n.Match("sponsors/hampshire"); !slices.Equal(rpctest.Fields(err), []string{"engagement"}) {
		t.Errorf("a malformed engagement: %v", err)
	}
	for _, settled := range []Need{closed, matched} {
		if _, err := settled.Close(); !fault.IsKind(err, fault.KindFailedPrecondition) {
			t.Errorf("closing a %s need: %v", settled.State, err)
		}
		if _, err := settled.Match("sponsors/leeds/engagements/e2"); !fault.IsKind(err, fault.KindFailedPrecondition) {
			t.Errorf("matching a %s need: %v", settled.State, err)
		}
	}
}

func TestApply(t *testing.T) {
	cur, err := New(storetest.Sunderland, "abc", draft(), "", now)
	if err != nil {
		t.Fatal(err)
	}
	cur.Version = 2
	mask := func(paths ...string) Mask {
		m, err := ParseMask(paths)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	out, err := cur.Apply(Need{Urgency: 3, StaffDaysNeeded: 999}, mask("urgency"))
	if err != nil || out.Urgency != 3 || out.StaffDaysNeeded != 120 || out.Version != 2 || out.State != Open {
		t.Errorf("urgency only: %+v, %v", out, err)
	}
	if _, err := cur.Apply(Need{Urgency: 9}, mask("urgency")); !slices.Equal(rpctest.Fields(err), []string{"sponsor_need.urgency"}) {
		t.Errorf("a bad urgency: %v", err)
	}
	for _, tc := range []struct {
		state State
		want  State
		bad   bool
	}{
		{Closed, Closed, false},
		{Open, Open, false},
		{"", Open, false},
		{Matched, "", true},
		{"9", "", true},
	} {
		out, err := cur.Apply(Need{State: tc.state}, mask("state"))
		switch {
		case tc.bad && !slices.Equal(rpctest.Fields(err), []string{"sponsor_need.state"}):
			t.Errorf("state %q: %v, want a violation", tc.state, err)
		case !tc.bad && (err != nil || out.State != tc.want):
			t.Errorf("state %q: %s, %v; want %s", tc.state, out.State, err, tc.want)
		}
	}
	closed, _ := cur.Close()
	if _, err := closed.Apply(Need{Urgency: 2}, mask("urgency")); !fault.IsKind(err, fault.KindFailedPrecondition) {
		t.Errorf("a closed need: %v", err)
	}
	if _, err := ParseMask([]string{"intervention", "engagement"}); !slices.Equal(rpctest.Fields(err), []string{"update_mask"}) {
		t.Errorf("output-only paths change nothing: %v", err)
	}
	if _, err := ParseMask([]string{"council"}); !slices.Equal(rpctest.Fields(err), []string{"update_mask"}) {
		t.Errorf("an unknown path: %v", err)
	}
	if m := mask("*"); !m.Has("state") || !m.Covers("areas[2].weight") {
		t.Error("* covers every field")
	}
}

func TestFromIntervention(t *testing.T) {
	iv := func(kind InterventionKind, areas ...string) Intervention {
		return Intervention{
			Name: "localAuthorities/E08000024/interventions/iv1", GSSCode: storetest.Sunderland, Kind: kind, Areas: areas,
		}
	}
	cases := []struct {
		kind          InterventionKind
		urgency, days int
		trust         bool
	}{
		{ChildrensServicesTrust, 5, 120, true},
		{Commissioner, 5, 90, false},
		{StatutoryDirection, 4, 60, false},
		{SponsorPartnership, 4, 120, false},
		{ImprovementNotice, 3, 30, false},
	}
	for _, tc := range cases {
		n, err := FromIntervention(iv(tc.kind, reference.AreaHelpAndProtection, reference.AreaLeadershipManagementGovernance), "n1", now)
		if err != nil {
			t.Fatalf("%s: %v", tc.kind, err)
		}
		want := []AreaWeight{{reference.AreaHelpAndProtection, 5}, {reference.AreaLeadershipManagementGovernance, 5}}
		if n.Urgency != tc.urgency || n.StaffDaysNeeded != tc.days || n.RequiresTrustSponsor != tc.trust ||
			!slices.Equal(n.Areas, want) || n.State != Open || n.Intervention != "localAuthorities/E08000024/interventions/iv1" ||
			n.GSSCode != storetest.Sunderland || n.ID != "n1" || len(n.ExcludedSponsors) != 0 {
			t.Errorf("%s: %+v", tc.kind, n)
		}
	}
	if len(InterventionTerms) != len(cases) {
		t.Errorf("%d kinds have terms; the table tests %d", len(InterventionTerms), len(cases))
	}

	n, err := FromIntervention(iv(ImprovementNotice, reference.AreaLSCB, "OVERALL_EFFECTIVENESS", reference.AreaLSCB, reference.AreaCareLeavers), "n2", now)
	if err != nil || !slices.Equal(n.Areas, []AreaWeight{{reference.AreaLSCB, 5}, {reference.AreaCareLeavers, 5}}) {
		t.Errorf("areas are kept once, in order, unknown ones left out: %+v, %v", n.Areas, err)
	}
	// Areas are weighted by the grades that failed: inadequate heavier
	// than requires improvement; an ungraded area is in the middle.
	graded := iv(StatutoryDirection, reference.AreaHelpAndProtection, reference.AreaLeadershipManagementGovernance, reference.AreaCareLeavers, reference.AreaLSCB)
	graded.Grades = map[string]reference.Grade{
		reference.AreaHelpAndProtection:              reference.Inadequate,
		reference.AreaLeadershipManagementGovernance: reference.RequiresImprovement,
		reference.AreaCareLeavers:                    reference.Good,
	}
	n, err = FromIntervention(graded, "n4", now)
	wantGraded := []AreaWeight{{reference.AreaHelpAndProtection, 8}, {reference.AreaLeadershipManagementGovernance, 5}, {reference.AreaCareLeavers, 3}, {reference.AreaLSCB, 5}}
	if err != nil || !slices.Equal(n.Areas, wantGraded) {
		t.Errorf("areas weighted by grade: %+v, %v; want %+v", n.Areas, err, wantGraded)
	}
	if AreaWeightFor(reference.Inadequate) <= AreaWeightFor(reference.RequiresImprovement) {
		t.Error("an inadequate area does not weigh more than one requiring improvement")
	}
	for name, bad := range map[string]Intervention{
		"an unknown kind":           iv("ACADEMY_ORDER", reference.AreaLSCB),
		"no usable area":            iv(Commissioner, "OVERALL_EFFECTIVENESS"),
		"no area":                   iv(Commissioner),
		"another council's":         {Name: "localAuthorities/E08000035/interventions/iv1", GSSCode: storetest.Sunderland, Kind: Commissioner, Areas: []string{reference.AreaLSCB}},
		"a malformed name":          {Name: "interventions/iv1", GSSCode: storetest.Sunderland, Kind: Commissioner, Areas: []string{reference.AreaLSCB}},
		"a council outside the 152": {Name: "localAuthorities/E08999999/interventions/iv1", GSSCode: "E08999999", Kind: Commissioner, Areas: []string{reference.AreaLSCB}},
	} {
		if _, err := FromIntervention(bad, "n3", now); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestSelect(t *testing.T) {
	mk := func(gss, id string, urgency int, created time.Time, state State, trust bool) Need {
		return Need{GSSCode: gss, ID: id, Urgency: urgency, CreateTime: created, State: state, RequiresTrustSponsor: trust}
	}
	all := []Need{
		mk("E08000035", "b", 3, now, Open, false),
		mk("E08000024", "a", 5, now.Add(time.Hour), Open, true),
		mk("E08000024", "c", 5, now, Closed, false),
		mk("E06000046", "d", 5, now, Open, false),
		mk("E08000035", "a", 3, now, Matched, false),
	}
	storetest.Selects(t, FilterSchema, func(f *filter.Filter) []Need { return Select(all, f) }, func(n Need) string { return n.GSSCode + "/" + n.ID }, map[string][]string{
		"":             {"E06000046/d", "E08000024/c", "E08000024/a", "E08000035/a", "E08000035/b"},
		"state = OPEN": {"E06000046/d", "E08000024/a", "E08000035/b"},
		"urgency >= 4 AND requires_trust_sponsor = true": {"E08000024/a"},
		"state != OPEN": {"E08000024/c", "E08000035/a"},
	})
}

func TestNames(t *testing.T) {
	storetest.Names(t, storetest.CouncilChildIn(Collection), map[string][2]string{
		"localAuthorities/E08000024/sponsorNeeds/abc": {"E08000024", "abc"},
	}, []string{
		"localAuthorities/E08000024/sponsorNeeds/ABC",
		"localAuthorities/-/sponsorNeeds/abc",
		"localAuthorities/E08000024/interventions/abc",
		"localAuthorities/E08000024/sponsorNeeds/abc/x",
	})
	if gss, id, ok := ParseInterventionName("localAuthorities/E08000024/interventions/iv-1"); !ok || gss != storetest.Sunderland || id != "iv-1" {
		t.Errorf("ParseInterventionName = %q, %q, %v", gss, id, ok)
	}
	for name, want := range map[string]bool{
		"sponsors/leeds/engagements/e1":       true,
		"sponsors/leeds/engagements/":         false,
		"sponsors/Leeds/engagements/e1":       false,
		"sponsors/leeds/deployments/e1":       false,
		"sponsors/leeds/engagements/e1/extra": false,
		strings.Repeat("x", 10):               false,
	} {
		if ValidEngagementName(name) != want {
			t.Errorf("ValidEngagementName(%q) != %v", name, want)
		}
	}
}

// memStore is an in-memory Storer: enough to test the use cases' own
// logic; the Redis store has its own tests.
type memStore struct {
	needs  map[string]Need
	opened map[string]string // intervention name -> need id
	// raceOpen, when set, makes the next Insert of an intervention's need
	// lose to a concurrent delivery that opened raceOpen first.
	raceOpen *Need
}

func newMemStore() *memStore { return &memStore{needs: map[string]Need{}, opened: map[string]string{}} }

func (m *memStore) Get(_ context.Context, gss, id string) (Need, error) {
	n, ok := m.needs[Name(gss, id)]
	if !ok {
		return Need{}, ErrNotFound
	}
	return n.Clone(), nil
}

func (m *memStore) List(context.Context, string) ([]Need, error) {
	var out []Need
	for _, n := range m.needs {
		out = append(out, n.Clone())
	}
	return out, nil
}

func (m *memStore) Replay(context.Context, string, change.Request) (Need, bool, error) {
	return Need{}, false, nil
}

func (m *memStore) Insert(_ context.Context, n Need, _ change.Request) (Need, error) {
	if r := m.raceOpen; r != nil && n.Intervention != "" {
		m.raceOpen = nil
		m.needs[r.Name()] = r.Clone()
		m.opened[r.Intervention] = r.ID
		return Need{}, ErrConflict
	}
	if _, taken := m.opened[n.Intervention]; taken && n.Intervention != "" {
		return Need{}, ErrConflict
	}
	n.Version = 1
	m.needs[n.Name()] = n.Clone()
	if n.Intervention != "" {
		m.opened[n.Intervention] = n.ID
	}
	return n, nil
}

func (m *memStore) Save(_ context.Context, n Need, _ change.Request) (Need, error) {
	if m.needs[n.Name()].Version != n.Version {
		return Need{}, ErrConflict
	}
	n.Version++
	m.needs[n.Name()] = n.Clone()
	return n, nil
}

func (m *memStore) OpenedBy(_ context.Context, gss, intervention string) (Need, bool, error) {
	id, ok := m.opened[intervention]
	if !ok {
		return Need{}, false, nil
	}
	return m.needs[Name(gss, id)].Clone(), true, nil
}

// directory knows a fixed set of sponsors.
type directory []string

func (d directory) Missing(_ context.Context, ids []string) ([]string, error) {
	var out []string
	for _, id := range ids {
		if !slices.Contains(d, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

func TestService(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	svc := NewService(st, directory{"durham", "leeds"}, func() time.Time { return now })

	n, err := svc.Create(ctx, storetest.Sunderland, draft(), change.Request{})
	if err != nil || n.Version != 1 || !resource.ValidID(n.ID) || n.State != Open {
		t.Fatalf("Create = %+v, %v", n, err)
	}
	unknown := draft()
	unknown.ExcludedSponsors = []string{"leeds", "york", "durham", "bath"}
	if _, err := svc.Create(ctx, storetest.Sunderland, unknown, change.Request{}); !slices.Equal(rpctest.Fields(err),
		[]string{"sponsor_need.excluded_sponsors[1]", "sponsor_need.excluded_sponsors[3]"}) {
		t.Errorf("excluded sponsors that do not exist: %v", err)
	}

	m, _ := ParseMask([]string{"excluded_sponsors"})
	if _, err := svc.Update(ctx, storetest.Sunderland, n.ID, Need{ExcludedSponsors: []string{"york"}}, m, change.At(1), change.Request{}); !slices.Equal(rpctest.Fields(err),
		[]string{"sponsor_need.excluded_sponsors[0]"}) {
		t.Errorf("update to a missing sponsor: %v", err)
	}
	if _, err := svc.Update(ctx, storetest.Sunderland, n.ID, Need{ExcludedSponsors: []string{"leeds"}}, m, change.At(7), change.Request{}); !errors.Is(err, ErrConflict) {
		t.Errorf("stale etag: %v", err)
	}
	closeMask, _ := ParseMask([]string{"state"})
	closed, err := svc.Update(ctx, storetest.Sunderland, n.ID, Need{State: Closed}, closeMask, change.At(1), change.Request{})
	if err != nil || closed.State != Closed || closed.Version != 2 {
		t.Fatalf("close: %+v, %v", closed, err)
	}
	// A closed need reports its state before a stale etag: re-reading
	// cannot reopen it.
	if _, err := svc.Update(ctx, storetest.Sunderland, n.ID, Need{Urgency: 1}, closeMask, change.At(1), change.Request{}); !fault.IsKind(err, fault.KindFailedPrecondition) {
		t.Errorf("update a closed need with a stale etag: %v", err)
	}

	iv := Intervention{Name: "localAuthorities/E08000024/interventions/iv1", GSSCode: storetest.Sunderland, Kind: ChildrensServicesTrust,
		Areas: []string{reference.AreaHelpAndProtection}}
	first, created, err := svc.OpenFromIntervention(ctx, iv, change.Request{Subject: SystemActor})
	if err != nil || !created || first.Intervention != iv.Name {
		t.Fatalf("first delivery: %+v, %v, %v", first, created, err)
	}
	again, created, err := svc.OpenFromIntervention(ctx, iv, change.Request{Subject: SystemActor})
	if err != nil || created || again.ID != first.ID {
		t.Errorf("second delivery: %+v, %v, %v; want the first need", again, created, err)
	}

	// A concurrent delivery commits between the check and the insert:
	// its need is the answer.
	iv2 := iv
	iv2.Name = "localAuthorities/E08000024/interventions/iv2"
	winner, err := FromIntervention(iv2, "winner", now)
	if err != nil {
		t.Fatal(err)
	}
	winner.Version = 1
	st.raceOpen = &winner
	got, created, err := svc.OpenFromIntervention(ctx, iv2, change.Request{Subject: SystemActor})
	if err != nil || created || got.ID != "winner" {
		t.Errorf("lost race: %+v, %v, %v; want the winner's need", got, created, err)
	}
}
