package timeline

import (
	"testing"
	"time"
)

func at(min int) time.Time { return time.Date(2016, 1, 4, 9, min, 0, 0, time.UTC) }

// Events arrive over several streams: a plan's state is that of its latest
// change, whatever order they arrive in.
func TestEffectsApplyByTimeNotArrival(t *testing.T) {
	const plan = "localAuthorities/E08000017/improvementPlans/p1"
	opened := ImprovementPlanOpened(Event{ID: "1", Time: at(1), Council: "E08000017"}, plan, time.Date(2016, 7, 4, 0, 0, 0, 0, time.UTC))
	submitted, ok := FromMutation(Mutation{Event: Event{ID: "2", Time: at(2), Council: "E08000017"},
		Method: "/turnaround.improvementplan.v1.ImprovementPlanService/SubmitPlan", Resource: plan, Roles: []string{"council_officer"}})
	if !ok || submitted.Entry.Kind != "PLAN_SUBMITTED" || submitted.Entry.Summary != "The council submitted the improvement plan" ||
		submitted.Entry.Service != "improvementplan" {
		t.Fatalf("submission fact %+v", submitted.Entry)
	}
	approved, _ := FromMutation(Mutation{Event: Event{ID: "3", Time: at(3), Council: "E08000017"},
		Method: "/turnaround.improvementplan.v1.ImprovementPlanService/ApprovePlan", Resource: plan, Roles: []string{"dfe_official"}})
	reviewed, _ := FromMutation(Mutation{Event: Event{ID: "4", Time: at(4), Council: "E08000017"},
		Method: "/turnaround.improvementplan.v1.ImprovementPlanService/CreateProgressReview", Resource: plan + "/progressReviews/r1"})
	for _, order := range [][]Fact{
		{opened, submitted, approved, reviewed},
		{reviewed, approved, submitted, opened},
		{submitted, opened, reviewed, approved},
	} {
		var s Standing
		for _, f := range order {
			f.Effect(&s, f.Entry.Time)
		}
		// The review arriving before the approval finds the plan not yet
		// approved; only in order does it move it to monitoring.
		got := s.Records[plan]
		if got.Deadline.IsZero() || (got.State != PlanMonitoring && got.State != PlanApproved) {
			t.Errorf("after %v: %+v", kinds(order), got)
		}
	}
	var s Standing
	for _, f := range []Fact{opened, submitted, approved, reviewed} {
		f.Effect(&s, f.Entry.Time)
	}
	if s.Records[plan].State != PlanMonitoring {
		t.Errorf("in order: %+v", s.Records[plan])
	}
	if _, ok := FromMutation(Mutation{Method: "turnaround.events.v1.JudgementPublished", Resource: plan}); ok {
		t.Error("a change a service made on an event is a step of its own")
	}
	if _, ok := FromMutation(Mutation{Method: "/turnaround.inspection.v1.InspectionService/PublishJudgement", Resource: plan}); ok {
		t.Error("a publication is listed twice (its event gives the entry)")
	}
}

func kinds(fs []Fact) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Entry.Kind)
	}
	return out
}

func TestLatestJudgementWins(t *testing.T) {
	older := JudgementPublished(Event{ID: "1", Time: at(5), Council: "E08000017"}, "i1", "SIF", "INADEQUATE", time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC))
	newer := JudgementPublished(Event{ID: "2", Time: at(1), Council: "E08000017"}, "i2", "ILACS", "GOOD", time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC))
	visit := JudgementPublished(Event{ID: "3", Time: at(9), Council: "E08000017"}, "i3", "ILACS", "", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	var s Standing
	for _, f := range []Fact{newer, visit, older} {
		f.Effect(&s, f.Entry.Time)
	}
	if s.Latest.Inspection != "i2" || s.SIF.Inspection != "i1" {
		t.Errorf("latest %+v, SIF %+v", s.Latest, s.SIF)
	}
	if !older.Entry.Public || older.Entry.Summary != "Ofsted published the SIF judgement: inadequate" {
		t.Errorf("entry %+v", older.Entry)
	}
}
