package timeline

import (
	"slices"
	"testing"
	"time"
)

func at(min int) time.Time { return time.Date(2016, 1, 4, 9, min, 0, 0, time.UTC) }

// Events arrive over several streams: a plan's state is that of its latest
// change, whatever order they arrive in.
func TestEffectsApplyByTimeNotArrival(t *testing.T) {
	const plan = "localAuthorities/E08000017/improvementPlans/p1"
	due := time.Date(2016, 7, 4, 0, 0, 0, 0, time.UTC)
	ev := func(id string, min int) Event { return Event{ID: id, Time: at(min), Council: "E08000017"} }
	opened := ImprovementPlanOpened(ev("1", 1), plan, due)
	submitted := PlanStateChanged(ev("2", 2), PlanChange{Plan: plan, From: "DRAFT", To: "SUBMITTED", Actor: "dcs", Role: "council_officer", Deadline: due, Pending: true})
	if e := submitted.Entry; e.Kind != "PLAN_SUBMITTED" || e.Summary != "The council submitted the improvement plan" ||
		e.Service != "improvementplan" || e.Actor != "dcs" || e.Role != "council_officer" || e.Hidden {
		t.Fatalf("submission fact %+v", e)
	}
	approved := PlanStateChanged(ev("3", 3), PlanChange{Plan: plan, From: "SUBMITTED", To: "APPROVED", Actor: "dfe", Role: "dfe_official", Deadline: due, Pending: true})
	monitoring := PlanStateChanged(ev("4", 4), PlanChange{Plan: plan, From: "APPROVED", To: "MONITORING", Actor: "dfe", Role: "dfe_official", Deadline: due, Pending: true})
	if !monitoring.Entry.Hidden {
		t.Errorf("the move to monitoring is listed beside its progress review: %+v", monitoring.Entry)
	}
	for _, order := range [][]Fact{
		{opened, submitted, approved, monitoring},
		{monitoring, approved, submitted, opened},
		{submitted, opened, monitoring, approved},
	} {
		var s Standing
		for _, f := range order {
			f.Effect(&s, f.Entry.Time)
		}
		if got := s.Records[plan]; got.State != PlanMonitoring || !got.Deadline.Equal(due) || !got.Pending {
			t.Errorf("after %v: %+v", kinds(order), got)
		}
	}
	if _, ok := FromMutation(Mutation{Method: "turnaround.events.v1.JudgementPublished", Resource: plan}); ok {
		t.Error("a change a service made on an event is a step of its own")
	}
	for _, m := range []string{"InspectionService/PublishJudgement", "ImprovementPlanService/SubmitPlan", "ImprovementPlanService/ExtendDeadline",
		"ImprovementPlanService/DecideProgress", "ImprovementPlanService/LiftIntervention"} {
		if _, ok := FromMutation(Mutation{Method: "/turnaround.x.v1." + m, Resource: plan}); ok {
			t.Errorf("%s is listed twice (its event gives the entry)", m)
		}
	}
}

// The deadline passing, DfE extending it and deciding: the standing holds
// the deadline in force and whether a decision is still to come, and each
// step is listed once.
func TestDecisionsAndExtensions(t *testing.T) {
	const plan = "localAuthorities/E08000017/improvementPlans/p1"
	due := time.Date(2016, 7, 4, 0, 0, 0, 0, time.UTC)
	later := time.Date(2016, 9, 30, 0, 0, 0, 0, time.UTC)
	ev := func(id string, min int) Event { return Event{ID: id, Time: at(min), Council: "E08000017"} }
	reached := ImprovementDeadlineReached(ev("1", 1), plan, due)
	dueState := PlanStateChanged(ev("2", 1), PlanChange{Plan: plan, From: "APPROVED", To: "DECISION_DUE", Deadline: due, Pending: true})
	back := PlanStateChanged(ev("3", 2), PlanChange{Plan: plan, From: "DECISION_DUE", To: "APPROVED", Actor: "dfe", Role: "dfe_official", Deadline: later, Pending: true})
	extended := PlanDeadlineExtended(ev("4", 2), plan, due, later, "Ofsted revisits in September", "dfe", "APPROVED", true)
	again := PlanStateChanged(ev("5", 3), PlanChange{Plan: plan, From: "APPROVED", To: "DECISION_DUE", Deadline: later, Pending: true})
	continued := PlanStateChanged(ev("6", 4), PlanChange{Plan: plan, From: "DECISION_DUE", To: "CONTINUED", Actor: "dfe", Role: "dfe_official", Deadline: later})
	facts := []Fact{reached, dueState, back, extended, again, continued}
	var listed []string
	var s Standing
	for i, f := range facts {
		f.Effect(&s, f.Entry.Time)
		if !f.Entry.Hidden {
			listed = append(listed, f.Entry.Kind)
		}
		if i == 3 {
			if r := s.Records[plan]; r.State != PlanApproved || !r.Deadline.Equal(later) || !r.Pending {
				t.Errorf("after the extension: %+v", r)
			}
		}
	}
	if r := s.Records[plan]; r.State != PlanContinued || r.Pending {
		t.Errorf("after the decision: %+v", r)
	}
	if want := []string{"DEADLINE_REACHED", "DEADLINE_EXTENDED", "PROGRESS_DECIDED"}; !slices.Equal(listed, want) {
		t.Errorf("listed %v, want %v", listed, want)
	}
	if got := extended.Entry.Summary; got != "DfE extended the plan's deadline from 4 July 2016 to 30 September 2016: Ofsted revisits in September" {
		t.Errorf("extension summary %q", got)
	}
	if got := continued.Entry.Summary; got != "DfE decided the council made significant improvement: the plan continues" {
		t.Errorf("decision summary %q", got)
	}
	// An escalation by InterventionOrdered ends the wait for a decision.
	var e Standing
	for _, f := range []Fact{reached, InterventionOrdered(ev("7", 5), "localAuthorities/E08000017/interventions/i1", "COMMISSIONER", plan, "dfe")} {
		f.Effect(&e, f.Entry.Time)
	}
	if r := e.Records[plan]; r.State != PlanEscalated || r.Pending {
		t.Errorf("escalated: %+v", r)
	}
}

// An engagement that ends no longer lets its sponsor read the council's
// records.
func TestEngagementEnds(t *testing.T) {
	const eng = "sponsors/leeds/engagements/e1"
	var s Standing
	start := EngagementStarted(Event{ID: "1", Time: at(1), Council: "E08000017"}, eng, "leeds", "localAuthorities/E08000017/sponsorNeeds/n1")
	end := EngagementEnded(Event{ID: "2", Time: at(2), Council: "E08000017"}, eng, "leeds", "the intervention was lifted")
	start.Effect(&s, start.Entry.Time)
	if got := s.SupportedBy(); !slices.Equal(got, []string{"leeds"}) {
		t.Fatalf("supported by %v", got)
	}
	end.Effect(&s, end.Entry.Time)
	if got := s.SupportedBy(); len(got) != 0 || end.Entry.Kind != KindEngagementEnded || end.Entry.Sponsor != "leeds" {
		t.Errorf("after the end: supported by %v, entry %+v", got, end.Entry)
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
