package planapi_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
)

// indicators are the indicators of every action of p, in order.
func indicators(p *improvementplanv1.ImprovementPlan) []typev1.Indicator {
	var out []typev1.Indicator
	for _, pr := range p.GetPriorities() {
		for _, a := range pr.GetActions() {
			if m := a.GetIndicator(); m != nil {
				out = append(out, m.GetIndicator())
			}
		}
	}
	return out
}

// TestIndicatorIsTheSharedEnum: an action's indicator is the Indicator enum
// the inspection service prints, it round-trips through an update, and a
// number the enum does not define is refused on the field that carries it.
func TestIndicatorIsTheSharedEnum(t *testing.T) {
	h := newHarness(t)
	p := h.open(leeds, "i1", published)
	council := h.as(officer)
	read, err := h.client.GetImprovementPlan(council, &improvementplanv1.GetImprovementPlanRequest{Name: p.Name()})
	if err != nil {
		t.Fatal(err)
	}
	prs := withActions(read,
		&improvementplanv1.Action{Title: "Fewer agency social workers", DueDate: date(2016, 4, 30),
			Measure: indicator(typev1.Indicator_INDICATOR_AGENCY_RATE, 27, 15)},
		&improvementplanv1.Action{Title: "Lower caseloads", DueDate: date(2016, 4, 30),
			Measure: indicator(typev1.Indicator_INDICATOR_CASELOAD, 22, 16)},
		&improvementplanv1.Action{Title: "Stable placements", DueDate: date(2016, 4, 30), Measure: milestone("placement panel", "minutes")},
		&improvementplanv1.Action{Title: "Pathway plans", DueDate: date(2016, 4, 30), Measure: milestone("every plan", "audit")},
	)
	up, err := h.client.UpdateImprovementPlan(council, &improvementplanv1.UpdateImprovementPlanRequest{
		ImprovementPlan: &improvementplanv1.ImprovementPlan{Name: p.Name(), Etag: read.GetEtag(), Priorities: prs},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []typev1.Indicator{typev1.Indicator_INDICATOR_AGENCY_RATE, typev1.Indicator_INDICATOR_CASELOAD}
	if got := indicators(up); !slices.Equal(got, want) {
		t.Fatalf("updated plan's indicators = %v, want %v", got, want)
	}
	again, err := h.client.GetImprovementPlan(council, &improvementplanv1.GetImprovementPlanRequest{Name: p.Name()})
	if err != nil {
		t.Fatal(err)
	}
	if got := indicators(again); !slices.Equal(got, want) {
		t.Fatalf("plan read back with indicators %v, want %v", got, want)
	}

	bad := proto.Clone(again).(*improvementplanv1.ImprovementPlan)
	bad.GetPriorities()[1].GetActions()[0].GetIndicator().Indicator = typev1.Indicator(99)
	_, err = h.client.UpdateImprovementPlan(council, &improvementplanv1.UpdateImprovementPlanRequest{
		ImprovementPlan: &improvementplanv1.ImprovementPlan{Name: p.Name(), Etag: again.GetEtag(), Priorities: bad.GetPriorities()},
	})
	wantStatus(t, "undefined indicator", err, codes.InvalidArgument, "", "improvement_plan.priorities[1].actions[0].indicator.indicator")
}

// TestStoredBeforeIndicatorsWereEnums reads a plan stored while an action's
// indicator was free text: a name without the prefix (what the console and
// the demo sent) and the full enum name both print as the enum; text that
// names no indicator prints as unspecified and fails the credibility check
// by name, so the council knows which action to fix; and the plan, saved
// again, keeps one spelling.
func TestStoredBeforeIndicatorsWereEnums(t *testing.T) {
	h := newHarness(t)
	p := h.open(leeds, "i1", published)
	created := p.CreateTime.Format(time.RFC3339Nano)
	old := fmt.Sprintf(`{"schema":1,"gss_code":%q,"id":%q,"inspection":%q,`+
		`"judgement_date":"2015-11-20T00:00:00Z","deadline":"2016-05-20T00:00:00Z","original_deadline":"2016-05-20T00:00:00Z",`+
		`"state":"DRAFT","key_judgements":{"HELP_AND_PROTECTION":"INADEQUATE","LEADERSHIP_MANAGEMENT_GOVERNANCE":"INADEQUATE"},`+
		`"priorities":[{"id":"p1","area":"HELP_AND_PROTECTION","judgement_grade":"INADEQUATE","target_grade":"GOOD","actions":[`+
		`{"id":"a1","title":"Fewer agency social workers","due_date":"2016-04-30T00:00:00Z","indicator":{"name":"AGENCY_RATE","baseline":27,"target":15},"status":"NOT_STARTED"},`+
		`{"id":"a2","title":"Lower caseloads","due_date":"2016-04-30T00:00:00Z","indicator":{"name":"INDICATOR_CASELOAD","baseline":22,"target":16},"status":"NOT_STARTED"},`+
		`{"id":"a3","title":"Happier social workers","due_date":"2016-04-30T00:00:00Z","indicator":{"name":"social worker morale","baseline":3,"target":4},"status":"NOT_STARTED"}]}],`+
		`"create_time":%q,"update_time":%q}`, leeds, p.ID, p.Inspection, created, created)
	key := h.st.Keyspace().Key(keyspace.CouncilTag(leeds), "plan", p.ID)
	if err := h.st.Client().HSet(context.Background(), key, "data", old).Err(); err != nil {
		t.Fatal(err)
	}

	council := h.as(officer)
	read, err := h.client.GetImprovementPlan(council, &improvementplanv1.GetImprovementPlanRequest{Name: p.Name()})
	if err != nil {
		t.Fatalf("read the old plan: %v", err)
	}
	want := []typev1.Indicator{typev1.Indicator_INDICATOR_AGENCY_RATE, typev1.Indicator_INDICATOR_CASELOAD, typev1.Indicator_INDICATOR_UNSPECIFIED}
	if got := indicators(read); !slices.Equal(got, want) {
		t.Fatalf("old plan's indicators print as %v, want %v", got, want)
	}
	check, err := h.client.CheckPlan(council, &improvementplanv1.CheckPlanRequest{Name: p.Name()})
	if err != nil {
		t.Fatal(err)
	}
	var measurable *improvementplanv1.CredibilityCheck
	for _, c := range check.GetChecks() {
		if c.GetRule() == "every-action-has-a-measurable-outcome" {
			measurable = c
		}
	}
	if measurable.GetPassed() || len(measurable.GetFailures()) != 1 ||
		!strings.Contains(measurable.GetFailures()[0], `a3 "Happier social workers"`) || !strings.Contains(measurable.GetFailures()[0], `"social worker morale"`) {
		t.Fatalf("measurable outcome check = %v", measurable)
	}

	// The council picks an indicator for the third action; the two it kept
	// are stored as the domain names them.
	fixed := proto.Clone(read).(*improvementplanv1.ImprovementPlan)
	fixed.GetPriorities()[0].GetActions()[2].GetIndicator().Indicator = typev1.Indicator_INDICATOR_TURNOVER_RATE
	if _, err := h.client.UpdateImprovementPlan(council, &improvementplanv1.UpdateImprovementPlanRequest{
		ImprovementPlan: &improvementplanv1.ImprovementPlan{Name: p.Name(), Etag: read.GetEtag(), Priorities: fixed.GetPriorities()},
	}); err != nil {
		t.Fatal(err)
	}
	data, err := h.st.Client().HGet(context.Background(), key, "data").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{`"name":"AGENCY_RATE"`, `"name":"CASELOAD"`, `"name":"TURNOVER_RATE"`} {
		if !strings.Contains(data, name) {
			t.Errorf("saved plan lacks %s: %s", name, data)
		}
	}
	if strings.Contains(data, "INDICATOR_") || strings.Contains(data, "morale") {
		t.Errorf("saved plan keeps an old spelling: %s", data)
	}
}
