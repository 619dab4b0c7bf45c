package progressreview

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plantest"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
)

// planIn returns a plan of Leeds in state s with priorities p1 (help and
// protection) and p2 (leadership), opened by a judgement of 20 November
// 2015.
func planIn(s plan.State) plan.Plan {
	p := plantest.Judged(storetest.Leeds)
	p.Version = 4
	p.State = s
	return p
}

func validDraft() Draft {
	return Draft{
		Date:    storetest.Day(2016, 5, 20),
		Source:  OfstedMonitoringVisit,
		Overall: plan.RatingSome,
		PriorityRatings: []PriorityRating{
			{Priority: "p1", Rating: plan.RatingSignificant, Narrative: "Strategy meetings now timely."},
			{Priority: "p2", Rating: plan.RatingLittle, Narrative: "The board has not yet met."},
		},
		Narrative: "Progress is uneven.",
		Evidence:  []string{"Case audit of 40 files"},
	}
}

// with is validDraft changed by change, its priority ratings its own.
func with(change func(*Draft)) Draft {
	d := validDraft()
	d.PriorityRatings = slices.Clone(d.PriorityRatings)
	change(&d)
	return d
}

// draftCase is a draft, and the fields a check of it finds violations on.
type draftCase struct {
	name  string
	draft Draft
	want  []string
}

// checkDrafts runs check on each case's draft as a subtest.
func checkDrafts(t *testing.T, cases []draftCase, check func(Draft) error) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := rpctest.Fields(check(tc.draft)); !slices.Equal(got, tc.want) {
				t.Errorf("violations on %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	checkDrafts(t, []draftCase{
		{"valid", validDraft(), nil},
		{"reviewed today", with(func(d *Draft) { d.Date = storetest.Day(2016, 6, 1) }), nil},
		{"no priority ratings", with(func(d *Draft) { d.PriorityRatings = nil }), nil},
		{"no evidence", with(func(d *Draft) { d.Evidence = nil }), nil},
		{"no date", with(func(d *Draft) { d.Date = time.Time{} }), []string{"r.review_date"}},
		{"tomorrow", with(func(d *Draft) { d.Date = storetest.Day(2016, 6, 2) }), []string{"r.review_date"}},
		{"no source", with(func(d *Draft) { d.Source = "" }), []string{"r.source"}},
		{"unknown source", with(func(d *Draft) { d.Source = "PEER_REVIEW" }), []string{"r.source"}},
		{"no overall rating", with(func(d *Draft) { d.Overall = "" }), []string{"r.overall_rating"}},
		{"unknown overall rating", with(func(d *Draft) { d.Overall = "7" }), []string{"r.overall_rating"}},
		{"blank narrative", with(func(d *Draft) { d.Narrative = "\t" }), []string{"r.narrative"}},
		{"narrative too long", with(func(d *Draft) { d.Narrative = strings.Repeat("x", MaxNarrative+1) }), []string{"r.narrative"}},
		{"a priority rating without its priority", with(func(d *Draft) { d.PriorityRatings[1].Priority = "" }),
			[]string{"r.priority_ratings[1].priority"}},
		{"a priority rating without a rating", with(func(d *Draft) { d.PriorityRatings[0].Rating = "" }),
			[]string{"r.priority_ratings[0].rating"}},
		{"a priority rating without a narrative", with(func(d *Draft) { d.PriorityRatings[0].Narrative = "" }),
			[]string{"r.priority_ratings[0].narrative"}},
		{"a blank evidence entry", with(func(d *Draft) { d.Evidence = []string{"x", " "} }), []string{"r.evidence[1]"}},
		{"evidence too long", with(func(d *Draft) { d.Evidence = []string{strings.Repeat("x", MaxEvidenceText+1)} }), []string{"r.evidence[0]"}},
		{"too much evidence", with(func(d *Draft) { d.Evidence = slices.Repeat([]string{"x"}, MaxEvidenceItems+1) }), []string{"r.evidence"}},
		{"every problem at once", Draft{PriorityRatings: []PriorityRating{{}}},
			[]string{"r.narrative", "r.overall_rating", "r.priority_ratings[0].narrative", "r.priority_ratings[0].priority",
				"r.priority_ratings[0].rating", "r.review_date", "r.source"}},
	}, func(d Draft) error { return d.Check("r.", plantest.Now).Err() })
}

func TestCheckAgainst(t *testing.T) {
	p := planIn(plan.Monitoring)
	rating := func(id string) PriorityRating {
		return PriorityRating{Priority: id, Rating: plan.RatingSome, Narrative: "n"}
	}
	checkDrafts(t, []draftCase{
		{"valid", validDraft(), nil},
		{"on the judgement's day", with(func(d *Draft) { d.Date = storetest.Day(2015, 11, 20) }), nil},
		{"before the judgement", with(func(d *Draft) { d.Date = storetest.Day(2015, 11, 19) }), []string{"review_date"}},
		{"a priority the plan lacks", with(func(d *Draft) { d.PriorityRatings = []PriorityRating{rating("p1"), rating("p9")} }),
			[]string{"priority_ratings[1].priority"}},
		{"a priority rated twice", with(func(d *Draft) { d.PriorityRatings = []PriorityRating{rating("p2"), rating("p1"), rating("p2")} }),
			[]string{"priority_ratings[2].priority"}},
		{"a missing priority is Check's to report", with(func(d *Draft) { d.PriorityRatings = []PriorityRating{rating("")} }), nil},
	}, func(d Draft) error { return d.CheckAgainst("", p).Err() })
}

func TestRecord(t *testing.T) {
	for _, s := range plan.States {
		t.Run(string(s), func(t *testing.T) {
			p := planIn(s)
			got, err := Record(p, validDraft(), "rv1", "", "inspector-1", plantest.Now)
			if !Recordable(s) {
				f, ok := fault.As(err)
				if !ok || f.Kind != fault.KindFailedPrecondition || f.Reason != ReasonPlanNotMonitored || f.Metadata["state"] != string(s) {
					t.Fatalf("%v, want FAILED_PRECONDITION %s", err, ReasonPlanNotMonitored)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			r := got.Review
			if r.Name() != "localAuthorities/"+storetest.Leeds+"/improvementPlans/"+p.ID+"/progressReviews/rv1" || r.Plan() != p.Name() ||
				r.RecordedBy != "inspector-1" || !r.CreateTime.Equal(plantest.Now) || r.Overall != plan.RatingSome || len(r.PriorityRatings) != 2 {
				t.Fatalf("review = %+v", r)
			}
			if s != plan.Approved {
				if got.PlanChanged || got.Plan.State != s || len(got.Plan.History) != len(p.History) {
					t.Fatalf("a review of a %s plan changed it: %+v", s, got.Plan)
				}
				return
			}
			last := got.Plan.History[len(got.Plan.History)-1]
			if !got.PlanChanged || got.Plan.State != plan.Monitoring || got.Plan.Version != p.Version ||
				last.From != plan.Approved || last.To != plan.Monitoring || last.Actor != "inspector-1" || !last.Time.Equal(plantest.Now) ||
				!strings.Contains(last.Reason, r.Name()) {
				t.Fatalf("first review: plan %+v, last change %+v", got.Plan, last)
			}
			if p.State != plan.Approved || len(p.History) != len(got.Plan.History)-1 {
				t.Fatalf("the plan reviewed changed: %+v", p)
			}
		})
	}

	// Invalid input is reported before the state, all of it at once.
	d := validDraft()
	d.Date = storetest.Day(2015, 1, 1)
	d.Narrative = ""
	_, err := Record(planIn(plan.Closed), d, "rv1", "progress_review.", "x", plantest.Now)
	f, ok := fault.As(err)
	if !ok || f.Kind != fault.KindInvalid || len(f.Violations) != 2 ||
		f.Violations[0].Field != "progress_review.narrative" || f.Violations[1].Field != "progress_review.review_date" {
		t.Fatalf("invalid review of a closed plan: %v", err)
	}
}

func TestSortAndTrend(t *testing.T) {
	at := func(h int) time.Time { return plantest.Now.Add(time.Duration(h) * time.Hour) }
	reviews := []Review{
		{ID: "d", Draft: Draft{Date: storetest.Day(2016, 5, 1), Overall: plan.RatingSignificant}, CreateTime: at(0)},
		{ID: "a", Draft: Draft{Date: storetest.Day(2016, 3, 1), Overall: plan.RatingLittle}, CreateTime: at(5)},
		{ID: "c", Draft: Draft{Date: storetest.Day(2016, 4, 1), Overall: plan.RatingSome}, CreateTime: at(2)},
		{ID: "b", Draft: Draft{Date: storetest.Day(2016, 4, 1), Overall: plan.RatingDeteriorated}, CreateTime: at(1)},
		{ID: "e", Draft: Draft{Date: storetest.Day(2016, 4, 1), Overall: plan.RatingSome}, CreateTime: at(1)},
	}
	Sort(reviews)
	var ids []string
	for _, r := range reviews {
		ids = append(ids, r.ID)
	}
	if !slices.Equal(ids, []string{"a", "b", "e", "c", "d"}) {
		t.Errorf("sorted = %v", ids)
	}
	if got := Trend(reviews); !slices.Equal(got, []string{"LITTLE", "DETERIORATED", "SOME", "SOME", "SIGNIFICANT"}) {
		t.Errorf("trend = %v", got)
	}
	if got := Trend(nil); len(got) != 0 {
		t.Errorf("trend of none = %v", got)
	}
}

func TestParseName(t *testing.T) {
	for _, tc := range []struct {
		name            string
		gss, planID, id string
		ok              bool
	}{
		{"localAuthorities/E08000035/improvementPlans/p1x/progressReviews/r-2", storetest.Leeds, "p1x", "r-2", true},
		{"localAuthorities/E08000035/improvementPlans/p1x/progressReviews/", "", "", "", false},
		{"localAuthorities/E08000035/improvementPlans/p1x/progressReviews/R2", "", "", "", false},
		{"localAuthorities/E08000035/improvementPlans/p1x/progressReviews/r2/x", "", "", "", false},
		{"localAuthorities/E08000035/improvementPlans/p1x", "", "", "", false},
		{"localAuthorities/E0800003/improvementPlans/p1x/progressReviews/r2", "", "", "", false},
		{"localAuthorities/E08000035/interventions/p1x/progressReviews/r2", "", "", "", false},
	} {
		gss, planID, id, err := ParseName("name", tc.name)
		if (err == nil) != tc.ok || gss != tc.gss || planID != tc.planID || id != tc.id {
			t.Errorf("ParseName(%q) = %q, %q, %q, %v", tc.name, gss, planID, id, err)
		}
		if f, ok := fault.As(err); err != nil && (!ok || len(f.Violations) != 1 || f.Violations[0].Field != "name") {
			t.Errorf("ParseName(%q): %v", tc.name, err)
		}
	}
	if id := resource.NewID(); !resource.ValidID(id) {
		t.Errorf("resource.NewID() = %q", id)
	}
}
