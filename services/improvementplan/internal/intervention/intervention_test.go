package intervention

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

var now = time.Date(2016, 6, 1, 10, 30, 0, 0, time.UTC)

func TestOrderValidate(t *testing.T) {
	valid := Order{Kind: Commissioner, Reason: "Leadership has not stabilised.", Areas: []string{reference.AreaLeadershipManagementGovernance}}
	with := func(change func(*Order)) Order {
		o := valid
		o.Areas = slices.Clone(valid.Areas)
		change(&o)
		return o
	}
	for _, tc := range []struct {
		name  string
		order Order
		want  []string
	}{
		{"valid", valid, nil},
		{"valid with every kind and a plan of the council", with(func(o *Order) {
			o.Kind, o.Plan = SponsorPartnership, plan.Name(storetest.Leeds, "abc123")
		}), nil},
		{"no kind", with(func(o *Order) { o.Kind = "" }), []string{"intervention.kind"}},
		{"unknown kind", with(func(o *Order) { o.Kind = "ACADEMY" }), []string{"intervention.kind"}},
		{"blank reason", with(func(o *Order) { o.Reason = " \n " }), []string{"intervention.reason"}},
		{"reason too long", with(func(o *Order) { o.Reason = strings.Repeat("é", MaxText+1) }), []string{"intervention.reason"}},
		{"no areas", with(func(o *Order) { o.Areas = nil }), []string{"intervention.areas"}},
		{"unknown area", with(func(o *Order) { o.Areas = []string{"SCHOOLS"} }), []string{"intervention.areas[0]"}},
		{"overall effectiveness is not an area needing support", with(func(o *Order) {
			o.Areas = []string{reference.AreaHelpAndProtection, reference.AreaOverallEffectiveness}
		}), []string{"intervention.areas[1]"}},
		{"area named twice", with(func(o *Order) {
			o.Areas = []string{reference.AreaCareLeavers, reference.AreaLSCB, reference.AreaCareLeavers}
		}), []string{"intervention.areas[2]"}},
		{"plan of another council", with(func(o *Order) { o.Plan = plan.Name(storetest.Sheffield, "abc123") }), []string{"intervention.improvement_plan"}},
		{"not a plan name", with(func(o *Order) { o.Plan = "localAuthorities/" + storetest.Leeds + "/inspections/abc" }), []string{"intervention.improvement_plan"}},
		{"every problem at once", Order{Kind: "X", Areas: []string{"Y", "Y"}, Plan: "plans/1"},
			[]string{"intervention.areas[0]", "intervention.areas[1]", "intervention.improvement_plan", "intervention.kind", "intervention.reason"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := rpctest.Fields(tc.order.Validate("intervention.", storetest.Leeds).Err()); !slices.Equal(got, tc.want) {
				t.Errorf("violations on %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNewAndLift(t *testing.T) {
	local := now.In(time.FixedZone("BST", 3600))
	iv, err := New(storetest.Leeds, "iv1", Order{Kind: ImprovementNotice, Reason: "  Slow progress.  ", Areas: []string{reference.AreaHelpAndProtection}}, "", "dfe-1", local)
	if err != nil {
		t.Fatal(err)
	}
	if iv.State != InForce || iv.Reason != "Slow progress." || iv.OrderedBy != "dfe-1" || !iv.OrderTime.Equal(now) ||
		iv.OrderTime.Location() != time.UTC || iv.Name() != "localAuthorities/"+storetest.Leeds+"/interventions/iv1" || iv.Version != 0 {
		t.Fatalf("new = %+v", iv)
	}
	if _, err := New(storetest.Leeds, "iv2", Order{}, "", "dfe-1", now); !slices.Equal(rpctest.InvalidFields(t, err), []string{"areas", "kind", "reason"}) {
		t.Errorf("new with nothing: %v", err)
	}

	if _, err := iv.Lift(""); !slices.Equal(rpctest.InvalidFields(t, err), []string{"reason"}) {
		t.Errorf("lift without a reason: %v", err)
	}
	lifted, err := iv.Lift(" Improvement sustained. ")
	if err != nil {
		t.Fatal(err)
	}
	if lifted.State != Lifted || lifted.LiftReason != "Improvement sustained." || iv.State != InForce {
		t.Fatalf("lifted = %+v, original %+v", lifted, iv)
	}
	_, err = lifted.Lift("again")
	if f, ok := fault.As(err); !ok || f.Kind != fault.KindFailedPrecondition || f.Reason != ReasonNotInForce {
		t.Fatalf("lifting twice: %v", err)
	}
}

func TestNames(t *testing.T) {
	storetest.Names(t, ParseName, map[string][2]string{
		"localAuthorities/E08000035/interventions/abc-1": {storetest.Leeds, "abc-1"},
	}, []string{
		"localAuthorities/E08000035/interventions/",
		"localAuthorities/E08000035/interventions/Abc",
		"localAuthorities/E08000035/interventions/abc/x",
		"localAuthorities/E08000035/improvementPlans/abc",
		"localAuthorities/-/interventions/abc",
		"localAuthorities/X08000035/interventions/abc",
		"interventions/abc",
	})
	if id := resource.NewID(); !resource.ValidID(id) {
		t.Errorf("resource.NewID() = %q, not a valid ID", id)
	}
}

func TestSelect(t *testing.T) {
	at := func(days int) time.Time { return now.AddDate(0, 0, days) }
	all := []Intervention{
		{GSSCode: storetest.Leeds, ID: "a", Kind: Commissioner, State: InForce, OrderTime: at(-10)},
		{GSSCode: storetest.Sheffield, ID: "b", Kind: ChildrensServicesTrust, State: Lifted, OrderTime: at(-5)},
		{GSSCode: storetest.Leeds, ID: "c", Kind: Commissioner, State: Lifted, OrderTime: at(-1)},
		{GSSCode: storetest.Sheffield, ID: "a", Kind: ImprovementNotice, State: InForce, OrderTime: at(-1)},
	}
	// selects checks which of all each filter selects, in Select's order.
	selects := func(want map[string][]string) {
		t.Helper()
		storetest.Selects(t, FilterSchema, func(f *filter.Filter) []Intervention { return Select(all, f) },
			func(iv Intervention) string { return iv.GSSCode + "/" + iv.ID }, want)
	}
	selects(map[string][]string{
		"":                                       {"E08000019/a", "E08000035/c", "E08000019/b", "E08000035/a"},
		"kind = COMMISSIONER":                    {"E08000035/c", "E08000035/a"},
		"state = in_force":                       {"E08000019/a", "E08000035/a"},
		"kind = COMMISSIONER AND state = LIFTED": {"E08000035/c"},
		"kind != COMMISSIONER OR state = IN_FORCE": {"E08000019/a", "E08000019/b", "E08000035/a"},
	})
	if _, err := filter.Compile("kind = ACADEMY", FilterSchema); err == nil {
		t.Error("filter on an unknown kind compiled")
	}
	// By the council's region (Manchester is in the North West, Leeds and
	// Sheffield in Yorkshire and the Humber) and when it was ordered.
	all = append(all, Intervention{GSSCode: "E08000003", ID: "m", Kind: Commissioner, State: InForce, OrderTime: at(-3)})
	selects(map[string][]string{
		"region = NORTH_WEST": {"E08000003/m"},
		"region = REGION_YORKSHIRE_AND_THE_HUMBER AND state = IN_FORCE":                                               {"E08000019/a", "E08000035/a"},
		fmt.Sprintf("order_time >= %q AND order_time < %q", at(-6).Format(time.RFC3339), at(-2).Format(time.RFC3339)): {"E08000003/m", "E08000019/b"},
		fmt.Sprintf("region = NORTH_WEST AND order_time < %q", at(-4).Format(time.DateOnly)):                          nil,
	})
	if _, err := filter.Compile("reason = x", FilterSchema); err == nil {
		t.Error("filter on reason compiled")
	}
}

// planIn returns a plan of Leeds in state s, opened by an inadequate
// judgement.
func planIn(t *testing.T, s plan.State) plan.Plan {
	t.Helper()
	p := plan.Open(plan.OpenInput{
		GSSCode: storetest.Leeds, Inspection: "localAuthorities/" + storetest.Leeds + "/inspections/ins1",
		JudgementDate: time.Date(2015, 11, 20, 0, 0, 0, 0, time.UTC),
		KeyJudgements: map[string]reference.Grade{reference.AreaHelpAndProtection: reference.Inadequate},
	}, now.AddDate(0, -6, 0))
	p.Version = 7
	p.State = s
	return p
}

func TestDecide(t *testing.T) {
	order := &Order{Kind: ChildrensServicesTrust, Reason: "Insufficient progress in six months.",
		Areas: []string{reference.AreaHelpAndProtection, reference.AreaLeadershipManagementGovernance}}

	t.Run("only a plan whose decision is due", func(t *testing.T) {
		for _, s := range plan.States {
			p := planIn(t, s)
			_, err := Decide(p, DecisionInput{Decision: SignificantImprovement, Rationale: "Strong progress."}, "iv1", "dfe-1", now)
			if s == plan.DecisionDue {
				if err != nil {
					t.Errorf("%s: %v", s, err)
				}
				continue
			}
			f, ok := fault.As(err)
			if !ok || f.Kind != fault.KindFailedPrecondition || f.Reason != ReasonDecisionNotDue || f.Metadata["state"] != string(s) {
				t.Errorf("%s: %v, want FAILED_PRECONDITION %s", s, err, ReasonDecisionNotDue)
			}
		}
	})

	t.Run("significant improvement continues the plan", func(t *testing.T) {
		p := planIn(t, plan.DecisionDue)
		out, err := Decide(p, DecisionInput{Decision: SignificantImprovement, Rationale: " Caseloads halved. "}, "iv1", "dfe-1", now)
		if err != nil {
			t.Fatal(err)
		}
		last := out.Plan.History[len(out.Plan.History)-1]
		if out.Intervention != nil || out.Plan.State != plan.Continued || out.Plan.Intervention != "" || out.Plan.Version != 7 ||
			last.From != plan.DecisionDue || last.To != plan.Continued || last.Actor != "dfe-1" || !last.Time.Equal(now) ||
			last.Reason != "significant improvement: Caseloads halved." {
			t.Fatalf("outcome = %+v, last change %+v", out, last)
		}
		if p.State != plan.DecisionDue || len(p.History) != len(out.Plan.History)-1 {
			t.Fatalf("the plan decided on changed: %+v", p)
		}
	})

	t.Run("insufficient progress escalates to an intervention", func(t *testing.T) {
		p := planIn(t, plan.DecisionDue)
		in := DecisionInput{Decision: Insufficient, Rationale: "Re-referrals still rising.", Intervention: order}
		out, err := Decide(p, in, "iv1", "dfe-1", now)
		if err != nil {
			t.Fatal(err)
		}
		iv := out.Intervention
		if iv == nil || iv.Name() != "localAuthorities/"+storetest.Leeds+"/interventions/iv1" || iv.Plan != p.Name() || iv.State != InForce ||
			iv.Kind != ChildrensServicesTrust || iv.OrderedBy != "dfe-1" || !iv.OrderTime.Equal(now) || !slices.Equal(iv.Areas, order.Areas) {
			t.Fatalf("intervention = %+v", iv)
		}
		last := out.Plan.History[len(out.Plan.History)-1]
		if out.Plan.State != plan.Escalated || out.Plan.Intervention != iv.Name() || last.Actor != "dfe-1" ||
			!strings.HasPrefix(last.Reason, "insufficient progress: Re-referrals still rising.") || !strings.Contains(last.Reason, iv.Name()) {
			t.Fatalf("plan = %+v, last change %+v", out.Plan, last)
		}
		if order.Plan != "" {
			t.Fatalf("the caller's order changed: %+v", order)
		}
		// The request may name the plan decided on, and nothing else.
		named := *order
		named.Plan = p.Name()
		if _, err := Decide(p, DecisionInput{Decision: Insufficient, Rationale: "x", Intervention: &named}, "iv1", "dfe-1", now); err != nil {
			t.Errorf("naming the plan decided on: %v", err)
		}
	})

	other := *order
	other.Plan = plan.Name(storetest.Leeds, "other")
	for _, tc := range []struct {
		name string
		in   DecisionInput
		want []string
	}{
		{"no decision", DecisionInput{Rationale: "x"}, []string{"decision"}},
		{"unknown decision", DecisionInput{Decision: "MAYBE", Rationale: "x"}, []string{"decision"}},
		{"no rationale", DecisionInput{Decision: SignificantImprovement, Rationale: "  "}, []string{"rationale"}},
		{"insufficient without an intervention", DecisionInput{Decision: Insufficient, Rationale: "x"}, []string{"intervention"}},
		{"insufficient with an empty intervention", DecisionInput{Decision: Insufficient, Rationale: "x", Intervention: &Order{}},
			[]string{"intervention.areas", "intervention.kind", "intervention.reason"}},
		{"insufficient naming another plan", DecisionInput{Decision: Insufficient, Rationale: "x", Intervention: &other},
			[]string{"intervention.improvement_plan"}},
		{"significant improvement with an intervention", DecisionInput{Decision: SignificantImprovement, Rationale: "x", Intervention: order},
			[]string{"intervention"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Checked before the state, so even a plan not due sees them.
			for _, s := range []plan.State{plan.DecisionDue, plan.Monitoring} {
				_, err := Decide(planIn(t, s), tc.in, "iv1", "dfe-1", now)
				if got := rpctest.InvalidFields(t, err); !slices.Equal(got, tc.want) {
					t.Errorf("%s: violations on %v, want %v", s, got, tc.want)
				}
			}
		})
	}

	if !errors.Is(change.At(3).Check(4), change.ErrConflict) || change.At(4).Check(4) != nil {
		t.Error("Etag.Check")
	}
}
