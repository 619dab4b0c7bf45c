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
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/support"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

const svc = "/turnaround.improvementplan.v1.ImprovementPlanService/"

func milestone(m, evidence string) *improvementplanv1.Action_Milestone {
	return &improvementplanv1.Action_Milestone{Milestone: &improvementplanv1.MilestoneMeasure{Milestone: m, EvidenceExpected: evidence}}
}

func indicator(i typev1.Indicator, base, target float64) *improvementplanv1.Action_Indicator {
	return &improvementplanv1.Action_Indicator{Indicator: &improvementplanv1.IndicatorMeasure{Indicator: i, Baseline: base, Target: target}}
}

// withActions returns the plan's priorities as read, each given the
// actions of the same index.
func withActions(p *improvementplanv1.ImprovementPlan, actions ...*improvementplanv1.Action) []*improvementplanv1.Priority {
	out := make([]*improvementplanv1.Priority, len(p.GetPriorities()))
	for i, pr := range p.GetPriorities() {
		c := proto.Clone(pr).(*improvementplanv1.Priority)
		c.Actions = []*improvementplanv1.Action{actions[i]}
		out[i] = c
	}
	return out
}

func failedRules(resp *improvementplanv1.CheckPlanResponse) []string {
	var out []string
	for _, c := range resp.GetChecks() {
		if !c.GetPassed() {
			out = append(out, c.GetRule())
		}
	}
	return out
}

// TestDraftToExtensionStory is the story through gRPC: a council
// fills its draft, CheckPlan shows the failures, SubmitPlan fails with
// them, the council fixes the plan and submits, DfE approves, the council
// reports progress, DfE extends the deadline, and the audit trail records
// every change with its etags.
func TestDraftToExtensionStory(t *testing.T) {
	h := newHarness(t)
	opened := h.open(leeds, "sif2015", published)
	council := h.as(officer)
	dfe := h.as(official)

	p, err := h.client.GetImprovementPlan(council, &improvementplanv1.GetImprovementPlanRequest{Name: opened.Name()})
	if err != nil {
		t.Fatal(err)
	}
	var areas []string
	for _, pr := range p.GetPriorities() {
		areas = append(areas, pr.GetId()+":"+strings.TrimPrefix(pr.GetArea().String(), "JUDGEMENT_AREA_")+":"+pr.GetJudgementGrade().String()+"→"+pr.GetTargetGrade().String())
	}
	if p.GetState() != improvementplanv1.PlanState_PLAN_STATE_DRAFT || p.GetEtag() != `"1"` ||
		!proto.Equal(p.GetDeadline(), date(2016, 5, 20)) || !proto.Equal(p.GetOriginalDeadline(), date(2016, 5, 20)) ||
		!proto.Equal(p.GetJudgementDate(), date(2015, 11, 20)) || p.GetTrend() != "too few reviews" ||
		len(p.GetHistory()) != 1 || p.GetHistory()[0].GetTo() != improvementplanv1.PlanState_PLAN_STATE_DRAFT ||
		!slices.Equal(p.GetPriorities()[0].GetRecommendations(), []string{"Hold strategy discussions promptly."}) {
		t.Fatalf("opened plan = %v", p)
	}
	if want := []string{
		"p1:HELP_AND_PROTECTION:GRADE_INADEQUATE→GRADE_REQUIRES_IMPROVEMENT",
		"p2:LEADERSHIP_MANAGEMENT_GOVERNANCE:GRADE_INADEQUATE→GRADE_REQUIRES_IMPROVEMENT",
		"p3:LOOKED_AFTER_AND_PERMANENCE:GRADE_REQUIRES_IMPROVEMENT→GRADE_GOOD",
		"p4:CARE_LEAVERS:GRADE_REQUIRES_IMPROVEMENT→GRADE_GOOD",
	}; !slices.Equal(areas, want) {
		t.Fatalf("priorities %v, want %v", areas, want)
	}

	// The opened plan has no actions: CheckPlan says so, SubmitPlan refuses.
	check, err := h.client.CheckPlan(council, &improvementplanv1.CheckPlanRequest{Name: p.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if check.GetCredible() || len(check.GetChecks()) != len(plan.Rules) ||
		!slices.Equal(failedRules(check), []string{"every-priority-has-an-action", "early-progress"}) {
		t.Fatalf("check = %v", check)
	}
	_, err = h.client.SubmitPlan(council, &improvementplanv1.SubmitPlanRequest{Name: p.GetName(), Etag: p.GetEtag()})
	info := wantStatus(t, "submit empty", err, codes.FailedPrecondition, plan.ReasonNotCredible)
	if info.GetMetadata()["failed_checks"] != "every-priority-has-an-action,early-progress" {
		t.Errorf("failed_checks = %q", info.GetMetadata()["failed_checks"])
	}

	// The council fills the draft: one action is due after the deadline,
	// another's target is its baseline. The mask is what the REST gateway
	// derives from a whole body.
	flawed := withActions(p,
		&improvementplanv1.Action{Title: "Triage every contact at the front door within a day", OwnerRole: "Head of Safeguarding",
			DueDate: date(2016, 1, 31), Measure: milestone("MASH live", "MASH go-live report to the board")},
		&improvementplanv1.Action{Title: "Appoint a permanent DCS", OwnerRole: "Chief Executive",
			DueDate: date(2016, 6, 30), Measure: milestone("DCS in post", "appointment letter")},
		&improvementplanv1.Action{Title: "Stabilise placements", OwnerRole: "Head of Looked After Children",
			DueDate: date(2016, 4, 30), Measure: indicator(typev1.Indicator_INDICATOR_PLACEMENT_INSTABILITY, 14, 14)},
		&improvementplanv1.Action{Title: "Pathway plans for every care leaver", OwnerRole: "Leaving Care Manager",
			DueDate: date(2016, 3, 31), Measure: milestone("a pathway plan for every care leaver", "audit of care leavers' files"),
			Status: improvementplanv1.ActionStatus_ACTION_STATUS_ON_TRACK},
	)
	up, err := h.client.UpdateImprovementPlan(council, &improvementplanv1.UpdateImprovementPlanRequest{
		ImprovementPlan: &improvementplanv1.ImprovementPlan{
			Name: p.GetName(), Etag: p.GetEtag(), Priorities: flawed,
			State: improvementplanv1.PlanState_PLAN_STATE_CLOSED, Deadline: date(2017, 1, 1), // output only: ignored
		},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"name", "etag", "priorities", "state", "deadline.year", "deadline.month", "deadline.day"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, pr := range up.GetPriorities() {
		for _, a := range pr.GetActions() {
			ids = append(ids, a.GetId()+":"+a.GetStatus().String())
		}
	}
	if up.GetEtag() != `"2"` || up.GetState() != improvementplanv1.PlanState_PLAN_STATE_DRAFT || !proto.Equal(up.GetDeadline(), date(2016, 5, 20)) ||
		up.GetPriorities()[1].GetJudgementGrade() != typev1.Grade_GRADE_INADEQUATE ||
		!slices.Equal(ids, []string{"a1:ACTION_STATUS_NOT_STARTED", "a2:ACTION_STATUS_NOT_STARTED", "a3:ACTION_STATUS_NOT_STARTED", "a4:ACTION_STATUS_ON_TRACK"}) {
		t.Fatalf("updated = %v (ids %v)", up, ids)
	}
	check, err = h.client.CheckPlan(council, &improvementplanv1.CheckPlanRequest{Name: p.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(failedRules(check), []string{"every-action-due-in-time", "every-action-has-a-measurable-outcome"}) ||
		!strings.Contains(check.GetChecks()[2].GetFailures()[0], `action a2 "Appoint a permanent DCS" of priority p2 is due on 2016-06-30`) ||
		!strings.Contains(check.GetChecks()[3].GetFailures()[0], "a3") {
		t.Fatalf("check = %v", check)
	}
	_, err = h.client.SubmitPlan(council, &improvementplanv1.SubmitPlanRequest{Name: p.GetName(), Etag: up.GetEtag()})
	info = wantStatus(t, "submit flawed", err, codes.FailedPrecondition, plan.ReasonNotCredible)
	if info.GetMetadata()["failed_checks"] != "every-action-due-in-time,every-action-has-a-measurable-outcome" {
		t.Errorf("failed_checks = %q", info.GetMetadata()["failed_checks"])
	}

	// An update against the first read's etag is refused.
	fixed := proto.Clone(up).(*improvementplanv1.ImprovementPlan)
	fixed.GetPriorities()[1].GetActions()[0].DueDate = date(2016, 4, 30)
	fixed.GetPriorities()[2].GetActions()[0].Measure = indicator(typev1.Indicator_INDICATOR_PLACEMENT_INSTABILITY, 14, 10)
	_, err = h.client.UpdateImprovementPlan(council, &improvementplanv1.UpdateImprovementPlanRequest{
		ImprovementPlan: &improvementplanv1.ImprovementPlan{Name: p.GetName(), Etag: p.GetEtag(), Priorities: fixed.GetPriorities()},
	})
	wantStatus(t, "stale update", err, codes.Aborted, "ETAG_MISMATCH")
	up, err = h.client.UpdateImprovementPlan(council, &improvementplanv1.UpdateImprovementPlanRequest{
		ImprovementPlan: &improvementplanv1.ImprovementPlan{Name: p.GetName(), Etag: up.GetEtag(), Priorities: fixed.GetPriorities()},
	})
	if err != nil || up.GetEtag() != `"3"` {
		t.Fatalf("fix = %v, %v", up, err)
	}

	submit := &improvementplanv1.SubmitPlanRequest{Name: p.GetName(), Etag: up.GetEtag(), RequestId: "submit-1"}
	sub, err := h.client.SubmitPlan(council, submit)
	if err != nil {
		t.Fatal(err)
	}
	if sub.GetState() != improvementplanv1.PlanState_PLAN_STATE_SUBMITTED || sub.GetEtag() != `"4"` || len(sub.GetWarnings()) != 0 ||
		sub.GetHistory()[1].GetActor() != officer.Subject || sub.GetHistory()[1].GetFrom() != improvementplanv1.PlanState_PLAN_STATE_DRAFT {
		t.Fatalf("submitted = %v", sub)
	}
	again, err := h.client.SubmitPlan(council, submit)
	if err != nil || !proto.Equal(again, sub) {
		t.Fatalf("replayed submission = %v, %v", again, err)
	}
	_, err = h.client.SubmitPlan(council, &improvementplanv1.SubmitPlanRequest{Name: p.GetName(), Etag: sub.GetEtag(), RequestId: "submit-2"})
	wantStatus(t, "second submission", err, codes.FailedPrecondition, plan.ReasonInvalidTransition)
	_, err = h.client.SubmitPlan(council, &improvementplanv1.SubmitPlanRequest{Name: p.GetName(), Etag: sub.GetEtag(), RequestId: "submit-1"})
	wantStatus(t, "request_id reused", err, codes.InvalidArgument, "REQUEST_ID_REUSED", "request_id")

	app, err := h.client.ApprovePlan(dfe, &improvementplanv1.ApprovePlanRequest{Name: p.GetName(), Etag: sub.GetEtag(), Reason: "credible and owned"})
	if err != nil {
		t.Fatal(err)
	}
	last := app.GetHistory()[len(app.GetHistory())-1]
	if app.GetState() != improvementplanv1.PlanState_PLAN_STATE_APPROVED || app.GetEtag() != `"5"` || len(app.GetWarnings()) != 0 ||
		last.GetActor() != official.Subject || last.GetReason() != "credible and owned" || !last.GetChangeTime().AsTime().Equal(testNow) {
		t.Fatalf("approved = %v", app)
	}

	// Approved: priorities are fixed, progress is reported by action.
	_, err = h.client.UpdateImprovementPlan(council, &improvementplanv1.UpdateImprovementPlanRequest{
		ImprovementPlan: &improvementplanv1.ImprovementPlan{Name: p.GetName(), Etag: app.GetEtag(), Priorities: app.GetPriorities()},
	})
	wantStatus(t, "replace approved priorities", err, codes.FailedPrecondition, plan.ReasonNotEditable)
	prog, err := h.client.UpdateImprovementPlan(council, &improvementplanv1.UpdateImprovementPlanRequest{
		ImprovementPlan: &improvementplanv1.ImprovementPlan{Name: p.GetName(), Etag: app.GetEtag(), Priorities: []*improvementplanv1.Priority{{
			Actions: []*improvementplanv1.Action{
				{Id: "a1", Status: improvementplanv1.ActionStatus_ACTION_STATUS_DONE, EvidenceNotes: []string{"MASH live on 4 January"},
					Title: "ignored", DueDate: date(2016, 2, 30)}, // not in the mask: ignored, problems and all
				{Id: "a3", Status: improvementplanv1.ActionStatus_ACTION_STATUS_AT_RISK},
			},
		}}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"priorities.actions.status", "priorities.actions.evidence_notes"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	a1 := prog.GetPriorities()[0].GetActions()[0]
	a3 := prog.GetPriorities()[2].GetActions()[0]
	if prog.GetEtag() != `"6"` || a1.GetStatus() != improvementplanv1.ActionStatus_ACTION_STATUS_DONE ||
		!slices.Equal(a1.GetEvidenceNotes(), []string{"MASH live on 4 January"}) || a1.GetTitle() != flawed[0].GetActions()[0].GetTitle() ||
		a3.GetStatus() != improvementplanv1.ActionStatus_ACTION_STATUS_AT_RISK {
		t.Fatalf("progress = %v", prog)
	}

	// DfE extends the deadline: reason required, later than the deadline.
	_, err = h.client.ExtendDeadline(dfe, &improvementplanv1.ExtendDeadlineRequest{Name: p.GetName(), Etag: prog.GetEtag(), NewDeadline: date(2016, 4, 1)})
	wantStatus(t, "extend without reason, earlier", err, codes.InvalidArgument, "", "new_deadline", "reason")
	ext, err := h.client.ExtendDeadline(dfe, &improvementplanv1.ExtendDeadlineRequest{
		Name: p.GetName(), Etag: prog.GetEtag(), NewDeadline: date(2016, 8, 31),
		Reason: "new DCS starts in May; Ofsted monitoring visit moved to July", RequestId: "extend-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if ext.GetEtag() != `"7"` || !proto.Equal(ext.GetDeadline(), date(2016, 8, 31)) || !proto.Equal(ext.GetOriginalDeadline(), date(2016, 5, 20)) ||
		ext.GetState() != improvementplanv1.PlanState_PLAN_STATE_APPROVED || len(ext.GetExtensions()) != 1 {
		t.Fatalf("extended = %v", ext)
	}
	e := ext.GetExtensions()[0]
	if !proto.Equal(e.GetPreviousDeadline(), date(2016, 5, 20)) || !proto.Equal(e.GetNewDeadline(), date(2016, 8, 31)) ||
		e.GetExtendedBy() != official.Subject || !strings.HasPrefix(e.GetReason(), "new DCS") || !e.GetExtendTime().AsTime().Equal(testNow) {
		t.Fatalf("extension = %v", e)
	}
	stored, err := h.client.GetImprovementPlan(h.as(adviser), &improvementplanv1.GetImprovementPlanRequest{Name: p.GetName()})
	if err != nil || !proto.Equal(stored, ext) {
		t.Fatalf("read after extension = %v, %v", stored, err)
	}

	// The clock heard of every change of state or deadline, once each.
	if got, want := h.clock.calls(), []string{
		"SUBMITTED 2016-05-20 4", "APPROVED 2016-05-20 5", "APPROVED 2016-08-31 7",
	}; !slices.Equal(got, want) {
		t.Errorf("rescheduled %q, want %q", got, want)
	}

	// Every change is audited with who, how and the etags around it.
	var trail []string
	for _, a := range h.audit(leeds) {
		trail = append(trail, strings.Join([]string{a.Actor, strings.Join(a.Roles, ","), strings.TrimPrefix(a.Method, svc), a.Resource, a.EtagBefore, a.EtagAfter, a.RequestID}, " "))
	}
	name := p.GetName()
	want := []string{
		"system:improvementplan  turnaround.events.v1.JudgementPublished " + name + `  "1" `,
		"leeds-officer council_officer UpdateImprovementPlan " + name + ` "1" "2" `,
		"leeds-officer council_officer UpdateImprovementPlan " + name + ` "2" "3" `,
		"leeds-officer council_officer SubmitPlan " + name + ` "3" "4" submit-1`,
		"dfe-1 dfe_official ApprovePlan " + name + ` "4" "5" `,
		"leeds-officer council_officer UpdateImprovementPlan " + name + ` "5" "6" `,
		"dfe-1 dfe_official ExtendDeadline " + name + ` "6" "7" extend-1`,
	}
	if !slices.Equal(trail, want) {
		t.Fatalf("audit trail\n%q\nwant\n%q", trail, want)
	}
}

// TestAccess covers every role on every method: who is allowed gets past
// authorisation (to an answer, or to ABORTED for a deliberately stale
// etag), everyone else is PERMISSION_DENIED with the reason saying why.
func TestAccess(t *testing.T) {
	h := newHarness(t)
	p := h.open(leeds, "sif2015", published)
	name := p.Name()
	stale := `"99"`
	calls := rpctest.Calls(t, h.client,
		&improvementplanv1.GetImprovementPlanRequest{Name: name},
		&improvementplanv1.ListImprovementPlansRequest{Parent: "localAuthorities/" + leeds},
		&improvementplanv1.CheckPlanRequest{Name: name},
		&improvementplanv1.UpdateImprovementPlanRequest{
			ImprovementPlan: &improvementplanv1.ImprovementPlan{Name: name, Etag: stale},
			UpdateMask:      &fieldmaskpb.FieldMask{Paths: []string{"priorities"}},
		},
		&improvementplanv1.SubmitPlanRequest{Name: name, Etag: stale},
		&improvementplanv1.ApprovePlanRequest{Name: name, Etag: stale},
		&improvementplanv1.ReturnPlanRequest{Name: name, Etag: stale, Reason: "r"},
		&improvementplanv1.ExtendDeadlineRequest{Name: name, Etag: stale, Reason: "r", NewDeadline: date(2016, 9, 1)},
		&improvementplanv1.ClosePlanRequest{Name: name, Etag: stale},
	)
	// The access matrix: a sponsor officer reads the plans of the councils
	// its sponsor actively supports (sponsor "york" supports Leeds; the
	// sponsor "hampshire" does not), which used to be refused; refusals of
	// a council the caller's grant does not reach are the matrix's.
	supporter := principal{Subject: "sponsor-york", Roles: []auth.Role{auth.RoleSponsorOfficer}, Sponsor: "york"}
	if err := h.support.Started(context.Background(), support.Engagement{Name: "sponsors/york/engagements/e1", Sponsor: "york", GSSCode: leeds}); err != nil {
		t.Fatal(err)
	}
	read := map[string]bool{"GetImprovementPlan": true, "ListImprovementPlans": true, "CheckPlan": true}
	council := map[string]bool{"UpdateImprovementPlan": true, "SubmitPlan": true}
	everyone := []principal{officer, officer2, official, adviser, inspector, sponsor, supporter, partner}
	for method, call := range calls {
		for _, who := range everyone {
			role := who.Roles[0]
			var allowed bool
			reason := "ROLE_NOT_ALLOWED"
			switch {
			case read[method]:
				allowed = role == "dfe_official" || role == "lga_adviser" || role == "ofsted_inspector" || who.Authority == leeds || who.Sponsor == "york"
			case council[method]:
				allowed = who.Authority == leeds
			default:
				allowed = role == "dfe_official"
			}
			if !allowed && ((read[method] || council[method]) && role == "council_officer" || read[method] && role == "sponsor_officer") {
				reason = access.ReasonNotAllowed
			}
			err := call(h.as(who))
			what := method + " as " + who.Subject
			switch {
			case !allowed:
				wantStatus(t, what, err, codes.PermissionDenied, reason)
			case read[method]:
				if err != nil {
					t.Errorf("%s: %v", what, err)
				}
			default:
				wantStatus(t, what, err, codes.Aborted, "ETAG_MISMATCH")
			}
		}
		wantStatus(t, method+" without a token", call(context.Background()), codes.Unauthenticated, "")
	}
	// Across every council, the supporting sponsor's list holds Leeds's
	// plan, and the other sponsor's nothing.
	for _, tc := range []struct {
		who  principal
		want int32
	}{{supporter, 1}, {sponsor, 0}} {
		list, err := h.client.ListImprovementPlans(h.as(tc.who), &improvementplanv1.ListImprovementPlansRequest{Parent: "localAuthorities/-"})
		if err != nil || list.GetTotalSize() != tc.want {
			t.Errorf("%s lists every council: %v, %v; want %d plans", tc.who.Subject, list, err, tc.want)
		}
	}
	// Another council's officer cannot tell a missing plan from a hidden
	// one: both are PERMISSION_DENIED.
	_, err := h.client.GetImprovementPlan(h.as(officer2), &improvementplanv1.GetImprovementPlanRequest{Name: plan.Name(leeds, "nosuchplan")})
	wantStatus(t, "missing plan of another council", err, codes.PermissionDenied, access.ReasonNotAllowed)
	_, err = h.client.GetImprovementPlan(h.as(officer), &improvementplanv1.GetImprovementPlanRequest{Name: plan.Name(leeds, "nosuchplan")})
	wantStatus(t, "missing plan of the officer's council", err, codes.NotFound, plan.ReasonNotFound)
	// Nothing changed.
	if got, err := h.plans.Get(context.Background(), leeds, p.ID); err != nil || got.Version != 1 {
		t.Errorf("plan after the denied calls: version %d, %v", got.Version, err)
	}
}

func TestListAcrossCouncils(t *testing.T) {
	h := newHarness(t)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	leedsA := h.open(leeds, "sif-a", published)          // deadline 2016-05-20
	leedsB := h.open(leeds, "sif-b", day(2015, 8, 31))   // 2016-02-29
	donc := h.open(doncaster, "sif-c", day(2015, 6, 30)) // 2015-12-30
	slo := h.open(slough, "sif-d", day(2015, 3, 31))     // 2015-09-30
	leedsB, err := leedsB.ReplacePriorities([]plan.Priority{{Area: reference.AreaHelpAndProtection, TargetGrade: reference.RequiresImprovement,
		Actions: []plan.Action{
			{Title: "late", OwnerRole: "o", DueDate: day(2015, 12, 1), Measure: plan.Measure{Milestone: &plan.Milestone{Milestone: "m", EvidenceExpected: "e"}}},
			{Title: "done", OwnerRole: "o", DueDate: day(2015, 12, 1), Status: plan.Done, Measure: plan.Measure{Milestone: &plan.Milestone{Milestone: "m", EvidenceExpected: "e"}}},
			{Title: "due today", OwnerRole: "o", DueDate: day(2015, 12, 14), Measure: plan.Measure{Milestone: &plan.Milestone{Milestone: "m", EvidenceExpected: "e"}}},
		}}}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	h.move(leedsB, plan.Submitted, plan.Approved)
	h.move(donc, plan.Submitted, plan.Approved, plan.Monitoring)
	h.move(slo, plan.Submitted, plan.Approved, plan.DecisionDue)
	h.ratings.set(donc.Name(), "LITTLE", "SOME")
	h.ratings.set(slo.Name(), "SOME", "NOT_A_RATING", "LITTLE")

	names := func(resp *improvementplanv1.ListImprovementPlansResponse) []string {
		var out []string
		for _, p := range resp.GetImprovementPlans() {
			out = append(out, p.GetName())
		}
		return out
	}
	list := func(who principal, parent, filter, order string) *improvementplanv1.ListImprovementPlansResponse {
		t.Helper()
		resp, err := h.client.ListImprovementPlans(h.as(who), &improvementplanv1.ListImprovementPlansRequest{Parent: parent, Filter: filter, OrderBy: order})
		if err != nil {
			t.Fatalf("list %s %q %q as %s: %v", parent, filter, order, who.Subject, err)
		}
		return resp
	}
	all := "localAuthorities/-"
	for _, tt := range []struct {
		who                   principal
		parent, filter, order string
		want                  []plan.Plan
	}{
		{official, all, "", "", []plan.Plan{slo, donc, leedsB, leedsA}},
		{adviser, all, "", "deadline desc", []plan.Plan{leedsA, leedsB, donc, slo}},
		{inspector, all, "", "create_time desc", []plan.Plan{leedsA, leedsB, donc, slo}},
		{official, all, "state = DRAFT", "", []plan.Plan{leedsA}},
		{official, all, "deadline < 2016-03-01", "", []plan.Plan{slo, donc, leedsB}},
		{official, all, "deadline >= 2016-01-01 AND state = APPROVED", "", []plan.Plan{leedsB}},
		{official, "localAuthorities/" + leeds, "", "", []plan.Plan{leedsB, leedsA}},
		{official, "localAuthorities/" + doncaster, "state = DECISION_DUE", "", nil},
		// A council officer's list of every council is their own council's.
		{officer, all, "", "", []plan.Plan{leedsB, leedsA}},
		{officer2, all, "", "deadline desc", []plan.Plan{donc}},
		{officer, "localAuthorities/" + leeds, "state = APPROVED", "", []plan.Plan{leedsB}},
	} {
		resp := list(tt.who, tt.parent, tt.filter, tt.order)
		var want []string
		for _, p := range tt.want {
			want = append(want, p.Name())
		}
		if got := names(resp); !slices.Equal(got, want) || resp.GetTotalSize() != int32(len(want)) {
			t.Errorf("list %s %q %q as %s = %v (total %d), want %v", tt.parent, tt.filter, tt.order, tt.who.Subject, got, resp.GetTotalSize(), want)
		}
	}

	// Each plan carries its ratings, trend and late actions.
	byName := map[string]*improvementplanv1.ImprovementPlan{}
	for _, p := range list(official, all, "", "").GetImprovementPlans() {
		byName[p.GetName()] = p
	}
	if p := byName[donc.Name()]; p.GetTrend() != "improving" ||
		!slices.Equal(p.GetRatingTrend(), []improvementplanv1.ProgressRating{improvementplanv1.ProgressRating_PROGRESS_RATING_LITTLE, improvementplanv1.ProgressRating_PROGRESS_RATING_SOME}) {
		t.Errorf("doncaster trend %q %v", p.GetTrend(), p.GetRatingTrend())
	}
	if p := byName[slo.Name()]; p.GetTrend() != "worsening" || len(p.GetRatingTrend()) != 2 {
		t.Errorf("slough trend %q %v", p.GetTrend(), p.GetRatingTrend())
	}
	if p := byName[leedsB.Name()]; !slices.Equal(p.GetLateActions(), []string{"a1"}) || p.GetTrend() != "too few reviews" {
		t.Errorf("leeds B late actions %v, trend %q", p.GetLateActions(), p.GetTrend())
	}
	// A review moves a plan's ratings without a new version of the plan:
	// the next list shows them (each plan is rendered once per state, and
	// its ratings are part of it).
	h.ratings.set(leedsB.Name(), "SOME", "DETERIORATED")
	for _, p := range list(official, all, "", "").GetImprovementPlans() {
		if p.GetName() == leedsB.Name() && (p.GetTrend() != "worsening" || len(p.GetRatingTrend()) != 2) {
			t.Errorf("leeds B after two reviews: trend %q %v", p.GetTrend(), p.GetRatingTrend())
		}
	}

	// Pages: tokens carry on the query they were issued for, and no other.
	first, err := h.client.ListImprovementPlans(h.as(official), &improvementplanv1.ListImprovementPlansRequest{Parent: all, PageSize: 3})
	if err != nil || len(first.GetImprovementPlans()) != 3 || first.GetNextPageToken() == "" || first.GetTotalSize() != 4 {
		t.Fatalf("first page = %v, %v", names(first), err)
	}
	second, err := h.client.ListImprovementPlans(h.as(official), &improvementplanv1.ListImprovementPlansRequest{Parent: all, PageSize: 3, PageToken: first.GetNextPageToken()})
	if err != nil || !slices.Equal(names(second), []string{leedsA.Name()}) || second.GetNextPageToken() != "" {
		t.Fatalf("second page = %v, %v", names(second), err)
	}
	_, err = h.client.ListImprovementPlans(h.as(official), &improvementplanv1.ListImprovementPlansRequest{Parent: all, Filter: "state = DRAFT", PageToken: first.GetNextPageToken()})
	wantStatus(t, "token for another filter", err, codes.InvalidArgument, "", "page_token")
	// The officer's view of every council is another query than DfE's.
	_, err = h.client.ListImprovementPlans(h.as(officer), &improvementplanv1.ListImprovementPlansRequest{Parent: all, PageSize: 3, PageToken: first.GetNextPageToken()})
	wantStatus(t, "DfE token used by an officer", err, codes.InvalidArgument, "", "page_token")

	for _, tt := range []struct {
		name   string
		who    principal
		req    *improvementplanv1.ListImprovementPlansRequest
		code   codes.Code
		fields []string
	}{
		{"other council", officer, &improvementplanv1.ListImprovementPlansRequest{Parent: "localAuthorities/" + doncaster}, codes.PermissionDenied, nil},
		{"unknown council", official, &improvementplanv1.ListImprovementPlansRequest{Parent: "localAuthorities/E08000099"}, codes.NotFound, nil},
		{"bad parent", official, &improvementplanv1.ListImprovementPlansRequest{Parent: "councils/-"}, codes.InvalidArgument, []string{"parent"}},
		{"bad filter", official, &improvementplanv1.ListImprovementPlansRequest{Parent: all, Filter: "owner = x"}, codes.InvalidArgument, []string{"filter"}},
		{"bad order", official, &improvementplanv1.ListImprovementPlansRequest{Parent: all, OrderBy: "name"}, codes.InvalidArgument, []string{"order_by"}},
		{"everything at once", official, &improvementplanv1.ListImprovementPlansRequest{Parent: "x", Filter: "state = NOWHERE", OrderBy: "name", PageSize: -1},
			codes.InvalidArgument, []string{"filter", "order_by", "page_size", "parent"}},
	} {
		_, err := h.client.ListImprovementPlans(h.as(tt.who), tt.req)
		wantStatus(t, tt.name, err, tt.code, "", tt.fields...)
	}
}

func TestUpdateBadInput(t *testing.T) {
	h := newHarness(t)
	p := h.open(leeds, "sif2015", published)
	ctx := h.as(officer)
	update := func(in *improvementplanv1.ImprovementPlan, paths ...string) error {
		req := &improvementplanv1.UpdateImprovementPlanRequest{ImprovementPlan: in}
		if paths != nil {
			req.UpdateMask = &fieldmaskpb.FieldMask{Paths: paths}
		}
		_, err := h.client.UpdateImprovementPlan(ctx, req)
		return err
	}
	good := &improvementplanv1.Action{Title: "t", OwnerRole: "o", DueDate: date(2016, 1, 1), Measure: milestone("m", "e")}
	for _, tt := range []struct {
		name   string
		err    error
		code   codes.Code
		reason string
		fields []string
	}{
		{"no plan", update(nil), codes.InvalidArgument, "", []string{"improvement_plan"}},
		{"no etag", update(&improvementplanv1.ImprovementPlan{Name: p.Name()}, "priorities"),
			codes.InvalidArgument, "", []string{"improvement_plan.etag"}},
		{"everything at once", update(&improvementplanv1.ImprovementPlan{Name: "plans/x", Etag: "7"}, "title"),
			codes.InvalidArgument, "", []string{"improvement_plan.etag", "improvement_plan.name", "update_mask"}},
		{"no change named", update(&improvementplanv1.ImprovementPlan{Name: p.Name(), Etag: `"1"`}),
			codes.InvalidArgument, "", []string{"update_mask"}},
		{"priorities with progress", update(&improvementplanv1.ImprovementPlan{Name: p.Name(), Etag: `"1"`}, "priorities", "priorities.actions.status"),
			codes.InvalidArgument, "", []string{"update_mask"}},
		{"bad actions", update(&improvementplanv1.ImprovementPlan{Name: p.Name(), Etag: `"1"`, Priorities: []*improvementplanv1.Priority{
			{Area: typev1.JudgementArea_JUDGEMENT_AREA_HELP_AND_PROTECTION, Actions: []*improvementplanv1.Action{
				{Title: "t", OwnerRole: "o", DueDate: date(2016, 2, 30), Measure: milestone("m", "e")},
				{OwnerRole: "o", DueDate: date(2016, 1, 1)},
				{Id: "a42", Title: "t", OwnerRole: "o", DueDate: date(2016, 1, 1), Measure: indicator(typev1.Indicator_INDICATOR_UNSPECIFIED, 1, 2)},
			}},
			{Area: typev1.JudgementArea_JUDGEMENT_AREA_OVERALL_EFFECTIVENESS, TargetGrade: 42, Actions: []*improvementplanv1.Action{good}},
		}}, "priorities"), codes.InvalidArgument, "", []string{
			// An impossible date is a shape error; a missing measure or
			// indicator is incompleteness, which a draft may save (issue 13).
			"improvement_plan.priorities[0].actions[0].due_date",
			"improvement_plan.priorities[0].actions[1].title",
			"improvement_plan.priorities[0].actions[2].id",
			"improvement_plan.priorities[1].area",
			"improvement_plan.priorities[1].target_grade",
		}},
		{"progress on a draft", update(&improvementplanv1.ImprovementPlan{Name: p.Name(), Etag: `"1"`, Priorities: []*improvementplanv1.Priority{
			{Actions: []*improvementplanv1.Action{{Id: "a1", Status: improvementplanv1.ActionStatus_ACTION_STATUS_DONE}}},
		}}, "priorities.actions.status"), codes.FailedPrecondition, plan.ReasonNotEditable, nil},
		{"missing plan", update(&improvementplanv1.ImprovementPlan{Name: plan.Name(leeds, "nosuchplan"), Etag: `"1"`}, "priorities"),
			codes.NotFound, plan.ReasonNotFound, nil},
	} {
		wantStatus(t, tt.name, tt.err, tt.code, tt.reason, tt.fields...)
	}
	if got, err := h.plans.Get(context.Background(), leeds, p.ID); err != nil || got.Version != 1 {
		t.Errorf("plan after refused updates: version %d, %v", got.Version, err)
	}
}

func TestReturnCloseAndDecisionDue(t *testing.T) {
	h := newHarness(t)
	dfe := h.as(official)
	ctx := context.Background()

	// Return: the reason is required and recorded.
	sub := h.open(leeds, "sif2015", published)
	sub = h.move(sub, plan.Submitted)
	_, err := h.client.ReturnPlan(dfe, &improvementplanv1.ReturnPlanRequest{Name: sub.Name(), Etag: `"2"`, Reason: " "})
	wantStatus(t, "return without reason", err, codes.InvalidArgument, "", "reason")
	_, err = h.client.ReturnPlan(dfe, &improvementplanv1.ReturnPlanRequest{Name: sub.Name(), Reason: "r"})
	wantStatus(t, "return without etag", err, codes.InvalidArgument, "", "etag")
	ret, err := h.client.ReturnPlan(dfe, &improvementplanv1.ReturnPlanRequest{Name: sub.Name(), Etag: `"2"`, Reason: "no workforce priority", RequestId: "ret-1"})
	if err != nil {
		t.Fatal(err)
	}
	last := ret.GetHistory()[len(ret.GetHistory())-1]
	if ret.GetState() != improvementplanv1.PlanState_PLAN_STATE_DRAFT || last.GetReason() != "no workforce priority" ||
		last.GetFrom() != improvementplanv1.PlanState_PLAN_STATE_SUBMITTED || last.GetActor() != official.Subject {
		t.Fatalf("returned = %v", ret)
	}
	// A draft cannot be approved or closed.
	_, err = h.client.ApprovePlan(dfe, &improvementplanv1.ApprovePlanRequest{Name: sub.Name(), Etag: ret.GetEtag()})
	wantStatus(t, "approve a draft", err, codes.FailedPrecondition, plan.ReasonInvalidTransition)
	_, err = h.client.ClosePlan(dfe, &improvementplanv1.ClosePlanRequest{Name: sub.Name(), Etag: ret.GetEtag()})
	wantStatus(t, "close a draft", err, codes.FailedPrecondition, plan.ReasonInvalidTransition)

	// Close: from improved.
	imp := h.move(h.open(doncaster, "sif2015", published), plan.Improved)
	closed, err := h.client.ClosePlan(dfe, &improvementplanv1.ClosePlanRequest{Name: imp.Name(), Etag: `"2"`, Reason: "re-inspected: requires improvement"})
	if err != nil || closed.GetState() != improvementplanv1.PlanState_PLAN_STATE_CLOSED {
		t.Fatalf("closed = %v, %v", closed, err)
	}
	_, err = h.client.ExtendDeadline(dfe, &improvementplanv1.ExtendDeadlineRequest{Name: imp.Name(), Etag: closed.GetEtag(), NewDeadline: date(2016, 9, 1), Reason: "r"})
	wantStatus(t, "extend a closed plan", err, codes.FailedPrecondition, plan.ReasonDeadlineFixed)

	// Extending a plan whose deadline passed takes it back to where it was.
	late := h.move(h.open(slough, "sif2015", time.Date(2015, 3, 31, 0, 0, 0, 0, time.UTC)), plan.Submitted, plan.Approved, plan.Monitoring, plan.DecisionDue)
	_, err = h.client.ExtendDeadline(dfe, &improvementplanv1.ExtendDeadlineRequest{Name: late.Name(), Etag: `"2"`, NewDeadline: date(2015, 12, 1), Reason: "r"})
	wantStatus(t, "extend into the past", err, codes.InvalidArgument, "", "new_deadline")
	_, err = h.client.ExtendDeadline(dfe, &improvementplanv1.ExtendDeadlineRequest{Name: late.Name(), Etag: `"2"`, NewDeadline: date(2016, 2, 30), Reason: "r"})
	wantStatus(t, "impossible date", err, codes.InvalidArgument, "", "new_deadline")
	ext, err := h.client.ExtendDeadline(dfe, &improvementplanv1.ExtendDeadlineRequest{Name: late.Name(), Etag: `"2"`, NewDeadline: date(2016, 3, 31), Reason: "commissioner's review pending"})
	if err != nil {
		t.Fatal(err)
	}
	last = ext.GetHistory()[len(ext.GetHistory())-1]
	if ext.GetState() != improvementplanv1.PlanState_PLAN_STATE_MONITORING || last.GetFrom() != improvementplanv1.PlanState_PLAN_STATE_DECISION_DUE ||
		!strings.Contains(last.GetReason(), "deadline extended from 2015-09-30 to 2016-03-31: commissioner's review pending") ||
		!proto.Equal(ext.GetOriginalDeadline(), date(2015, 9, 30)) {
		t.Fatalf("extended from decision due = %v", ext)
	}
	if got, err := h.plans.Get(ctx, slough, late.ID); err != nil || got.State != plan.Monitoring || !got.Deadline.Equal(time.Date(2016, 3, 31, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("stored = %+v, %v", got, err)
	}
}

// TestApproveWarns: DfE approves a submitted plan whose actions are all
// already late; the approval goes through and its response says so (it
// used to say nothing). The submission of a plan on time warns of nothing
// (TestDraftToExtensionStory).
func TestApproveWarns(t *testing.T) {
	h := newHarness(t)
	p := h.open(leeds, "sif2015", published)
	for i := range p.Priorities {
		p.Priorities[i].Actions = []plan.Action{{ID: fmt.Sprintf("a%d", i+1), Title: "Audit cases", OwnerRole: "Head of Service",
			DueDate: time.Date(2015, 12, 1, 0, 0, 0, 0, time.UTC), Status: plan.NotStarted,
			Measure: plan.Measure{Milestone: &plan.Milestone{Milestone: "audit done", EvidenceExpected: "report"}}}}
	}
	p = h.move(p, plan.Submitted)
	app, err := h.client.ApprovePlan(h.as(official), &improvementplanv1.ApprovePlanRequest{Name: p.Name(), Etag: store.Etag(p.Version), Reason: "approved with eyes open"})
	if err != nil {
		t.Fatal(err)
	}
	n := len(p.Priorities)
	if app.GetState() != improvementplanv1.PlanState_PLAN_STATE_APPROVED || len(app.GetWarnings()) != 1 ||
		app.GetWarnings()[0].GetCode() != plan.WarnLateActions ||
		!strings.HasPrefix(app.GetWarnings()[0].GetMessage(), fmt.Sprintf("%d of %d actions are past their due date", n, n)) {
		t.Fatalf("approved = state %s, warnings %v; want APPROVED warning of %d late actions", app.GetState(), app.GetWarnings(), n)
	}
	// A read of the plan carries no warnings: they answer the action.
	got, err := h.client.GetImprovementPlan(h.as(official), &improvementplanv1.GetImprovementPlanRequest{Name: p.Name()})
	if err != nil || len(got.GetWarnings()) != 0 {
		t.Fatalf("get = %v, %v", got.GetWarnings(), err)
	}
}

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

// TestChangeLooksUpNoReplayBeforeItsCommit returns a submitted plan with a
// request_id: the commit checks the request's idempotency record itself,
// so the first call reads the plan and commits, and looks nothing up
// before. Its retry, after the council has resubmitted, meets a stale etag
// and is answered, after that refusal, with the first call's plan; the
// deadline is rescheduled for the change, not again for its replay.
func TestChangeLooksUpNoReplayBeforeItsCommit(t *testing.T) {
	h := newHarness(t)
	dfe := h.as(official)
	sub := h.move(h.open(leeds, "sif2015", published), plan.Submitted)
	trips := redistest.CountRoundTrips(h.st.Client())
	req := &improvementplanv1.ReturnPlanRequest{Name: sub.Name(), Etag: `"2"`, Reason: "no workforce priority", RequestId: "ret-1"}
	rescheduled := len(h.clock.calls())
	var (
		first *improvementplanv1.ImprovementPlan
		err   error
	)
	if n := trips.During(func() { first, err = h.client.ReturnPlan(dfe, req) }); err != nil || n != 2 {
		t.Fatalf("a first return: %v in %d round trips, want 2 (the plan's read, the commit)", err, n)
	}
	if got := len(h.clock.calls()); got != rescheduled+1 {
		t.Fatalf("the return rescheduled the deadline %d times, want once", got-rescheduled)
	}
	// The council resubmits before the retry arrives: the plan read then
	// is not the one the replay answers with.
	cur, err := h.plans.Get(context.Background(), leeds, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	h.move(cur, plan.Submitted)
	var again *improvementplanv1.ImprovementPlan
	n := trips.During(func() { again, err = h.client.ReturnPlan(dfe, req) })
	if err != nil || !proto.Equal(again, first) {
		t.Fatalf("retried return = %v, %v; want the first answer %v", again, err, first)
	}
	if n != 2 {
		t.Errorf("the retry took %d round trips, want 2 (the plan's read, then the look-up after its stale etag)", n)
	}
	if got := len(h.clock.calls()); got != rescheduled+1 {
		t.Errorf("the replay rescheduled the deadline again (%d calls in all, want %d)", got, rescheduled+1)
	}
}
