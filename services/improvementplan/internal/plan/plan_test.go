package plan

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// published is the judgement date of the tests' plans.
var published = storetest.Day(2015, 11, 20)

// now is the tests' clock: the demo data's "as of" day.
var now = time.Date(2015, 12, 14, 9, 30, 0, 0, time.UTC)

// keyJudgements are a typical inadequate SIF judgement's grades.
func keyJudgements() map[string]reference.Grade {
	return map[string]reference.Grade{
		reference.AreaOverallEffectiveness:           reference.Inadequate,
		reference.AreaHelpAndProtection:              reference.Inadequate,
		reference.AreaLookedAfterAndPermanence:       reference.RequiresImprovement,
		reference.AreaAdoptionPerformance:            reference.Good,
		reference.AreaCareLeavers:                    reference.RequiresImprovement,
		reference.AreaLeadershipManagementGovernance: reference.Inadequate,
		reference.AreaLSCB:                           reference.RequiresImprovement,
	}
}

func opened() Plan {
	return Open(OpenInput{
		GSSCode: "E08000035", Inspection: "localAuthorities/E08000035/inspections/abc123",
		JudgementDate: published, KeyJudgements: keyJudgements(),
		Recommendations: []string{
			"HELP_AND_PROTECTION: Hold strategy discussions promptly.",
			"LEADERSHIP_MANAGEMENT_GOVERNANCE: Stabilise the senior team.",
			"HELP_AND_PROTECTION: Reduce caseloads.",
			"ADOPTION_PERFORMANCE: Keep up the good work.",
			"OVERALL_EFFECTIVENESS: Improve.",
			"no area here",
		},
	}, now)
}

func indicator(name string, base, target float64) Measure {
	return Measure{Indicator: &Indicator{Name: name, Baseline: base, Target: target}}
}

func milestone(m, evidence string) Measure {
	return Measure{Milestone: &Milestone{Milestone: m, EvidenceExpected: evidence}}
}

// credible is a plan that passes every rule: opened from the judgement,
// with an early action and a measured action for every priority.
func credible() Plan {
	p := opened()
	for i := range p.Priorities {
		pr := &p.Priorities[i]
		pr.Actions = []Action{
			{ID: "a" + strconv.Itoa(2*i+1), Title: "Audit cases in " + pr.Area, OwnerRole: "Head of Service",
				DueDate: storetest.Day(2016, 1, 31), Measure: milestone("audit done", "audit report to the board"), Status: NotStarted},
			{ID: "a" + strconv.Itoa(2*i+2), Title: "Cut agency use", OwnerRole: "Director of Children's Services",
				DueDate: storetest.Day(2016, 5, 1), Measure: indicator("AGENCY_RATE", 27, 15), Status: NotStarted},
		}
	}
	return p
}

func TestAddMonths(t *testing.T) {
	tests := []struct {
		from time.Time
		n    int
		want time.Time
	}{
		{storetest.Day(2015, 8, 31), 6, storetest.Day(2016, 2, 29)},
		{storetest.Day(2016, 8, 31), 6, storetest.Day(2017, 2, 28)},
		{storetest.Day(2015, 11, 20), 6, storetest.Day(2016, 5, 20)},
		{storetest.Day(2015, 3, 31), 6, storetest.Day(2015, 9, 30)},
		{storetest.Day(2015, 12, 31), 2, storetest.Day(2016, 2, 29)},
		{storetest.Day(2015, 7, 31), 6, storetest.Day(2016, 1, 31)},
		{storetest.Day(2015, 1, 29), 1, storetest.Day(2015, 2, 28)},
		{storetest.Day(2015, 2, 28), 6, storetest.Day(2015, 8, 28)},
		{storetest.Day(2015, 5, 15), 12, storetest.Day(2016, 5, 15)},
		{time.Date(2015, 8, 31, 23, 30, 0, 0, time.UTC), 6, storetest.Day(2016, 2, 29)},
	}
	for _, tt := range tests {
		if got := AddMonths(tt.from, tt.n); !got.Equal(tt.want) {
			t.Errorf("AddMonths(%s, %d) = %s, want %s", tt.from.Format(time.DateTime), tt.n, got.Format(time.DateOnly), tt.want.Format(time.DateOnly))
		}
	}
}

func TestOpenPrefillsFromTheJudgement(t *testing.T) {
	p := opened()
	if p.State != Draft || !p.Deadline.Equal(storetest.Day(2016, 5, 20)) || !p.OriginalDeadline.Equal(p.Deadline) ||
		!p.JudgementDate.Equal(published) || !resource.ValidID(p.ID) || p.Version != 0 || !p.CreateTime.Equal(now) {
		t.Fatalf("opened = %+v", p)
	}
	type prio struct {
		id, area       string
		judged, target reference.Grade
		recs           []string
	}
	want := []prio{
		{"p1", reference.AreaHelpAndProtection, reference.Inadequate, reference.RequiresImprovement, []string{"Hold strategy discussions promptly.", "Reduce caseloads."}},
		{"p2", reference.AreaLeadershipManagementGovernance, reference.Inadequate, reference.RequiresImprovement, []string{"Stabilise the senior team."}},
		{"p3", reference.AreaLookedAfterAndPermanence, reference.RequiresImprovement, reference.Good, nil},
		{"p4", reference.AreaCareLeavers, reference.RequiresImprovement, reference.Good, nil},
		{"p5", reference.AreaLSCB, reference.RequiresImprovement, reference.Good, nil},
	}
	if len(p.Priorities) != len(want) {
		t.Fatalf("%d priorities, want %d: %+v", len(p.Priorities), len(want), p.Priorities)
	}
	for i, w := range want {
		got := p.Priorities[i]
		if got.ID != w.id || got.Area != w.area || got.JudgementGrade != w.judged || got.TargetGrade != w.target ||
			!slices.Equal(got.Recommendations, w.recs) || len(got.Actions) != 0 {
			t.Errorf("priority %d = %+v, want %+v", i, got, w)
		}
	}
	if len(p.History) != 1 || p.History[0].To != Draft || p.History[0].Actor != ServiceActor ||
		!strings.Contains(p.History[0].Reason, "2016-05-20") {
		t.Errorf("history = %+v", p.History)
	}
	// The plan keeps the judgement's grades for the credibility rules.
	if p.KeyJudgements[reference.AreaAdoptionPerformance] != reference.Good || len(p.KeyJudgements) != 7 {
		t.Errorf("key judgements = %v", p.KeyJudgements)
	}
}

func TestOpenDeadlineMonths(t *testing.T) {
	tests := []struct {
		months int
		judged time.Time
		want   time.Time
	}{
		{0, storetest.Day(2015, 8, 31), storetest.Day(2016, 2, 29)},
		{-1, storetest.Day(2015, 11, 20), storetest.Day(2016, 5, 20)},
		{9, storetest.Day(2015, 11, 20), storetest.Day(2016, 8, 20)},
		{6, time.Date(2015, 8, 31, 15, 0, 0, 0, time.UTC), storetest.Day(2016, 2, 29)},
	}
	for _, tt := range tests {
		p := Open(OpenInput{GSSCode: "E08000035", Inspection: "x", JudgementDate: tt.judged, DeadlineMonths: tt.months}, now)
		if !p.Deadline.Equal(tt.want) || !p.JudgementDate.Equal(Day(tt.judged)) {
			t.Errorf("months %d from %s: deadline %s, want %s", tt.months, tt.judged, p.Deadline, tt.want)
		}
		if len(p.Priorities) != 0 {
			t.Errorf("no key judgements gave priorities %+v", p.Priorities)
		}
	}
}

func TestParseName(t *testing.T) {
	storetest.Names(t, ParseName, map[string][2]string{
		"localAuthorities/E08000035/improvementPlans/abc123": {"E08000035", "abc123"},
	}, []string{
		"localAuthorities/E08000035/improvementPlans/",
		"localAuthorities/E08000035/inspections/abc123",
		"localAuthorities/X/improvementPlans/abc",
		"localAuthorities/E08000035/improvementPlans/ABC",
		"localAuthorities/E08000035/improvementPlans/abc/extra",
		"improvementPlans/abc",
	})
}

func TestTransitionAllowed(t *testing.T) {
	// Every allowed transition, from a plan put into the from state by the
	// path the state machine allows.
	paths := map[State][]State{
		Draft:       nil,
		Submitted:   {Submitted},
		Approved:    {Submitted, Approved},
		Monitoring:  {Submitted, Approved, Monitoring},
		DecisionDue: {Submitted, Approved, Monitoring, DecisionDue},
		Continued:   {Submitted, Approved, DecisionDue, Continued},
		Escalated:   {Submitted, Approved, DecisionDue, Escalated},
		Improved:    {Improved},
		Closed:      {Improved, Closed},
	}
	allowed := []struct{ from, to State }{
		{Draft, Submitted}, {Draft, DecisionDue}, {Draft, Improved},
		{Submitted, Draft}, {Submitted, Approved}, {Submitted, DecisionDue}, {Submitted, Improved},
		{Approved, Monitoring}, {Approved, DecisionDue}, {Approved, Improved},
		{Monitoring, DecisionDue}, {Monitoring, Improved},
		{DecisionDue, Continued}, {DecisionDue, Escalated}, {DecisionDue, Improved},
		{DecisionDue, Monitoring}, // back to the state before, by an extension
		{Continued, DecisionDue}, {Continued, Improved}, {Continued, Closed},
		{Escalated, Improved}, {Escalated, Closed},
		{Improved, Closed},
	}
	at := time.Date(2016, 5, 21, 0, 0, 0, 0, time.UTC)
	for _, tt := range allowed {
		p := opened()
		for _, s := range paths[tt.from] {
			if err := p.Transition(s, "setup", "", at); err != nil {
				t.Fatalf("setup %s: %v", s, err)
			}
		}
		before := len(p.History)
		if err := p.Transition(tt.to, "dfe-1", "because", at); err != nil {
			t.Errorf("%s → %s: %v", tt.from, tt.to, err)
			continue
		}
		last := p.History[len(p.History)-1]
		if p.State != tt.to || len(p.History) != before+1 || last.From != tt.from || last.To != tt.to ||
			last.Actor != "dfe-1" || last.Reason != "because" || !last.Time.Equal(at) || !p.UpdateTime.Equal(at) {
			t.Errorf("%s → %s: state %s, history %+v", tt.from, tt.to, p.State, last)
		}
	}
	// The table above names every entry of the state machine.
	n := 0
	for _, to := range transitions {
		n += len(to)
	}
	// DECISION_DUE → DRAFT, SUBMITTED and APPROVED are the same rule as
	// → MONITORING, exercised in TestTransitionBackFromDecisionDue.
	if n != len(allowed)+3 {
		t.Errorf("the state machine has %d transitions, the test names %d", n, len(allowed)+3)
	}
}

func TestTransitionDisallowed(t *testing.T) {
	tests := []struct {
		path []State
		to   State
	}{
		{nil, Approved},                       // draft cannot skip submission
		{nil, Monitoring},                     // nor be monitored
		{nil, Closed},                         // nor closed
		{nil, Continued},                      // no decision before the deadline
		{nil, Draft},                          // already a draft
		{[]State{Submitted}, Monitoring},      // approval first
		{[]State{Submitted, Approved}, Draft}, // an approved plan is not returned
		{[]State{Submitted, Approved}, Closed},
		{[]State{Submitted, Approved, DecisionDue}, Closed},    // decide first
		{[]State{Submitted, Approved, DecisionDue}, Submitted}, // not the state before
		{[]State{Submitted, Approved, DecisionDue}, Draft},
		{[]State{Improved}, Draft},
		{[]State{Improved, Closed}, Draft},
		{[]State{Improved, Closed}, Improved},
		{[]State{Submitted, Approved, DecisionDue, Escalated}, Continued},
		{[]State{Submitted, Approved, DecisionDue, Escalated}, DecisionDue},
		{nil, "NONSENSE"},
	}
	for _, tt := range tests {
		p := opened()
		for _, s := range tt.path {
			if err := p.Transition(s, "setup", "", now); err != nil {
				t.Fatalf("setup %v: %v", tt.path, err)
			}
		}
		from, before := p.State, p.Clone()
		err := p.Transition(tt.to, "dfe-1", "because", now)
		f, ok := fault.As(err)
		if !ok || f.Kind != fault.KindFailedPrecondition || f.Reason != ReasonInvalidTransition ||
			f.Metadata["from"] != string(from) || f.Metadata["to"] != string(tt.to) {
			t.Errorf("%s → %s: error %v", from, tt.to, err)
		}
		if p.State != from || len(p.History) != len(before.History) {
			t.Errorf("%s → %s: refused transition changed the plan", from, tt.to)
		}
	}
	p := opened()
	if err := p.Transition(Submitted, "", "", now); !errors.Is(err, ErrNoActor) {
		t.Errorf("no actor: %v", err)
	}
}

func TestTransitionBackFromDecisionDue(t *testing.T) {
	for _, before := range []State{Draft, Submitted, Approved, Monitoring, Continued} {
		p := opened()
		var path []State
		switch before {
		case Submitted:
			path = []State{Submitted}
		case Approved:
			path = []State{Submitted, Approved}
		case Monitoring:
			path = []State{Submitted, Approved, Monitoring}
		case Continued:
			path = []State{Submitted, Approved, DecisionDue, Continued}
		}
		for _, s := range append(path, DecisionDue) {
			if err := p.Transition(s, "setup", "", now); err != nil {
				t.Fatal(err)
			}
		}
		if got := p.StateBeforeDecision(); got != before {
			t.Errorf("state before decision = %s, want %s", got, before)
		}
		for _, other := range []State{Draft, Submitted, Approved, Monitoring} {
			if other == before {
				continue
			}
			if c := p.Clone(); c.Transition(other, "dfe", "", now) == nil {
				t.Errorf("decision due (from %s) → %s allowed", before, other)
			}
		}
		if err := p.Transition(before, "dfe", "extended", now); err != nil {
			t.Errorf("decision due → %s: %v", before, err)
		}
	}
}

func TestCredibilityRules(t *testing.T) {
	tests := []struct {
		name   string
		change func(p *Plan)
		// failed maps each failing rule to the substrings its failures
		// must contain, one per failure.
		failed map[string][]string
	}{
		{"credible", func(*Plan) {}, nil},
		{"opened plan has no actions", func(p *Plan) { *p = opened() }, map[string][]string{
			"every-priority-has-an-action": {"p1", "p2", "p3", "p4", "p5"},
			"early-progress":               {"2016-02-20"},
		}},
		{"no priorities", func(p *Plan) { p.Priorities = nil }, map[string][]string{
			"every-priority-has-an-action":         {"no priorities"},
			"leadership-priority":                  {"LEADERSHIP_MANAGEMENT_GOVERNANCE"},
			"every-inadequate-area-has-a-priority": {"HELP_AND_PROTECTION"},
			"early-progress":                       {"no action"},
		}},
		{"one priority without actions", func(p *Plan) { p.Priorities[2].Actions = nil }, map[string][]string{
			"every-priority-has-an-action": {"priority p3 (LOOKED_AFTER_AND_PERMANENCE) has no actions"},
		}},
		{"no owner", func(p *Plan) { p.Priorities[0].Actions[1].OwnerRole = "  " }, map[string][]string{
			"every-action-has-an-owner": {"action a2 \"Cut agency use\" of priority p1 has no owner role"},
		}},
		{"due on the deadline", func(p *Plan) { p.Priorities[1].Actions[1].DueDate = storetest.Day(2016, 5, 20) }, map[string][]string{
			"every-action-due-in-time": {"a4", "not before the deadline of 2016-05-20"},
		}},
		{"due the day before the deadline", func(p *Plan) { p.Priorities[1].Actions[1].DueDate = storetest.Day(2016, 5, 19) }, nil},
		{"due before the judgement", func(p *Plan) { p.Priorities[0].Actions[1].DueDate = storetest.Day(2015, 11, 19) }, map[string][]string{
			"every-action-due-in-time": {"before the judgement was published on 2015-11-20"},
		}},
		{"no due date", func(p *Plan) { p.Priorities[0].Actions[1].DueDate = time.Time{} }, map[string][]string{
			"every-action-due-in-time": {"a2 \"Cut agency use\" of priority p1 has no due date"},
		}},
		{"extended deadline admits a later action", func(p *Plan) {
			p.Deadline = storetest.Day(2016, 8, 20)
			p.Priorities[0].Actions[1].DueDate = storetest.Day(2016, 7, 1)
		}, nil},
		{"target equals baseline", func(p *Plan) { p.Priorities[0].Actions[1].Measure = indicator("AGENCY_RATE", 27, 27) }, map[string][]string{
			"every-action-has-a-measurable-outcome": {"AGENCY_RATE target 27 equal to its baseline"},
		}},
		{"zero baseline is a value", func(p *Plan) { p.Priorities[0].Actions[1].Measure = indicator("RE_REFERRAL_RATE", 0, 5) }, nil},
		{"milestone without evidence", func(p *Plan) { p.Priorities[0].Actions[0].Measure = milestone("front door live", "") }, map[string][]string{
			"every-action-has-a-measurable-outcome": {"milestone \"front door live\" but no evidence expected"},
		}},
		{"no measure", func(p *Plan) { p.Priorities[4].Actions[0].Measure = Measure{} }, map[string][]string{
			"every-action-has-a-measurable-outcome": {"a9", "has no measure"},
		}},
		{"both measures", func(p *Plan) {
			p.Priorities[4].Actions[0].Measure.Indicator = &Indicator{Name: "X", Baseline: 1, Target: 2}
		}, map[string][]string{
			"every-action-has-a-measurable-outcome": {"both an indicator and a milestone"},
		}},
		{"indicator that is not one", func(p *Plan) { p.Priorities[0].Actions[1].Measure = indicator("social worker morale", 3, 4) }, map[string][]string{
			"every-action-has-a-measurable-outcome": {`a2 "Cut agency use" of priority p1 is measured by "social worker morale", which is not one of the indicators`},
		}},
		{"indicator without a name", func(p *Plan) { p.Priorities[0].Actions[1].Measure = indicator(" ", 1, 2) }, map[string][]string{
			"every-action-has-a-measurable-outcome": {"names no indicator"},
		}},
		{"leadership inadequate, no leadership priority", func(p *Plan) { p.Priorities = slices.Delete(p.Priorities, 1, 2) }, map[string][]string{
			"leadership-priority": {"no priority addresses LEADERSHIP_MANAGEMENT_GOVERNANCE"},
		}},
		{"leadership requires improvement, no leadership priority", func(p *Plan) {
			p.KeyJudgements[reference.AreaLeadershipManagementGovernance] = reference.RequiresImprovement
			p.Priorities = slices.Delete(p.Priorities, 1, 2)
		}, nil},
		{"inadequate area without a priority", func(p *Plan) {
			p.KeyJudgements[reference.AreaCareLeavers] = reference.Inadequate
			p.Priorities = slices.Delete(p.Priorities, 3, 4)
		}, map[string][]string{
			"every-inadequate-area-has-a-priority": {"CARE_LEAVERS was judged inadequate"},
		}},
		{"requires-improvement area without a priority", func(p *Plan) { p.Priorities = slices.Delete(p.Priorities, 3, 4) }, nil},
		{"nothing early", func(p *Plan) {
			for i := range p.Priorities {
				for j := range p.Priorities[i].Actions {
					p.Priorities[i].Actions[j].DueDate = storetest.Day(2016, 2, 21)
				}
			}
		}, map[string][]string{
			"early-progress": {"no action is due by 2016-02-20, 3 months after the judgement"},
		}},
		{"one action due on the early day", func(p *Plan) {
			for i := range p.Priorities {
				for j := range p.Priorities[i].Actions {
					p.Priorities[i].Actions[j].DueDate = storetest.Day(2016, 4, 1)
				}
			}
			p.Priorities[3].Actions[0].DueDate = storetest.Day(2016, 2, 20)
		}, nil},
		{"no target grade", func(p *Plan) { p.Priorities[0].TargetGrade = "" }, map[string][]string{
			"targets-raise-the-grade": {"priority p1 (HELP_AND_PROTECTION) has no target grade"},
		}},
		{"target no better than judged", func(p *Plan) { p.Priorities[2].TargetGrade = reference.RequiresImprovement }, map[string][]string{
			"targets-raise-the-grade": {"aims for REQUIRES_IMPROVEMENT, no better than the REQUIRES_IMPROVEMENT judged"},
		}},
		{"ungraded area aims for inadequate", func(p *Plan) {
			p.Priorities = append(p.Priorities, Priority{ID: "p9", Area: reference.AreaAdoptionPerformance, TargetGrade: reference.Inadequate,
				Actions: p.Priorities[0].Actions})
			p.KeyJudgements = nil
		}, map[string][]string{
			"targets-raise-the-grade": {"p9", "aims for INADEQUATE"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := credible()
			tt.change(&p)
			checks := p.Check()
			if len(checks) != len(Rules) {
				t.Fatalf("%d checks, want %d", len(checks), len(Rules))
			}
			for i, c := range checks {
				if c.Rule != Rules[i].ID || c.Description == "" {
					t.Errorf("check %d = %q, want rule %q", i, c.Rule, Rules[i].ID)
				}
				want, fails := tt.failed[c.Rule]
				if c.Passed == fails || c.Passed != (len(c.Failures) == 0) {
					t.Errorf("%s: passed %v, failures %q", c.Rule, c.Passed, c.Failures)
					continue
				}
				if !containsAll(strings.Join(c.Failures, "\n"), want) {
					t.Errorf("%s: failures %q lack %q", c.Rule, c.Failures, want)
				}
			}
			if Credible(checks) != (len(tt.failed) == 0) {
				t.Errorf("credible = %v", Credible(checks))
			}
		})
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func TestSubmit(t *testing.T) {
	p := opened()
	err := p.Submit("officer-1", now)
	f, ok := fault.As(err)
	if !ok || f.Kind != fault.KindFailedPrecondition || f.Reason != ReasonNotCredible ||
		f.Metadata["failed_checks"] != "every-priority-has-an-action,early-progress" ||
		!strings.Contains(f.Message, "p5 (LSCB) has no actions") {
		t.Fatalf("submit opened plan: %v (%+v)", err, f)
	}
	if p.State != Draft || len(p.History) != 1 {
		t.Fatalf("refused submission changed the plan: %s %+v", p.State, p.History)
	}
	p = credible()
	if err := p.Submit("officer-1", now); err != nil || p.State != Submitted {
		t.Fatalf("submit credible plan: %v, state %s", err, p.State)
	}
	// A second submission is a transition error, before any check.
	err = p.Submit("officer-1", now)
	if f, _ := fault.As(err); f == nil || f.Reason != ReasonInvalidTransition {
		t.Fatalf("resubmit: %v", err)
	}
}

func TestApproveReturnClose(t *testing.T) {
	p := credible()
	if err := p.Submit("officer-1", now); err != nil {
		t.Fatal(err)
	}
	r := p.Clone()
	err := r.Return("dfe-1", " ", now)
	if f, _ := fault.As(err); f == nil || f.Kind != fault.KindInvalid || f.Violations[0].Field != "reason" {
		t.Fatalf("return without reason: %v", err)
	}
	r = p.Clone()
	if err := r.Return("dfe-1", "add a workforce priority", now); err != nil || r.State != Draft ||
		r.History[len(r.History)-1].Reason != "add a workforce priority" {
		t.Fatalf("return: %v, %+v", err, r.History)
	}
	if err := p.Approve("dfe-1", "", now); err != nil || p.State != Approved || p.History[len(p.History)-1].Reason != "approved by DfE" {
		t.Fatalf("approve: %v %+v", err, p.History)
	}
	if err := p.Close("dfe-1", "", now); err == nil {
		t.Fatal("closed an approved plan")
	}
	if err := p.Transition(Improved, ServiceActor, "re-inspected", now); err != nil {
		t.Fatal(err)
	}
	if err := p.Close("dfe-1", "re-inspection good", now); err != nil || p.State != Closed {
		t.Fatalf("close improved: %v", err)
	}
	if err := p.Approve("dfe-1", strings.Repeat("x", MaxReasonLen+1), now); err == nil {
		t.Fatal("overlong reason accepted")
	}
}

func TestExtend(t *testing.T) {
	approved := func() Plan {
		p := credible()
		for _, s := range []State{Submitted, Approved, Monitoring} {
			if err := p.Transition(s, "setup", "", now); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	p := approved()
	if err := p.Extend(storetest.Day(2016, 8, 31), "Ofsted monitoring visit rescheduled", "dfe-1", now); err != nil {
		t.Fatal(err)
	}
	if !p.Deadline.Equal(storetest.Day(2016, 8, 31)) || !p.OriginalDeadline.Equal(storetest.Day(2016, 5, 20)) || p.State != Monitoring ||
		len(p.Extensions) != 1 {
		t.Fatalf("extended = %+v", p)
	}
	e := p.Extensions[0]
	if !e.PreviousDeadline.Equal(storetest.Day(2016, 5, 20)) || !e.NewDeadline.Equal(storetest.Day(2016, 8, 31)) ||
		e.Reason != "Ofsted monitoring visit rescheduled" || e.ExtendedBy != "dfe-1" || !e.Time.Equal(now) {
		t.Fatalf("extension = %+v", e)
	}
	// A second extension keeps the first and the original deadline.
	if err := p.Extend(storetest.Day(2016, 9, 30), "again", "dfe-2", now); err != nil || len(p.Extensions) != 2 ||
		!p.Extensions[1].PreviousDeadline.Equal(storetest.Day(2016, 8, 31)) || !p.OriginalDeadline.Equal(storetest.Day(2016, 5, 20)) {
		t.Fatalf("second extension: %v %+v", err, p.Extensions)
	}

	// From decision due, the plan goes back to the state before.
	late := time.Date(2016, 5, 21, 8, 0, 0, 0, time.UTC)
	p = approved()
	if err := p.Transition(DecisionDue, ServiceActor, "deadline reached", late); err != nil {
		t.Fatal(err)
	}
	if err := p.Extend(storetest.Day(2016, 7, 1), "new DCS started", "dfe-1", late); err != nil {
		t.Fatal(err)
	}
	last := p.History[len(p.History)-1]
	if p.State != Monitoring || last.From != DecisionDue || last.To != Monitoring || last.Actor != "dfe-1" ||
		!strings.Contains(last.Reason, "deadline extended from 2016-05-20 to 2016-07-01: new DCS started") {
		t.Fatalf("state %s, history %+v", p.State, last)
	}

	invalid := []struct {
		name     string
		deadline time.Time
		reason   string
		fields   []string
	}{
		{"no reason", storetest.Day(2016, 8, 1), "", []string{"reason"}},
		{"no deadline", time.Time{}, "why", []string{"new_deadline"}},
		{"same deadline", storetest.Day(2016, 5, 20), "why", []string{"new_deadline"}},
		{"earlier deadline", storetest.Day(2016, 4, 1), "why", []string{"new_deadline"}},
		{"both", storetest.Day(2016, 4, 1), " ", []string{"new_deadline", "reason"}},
	}
	for _, tt := range invalid {
		p := approved()
		err := p.Extend(tt.deadline, tt.reason, "dfe-1", now)
		if !fault.IsKind(err, fault.KindInvalid) || !slices.Equal(rpctest.Fields(err), tt.fields) || len(p.Extensions) != 0 {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	// A deadline after the current one but already past is refused.
	p = approved()
	if err := p.Extend(storetest.Day(2016, 5, 25), "why", "dfe-1", storetest.Day(2016, 6, 1)); err == nil {
		t.Error("extension into the past accepted")
	}
	for _, path := range [][]State{{Improved}, {Improved, Closed}, {Submitted, Approved, DecisionDue, Escalated}} {
		p := credible()
		for _, s := range path {
			if err := p.Transition(s, "setup", "", now); err != nil {
				t.Fatal(err)
			}
		}
		err := p.Extend(storetest.Day(2016, 8, 1), "why", "dfe-1", now)
		if f, _ := fault.As(err); f == nil || f.Reason != ReasonDeadlineFixed {
			t.Errorf("extend %s plan: %v", p.State, err)
		}
	}
}

func TestLateActions(t *testing.T) {
	p := credible()
	p.Priorities[0].Actions[0].DueDate = storetest.Day(2015, 12, 13) // yesterday: late
	p.Priorities[1].Actions[0].DueDate = storetest.Day(2015, 12, 14) // today: not yet
	p.Priorities[2].Actions[0].DueDate = storetest.Day(2015, 12, 1)
	p.Priorities[2].Actions[0].Status = Done // done: never late
	p.Priorities[3].Actions[0].DueDate = storetest.Day(2015, 12, 1)
	p.Priorities[3].Actions[0].Status = OffTrack
	if got := p.LateActions(now); !slices.Equal(got, []string{"a1", "a7"}) {
		t.Errorf("late actions = %v", got)
	}
	if got := p.LateActions(storetest.Day(2016, 6, 1)); len(got) != 9 {
		t.Errorf("late actions after the deadline = %v", got)
	}
}

func TestTrendOf(t *testing.T) {
	r := func(rs ...ProgressRating) []ProgressRating { return rs }
	tests := []struct {
		ratings []ProgressRating
		want    Trend
	}{
		{nil, TooFewReviews},
		{r(RatingSome), TooFewReviews},
		{r(RatingSome, "BOGUS"), TooFewReviews},
		{r(RatingLittle, RatingSome), Improving},
		{r(RatingDeteriorated, RatingSignificant), Improving},
		{r(RatingSome, RatingSome), Steady},
		{r(RatingSome, RatingLittle), Worsening},
		{r(RatingSignificant, RatingSome, RatingLittle, RatingSome), Improving}, // the last two count
		{r(RatingLittle, RatingSome, RatingSome, RatingDeteriorated), Worsening},
	}
	for _, tt := range tests {
		if got := TrendOf(tt.ratings); got != tt.want {
			t.Errorf("TrendOf(%v) = %q, want %q", tt.ratings, got, tt.want)
		}
	}
}
