package engagement

import (
	"maps"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
)

func TestQuarterOf(t *testing.T) {
	for d, want := range map[time.Time]Quarter{
		storetest.Day(2016, 1, 1):   "2016-Q1",
		storetest.Day(2016, 3, 31):  "2016-Q1",
		storetest.Day(2016, 4, 1):   "2016-Q2",
		storetest.Day(2016, 6, 30):  "2016-Q2",
		storetest.Day(2016, 7, 1):   "2016-Q3",
		storetest.Day(2016, 9, 30):  "2016-Q3",
		storetest.Day(2016, 10, 1):  "2016-Q4",
		storetest.Day(2016, 12, 31): "2016-Q4",
	} {
		if got := QuarterOf(d); got != want {
			t.Errorf("QuarterOf(%v) = %s, want %s", d, got, want)
		}
	}
}

func TestUsageOf(t *testing.T) {
	// 23:30 UTC on 31 March 2016 is 00:30 on 1 April in England (BST began
	// on 27 March): the current quarter is already 2016-Q2.
	now := time.Date(2016, 3, 31, 23, 30, 0, 0, time.UTC)
	eng := func(sponsor, id string, state State, planned int, byQuarter map[Quarter]HalfDays) Engagement {
		return Engagement{Sponsor: sponsor, ID: id, Council: storetest.Slough, State: state, PlannedStaffDays: planned, ByQuarter: byQuarter}
	}
	engs := []Engagement{
		// Planned days count while nothing more was deployed.
		eng(hampshire, "a", Active, 40, nil),
		// Deployed this quarter beyond the plan: 45.5 days count as 46.
		eng(hampshire, "b", Active, 30, map[Quarter]HalfDays{"2016-Q2": 91, "2016-Q1": 500}),
		// Deployed less than planned this quarter: the plan counts.
		eng(hampshire, "c", Active, 20, map[Quarter]HalfDays{"2016-Q2": 10}),
		// Ended: nothing, whatever was deployed.
		eng(hampshire, "d", Ended, 50, map[Quarter]HalfDays{"2016-Q2": 200}),
		// Heavy deployment in the quarter before does not count now.
		eng("leeds", "e", Active, 10, map[Quarter]HalfDays{"2016-Q1": 300}),
		// A sponsor whose engagements all ended has nothing in use.
		eng("durham", "f", Ended, 10, nil),
		// Nothing planned, half a day deployed: a whole day is in use.
		eng("nspcc", "g", Active, 0, map[Quarter]HalfDays{"2016-Q2": 1}),
	}
	got := UsageOf(engs, now)
	want := map[string]Usage{
		hampshire: {Active: 3, CommittedStaffDays: 40 + 46 + 20},
		"leeds":   {Active: 1, CommittedStaffDays: 10},
		"nspcc":   {Active: 1, CommittedStaffDays: 1},
	}
	if !maps.Equal(got, want) {
		t.Errorf("UsageOf = %v, want %v", got, want)
	}
	// A moment earlier England was still in 2016-Q1.
	earlier := UsageOf(engs, time.Date(2016, 3, 31, 22, 30, 0, 0, time.UTC))
	if u := earlier[hampshire]; u.CommittedStaffDays != 40+250+20 {
		t.Errorf("hampshire in 2016-Q1 committed %d days, want %d", u.CommittedStaffDays, 40+250+20)
	}
	if u := earlier["leeds"]; u.CommittedStaffDays != 150 {
		t.Errorf("leeds in 2016-Q1 committed %d days, want 150", u.CommittedStaffDays)
	}
	if len(UsageOf(nil, now)) != 0 {
		t.Error("no engagements, yet some usage")
	}
}
