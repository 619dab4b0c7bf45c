package engagement

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
)

func TestHalfDaysOf(t *testing.T) {
	tests := []struct {
		days float64
		want HalfDays
		ok   bool
	}{
		{0.5, 1, true},
		{1, 2, true},
		{7.5, 15, true},
		{31, 62, true},
		{0, 0, true},
		{-0.5, -1, true},
		{0.3, 0, false},
		{0.25, 0, false},
		{1.0000001, 0, false},
		{math.NaN(), 0, false},
		{math.Inf(1), 0, false},
		{1e300, 0, false},
	}
	for _, tc := range tests {
		got, ok := HalfDaysOf(tc.days)
		if got != tc.want || ok != tc.ok {
			t.Errorf("HalfDaysOf(%v) = %d, %v; want %d, %v", tc.days, got, ok, tc.want, tc.ok)
		}
	}
	if d := HalfDays(15).StaffDays(); d != 7.5 {
		t.Errorf("15 half-days = %v staff-days, want 7.5", d)
	}
	for h, want := range map[HalfDays]int64{0: 0, 1: 1, 2: 1, 3: 2, 62: 31} {
		if got := h.WholeDaysUp(); got != want {
			t.Errorf("HalfDays(%d).WholeDaysUp() = %d, want %d", h, got, want)
		}
	}
}

func activeEngagement() Engagement {
	return Engagement{
		Sponsor: hampshire, ID: "eng-1", Council: storetest.Slough, Need: sloughNeed, MatchRun: approvedRun,
		StartDate: storetest.Day(2016, 4, 1), PlannedStaffDays: 40, State: Active, Version: 3,
		CreateTime: time.Date(2016, 3, 30, 10, 0, 0, 0, time.UTC),
	}
}

func TestDeployValidatesTheDraft(t *testing.T) {
	// 23:30 UTC on 14 June 2016 is already 15 June in England.
	now := time.Date(2016, 6, 14, 23, 30, 0, 0, time.UTC)
	valid := Draft{Date: storetest.Day(2016, 6, 1), Role: SocialWorker, StaffDays: 2.5, Notes: "Two social workers on the front door."}
	tests := []struct {
		name   string
		change func(*Draft)
		want   []string
	}{
		{"valid", func(*Draft) {}, nil},
		{"half a day", func(d *Draft) { d.StaffDays = 0.5 }, nil},
		{"a month", func(d *Draft) { d.StaffDays = 31 }, nil},
		{"on the start date", func(d *Draft) { d.Date = storetest.Day(2016, 4, 1) }, nil},
		{"today in England", func(d *Draft) { d.Date = storetest.Day(2016, 6, 15) }, nil},
		{"tomorrow in England", func(d *Draft) { d.Date = storetest.Day(2016, 6, 16) }, []string{"d.date"}},
		{"the day before the start", func(d *Draft) { d.Date = storetest.Day(2016, 3, 31) }, []string{"d.date"}},
		{"no date", func(d *Draft) { d.Date = time.Time{} }, []string{"d.date"}},
		{"no role", func(d *Draft) { d.Role = "" }, []string{"d.role"}},
		{"unknown role", func(d *Draft) { d.Role = "7" }, []string{"d.role"}},
		{"no days", func(d *Draft) { d.StaffDays = 0 }, []string{"d.staff_days"}},
		{"negative days", func(d *Draft) { d.StaffDays = -1 }, []string{"d.staff_days"}},
		{"a quarter day", func(d *Draft) { d.StaffDays = 0.25 }, []string{"d.staff_days"}},
		{"more than a month", func(d *Draft) { d.StaffDays = 31.5 }, []string{"d.staff_days"}},
		{"not a number", func(d *Draft) { d.StaffDays = math.NaN() }, []string{"d.staff_days"}},
		{"longest notes", func(d *Draft) { d.Notes = strings.Repeat("é", MaxNotes) }, nil},
		{"notes too long", func(d *Draft) { d.Notes = strings.Repeat("a", MaxNotes+1) }, []string{"d.notes"}},
		{"notes not UTF-8", func(d *Draft) { d.Notes = "\xff" }, []string{"d.notes"}},
		{"everything at once", func(d *Draft) {
			*d = Draft{Date: storetest.Day(2016, 1, 4), Role: "CHIEF", StaffDays: 40, Notes: "\xff"}
		},
			[]string{"d.date", "d.notes", "d.role", "d.staff_days"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := valid
			tc.change(&d)
			e := activeEngagement()
			next, dep, err := e.Deploy(d, "d.", "dep-1", "officer-1", now)
			if got := rpctest.InvalidFields(t, err); !slices.Equal(got, tc.want) {
				t.Fatalf("violations %v, want %v (%v)", got, tc.want, err)
			}
			if err != nil {
				return
			}
			h, _ := HalfDaysOf(d.StaffDays)
			if dep.HalfDays != h || dep.Role != d.Role || !dep.Date.Equal(d.Date) || dep.RecordedBy != "officer-1" ||
				!dep.CreateTime.Equal(now) || dep.Name() != "sponsors/hampshire/engagements/eng-1/deployments/dep-1" {
				t.Errorf("deployment = %+v", dep)
			}
			if next.Deployed != h || next.ByQuarter[QuarterOf(d.Date)] != h || next.Version != e.Version {
				t.Errorf("engagement after = %+v", next)
			}
		})
	}
}

func TestDeployNeedsAnActiveEngagement(t *testing.T) {
	e := activeEngagement()
	e.State = Ended
	// Even an invalid draft gets the state's answer: no draft can fix it.
	_, _, err := e.Deploy(Draft{}, "", "dep-1", "officer-1", time.Date(2016, 6, 1, 9, 0, 0, 0, time.UTC))
	f, ok := fault.As(err)
	if !ok || f.Kind != fault.KindFailedPrecondition || f.Reason != ReasonNotActive {
		t.Fatalf("Deploy on an ended engagement = %v, want FAILED_PRECONDITION %s", err, ReasonNotActive)
	}
}

func TestDeployAddsUpByQuarter(t *testing.T) {
	now := time.Date(2016, 12, 1, 9, 0, 0, 0, time.UTC)
	e := activeEngagement()
	steps := []struct {
		date time.Time
		days float64
	}{
		{storetest.Day(2016, 6, 30), 1.5},  // Q2
		{storetest.Day(2016, 7, 1), 0.5},   // Q3
		{storetest.Day(2016, 9, 30), 3},    // Q3
		{storetest.Day(2016, 4, 1), 31},    // Q2
		{storetest.Day(2016, 10, 3), 0.5},  // Q4
		{storetest.Day(2016, 11, 30), 2.5}, // Q4
	}
	before := e.Clone()
	cur := e
	for i, s := range steps {
		next, _, err := cur.Deploy(Draft{Date: s.date, Role: Manager, StaffDays: s.days}, "", NewID(), "officer-1", now)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		cur = next
	}
	want := map[Quarter]HalfDays{"2016-Q2": 65, "2016-Q3": 7, "2016-Q4": 6}
	if cur.Deployed != 78 || len(cur.ByQuarter) != len(want) {
		t.Fatalf("deployed %d half-days by quarter %v, want 78 by %v", cur.Deployed, cur.ByQuarter, want)
	}
	for q, h := range want {
		if cur.ByQuarter[q] != h {
			t.Errorf("%s: %d half-days, want %d", q, cur.ByQuarter[q], h)
		}
	}
	if e.Deployed != before.Deployed || len(e.ByQuarter) != 0 {
		t.Errorf("Deploy changed the engagement it was called on: %+v", e)
	}
}

func TestSortDeploymentsOldestFirst(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2016, 6, 10, 9, m, 0, 0, time.UTC) }
	ds := []Deployment{
		{Sponsor: "s", Engagement: "e", ID: "d4", Date: storetest.Day(2016, 6, 2), CreateTime: at(0)},
		{Sponsor: "s", Engagement: "e", ID: "d3", Date: storetest.Day(2016, 6, 1), CreateTime: at(5)},
		{Sponsor: "s", Engagement: "e", ID: "d2", Date: storetest.Day(2016, 6, 1), CreateTime: at(1)},
		{Sponsor: "s", Engagement: "e", ID: "d1", Date: storetest.Day(2016, 6, 1), CreateTime: at(1)},
		{Sponsor: "s", Engagement: "e", ID: "d0", Date: storetest.Day(2016, 5, 31), CreateTime: at(9)},
	}
	SortDeployments(ds)
	var got []string
	for _, d := range ds {
		got = append(got, d.ID)
	}
	if want := []string{"d0", "d1", "d2", "d3", "d4"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}
