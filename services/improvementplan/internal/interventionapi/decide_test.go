package interventionapi

import (
	"context"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/intervention"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planapi"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

func trustOrder() *improvementplanv1.Intervention {
	return &improvementplanv1.Intervention{
		Kind:   trust,
		Reason: "Six months on, children in need of help and protection are still not safe.",
		Areas:  []typev1.JudgementArea{typev1.JudgementArea_JUDGEMENT_AREA_HELP_AND_PROTECTION, typev1.JudgementArea_JUDGEMENT_AREA_LEADERSHIP_MANAGEMENT_GOVERNANCE},
		// Output only: ignored.
		Name: "localAuthorities/E08000035/interventions/mine", State: lifted,
	}
}

// TestDecideInsufficient is the end of the six months for a council that
// did not improve enough: DfE decides, and in one transaction the plan is
// escalated, the intervention ordered, and InterventionOrdered put in the
// council's outbox with the audit trail.
func TestDecideInsufficient(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p := e.planIn(leeds, plan.DecisionDue)
	// Actions of both measures, one of them late, so the rendering
	// compared below covers them.
	p.Priorities[0].Actions = []plan.Action{{
		ID: "a1", Title: "Daily strategy discussions", OwnerRole: "Head of Safeguarding",
		DueDate: time.Date(2016, 3, 31, 0, 0, 0, 0, time.UTC), Status: plan.AtRisk, EvidenceNotes: []string{"Audit in April"},
		Measure: plan.Measure{Milestone: &plan.Milestone{Milestone: "Front door live", EvidenceExpected: "Case audit"}},
	}}
	p.Priorities[1].Actions = []plan.Action{{
		ID: "a2", Title: "Stable leadership", OwnerRole: "Chief Executive",
		DueDate: time.Date(2016, 5, 15, 0, 0, 0, 0, time.UTC), Status: plan.Done,
		Measure: plan.Measure{Indicator: &plan.Indicator{Name: "AGENCY_RATE", Baseline: 27, Target: 15}},
	}}
	p, err := e.plans.Save(ctx, p, change.Request{Subject: "setup", Method: "setup"})
	if err != nil {
		t.Fatal(err)
	}
	e.review(p, time.Date(2016, 2, 1, 0, 0, 0, 0, time.UTC), plan.RatingSome)
	e.review(p, time.Date(2016, 5, 1, 0, 0, 0, 0, time.UTC), plan.RatingLittle)
	before := e.outbox(leeds)

	req := &improvementplanv1.DecideProgressRequest{
		Name: p.Name(), Etag: store.Etag(p.Version), Decision: insufficient,
		Rationale: "Re-referrals rose and the front door is still unsafe.", Intervention: trustOrder(), RequestId: "decide-1",
	}
	resp, err := e.client.DecideProgress(e.as(rpctest.Official), req)
	if err != nil {
		t.Fatal(err)
	}
	iv, got := resp.GetIntervention(), resp.GetImprovementPlan()
	if !strings.HasPrefix(iv.GetName(), leedsName+"/interventions/") || iv.GetName() == trustOrder().GetName() ||
		iv.GetKind() != trust || iv.GetState() != inForce || iv.GetImprovementPlan() != p.Name() ||
		iv.GetOrderedBy() != rpctest.Official.Subject || iv.GetEtag() != `"1"` || iv.GetReason() != trustOrder().GetReason() ||
		!slices.Equal(iv.GetAreas(), trustOrder().GetAreas()) || iv.GetOrderTime() == nil {
		t.Fatalf("intervention = %v", iv)
	}
	last := got.GetHistory()[len(got.GetHistory())-1]
	if got.GetName() != p.Name() || got.GetState() != improvementplanv1.PlanState_PLAN_STATE_ESCALATED ||
		got.GetIntervention() != iv.GetName() || got.GetEtag() != store.Etag(p.Version+1) ||
		last.GetFrom() != improvementplanv1.PlanState_PLAN_STATE_DECISION_DUE || last.GetTo() != improvementplanv1.PlanState_PLAN_STATE_ESCALATED ||
		last.GetActor() != rpctest.Official.Subject || !strings.Contains(last.GetReason(), req.GetRationale()) ||
		!last.GetChangeTime().AsTime().Equal(iv.GetOrderTime().AsTime()) ||
		!slices.Equal(got.GetRatingTrend(), []improvementplanv1.ProgressRating{improvementplanv1.ProgressRating_PROGRESS_RATING_SOME, improvementplanv1.ProgressRating_PROGRESS_RATING_LITTLE}) ||
		got.GetTrend() != string(plan.Worsening) || len(got.GetPriorities()) != 2 || !slices.Equal(got.GetLateActions(), []string{"a1"}) {
		t.Fatalf("plan = %v", got)
	}

	// The plan is rendered as the plan methods render it: GetImprovementPlan
	// answers, now, with what the decision answered.
	pages, err := paging.NewRandomCodec(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	plans := planapi.New(plan.NewService(e.plans, e.reviews, nil, e.now), pages, nil)
	viaGet, err := plans.GetImprovementPlan(auth.NewContext(ctx, rpctest.Official), &improvementplanv1.GetImprovementPlanRequest{Name: p.Name()})
	if err != nil || !proto.Equal(viaGet, got) {
		t.Fatalf("GetImprovementPlan = %v, %v\nwant the decision's %v", viaGet, err, got)
	}

	// The store agrees with the response.
	stored, err := e.plans.Get(ctx, leeds, p.ID)
	if err != nil || stored.State != plan.Escalated || stored.Intervention != iv.GetName() || stored.Version != p.Version+1 {
		t.Fatalf("stored plan = %+v, %v", stored, err)
	}
	read, err := e.client.GetIntervention(e.as(rpctest.Adviser), &improvementplanv1.GetInterventionRequest{Name: iv.GetName()})
	if err != nil || !proto.Equal(read, iv) {
		t.Fatalf("get = %v, %v; want %v", read, err, iv)
	}

	// InterventionOrdered is in the council's outbox, with the audit
	// entries of both records.
	box := e.outbox(leeds)
	if len(box.Ordered) != 1 {
		t.Fatalf("%d InterventionOrdered events, want 1", len(box.Ordered))
	}
	want := &eventsv1.InterventionOrdered{
		Intervention: iv.GetName(), LocalAuthority: leedsName, Kind: "CHILDRENS_SERVICES_TRUST",
		Areas: []string{"HELP_AND_PROTECTION", "LEADERSHIP_MANAGEMENT_GOVERNANCE"}, Reason: trustOrder().GetReason(),
		ImprovementPlan: p.Name(), OrderedBy: rpctest.Official.Subject,
		// The grades the plan's judgement gave the areas, for the sponsor
		// need's weights.
		AreaGrades: map[string]string{
			"HELP_AND_PROTECTION":              string(p.KeyJudgements["HELP_AND_PROTECTION"]),
			"LEADERSHIP_MANAGEMENT_GOVERNANCE": string(p.KeyJudgements["LEADERSHIP_MANAGEMENT_GOVERNANCE"]),
		},
	}
	if !proto.Equal(box.Ordered[0], want) {
		t.Errorf("InterventionOrdered = %v, want %v", box.Ordered[0], want)
	}
	if env := box.Envelopes[0]; env.Topic != "improvementplan" || env.Subject != iv.GetName() {
		t.Errorf("envelope: topic %q subject %q", env.Topic, env.Subject)
	}
	var trail []string
	for _, a := range box.Audits[len(before.Audits):] {
		trail = append(trail, a.Actor+" "+a.Method+" "+a.Resource+" "+a.EtagBefore+">"+a.EtagAfter+" "+a.RequestID)
	}
	const decide = improvementplanv1.ImprovementPlanService_DecideProgress_FullMethodName
	wantTrail := []string{
		rpctest.Official.Subject + " " + decide + " " + p.Name() + " " + store.Etag(p.Version) + ">" + store.Etag(p.Version+1) + " decide-1",
		rpctest.Official.Subject + " " + decide + " " + iv.GetName() + ` >"1" decide-1`,
	}
	if !slices.Equal(trail, wantTrail) {
		t.Errorf("audit trail\n%q\nwant\n%q", trail, wantTrail)
	}

	// The request_id replays the first response; nothing is ordered twice.
	again, err := e.client.DecideProgress(e.as(rpctest.Official), req)
	if err != nil || !proto.Equal(again, resp) {
		t.Fatalf("replay = %v, %v", again, err)
	}
	if n := len(e.outbox(leeds).Ordered); n != 1 {
		t.Fatalf("%d events after the replay", n)
	}
	list, err := e.ivs.List(ctx, leeds)
	if err != nil || len(list) != 1 {
		t.Fatalf("interventions after the replay = %v, %v", list, err)
	}
	// Another official's identical request is a new request: the plan is
	// decided already.
	other := rpctest.Official
	other.Subject = "official-2"
	_, err = e.client.DecideProgress(e.as(other), req)
	rpctest.ExpectError(t, "deciding twice", err, codes.FailedPrecondition, intervention.ReasonDecisionNotDue)
	// The same request_id with another request is refused.
	changed := proto.Clone(req).(*improvementplanv1.DecideProgressRequest)
	changed.Rationale = "Something else."
	_, err = e.client.DecideProgress(e.as(rpctest.Official), changed)
	rpctest.ExpectError(t, "request_id reused", err, codes.InvalidArgument, store.ErrRequestIDReused.Reason, "request_id")
}

// TestDecideSignificantImprovement continues the plan; nothing is ordered.
func TestDecideSignificantImprovement(t *testing.T) {
	e := newEnv(t)
	p := e.planIn(leeds, plan.DecisionDue)
	resp, err := e.client.DecideProgress(e.as(rpctest.Official), &improvementplanv1.DecideProgressRequest{
		Name: p.Name(), Etag: store.Etag(p.Version), Decision: significantImprovement, Rationale: "Caseloads halved; audits good.",
	})
	if err != nil {
		t.Fatal(err)
	}
	got := resp.GetImprovementPlan()
	last := got.GetHistory()[len(got.GetHistory())-1]
	if resp.GetIntervention() != nil || got.GetState() != improvementplanv1.PlanState_PLAN_STATE_CONTINUED || got.GetIntervention() != "" ||
		got.GetEtag() != store.Etag(p.Version+1) || last.GetActor() != rpctest.Official.Subject ||
		last.GetReason() != "significant improvement: Caseloads halved; audits good." || got.GetTrend() != string(plan.TooFewReviews) {
		t.Fatalf("response = %v", resp)
	}
	stored, err := e.plans.Get(context.Background(), leeds, p.ID)
	if err != nil || stored.State != plan.Continued || stored.Version != p.Version+1 {
		t.Fatalf("stored = %+v, %v", stored, err)
	}
	box := e.outbox(leeds)
	if len(box.Ordered) != 0 || box.Audits[len(box.Audits)-1].Resource != p.Name() {
		t.Fatalf("outbox: %d events, last audit %+v", len(box.Ordered), box.Audits[len(box.Audits)-1])
	}
}

// TestDecideErrors covers the decisions refused, each with the right code,
// reason and fields, and checks that none changed anything.
func TestDecideErrors(t *testing.T) {
	e := newEnv(t)
	due := e.planIn(leeds, plan.DecisionDue)
	monitoring := e.planIn(leeds, plan.Monitoring)
	escalated := e.planIn(leeds, plan.Escalated)
	decide := func(name, etag string, d improvementplanv1.ProgressDecision, iv *improvementplanv1.Intervention) error {
		_, err := e.client.DecideProgress(e.as(rpctest.Official), &improvementplanv1.DecideProgressRequest{
			Name: name, Etag: etag, Decision: d, Rationale: "Reasons.", Intervention: iv,
		})
		return err
	}
	etag := store.Etag(due.Version)
	otherPlan := trustOrder()
	otherPlan.ImprovementPlan = monitoring.Name()
	rpctest.ExpectError(t, "a plan under monitoring", decide(monitoring.Name(), store.Etag(monitoring.Version), insufficient, trustOrder()),
		codes.FailedPrecondition, intervention.ReasonDecisionNotDue)
	rpctest.ExpectError(t, "a plan decided already, with an old etag", decide(escalated.Name(), `"1"`, significantImprovement, nil),
		codes.FailedPrecondition, intervention.ReasonDecisionNotDue)
	rpctest.ExpectError(t, "insufficient without an intervention", decide(due.Name(), etag, insufficient, nil),
		codes.InvalidArgument, "", "intervention")
	rpctest.ExpectError(t, "insufficient with an empty intervention", decide(due.Name(), etag, insufficient, &improvementplanv1.Intervention{}),
		codes.InvalidArgument, "", "intervention.areas", "intervention.kind", "intervention.reason")
	rpctest.ExpectError(t, "insufficient with a bad area", decide(due.Name(), etag, insufficient, &improvementplanv1.Intervention{Kind: notice, Reason: "r", Areas: []typev1.JudgementArea{99}}),
		codes.InvalidArgument, "", "intervention.areas[0]")
	rpctest.ExpectError(t, "insufficient naming another plan", decide(due.Name(), etag, insufficient, otherPlan),
		codes.InvalidArgument, "", "intervention.improvement_plan")
	rpctest.ExpectError(t, "significant improvement with an intervention", decide(due.Name(), etag, significantImprovement, trustOrder()),
		codes.InvalidArgument, "", "intervention")
	rpctest.ExpectError(t, "no decision, no rationale, no etag", rpctest.Err(e.client.DecideProgress(e.as(rpctest.Official), &improvementplanv1.DecideProgressRequest{Name: due.Name()})),
		codes.InvalidArgument, "", "decision", "etag", "rationale")
	rpctest.ExpectError(t, "unknown decision", decide(due.Name(), etag, 9, nil), codes.InvalidArgument, "", "decision")
	rpctest.ExpectError(t, "forged etag", decide(due.Name(), "7", significantImprovement, nil), codes.InvalidArgument, "", "etag")
	rpctest.ExpectError(t, "stale etag", decide(due.Name(), store.Etag(due.Version-1), insufficient, trustOrder()), codes.Aborted, "ETAG_MISMATCH")
	rpctest.ExpectError(t, "unknown plan", decide(plan.Name(leeds, "nope"), etag, significantImprovement, nil), codes.NotFound, plan.ReasonNotFound)
	rpctest.ExpectError(t, "bad name", decide(leedsName+"/interventions/x", etag, significantImprovement, nil), codes.InvalidArgument, "", "name")
	for _, p := range []plan.Plan{due, monitoring, escalated} {
		stored, err := e.plans.Get(context.Background(), leeds, p.ID)
		if err != nil || stored.Version != p.Version || stored.State != p.State {
			t.Errorf("%s changed: %+v, %v", p.Name(), stored, err)
		}
	}
	if box := e.outbox(leeds); len(box.Ordered) != 0 {
		t.Errorf("%d interventions ordered by refused decisions", len(box.Ordered))
	}
}
