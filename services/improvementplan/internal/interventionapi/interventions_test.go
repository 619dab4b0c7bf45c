package interventionapi

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/intervention"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planapi"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// TestOrderAndLift orders an intervention escalating a plan, reads it back,
// and lifts it, with the event, the replays and the audit trail.
func TestOrderAndLift(t *testing.T) {
	e := newEnv(t)
	p := e.planIn(leeds, plan.Escalated)
	req := &improvementplanv1.OrderInterventionRequest{
		Parent: leedsName,
		Intervention: &improvementplanv1.Intervention{
			Kind: commissioner, Reason: "Leadership has not stabilised.", Areas: []typev1.JudgementArea{typev1.JudgementArea_JUDGEMENT_AREA_LEADERSHIP_MANAGEMENT_GOVERNANCE},
			ImprovementPlan: p.Name(), OrderedBy: "someone else", State: lifted, LiftReason: "ignored", // output only
		},
		RequestId: "order-1",
	}
	iv := rpctest.Replayed(t, "order", e.as(rpctest.Official), e.client.OrderIntervention, req)
	if !strings.HasPrefix(iv.GetName(), leedsName+"/interventions/") || iv.GetKind() != commissioner || iv.GetState() != inForce ||
		iv.GetOrderedBy() != rpctest.Official.Subject || iv.GetLiftReason() != "" || iv.GetImprovementPlan() != p.Name() || iv.GetEtag() != `"1"` ||
		!iv.GetOrderTime().AsTime().After(start) {
		t.Fatalf("ordered = %v", iv)
	}
	box := e.outbox(leeds)
	want := &eventsv1.InterventionOrdered{
		Intervention: iv.GetName(), LocalAuthority: leedsName, Kind: "COMMISSIONER", Areas: []string{"LEADERSHIP_MANAGEMENT_GOVERNANCE"},
		Reason: "Leadership has not stabilised.", ImprovementPlan: p.Name(), OrderedBy: rpctest.Official.Subject,
		// The grade the plan's judgement gave the area, for the sponsor
		// need's weights.
		AreaGrades: map[string]string{"LEADERSHIP_MANAGEMENT_GOVERNANCE": string(p.KeyJudgements["LEADERSHIP_MANAGEMENT_GOVERNANCE"])},
	}
	if len(box.Ordered) != 1 || !proto.Equal(box.Ordered[0], want) || box.Envelopes[0].Topic != "improvementplan" {
		t.Fatalf("events = %v, want one %v", box.Ordered, want)
	}

	liftReq := &improvementplanv1.LiftInterventionRequest{Name: iv.GetName(), Etag: iv.GetEtag(), Reason: "Sustained improvement.", RequestId: "lift-1"}
	up := rpctest.Replayed(t, "lift", e.as(rpctest.Official), e.client.LiftIntervention, liftReq)
	if up.GetState() != lifted || up.GetLiftReason() != "Sustained improvement." || up.GetEtag() != `"2"` || up.GetKind() != commissioner {
		t.Fatalf("lifted = %v", up)
	}
	if read, err := e.client.GetIntervention(e.as(officer), &improvementplanv1.GetInterventionRequest{Name: iv.GetName()}); err != nil || !proto.Equal(read, up) {
		t.Fatalf("get after lifting = %v, %v", read, err)
	}
	_, err := e.client.LiftIntervention(e.as(rpctest.Official), &improvementplanv1.LiftInterventionRequest{Name: iv.GetName(), Etag: up.GetEtag(), Reason: "again"})
	rpctest.ExpectError(t, "lifting twice", err, codes.FailedPrecondition, intervention.ReasonNotInForce)

	var trail []string
	for _, a := range e.outbox(leeds).Audits {
		if a.Resource == iv.GetName() {
			trail = append(trail, a.Method+" "+a.EtagAfter+" "+a.RequestID)
		}
	}
	const svc = "/turnaround.improvementplan.v1.ImprovementPlanService/"
	if want := []string{svc + `OrderIntervention "1" order-1`, svc + `LiftIntervention "2" lift-1`}; !slices.Equal(trail, want) {
		t.Errorf("audit trail %q, want %q", trail, want)
	}
}

// TestOrderAndLiftErrors covers the refused orders and lifts.
func TestOrderAndLiftErrors(t *testing.T) {
	e := newEnv(t)
	ctx := e.as(rpctest.Official)
	theirs := e.planIn(sheffield, plan.Escalated)
	iv := e.order(leeds, notice, "")
	// Someone else moves it on: the first etag is stale.
	moved, err := e.ivs.Get(context.Background(), leeds, strings.TrimPrefix(iv.GetName(), leedsName+"/interventions/"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.ivs.Save(context.Background(), moved, change.Request{Subject: "x", Method: "x"}); err != nil {
		t.Fatal(err)
	}
	order := func(parent string, m *improvementplanv1.Intervention) error {
		return rpctest.Err(e.client.OrderIntervention(ctx, &improvementplanv1.OrderInterventionRequest{Parent: parent, Intervention: m}))
	}
	lift := func(name, etag, reason string) error {
		return rpctest.Err(e.client.LiftIntervention(ctx, &improvementplanv1.LiftInterventionRequest{Name: name, Etag: etag, Reason: reason}))
	}
	valid := func() *improvementplanv1.Intervention {
		return &improvementplanv1.Intervention{Kind: direction, Reason: "r", Areas: []typev1.JudgementArea{typev1.JudgementArea_JUDGEMENT_AREA_CARE_LEAVERS}}
	}
	withPlan := func(name string) *improvementplanv1.Intervention {
		m := valid()
		m.ImprovementPlan = name
		return m
	}
	rpctest.ExpectError(t, "no intervention", order(leedsName, nil), codes.InvalidArgument, "", "intervention")
	rpctest.ExpectError(t, "nothing set", order(leedsName, &improvementplanv1.Intervention{}),
		codes.InvalidArgument, "", "intervention.areas", "intervention.kind", "intervention.reason")
	rpctest.ExpectError(t, "unknown kind and area named twice", order(leedsName, &improvementplanv1.Intervention{Kind: 77, Reason: "r", Areas: []typev1.JudgementArea{typev1.JudgementArea_JUDGEMENT_AREA_LSCB, typev1.JudgementArea_JUDGEMENT_AREA_LSCB}}),
		codes.InvalidArgument, "", "intervention.areas[1]", "intervention.kind")
	rpctest.ExpectError(t, "another council's plan", order(leedsName, withPlan(theirs.Name())),
		codes.InvalidArgument, "", "intervention.improvement_plan")
	rpctest.ExpectError(t, "a plan that does not exist", order(leedsName, withPlan(plan.Name(leeds, "nope"))), codes.NotFound, plan.ReasonNotFound)
	rpctest.ExpectError(t, "bad parent", order("localAuthorities/-", valid()), codes.InvalidArgument, "", "parent")
	rpctest.ExpectError(t, "unknown council", order("localAuthorities/E08999999", valid()), codes.NotFound, resource.ReasonCouncilNotFound)
	rpctest.ExpectError(t, "request_id reused", func() error {
		req := &improvementplanv1.OrderInterventionRequest{Parent: leedsName, Intervention: valid(), RequestId: "same"}
		if _, err := e.client.OrderIntervention(ctx, req); err != nil {
			return err
		}
		req.Intervention.Reason = "other"
		_, err := e.client.OrderIntervention(ctx, req)
		return err
	}(), codes.InvalidArgument, store.ErrRequestIDReused.Reason, "request_id")
	rpctest.ExpectError(t, "lift with a stale etag", lift(iv.GetName(), iv.GetEtag(), "done"), codes.Aborted, "ETAG_MISMATCH")
	rpctest.ExpectError(t, "lift without an etag", lift(iv.GetName(), "", "done"), codes.InvalidArgument, "", "etag")
	rpctest.ExpectError(t, "lift without a reason", lift(iv.GetName(), `"2"`, " "), codes.InvalidArgument, "", "reason")
	rpctest.ExpectError(t, "lift of an unknown intervention", lift(leedsName+"/interventions/nope", `"1"`, "done"),
		codes.NotFound, intervention.ReasonNotFound)
	rpctest.ExpectError(t, "lift with a bad name", lift(theirs.Name(), `"1"`, "done"), codes.InvalidArgument, "", "name")
	rpctest.ExpectError(t, "get of an unknown intervention", rpctest.Err(e.client.GetIntervention(ctx, &improvementplanv1.GetInterventionRequest{Name: leedsName + "/interventions/nope"})),
		codes.NotFound, intervention.ReasonNotFound)
	rpctest.ExpectError(t, "list with a bad filter", rpctest.Err(e.client.ListInterventions(ctx, &improvementplanv1.ListInterventionsRequest{Parent: allParent, Filter: "reason = x"})),
		codes.InvalidArgument, "", "filter")
	rpctest.ExpectError(t, "list of an unknown council", rpctest.Err(e.client.ListInterventions(ctx, &improvementplanv1.ListInterventionsRequest{Parent: "localAuthorities/E08999999"})),
		codes.NotFound, resource.ReasonCouncilNotFound)
	// Still in force after the refused lifts.
	read, err := e.client.GetIntervention(ctx, &improvementplanv1.GetInterventionRequest{Name: iv.GetName()})
	if err != nil || read.GetState() != inForce || read.GetEtag() != `"2"` {
		t.Fatalf("after refused lifts = %v, %v", read, err)
	}
}

// TestList lists interventions across councils and per council, newest
// first, filtered and paged.
func TestList(t *testing.T) {
	e := newEnv(t)
	a := e.order(leeds, notice, "")
	b := e.order(sheffield, trust, "")
	c := e.order(leeds, commissioner, "")
	d := e.order(sheffield, notice, "")
	d, err := e.client.LiftIntervention(e.as(rpctest.Official), &improvementplanv1.LiftInterventionRequest{Name: d.GetName(), Etag: d.GetEtag(), Reason: "done"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		parent, filter string
		who            auth.Principal
		want           []*improvementplanv1.Intervention
	}{
		{allParent, "", rpctest.Adviser, []*improvementplanv1.Intervention{d, c, b, a}},
		{allParent, "kind = IMPROVEMENT_NOTICE", rpctest.Inspector, []*improvementplanv1.Intervention{d, a}},
		{allParent, "state = IN_FORCE AND kind != COMMISSIONER", rpctest.Official, []*improvementplanv1.Intervention{b, a}},
		{leedsName, "", rpctest.Official, []*improvementplanv1.Intervention{c, a}},
		{"localAuthorities/" + sheffield, "state = LIFTED", rpctest.Adviser, []*improvementplanv1.Intervention{d}},
		// An ordered intervention is public (the access matrix): every
		// role sees every council's, where a council officer used to see
		// only their own council's.
		{allParent, "", officer, []*improvementplanv1.Intervention{d, c, b, a}},
		{allParent, "", outsider, []*improvementplanv1.Intervention{d, c, b, a}},
		{leedsName, "", officer, []*improvementplanv1.Intervention{c, a}},
		{leedsName, "", outsider, []*improvementplanv1.Intervention{c, a}},
		{allParent, "state = LIFTED", rpctest.Partner, []*improvementplanv1.Intervention{d}},
		{allParent, "", sponsor, []*improvementplanv1.Intervention{d, c, b, a}},
	} {
		var got []*improvementplanv1.Intervention
		token := ""
		for pages := 0; ; pages++ {
			resp, err := e.client.ListInterventions(e.as(tc.who), &improvementplanv1.ListInterventionsRequest{
				Parent: tc.parent, Filter: tc.filter, PageSize: 1, PageToken: token,
			})
			if err != nil || resp.GetTotalSize() != int32(len(tc.want)) || pages > len(tc.want) {
				t.Fatalf("%s list %s %q page %d = %v, %v", tc.who.Subject, tc.parent, tc.filter, pages, resp, err)
			}
			got = append(got, resp.GetInterventions()...)
			if token = resp.GetNextPageToken(); token == "" {
				break
			}
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s list %s %q: %d results, want %d", tc.who.Subject, tc.parent, tc.filter, len(got), len(tc.want))
			continue
		}
		for i := range got {
			if !proto.Equal(got[i], tc.want[i]) {
				t.Errorf("%s list %s %q [%d] = %s, want %s", tc.who.Subject, tc.parent, tc.filter, i, got[i].GetName(), tc.want[i].GetName())
			}
		}
	}
	// Every caller sees the same public list, so an officer's page token
	// serves DfE too; a token of another filter is still refused.
	page, err := e.client.ListInterventions(e.as(officer), &improvementplanv1.ListInterventionsRequest{Parent: allParent, PageSize: 1})
	if err != nil || page.GetNextPageToken() == "" {
		t.Fatalf("officer's first page = %v, %v", page, err)
	}
	if _, err = e.client.ListInterventions(e.as(rpctest.Official), &improvementplanv1.ListInterventionsRequest{Parent: allParent, PageSize: 1, PageToken: page.GetNextPageToken()}); err != nil {
		t.Fatalf("an officer's page token used by DfE: %v", err)
	}
	_, err = e.client.ListInterventions(e.as(rpctest.Official), &improvementplanv1.ListInterventionsRequest{Parent: allParent, Filter: "state = LIFTED", PageSize: 1, PageToken: page.GetNextPageToken()})
	rpctest.ExpectError(t, "a page token of another filter", err, codes.InvalidArgument, paging.ReasonPageTokenMismatch, "page_token")
}

// TestAccess covers every deny case of these methods.
func TestAccess(t *testing.T) {
	e := newEnv(t)
	due := e.planIn(leeds, plan.DecisionDue)
	iv := e.order(leeds, notice, "")
	calls := map[string]func(ctx context.Context) error{
		"DecideProgress": rpctest.Bind(e.client.DecideProgress, &improvementplanv1.DecideProgressRequest{
			Name: due.Name(), Etag: store.Etag(due.Version), Decision: insufficient, Rationale: "r", Intervention: trustOrder()}),
		"OrderIntervention": rpctest.Bind(e.client.OrderIntervention, &improvementplanv1.OrderInterventionRequest{Parent: leedsName,
			Intervention: &improvementplanv1.Intervention{Kind: notice, Reason: "r", Areas: []typev1.JudgementArea{typev1.JudgementArea_JUDGEMENT_AREA_LSCB}}}),
		"LiftIntervention":         rpctest.Bind(e.client.LiftIntervention, &improvementplanv1.LiftInterventionRequest{Name: iv.GetName(), Etag: iv.GetEtag(), Reason: "r"}),
		"GetIntervention":          rpctest.Bind(e.client.GetIntervention, &improvementplanv1.GetInterventionRequest{Name: iv.GetName()}),
		"ListInterventions(leeds)": rpctest.Bind(e.client.ListInterventions, &improvementplanv1.ListInterventionsRequest{Parent: leedsName}),
		"ListInterventions(-)":     rpctest.Bind(e.client.ListInterventions, &improvementplanv1.ListInterventionsRequest{Parent: allParent}),
	}
	type deny struct {
		who    auth.Principal
		method string
		reason string
	}
	var cases []deny
	for _, who := range []auth.Principal{rpctest.Inspector, rpctest.Adviser, officer, outsider, sponsor, rpctest.Partner} {
		for _, m := range []string{"DecideProgress", "OrderIntervention", "LiftIntervention"} {
			cases = append(cases, deny{who, m, auth.ReasonRoleNotAllowed})
		}
	}
	for _, tc := range cases {
		rpctest.ExpectError(t, tc.who.Subject+" "+tc.method, calls[tc.method](e.as(tc.who)), codes.PermissionDenied, tc.reason)
	}
	for m, call := range calls {
		rpctest.ExpectError(t, "nobody "+m, call(context.Background()), codes.Unauthenticated, "")
	}
	// Nothing denied changed anything.
	if stored, err := e.plans.Get(context.Background(), leeds, due.ID); err != nil || stored.Version != due.Version {
		t.Fatalf("plan after the deny cases = %+v, %v", stored, err)
	}
	if list, err := e.ivs.List(context.Background(), plan.AllCouncils); err != nil || len(list) != 1 || list[0].Version != 1 {
		t.Fatalf("interventions after the deny cases = %+v, %v", list, err)
	}
	// Readers: an ordered intervention is public (the access matrix), so
	// every role reads it, another council's officer, sponsors and partner
	// systems included (they used to be refused).
	for _, who := range []auth.Principal{rpctest.Inspector, rpctest.Adviser, rpctest.Official, officer, outsider, sponsor, rpctest.Partner} {
		for _, m := range []string{"GetIntervention", "ListInterventions(leeds)", "ListInterventions(-)"} {
			if err := calls[m](e.as(who)); err != nil {
				t.Errorf("%s %s: %v", who.Subject, m, err)
			}
		}
	}
	if err := calls["DecideProgress"](e.as(rpctest.Official)); err != nil {
		t.Errorf("DfE deciding: %v", err)
	}

	rpctest.PoliciesFor(t, Policies,
		improvementplanv1.ImprovementPlanService_DecideProgress_FullMethodName,
		improvementplanv1.ImprovementPlanService_OrderIntervention_FullMethodName,
		improvementplanv1.ImprovementPlanService_GetIntervention_FullMethodName,
		improvementplanv1.ImprovementPlanService_ListInterventions_FullMethodName,
		improvementplanv1.ImprovementPlanService_LiftIntervention_FullMethodName,
	)
}

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
