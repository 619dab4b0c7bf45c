package oversight_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	oversightv1 "github.com/turnaround-sli/turnaround/proto/turnaround/oversight/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/oversight"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

const (
	leeds     = "E08000035"
	bradford  = "E08000032"
	la        = "localAuthorities/" + leeds
	plan      = la + "/improvementPlans/p1"
	insp      = la + "/inspections/i1"
	review    = la + "/peerReviews/r1"
	concern   = la + "/concerns/c1"
	iv        = la + "/interventions/v1"
	need      = la + "/sponsorNeeds/n1"
	engage    = "sponsors/bradford/engagements/e1"
	unknownLA = "localAuthorities/E06999999"
)

// harness is the service on the test Redis with its consumers running, and
// a client of it.
type harness struct {
	t      *testing.T
	st     *store.Store
	svc    *oversight.Service
	client oversightv1.OversightServiceClient
	now    time.Time
	clock  int
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	st := rpctest.NewStore(t)
	now := time.Date(2016, 7, 1, 9, 0, 0, 0, time.UTC)
	svc, err := oversight.New(oversight.Deps{
		Base:     rpctest.Base(t, st, func() time.Time { return now }),
		Consumer: events.ConsumerOptions{Block: 50 * time.Millisecond, MinIdle: 200 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	rpctest.Run(t, "the service", svc.Run)
	conn := rpctest.Serve(t, svc.Policies(), func(g *grpc.Server) { svc.Register(g) })
	return &harness{t: t, st: st, svc: svc, client: oversightv1.NewOversightServiceClient(conn), now: now}
}

// at is a distinct time per event, in publication order.
func (h *harness) at() time.Time {
	h.clock++
	return time.Date(2016, 1, 4, 9, h.clock, 0, 0, time.UTC)
}

// publish puts an event on a topic stream as the relay would, and returns
// it.
func (h *harness) publish(topic, subject string, payload proto.Message) events.Event {
	h.t.Helper()
	e, err := events.NewEvent(context.Background(), topic, subject, payload)
	if err != nil {
		h.t.Fatal(err)
	}
	e.Time = h.at()
	h.xadd(e)
	return e
}

func (h *harness) xadd(e events.Event) {
	h.t.Helper()
	if err := h.st.Client().XAdd(context.Background(), &redis.XAddArgs{Stream: h.st.Keyspace().Topic(e.Topic), Values: e.Values()}).Err(); err != nil {
		h.t.Fatal(err)
	}
}

// audited puts an audit entry on the audit topic.
func (h *harness) audited(method, resource, actor, role, requestID string) events.Event {
	h.t.Helper()
	at := h.at()
	b, err := json.Marshal(store.AuditEntry{Audit: change.Audit{Actor: actor, Roles: []string{role}, Method: method, Resource: resource, RequestID: requestID, EtagAfter: "W/\"2\"", Time: at}})
	if err != nil {
		h.t.Fatal(err)
	}
	e := events.Event{ID: fmt.Sprintf("audit-%d", h.clock), Topic: store.AuditTopic, Type: store.AuditType, Subject: resource, Time: at, Data: b}
	h.xadd(e)
	return e
}

func (h *harness) timeline(p auth.Principal, filter string) []*oversightv1.TimelineEntry {
	h.t.Helper()
	var out []*oversightv1.TimelineEntry
	token := ""
	for {
		resp, err := h.client.ListTimelineEntries(rpctest.As(h.t, p), &oversightv1.ListTimelineEntriesRequest{Parent: la, Filter: filter, PageSize: 3, PageToken: token})
		if err != nil {
			h.t.Fatalf("timeline as %s: %v", p.Subject, err)
		}
		out = append(out, resp.GetTimelineEntries()...)
		if token = resp.GetNextPageToken(); token == "" {
			return out
		}
	}
}

func kinds(es []*oversightv1.TimelineEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.GetKind())
	}
	return out
}

// july20 is the story plan's deadline.
var july20 = &typev1.Date{Year: 2016, Month: 7, Day: 20}

// planChanged publishes a plan's change of state as the improvement-plan
// service announces it.
func (h *harness) planChanged(name, from, to, actor, role string, deadline *typev1.Date, pending bool) events.Event {
	h.t.Helper()
	council := name[:strings.Index(name, "/improvementPlans/")]
	return h.publish("improvementplan", name, &eventsv1.ImprovementPlanStateChanged{ImprovementPlan: name, LocalAuthority: council,
		FromState: from, ToState: to, ChangedBy: actor, ChangedByRole: role, Deadline: deadline, DecisionPending: pending})
}

// story publishes a council's story from all four services.
func (h *harness) story() {
	h.audited("/turnaround.inspection.v1.InspectionService/CreateInspection", insp, "inspector-1", "ofsted_inspector", "rq-create")
	h.publish("inspection", insp, &eventsv1.JudgementPublished{Inspection: insp, LocalAuthority: la, Framework: "SIF",
		OverallGrade: typev1.Grade_GRADE_INADEQUATE, PublishDate: &typev1.Date{Year: 2016, Month: 1, Day: 4}})
	h.audited("/turnaround.inspection.v1.InspectionService/RaiseConcern", concern, "inspector-1", "ofsted_inspector", "rq-concern")
	h.publish("inspection", la+"/emergencyInspectionRecommendations/x1", &eventsv1.EmergencyInspectionRecommended{
		Recommendation: la + "/emergencyInspectionRecommendations/x1", LocalAuthority: la, Rule: "two-concerns", Concerns: []string{concern}})
	h.publish("peerreview", review, &eventsv1.PeerReviewCompleted{PeerReview: review, LocalAuthority: la, Kind: "DIAGNOSTIC", Risk: "HIGH"})
	h.publish("improvementplan", plan, &eventsv1.ImprovementPlanOpened{ImprovementPlan: plan, LocalAuthority: la, Inspection: insp,
		Deadline: &typev1.Date{Year: 2016, Month: 7, Day: 20}})
	h.audited("/turnaround.improvementplan.v1.ImprovementPlanService/SubmitPlan", plan, "leeds-dcs", "council_officer", "rq-submit")
	h.planChanged(plan, "DRAFT", "SUBMITTED", "leeds-dcs", "council_officer", july20, true)
	h.audited("/turnaround.improvementplan.v1.ImprovementPlanService/ApprovePlan", plan, "dfe-adviser", "dfe_official", "rq-approve")
	h.planChanged(plan, "SUBMITTED", "APPROVED", "dfe-adviser", "dfe_official", july20, true)
	h.publish("improvementplan", iv, &eventsv1.InterventionOrdered{Intervention: iv, LocalAuthority: la, Kind: "CHILDRENS_SERVICES_TRUST", OrderedBy: "dfe-adviser"})
	h.publish("sponsor", need, &eventsv1.SponsorNeedOpened{SponsorNeed: need, LocalAuthority: la, Intervention: iv})
	h.publish("sponsor", engage, &eventsv1.EngagementStarted{Engagement: engage, Sponsor: "sponsors/bradford", LocalAuthority: la, SponsorNeed: need})
}

var storyKinds = []string{"INSPECTION_SCHEDULED", "JUDGEMENT_PUBLISHED", "CONCERN_RAISED", "EMERGENCY_INSPECTION_RECOMMENDED",
	"PEER_REVIEW_COMPLETED", "PLAN_OPENED", "PLAN_SUBMITTED", "PLAN_APPROVED", "INTERVENTION_ORDERED", "SPONSOR_NEED_OPENED", "ENGAGEMENT_STARTED"}

func TestTimelineShowsEachRoleWhatItMayRead(t *testing.T) {
	h := newHarness(t)
	h.story()
	rpctest.Eventually(t, "the whole story on the timeline", 10*time.Second, func() (bool, string) {
		got := kinds(h.timeline(rpctest.Official, ""))
		return slices.Equal(got, storyKinds), fmt.Sprint(got)
	})
	for _, tc := range []struct {
		who  auth.Principal
		want []string
	}{
		{rpctest.Official, storyKinds},
		// The LGA does not read sponsor needs; the council reads the
		// inspection once its judgement is published.
		{rpctest.Adviser, slices.DeleteFunc(slices.Clone(storyKinds), func(k string) bool { return k == "SPONSOR_NEED_OPENED" })},
		{rpctest.Officer(leeds), storyKinds[1:]},
		{rpctest.Partner, []string{"JUDGEMENT_PUBLISHED", "INTERVENTION_ORDERED"}},
		// The sponsor supporting the council reads its plans, interventions
		// and its own engagement; nothing of inspections in progress,
		// concerns, reviews or needs.
		{rpctest.SponsorOfficer("bradford"), []string{"JUDGEMENT_PUBLISHED", "PLAN_OPENED", "PLAN_SUBMITTED", "PLAN_APPROVED", "INTERVENTION_ORDERED", "ENGAGEMENT_STARTED"}},
	} {
		if got := kinds(h.timeline(tc.who, "")); !slices.Equal(got, tc.want) {
			t.Errorf("%s sees %v, want %v", tc.who.Subject, got, tc.want)
		}
	}
	// A sponsor that does not support the council, and another council, see
	// nothing of it.
	for _, p := range []auth.Principal{rpctest.SponsorOfficer("leeds"), rpctest.Officer(bradford)} {
		_, err := h.client.ListTimelineEntries(rpctest.As(t, p), &oversightv1.ListTimelineEntriesRequest{Parent: la})
		rpctest.ExpectError(t, "timeline as "+p.Subject, err, codes.PermissionDenied, "")
	}
	// The person is named to DfE and the council; others see the role.
	for _, tc := range []struct {
		who   auth.Principal
		actor string
	}{{rpctest.Official, "leeds-dcs"}, {rpctest.Officer(leeds), "leeds-dcs"}, {rpctest.Adviser, ""}, {rpctest.SponsorOfficer("bradford"), ""}} {
		for _, e := range h.timeline(tc.who, `kind = "PLAN_SUBMITTED"`) {
			if e.GetActor() != tc.actor || e.GetActorRole() != "council_officer" || e.GetSummary() != "The council submitted the improvement plan" {
				t.Errorf("%s sees the submission as %v", tc.who.Subject, e)
			}
		}
	}
	// Ofsted knows a peer review took place, not what it found.
	for _, e := range h.timeline(rpctest.Inspector, `kind = "PEER_REVIEW_COMPLETED"`) {
		if e.GetSummary() == "The LGA completed a diagnostic: high risk" {
			t.Errorf("Ofsted reads the review's content: %v", e)
		}
	}
	if got := kinds(h.timeline(rpctest.Official, `time >= "2016-01-04T09:06:00Z" AND kind != "PLAN_APPROVED"`)); !slices.Equal(got, []string{"PLAN_OPENED", "PLAN_SUBMITTED", "INTERVENTION_ORDERED", "SPONSOR_NEED_OPENED", "ENGAGEMENT_STARTED"}) {
		t.Errorf("filtered by time and kind: %v", got)
	}
	_, err := h.client.ListTimelineEntries(rpctest.As(t, rpctest.Official), &oversightv1.ListTimelineEntriesRequest{Parent: la, Filter: "colour = 1"})
	rpctest.ExpectError(t, "unknown filter field", err, codes.InvalidArgument, "", "filter")
}

func TestRedeliveryChangesNothingAndUnknownCouncilsAreDeadLettered(t *testing.T) {
	h := newHarness(t)
	e := h.publish("improvementplan", plan, &eventsv1.ImprovementPlanOpened{ImprovementPlan: plan, LocalAuthority: la, Deadline: &typev1.Date{Year: 2016, Month: 7, Day: 20}})
	h.planChanged(plan, "DRAFT", "SUBMITTED", "leeds-dcs", "council_officer", july20, true)
	bad := h.publish("improvementplan", unknownLA+"/improvementPlans/p9", &eventsv1.ImprovementPlanOpened{ImprovementPlan: unknownLA + "/improvementPlans/p9", LocalAuthority: unknownLA})
	rpctest.Eventually(t, "two entries", 10*time.Second, func() (bool, string) {
		got := kinds(h.timeline(rpctest.Official, ""))
		return len(got) == 2, fmt.Sprint(got)
	})
	// The same event again (a relay retry puts it on the stream twice) and
	// a later one: the plan stays submitted, with one entry per event.
	h.xadd(e)
	h.audited("/turnaround.inspection.v1.InspectionService/RaiseConcern", concern, "inspector-1", "ofsted_inspector", "")
	rpctest.Eventually(t, "the later event", 10*time.Second, func() (bool, string) {
		got := kinds(h.timeline(rpctest.Official, ""))
		return len(got) == 3, fmt.Sprint(got)
	})
	if got := kinds(h.timeline(rpctest.Official, "")); !slices.Equal(got, []string{"PLAN_OPENED", "PLAN_SUBMITTED", "CONCERN_RAISED"}) {
		t.Fatalf("after a redelivery: %v", got)
	}
	o, err := h.client.GetNationalOverview(rpctest.As(t, rpctest.Official), &oversightv1.GetNationalOverviewRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range o.GetPlansByState() {
		want := int32(0)
		if s.GetState() == "PLAN_STATE_SUBMITTED" {
			want = 1
		}
		if s.GetPlans() != want {
			t.Errorf("plans %s = %d, want %d", s.GetState(), s.GetPlans(), want)
		}
	}
	dead := events.DeadLetterStream(h.st.Keyspace(), "improvementplan", "oversight")
	rpctest.Eventually(t, "the unknown council's event dead-lettered", 10*time.Second, func() (bool, string) {
		msgs, err := h.st.Client().XRange(context.Background(), dead, "-", "+").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if m.Values["id"] == bad.ID {
				reason, _ := m.Values["error"].(string)
				return strings.Contains(reason, "E06999999") && strings.Contains(reason, "unknown council"), reason
			}
		}
		return false, fmt.Sprint(len(msgs), " dead letters")
	})
}

func TestNationalOverview(t *testing.T) {
	h := newHarness(t)
	h.story()
	// A second council, graded good under SIF; a third graded under
	// another framework only.
	h.publish("inspection", "localAuthorities/"+bradford+"/inspections/b1", &eventsv1.JudgementPublished{Inspection: "localAuthorities/" + bradford + "/inspections/b1",
		LocalAuthority: "localAuthorities/" + bradford, Framework: "SIF", OverallGrade: typev1.Grade_GRADE_GOOD, PublishDate: &typev1.Date{Year: 2015, Month: 3, Day: 1}})
	h.publish("inspection", "localAuthorities/E08000017/inspections/d1", &eventsv1.JudgementPublished{Inspection: "localAuthorities/E08000017/inspections/d1",
		LocalAuthority: "localAuthorities/E08000017", Framework: "ILACS", OverallGrade: typev1.Grade_GRADE_REQUIRES_IMPROVEMENT, PublishDate: &typev1.Date{Year: 2019, Month: 3, Day: 1}})
	// Bradford's plan passes its deadline of 1 June and DfE extends it to
	// 15 August; Doncaster's passes 10 June and DfE lets it continue, with
	// no new deadline yet.
	bp, dp := "localAuthorities/"+bradford+"/improvementPlans/b1", "localAuthorities/E08000017/improvementPlans/d1"
	june1, aug15, june10 := &typev1.Date{Year: 2016, Month: 6, Day: 1}, &typev1.Date{Year: 2016, Month: 8, Day: 15}, &typev1.Date{Year: 2016, Month: 6, Day: 10}
	h.publish("improvementplan", bp, &eventsv1.ImprovementPlanOpened{ImprovementPlan: bp, LocalAuthority: "localAuthorities/" + bradford, Deadline: june1})
	h.publish("improvementplan", bp, &eventsv1.ImprovementDeadlineReached{ImprovementPlan: bp, LocalAuthority: "localAuthorities/" + bradford, Deadline: june1})
	h.planChanged(bp, "DRAFT", "DECISION_DUE", "system:improvementplan", "", june1, true)
	h.planChanged(bp, "DECISION_DUE", "DRAFT", "dfe-adviser", "dfe_official", aug15, true)
	h.publish("improvementplan", bp, &eventsv1.ImprovementPlanDeadlineExtended{ImprovementPlan: bp, LocalAuthority: "localAuthorities/" + bradford,
		PreviousDeadline: june1, NewDeadline: aug15, Reason: "A new director starts in July", ExtendedBy: "dfe-adviser", State: "DRAFT", DecisionPending: true})
	h.publish("improvementplan", dp, &eventsv1.ImprovementPlanOpened{ImprovementPlan: dp, LocalAuthority: "localAuthorities/E08000017", Deadline: june10})
	h.planChanged(dp, "DRAFT", "DECISION_DUE", "system:improvementplan", "", june10, true)
	h.planChanged(dp, "DECISION_DUE", "CONTINUED", "dfe-adviser", "dfe_official", june10, false)
	var o *oversightv1.NationalOverview
	rpctest.Eventually(t, "the overview", 10*time.Second, func() (bool, string) {
		var err error
		o, err = h.client.GetNationalOverview(rpctest.As(t, rpctest.Adviser), &oversightv1.GetNationalOverviewRequest{})
		if err != nil {
			t.Fatal(err)
		}
		continued := o.GetPlansByState()[6]
		return o.GetActiveEngagements() == 1 && o.GetProjection().GetInspected() == 2 && o.GetGrades()[2].GetCouncils() == 1 &&
			continued.GetState() == "PLAN_STATE_CONTINUED" && continued.GetPlans() == 1 && o.GetPlansByState()[0].GetPlans() == 1, fmt.Sprint(o)
	})
	grade := func(gs []*oversightv1.GradeCount, g typev1.Grade) int32 {
		for _, x := range gs {
			if x.GetGrade() == g {
				return x.GetCouncils()
			}
		}
		return -1
	}
	if o.GetCouncilCount() != 152 || grade(o.GetGrades(), typev1.Grade_GRADE_INADEQUATE) != 1 || grade(o.GetGrades(), typev1.Grade_GRADE_GOOD) != 1 ||
		grade(o.GetGrades(), typev1.Grade_GRADE_REQUIRES_IMPROVEMENT) != 1 || grade(o.GetGrades(), typev1.Grade_GRADE_UNSPECIFIED) != 149 {
		t.Errorf("grades %v of %d councils", o.GetGrades(), o.GetCouncilCount())
	}
	if o.GetInspectedUnderSif() != 2 || o.GetNotInspectedUnderSif() != 150 {
		t.Errorf("SIF: %d inspected, %d not", o.GetInspectedUnderSif(), o.GetNotInspectedUnderSif())
	}
	p := o.GetProjection()
	if p.GetInspected() != 2 || p.GetInadequate() != 1 || p.GetInadequateRate() != 0.5 || p.GetAllCouncils() != 152 || p.GetProjectedInadequate() != 76 {
		t.Errorf("projection %v", p)
	}
	for _, r := range o.GetRegions() {
		if r.GetRegion() == typev1.Region_REGION_YORKSHIRE_AND_THE_HUMBER &&
			(grade(r.GetGrades(), typev1.Grade_GRADE_INADEQUATE) != 1 || grade(r.GetGrades(), typev1.Grade_GRADE_GOOD) != 1 || r.GetCouncils() != 15) {
			t.Errorf("Yorkshire: %v", r)
		}
	}
	byState := map[string]int32{}
	for _, s := range o.GetPlansByState() {
		byState[s.GetState()] = s.GetPlans()
	}
	if want := map[string]int32{"PLAN_STATE_APPROVED": 1, "PLAN_STATE_DRAFT": 1, "PLAN_STATE_CONTINUED": 1}; fmt.Sprint(byState) != fmt.Sprint(map[string]int32{
		"PLAN_STATE_DRAFT": 1, "PLAN_STATE_SUBMITTED": 0, "PLAN_STATE_APPROVED": 1, "PLAN_STATE_MONITORING": 0, "PLAN_STATE_DECISION_DUE": 0,
		"PLAN_STATE_IMPROVED": 0, "PLAN_STATE_CONTINUED": 1, "PLAN_STATE_ESCALATED": 0, "PLAN_STATE_CLOSED": 0}) {
		t.Errorf("plans by state %v, want %v and none else", byState, want)
	}
	// Leeds's plan is due on 20 July 2016, within 30 days of 1 July;
	// Bradford's, extended, on 15 August, within 60; Doncaster's decision
	// is made, and no new deadline set.
	for _, w := range o.GetDecisionsDue() {
		want := []string{la}
		if w.GetDays() > 30 {
			want = append(want, "localAuthorities/"+bradford)
		}
		if w.GetPlans() != int32(len(want)) || !slices.Equal(w.GetCouncils(), want) {
			t.Errorf("decisions due within %d days: %v, want %v", w.GetDays(), w, want)
		}
	}
	if o.GetOpenEmergencyRecommendations() != 1 || !slices.Equal(o.GetEmergencyRecommendationCouncils(), []string{la}) {
		t.Errorf("recommendations: %d %v", o.GetOpenEmergencyRecommendations(), o.GetEmergencyRecommendationCouncils())
	}
	if o.GetOpenSponsorNeeds() != 0 || o.GetActiveEngagements() != 1 || o.GetEngagedSponsors() != 1 {
		t.Errorf("needs %d, engagements %d, sponsors %d", o.GetOpenSponsorNeeds(), o.GetActiveEngagements(), o.GetEngagedSponsors())
	}
	for _, p := range []auth.Principal{rpctest.Officer(leeds), rpctest.Partner, rpctest.SponsorOfficer("bradford")} {
		_, err := h.client.GetNationalOverview(rpctest.As(t, p), &oversightv1.GetNationalOverviewRequest{})
		rpctest.ExpectError(t, "overview as "+p.Subject, err, codes.PermissionDenied, "")
	}
}

func TestAuditTrailAndRebuild(t *testing.T) {
	h := newHarness(t)
	h.story()
	h.audited("/turnaround.sponsor.v1.SponsorService/CreateSponsor", "sponsors/leeds", "official-1", "dfe_official", "rq-sponsor")
	list := func(p auth.Principal, parent, filter string) []*oversightv1.AuditEntry {
		var out []*oversightv1.AuditEntry
		token := ""
		for {
			resp, err := h.client.ListAuditEntries(rpctest.As(t, p), &oversightv1.ListAuditEntriesRequest{Parent: parent, Filter: filter, PageSize: 2, PageToken: token})
			if err != nil {
				t.Fatalf("audit as %s: %v", p.Subject, err)
			}
			out = append(out, resp.GetAuditEntries()...)
			if token = resp.GetNextPageToken(); token == "" {
				return out
			}
		}
	}
	rpctest.Eventually(t, "the audit trail", 10*time.Second, func() (bool, string) {
		got := list(rpctest.Official, "localAuthorities/-", "")
		return len(got) == 5, fmt.Sprint(len(got))
	})
	all := list(rpctest.Official, "localAuthorities/-", "")
	if all[0].GetRequestId() != "rq-sponsor" || all[4].GetRequestId() != "rq-create" {
		t.Errorf("not newest first: %v", all)
	}
	if got := list(rpctest.Officer(leeds), "localAuthorities/-", ""); len(got) != 4 {
		t.Errorf("the council's own trail has %d entries, want 4", len(got))
	}
	got := list(rpctest.Official, la, `actor = "dfe-adviser" AND method = "/turnaround.improvementplan.v1.ImprovementPlanService/ApprovePlan"`)
	if len(got) != 1 || got[0].GetRequestId() != "rq-approve" || got[0].GetResource() != plan || got[0].GetEtagAfter() != `W/"2"` {
		t.Errorf("filtered: %v", got)
	}
	if got := list(rpctest.Official, "localAuthorities/-", `resource = "sponsors/leeds"`); len(got) != 1 {
		t.Errorf("by resource: %v", got)
	}
	for _, p := range []auth.Principal{rpctest.Officer(bradford), rpctest.Adviser, rpctest.Inspector} {
		_, err := h.client.ListAuditEntries(rpctest.As(t, p), &oversightv1.ListAuditEntriesRequest{Parent: la})
		rpctest.ExpectError(t, "audit as "+p.Subject, err, codes.PermissionDenied, "")
	}

	// A rebuild from the streams gives the same read models.
	before := kinds(h.timeline(rpctest.Official, ""))
	stats, err := h.svc.Rebuild(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if stats.Events != 14 {
		t.Errorf("rebuild replayed %d events, want 14", stats.Events)
	}
	if after := kinds(h.timeline(rpctest.Official, "")); !slices.Equal(after, before) {
		t.Errorf("after a rebuild: %v, before %v", after, before)
	}
	if got := list(rpctest.Official, "localAuthorities/-", ""); len(got) != 5 {
		t.Errorf("audit after a rebuild: %d entries", len(got))
	}
}

// A deployment audited before its engagement's start has reached the
// service (the topics are read independently) still reaches the
// council's timeline.
func TestDeploymentBeforeItsEngagement(t *testing.T) {
	h := newHarness(t)
	h.audited("/turnaround.sponsor.v1.SponsorService/RecordDeployment", engage+"/deployments/d1", "bradford-lead", "sponsor_officer", "rq-deploy")
	time.Sleep(300 * time.Millisecond)
	h.publish("sponsor", engage, &eventsv1.EngagementStarted{Engagement: engage, Sponsor: "sponsors/bradford", LocalAuthority: la, SponsorNeed: need})
	rpctest.Eventually(t, "the deployment on the timeline", 10*time.Second, func() (bool, string) {
		got := kinds(h.timeline(rpctest.Official, ""))
		return slices.Contains(got, "STAFF_DEPLOYED") && slices.Contains(got, "ENGAGEMENT_STARTED"), fmt.Sprint(got)
	})
}

// A need closed by hand, a lifted intervention and an ended engagement
// reach the timeline and the overview; the sponsor that no longer
// supports the council no longer reads its timeline.
func TestNeedsAndEngagementsEnd(t *testing.T) {
	h := newHarness(t)
	h.story()
	other := la + "/sponsorNeeds/n2"
	h.publish("sponsor", other, &eventsv1.SponsorNeedOpened{SponsorNeed: other, LocalAuthority: la})
	h.publish("sponsor", other, &eventsv1.SponsorNeedClosed{SponsorNeed: other, LocalAuthority: la, ClosedBy: "dfe-adviser"})
	h.publish("improvementplan", iv, &eventsv1.InterventionLifted{Intervention: iv, LocalAuthority: la, Kind: "CHILDRENS_SERVICES_TRUST", LiftedBy: "dfe-adviser"})
	h.publish("sponsor", engage, &eventsv1.EngagementEnded{Engagement: engage, Sponsor: "sponsors/bradford", LocalAuthority: la,
		SponsorNeed: need, Reason: "DfE lifted the childrens services trust it supported", Intervention: iv})
	want := append(slices.Clone(storyKinds), "SPONSOR_NEED_OPENED", "SPONSOR_NEED_CLOSED", "INTERVENTION_LIFTED", "ENGAGEMENT_ENDED")
	rpctest.Eventually(t, "the ends on the timeline", 10*time.Second, func() (bool, string) {
		got := kinds(h.timeline(rpctest.Official, ""))
		return slices.Equal(got, want), fmt.Sprint(got)
	})
	o, err := h.client.GetNationalOverview(rpctest.As(t, rpctest.Official), &oversightv1.GetNationalOverviewRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if o.GetOpenSponsorNeeds() != 0 || o.GetActiveEngagements() != 0 || o.GetEngagedSponsors() != 0 {
		t.Errorf("needs %d, engagements %d, sponsors %d; want none", o.GetOpenSponsorNeeds(), o.GetActiveEngagements(), o.GetEngagedSponsors())
	}
	// A partner system sees the lifting, as it saw the order.
	if got := kinds(h.timeline(rpctest.Partner, "")); !slices.Equal(got, []string{"JUDGEMENT_PUBLISHED", "INTERVENTION_ORDERED", "INTERVENTION_LIFTED"}) {
		t.Errorf("a partner sees %v", got)
	}
	_, err = h.client.ListTimelineEntries(rpctest.As(t, rpctest.SponsorOfficer("bradford")), &oversightv1.ListTimelineEntriesRequest{Parent: la})
	rpctest.ExpectError(t, "the former sponsor's timeline", err, codes.PermissionDenied, "")
}
