package overview

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/oversight/internal/timeline"
	"github.com/turnaround-sli/turnaround/services/reference"
)

func day(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func TestCompute(t *testing.T) {
	now := time.Date(2016, 7, 1, 15, 0, 0, 0, time.UTC)
	// A decision is pending on every plan here but the closed one.
	plan := func(state string, deadline time.Time) timeline.Record {
		return timeline.Record{Kind: timeline.KindPlan, State: state, Deadline: deadline, Pending: state != timeline.PlanClosed}
	}
	standings := []timeline.Standing{
		{Council: "E08000035", // Leeds: good under SIF
			Latest: timeline.Judgement{Grade: "GOOD", Framework: "SIF"}, SIF: timeline.Judgement{Grade: "GOOD", Framework: "SIF"}},
		{Council: "E08000017", // Doncaster: inadequate, a plan due in 19 days, a recommendation, an engagement
			Latest: timeline.Judgement{Grade: "INADEQUATE", Framework: "SIF"}, SIF: timeline.Judgement{Grade: "INADEQUATE", Framework: "SIF"},
			Records: map[string]timeline.Record{
				"p1": plan(timeline.PlanMonitoring, day(2016, 7, 20)),
				"p0": plan(timeline.PlanClosed, day(2015, 1, 1)),
				"r1": {Kind: timeline.KindRecommendation, State: timeline.Open},
				"n1": {Kind: timeline.KindNeed, State: timeline.Closed},
				"e1": {Kind: timeline.KindEngagement, State: timeline.Open, Sponsor: "leeds"},
			}},
		{Council: "E09000007", // Camden: graded under another framework only, a plan overdue and one due in 75 days
			Latest: timeline.Judgement{Grade: "REQUIRES_IMPROVEMENT", Framework: "ILACS"},
			Records: map[string]timeline.Record{
				"p2": plan(timeline.PlanDecisionDue, day(2016, 6, 1)),
				"p3": plan(timeline.PlanDraft, day(2016, 9, 14)),
				"n2": {Kind: timeline.KindNeed, State: timeline.Open},
			}},
		{Council: "E99999999"}, // not in the register: ignored
	}
	o := Compute(standings, reference.Councils(), now, nil)
	if o.Councils != 152 || o.Grades[reference.Good] != 1 || o.Grades[reference.Inadequate] != 1 ||
		o.Grades[reference.RequiresImprovement] != 1 || o.Grades[Ungraded] != 149 {
		t.Errorf("grades %v of %d", o.Grades, o.Councils)
	}
	if o.InspectedUnderSIF != 2 || o.NotInspectedUnderSIF != 150 {
		t.Errorf("SIF %d / %d", o.InspectedUnderSIF, o.NotInspectedUnderSIF)
	}
	if p := o.Projection; p.Inspected != 2 || p.Inadequate != 1 || p.Rate != 0.5 || p.AllCouncils != 152 || p.Projected != 76 {
		t.Errorf("projection %+v", p)
	}
	total := 0
	for _, r := range o.Regions {
		total += r.Councils
		if r.Region == reference.London && (r.Grades[reference.RequiresImprovement] != 1 || r.Councils != 33) {
			t.Errorf("London %+v", r)
		}
	}
	if total != 152 || len(o.Regions) != 9 {
		t.Errorf("%d councils in %d regions", total, len(o.Regions))
	}
	if o.PlansByState[timeline.PlanMonitoring] != 1 || o.PlansByState[timeline.PlanClosed] != 1 || o.PlansByState[timeline.PlanDecisionDue] != 1 || o.PlansByState[timeline.PlanDraft] != 1 {
		t.Errorf("plans %v", o.PlansByState)
	}
	want := []Window{
		{Days: 30, Plans: 2, Councils: []string{"E09000007", "E08000017"}},
		{Days: 60, Plans: 2, Councils: []string{"E09000007", "E08000017"}},
		{Days: 90, Plans: 3, Councils: []string{"E09000007", "E08000017"}},
	}
	if len(o.Decisions) != len(want) {
		t.Fatalf("%d decision windows, want %d: %+v", len(o.Decisions), len(want), o.Decisions)
	}
	for i, w := range o.Decisions {
		if w.Days != want[i].Days || w.Plans != want[i].Plans || !slices.Equal(w.Councils, want[i].Councils) {
			t.Errorf("window %d: %+v, want %+v", i, w, want[i])
		}
	}
	if o.OpenRecommendations != 1 || !slices.Equal(o.RecommendationCouncils, []string{"E08000017"}) ||
		o.OpenNeeds != 1 || o.ActiveEngagements != 1 || o.EngagedSponsors != 1 {
		t.Errorf("recommendations %d %v, needs %d, engagements %d, sponsors %d",
			o.OpenRecommendations, o.RecommendationCouncils, o.OpenNeeds, o.ActiveEngagements, o.EngagedSponsors)
	}
	if none := Compute(nil, reference.Councils(), now, []int{7}); none.Projection.Rate != 0 || len(none.Decisions) != 1 || none.Decisions[0].Plans != 0 {
		t.Errorf("no standings: %+v", none)
	}
}

// fakeStandings counts reads of the standings.
type fakeStandings struct {
	version int64
	reads   int
	st      []timeline.Standing
}

func (f *fakeStandings) Standings(context.Context) ([]timeline.Standing, error) {
	f.reads++
	return f.st, nil
}
func (f *fakeStandings) StandingsVersion(context.Context) (int64, error) { return f.version, nil }

// The overview is computed again only when a standing has changed, the
// day has turned or other windows are asked for: an unchanged version,
// checked again, serves the same overview.
func TestServiceComputesOncePerVersionAndDay(t *testing.T) {
	now := time.Date(2016, 7, 1, 15, 0, 0, 0, time.UTC)
	src := &fakeStandings{version: 1, st: []timeline.Standing{{Council: "E08000017",
		Latest: timeline.Judgement{Grade: "INADEQUATE", Framework: "SIF"}, SIF: timeline.Judgement{Grade: "INADEQUATE", Framework: "SIF"}}}}
	svc := NewService(src, func() time.Time { return now })
	get := func() Overview {
		t.Helper()
		o, err := svc.Get(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	get()
	now = now.Add(time.Hour)
	if o := get(); src.reads != 1 || !o.At.Equal(now) || o.Grades[reference.Inadequate] != 1 {
		t.Fatalf("second read: %d reads of the standings, at %v, grades %v", src.reads, o.At, o.Grades)
	}
	time.Sleep(Fresh) // the version is checked again, and has not moved
	if o := get(); src.reads != 1 || !o.At.Equal(now) {
		t.Fatalf("unchanged version: %d reads of the standings, at %v", src.reads, o.At)
	}
	src.version = 2
	src.st[0].Latest.Grade = "GOOD"
	time.Sleep(Fresh) // the version is checked again only after Fresh
	if o := get(); src.reads != 2 || o.Grades[reference.Good] != 1 {
		t.Fatalf("after a change: %d reads, grades %v", src.reads, o.Grades)
	}
	now = now.AddDate(0, 0, 1)
	get()
	if _, err := svc.Get(context.Background(), []int{7}); err != nil || src.reads != 4 {
		t.Fatalf("next day and other windows: %d reads, %v", src.reads, err)
	}
}
