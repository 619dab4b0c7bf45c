package inspectionapi

import (
	"context"
	"encoding/json"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/councilapi"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/councilstore"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/inspection"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/inspectionstore"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/servertest"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// testServer composes the handlers the way the service does.
type testServer struct {
	servertest.Fallback
	*Inspections
}

const (
	leeds      = "E08000035"
	hampshire  = "E10000014"
	sheffield  = "E08000019"
	leedsName  = "localAuthorities/" + leeds
	allParents = "localAuthorities/-"
)

// The council and sponsor callers of these tests; those of the national
// roles are rpctest's.
var (
	officer = rpctest.Officer(leeds)
	sponsor = rpctest.SponsorOfficer("hampshire")
)

// clock is the service's clock: the demo data's "as of" day.
func clock() time.Time { return time.Date(2015, 12, 14, 9, 0, 0, 0, time.UTC) }

type env struct {
	t        *testing.T
	client   inspectionv1.InspectionServiceClient
	store    *store.Store
	councils *councilstore.Councils
}

// newEnv serves the handlers over real Redis behind the real interceptor
// chain (error mapping, authentication, policies) on an in-memory listener.
func newEnv(t *testing.T) *env {
	t.Helper()
	st := rpctest.NewStore(t)
	councils := councilstore.NewCouncils(st, councilCodec)
	if _, err := councils.Seed(context.Background(), reference.Councils()); err != nil {
		t.Fatal(err)
	}
	svc := inspection.NewService(inspectionstore.New(st, codec, councils), clock)
	client := rpctest.Client(t, Policies, &inspectionv1.InspectionService_ServiceDesc,
		testServer{Inspections: NewInspections(svc, rpctest.NewPages(t))}, inspectionv1.NewInspectionServiceClient)
	return &env{t: t, client: client, store: st, councils: councils}
}

// as returns a context whose calls carry a development token for p.
func (e *env) as(p auth.Principal) context.Context { return rpctest.As(e.t, p) }

func day(y, m, d int32) *typev1.Date { return &typev1.Date{Year: y, Month: m, Day: d} }

func part(g typev1.Grade) *inspectionv1.GradedJudgement {
	return &inspectionv1.GradedJudgement{Grade: g, Narrative: "The inspectors found " + g.String() + "."}
}

// sif is a complete SIF judgement: overall grade, help and protection
// grade, and kj for the other parts.
func sif(overall, hp, kj typev1.Grade) *inspectionv1.Judgement {
	return &inspectionv1.Judgement{
		OverallEffectiveness:           part(overall),
		HelpAndProtection:              part(hp),
		LookedAfterAndPermanence:       part(kj),
		AdoptionPerformance:            part(kj),
		CareLeavers:                    part(kj),
		LeadershipManagementGovernance: part(kj),
		LscbReview:                     part(kj),
	}
}

const (
	outstanding = typev1.Grade_GRADE_OUTSTANDING
	good        = typev1.Grade_GRADE_GOOD
	ri          = typev1.Grade_GRADE_REQUIRES_IMPROVEMENT
	inadequate  = typev1.Grade_GRADE_INADEQUATE
)

// create schedules an inspection as the inspector and fails the test on
// error.
func (e *env) create(gss string, fw inspectionv1.Framework, start *typev1.Date) *inspectionv1.Inspection {
	e.t.Helper()
	end := &typev1.Date{Year: start.Year, Month: start.Month, Day: start.Day + 3}
	got, err := e.client.CreateInspection(e.as(rpctest.Inspector), &inspectionv1.CreateInspectionRequest{
		Parent:     "localAuthorities/" + gss,
		Inspection: &inspectionv1.Inspection{Framework: fw, StartDate: start, EndDate: end},
	})
	if err != nil {
		e.t.Fatalf("create %s inspection of %s: %v", fw, gss, err)
	}
	return got
}

// publish sets j on ins and publishes it on date, failing the test on error.
func (e *env) publish(ins *inspectionv1.Inspection, j *inspectionv1.Judgement, date *typev1.Date) *inspectionv1.Inspection {
	e.t.Helper()
	up, err := e.client.UpdateInspection(e.as(rpctest.Inspector), &inspectionv1.UpdateInspectionRequest{
		Inspection: &inspectionv1.Inspection{Name: ins.GetName(), Etag: ins.GetEtag(), Judgement: j},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"judgement"}},
	})
	if err != nil {
		e.t.Fatalf("update %s: %v", ins.GetName(), err)
	}
	p, err := e.client.PublishJudgement(e.as(rpctest.Inspector), &inspectionv1.PublishJudgementRequest{Name: up.GetName(), Etag: up.GetEtag(), PublishDate: date})
	if err != nil {
		e.t.Fatalf("publish %s: %v", ins.GetName(), err)
	}
	return p
}

// TestScheduleUpdatePublishStory is the story through gRPC:
// schedule, edit with a field mask, publish an inadequate SIF judgement, and
// see the council's latest judgement, the event and the audit trail.
func TestScheduleUpdatePublishStory(t *testing.T) {
	e := newEnv(t)
	ctx := e.as(rpctest.Inspector)
	createReq := &inspectionv1.CreateInspectionRequest{
		Parent: leedsName,
		Inspection: &inspectionv1.Inspection{
			Framework: inspectionv1.Framework_FRAMEWORK_SIF, StartDate: day(2015, 9, 7), EndDate: day(2015, 10, 1),
			State: inspectionv1.InspectionState_INSPECTION_STATE_PUBLISHED, // output only: ignored
		},
		RequestId: "9b2f7c1e-create",
	}
	ins := rpctest.Replayed(t, "create", ctx, e.client.CreateInspection, createReq)
	if ins.GetState() != inspectionv1.InspectionState_INSPECTION_STATE_SCHEDULED || ins.GetEtag() != `"1"` ||
		ins.GetPublishDate() != nil || len(ins.GetWarnings()) != 0 {
		t.Fatalf("created = %v", ins)
	}

	// Edit with a mask: an overall grade better than help and protection
	// draws a warning.
	up, err := e.client.UpdateInspection(ctx, &inspectionv1.UpdateInspectionRequest{
		Inspection: &inspectionv1.Inspection{
			Name: ins.GetName(), Etag: ins.GetEtag(), LeadInspector: "Jane Inspector",
			Judgement: sif(ri, inadequate, ri),
			Recommendations: []*inspectionv1.Recommendation{
				{Text: "Hold strategy discussions promptly.", Area: typev1.JudgementArea_JUDGEMENT_AREA_HELP_AND_PROTECTION},
			},
			EndDate: day(2015, 10, 2), // not in the mask: ignored
		},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"judgement", "lead_inspector", "recommendations"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if up.GetEtag() != `"2"` || up.GetLeadInspector() != "Jane Inspector" || up.GetEndDate().GetDay() != 1 ||
		len(up.GetWarnings()) != 1 || up.GetJudgement().GetLscbReview().GetGrade() != ri {
		t.Fatalf("updated = %v", up)
	}
	// One part alone: help and protection back in line, no warning.
	up, err = e.client.UpdateInspection(ctx, &inspectionv1.UpdateInspectionRequest{
		Inspection: &inspectionv1.Inspection{
			Name: ins.GetName(), Etag: up.GetEtag(),
			Judgement: &inspectionv1.Judgement{OverallEffectiveness: part(inadequate)},
		},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"judgement.overall_effectiveness"}},
	})
	if err != nil || up.GetEtag() != `"3"` || len(up.GetWarnings()) != 0 ||
		up.GetJudgement().GetOverallEffectiveness().GetGrade() != inadequate || up.GetJudgement().GetHelpAndProtection().GetGrade() != inadequate {
		t.Fatalf("updated one part = %v, %v", up, err)
	}

	pubReq := &inspectionv1.PublishJudgementRequest{Name: ins.GetName(), Etag: up.GetEtag(), PublishDate: day(2015, 11, 20), RequestId: "9b2f7c1e-publish"}
	p := rpctest.Replayed(t, "publish", ctx, e.client.PublishJudgement, pubReq)
	if p.GetState() != inspectionv1.InspectionState_INSPECTION_STATE_PUBLISHED || p.GetPublishDate().GetDay() != 20 || p.GetEtag() != `"4"` {
		t.Fatalf("published = %v", p)
	}

	la, err := e.councils.Get(context.Background(), leeds)
	if err != nil {
		t.Fatal(err)
	}
	if la.Latest == nil || la.Latest.OverallGrade != reference.Inadequate || !la.InspectedUnderSIF || la.Latest.Inspection != p.GetName() {
		t.Fatalf("council = %+v, latest %+v", la, la.Latest)
	}

	// The event and the audit trail are in the council's outbox.
	var got []*eventsv1.JudgementPublished
	var trail []string
	for _, ev := range rpctest.Outbox(t, e.store, keyspace.CouncilTag(leeds)) {
		switch ev.Type {
		case events.TypeName(&eventsv1.JudgementPublished{}):
			var jp eventsv1.JudgementPublished
			if err := ev.Unmarshal(&jp); err != nil {
				t.Fatal(err)
			}
			if ev.Topic != "inspection" || ev.Subject != p.GetName() {
				t.Errorf("event envelope: topic %q subject %q", ev.Topic, ev.Subject)
			}
			got = append(got, &jp)
		case store.AuditType:
			var a store.AuditEntry
			if err := json.Unmarshal(ev.Data, &a); err != nil {
				t.Fatal(err)
			}
			if a.Actor != rpctest.Inspector.Subject || !slices.Equal(a.Roles, []string{"ofsted_inspector"}) {
				t.Errorf("audit entry by %q %v", a.Actor, a.Roles)
			}
			trail = append(trail, a.Method+" "+a.Resource+" "+a.EtagAfter+" "+a.RequestID)
		}
	}
	if len(got) != 1 {
		t.Fatalf("%d JudgementPublished events, want 1", len(got))
	}
	jp := got[0]
	if jp.GetInspection() != p.GetName() || jp.GetLocalAuthority() != leedsName || jp.GetFramework() != "SIF" ||
		jp.GetOverallGrade() != inadequate || jp.GetKeyJudgements()["HELP_AND_PROTECTION"] != inadequate ||
		jp.GetKeyJudgements()["LSCB"] != ri || len(jp.GetKeyJudgements()) != 6 ||
		!slices.Equal(jp.GetRecommendations(), []string{"HELP_AND_PROTECTION: Hold strategy discussions promptly."}) ||
		!proto.Equal(jp.GetPublishDate(), day(2015, 11, 20)) {
		t.Fatalf("JudgementPublished = %v", jp)
	}
	const svc = "/turnaround.inspection.v1.InspectionService/"
	wantTrail := []string{
		svc + "CreateInspection " + p.GetName() + ` "1" 9b2f7c1e-create`,
		svc + "UpdateInspection " + p.GetName() + ` "2" `,
		svc + "UpdateInspection " + p.GetName() + ` "3" `,
		svc + "PublishJudgement " + p.GetName() + ` "4" 9b2f7c1e-publish`,
		svc + "PublishJudgement " + leedsName + ` "2" 9b2f7c1e-publish`,
	}
	if !slices.Equal(trail, wantTrail) {
		t.Fatalf("audit trail\n%q\nwant\n%q", trail, wantTrail)
	}

	// Published judgements are public.
	for _, who := range []auth.Principal{rpctest.Partner, officer, sponsor, rpctest.Adviser, rpctest.Official} {
		if _, err := e.client.GetInspection(e.as(who), &inspectionv1.GetInspectionRequest{Name: p.GetName()}); err != nil {
			t.Errorf("%s reading a published inspection: %v", who.Roles[0], err)
		}
	}
}

// TestBadInput covers the bad input cases and their neighbours:
// each gives the right code, reason and field.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	ctx := e.as(rpctest.Inspector)
	sched := e.create(leeds, inspectionv1.Framework_FRAMEWORK_SIF, day(2015, 9, 7))
	done := e.publish(e.create(sheffield, inspectionv1.Framework_FRAMEWORK_SIF, day(2015, 5, 5)), sif(good, good, good), day(2015, 7, 1))
	partial, err := e.client.UpdateInspection(ctx, &inspectionv1.UpdateInspectionRequest{
		Inspection: &inspectionv1.Inspection{Name: sched.GetName(), Etag: sched.GetEtag(), Judgement: &inspectionv1.Judgement{
			OverallEffectiveness: part(inadequate), LookedAfterAndPermanence: part(ri), AdoptionPerformance: part(ri),
			CareLeavers: part(ri), LeadershipManagementGovernance: part(inadequate), LscbReview: part(ri),
		}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"judgement"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	withGrade := func(g typev1.Grade) *inspectionv1.Judgement {
		j := sif(good, good, good)
		j.HelpAndProtection.Grade = g
		return j
	}
	create := func(in *inspectionv1.Inspection) error {
		return rpctest.Err(e.client.CreateInspection(ctx, &inspectionv1.CreateInspectionRequest{Parent: leedsName, Inspection: in}))
	}
	sifIn := func(start, end *typev1.Date, j *inspectionv1.Judgement) *inspectionv1.Inspection {
		return &inspectionv1.Inspection{Framework: inspectionv1.Framework_FRAMEWORK_SIF, StartDate: start, EndDate: end, Judgement: j}
	}
	update := func(in *inspectionv1.Inspection, paths ...string) error {
		return rpctest.Err(e.client.UpdateInspection(ctx, &inspectionv1.UpdateInspectionRequest{Inspection: in, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}}))
	}
	publish := func(name, etag string, date *typev1.Date) error {
		return rpctest.Err(e.client.PublishJudgement(ctx, &inspectionv1.PublishJudgementRequest{Name: name, Etag: etag, PublishDate: date}))
	}
	list := func(filter, order, token string) error {
		return rpctest.Err(e.client.ListInspections(ctx, &inspectionv1.ListInspectionsRequest{Parent: allParents, Filter: filter, OrderBy: order, PageToken: token}))
	}
	first, err := e.client.ListInspections(ctx, &inspectionv1.ListInspectionsRequest{Parent: allParents, PageSize: 1, Filter: "framework = SIF"})
	if err != nil || first.GetNextPageToken() == "" {
		t.Fatalf("first page = %v, %v", first, err)
	}

	rpctest.ExpectError(t, "unknown grade", create(sifIn(day(2015, 9, 7), day(2015, 10, 1), withGrade(99))),
		codes.InvalidArgument, "", "inspection.judgement.help_and_protection.grade")
	rpctest.ExpectError(t, "unspecified grade", create(sifIn(day(2015, 9, 7), day(2015, 10, 1), withGrade(0))),
		codes.InvalidArgument, "", "inspection.judgement.help_and_protection.grade")
	rpctest.ExpectError(t, "reversed dates", create(sifIn(day(2015, 10, 1), day(2015, 9, 7), nil)),
		codes.InvalidArgument, "", "inspection.end_date")
	rpctest.ExpectError(t, "every problem at once", create(&inspectionv1.Inspection{Framework: 99, StartDate: day(2015, 2, 30), EndDate: day(2015, 2, 1),
		Recommendations: []*inspectionv1.Recommendation{{Text: ""}}}),
		codes.InvalidArgument, "", "inspection.framework", "inspection.recommendations[0].area", "inspection.recommendations[0].text", "inspection.start_date")
	rpctest.ExpectError(t, "ILACS with an LSCB grade", create(&inspectionv1.Inspection{Framework: inspectionv1.Framework_FRAMEWORK_ILACS, StartDate: day(2015, 9, 7), EndDate: day(2015, 9, 18),
		Judgement: &inspectionv1.Judgement{LscbReview: part(good)}}),
		codes.InvalidArgument, "", "inspection.judgement.lscb_review")
	rpctest.ExpectError(t, "no inspection", rpctest.Err(e.client.CreateInspection(ctx, &inspectionv1.CreateInspectionRequest{Parent: leedsName})),
		codes.InvalidArgument, "", "inspection")
	rpctest.ExpectError(t, "bad parent", rpctest.Err(e.client.CreateInspection(ctx, &inspectionv1.CreateInspectionRequest{Parent: "councils/leeds", Inspection: sifIn(day(2015, 9, 7), day(2015, 10, 1), nil)})),
		codes.InvalidArgument, "", "parent")
	rpctest.ExpectError(t, "unknown council", rpctest.Err(e.client.CreateInspection(ctx, &inspectionv1.CreateInspectionRequest{Parent: "localAuthorities/E08999999", Inspection: sifIn(day(2015, 9, 7), day(2015, 10, 1), nil)})),
		codes.NotFound, resource.ReasonCouncilNotFound)
	rpctest.ExpectError(t, "missing key judgement at publication", publish(partial.GetName(), partial.GetEtag(), day(2015, 11, 20)),
		codes.FailedPrecondition, inspection.ReasonIncomplete, "inspection.judgement.help_and_protection")
	rpctest.ExpectError(t, "no publish date", publish(partial.GetName(), "", nil), codes.InvalidArgument, "", "publish_date")
	rpctest.ExpectError(t, "impossible publish date", publish(partial.GetName(), "", day(2015, 11, 31)), codes.InvalidArgument, "", "publish_date")
	rpctest.ExpectError(t, "published before fieldwork ended", publish(partial.GetName(), "", day(2015, 9, 9)),
		codes.InvalidArgument, "", "publish_date")
	rpctest.ExpectError(t, "published in the future", publish(partial.GetName(), "", day(2016, 1, 4)), codes.InvalidArgument, "", "publish_date")
	rpctest.ExpectError(t, "publishing twice", publish(done.GetName(), "", day(2015, 7, 2)), codes.FailedPrecondition, inspection.ReasonPublished)
	rpctest.ExpectError(t, "editing a published inspection", update(&inspectionv1.Inspection{Name: done.GetName(), Etag: done.GetEtag(), Judgement: sif(inadequate, inadequate, inadequate)}, "judgement"),
		codes.FailedPrecondition, inspection.ReasonPublished)
	rpctest.ExpectError(t, "editing a published inspection with an old etag", update(&inspectionv1.Inspection{Name: done.GetName(), Etag: `"1"`, LeadInspector: "x"}, "lead_inspector"),
		codes.FailedPrecondition, inspection.ReasonPublished)
	rpctest.ExpectError(t, "stale etag", update(&inspectionv1.Inspection{Name: partial.GetName(), Etag: sched.GetEtag(), LeadInspector: "x"}, "lead_inspector"),
		codes.Aborted, "ETAG_MISMATCH")
	rpctest.ExpectError(t, "stale etag at publication", publish(partial.GetName(), sched.GetEtag(), day(2015, 11, 20)),
		codes.Aborted, "ETAG_MISMATCH")
	rpctest.ExpectError(t, "no etag", update(&inspectionv1.Inspection{Name: partial.GetName(), LeadInspector: "x"}, "lead_inspector"),
		codes.InvalidArgument, "", "inspection.etag")
	rpctest.ExpectError(t, "forged etag", update(&inspectionv1.Inspection{Name: partial.GetName(), Etag: "W/1", LeadInspector: "x"}, "lead_inspector"),
		codes.InvalidArgument, "", "inspection.etag")
	rpctest.ExpectError(t, "unknown update_mask path", update(&inspectionv1.Inspection{Name: partial.GetName(), Etag: partial.GetEtag()}, "colour"),
		codes.InvalidArgument, "", "update_mask")
	rpctest.ExpectError(t, "framework in update_mask", update(&inspectionv1.Inspection{Name: partial.GetName(), Etag: partial.GetEtag(), Framework: inspectionv1.Framework_FRAMEWORK_ILACS}, "framework"),
		codes.InvalidArgument, "", "update_mask")
	rpctest.ExpectError(t, "update setting nothing", update(&inspectionv1.Inspection{Name: partial.GetName(), Etag: partial.GetEtag()}),
		codes.InvalidArgument, "", "update_mask")
	rpctest.ExpectError(t, "update to reversed dates", update(&inspectionv1.Inspection{Name: partial.GetName(), Etag: partial.GetEtag(), EndDate: day(2015, 9, 1)}, "end_date"),
		codes.InvalidArgument, "", "inspection.end_date")
	rpctest.ExpectError(t, "update with an unknown grade", update(&inspectionv1.Inspection{Name: partial.GetName(), Etag: partial.GetEtag(),
		Judgement: &inspectionv1.Judgement{CareLeavers: &inspectionv1.GradedJudgement{Grade: 99}}}, "judgement.care_leavers"),
		codes.InvalidArgument, "", "inspection.judgement.care_leavers.grade")
	rpctest.ExpectError(t, "update of an unknown inspection", update(&inspectionv1.Inspection{Name: leedsName + "/inspections/nope", Etag: `"1"`, LeadInspector: "x"}),
		codes.NotFound, inspection.ReasonNotFound)
	rpctest.ExpectError(t, "bad inspection name", update(&inspectionv1.Inspection{Name: "inspections/x", Etag: `"1"`, LeadInspector: "x"}),
		codes.InvalidArgument, "", "inspection.name")
	rpctest.ExpectError(t, "page token from another query", list("framework = ILACS", "", first.GetNextPageToken()),
		codes.InvalidArgument, paging.ReasonPageTokenMismatch, "page_token")
	rpctest.ExpectError(t, "page token with another order", list("framework = SIF", "start_date", first.GetNextPageToken()),
		codes.InvalidArgument, paging.ReasonPageTokenMismatch, "page_token")
	rpctest.ExpectError(t, "unknown filter field", list("colour = RED", "", ""), codes.InvalidArgument, "", "filter")
	rpctest.ExpectError(t, "unknown order_by field", list("", "name", ""), codes.InvalidArgument, "", "order_by")
	rpctest.ExpectError(t, "bad list parent", rpctest.Err(e.client.ListInspections(ctx, &inspectionv1.ListInspectionsRequest{Parent: "localAuthorities/*"})),
		codes.InvalidArgument, "", "parent")
	rpctest.ExpectError(t, "list of an unknown council", rpctest.Err(e.client.ListInspections(ctx, &inspectionv1.ListInspectionsRequest{Parent: "localAuthorities/E08999999"})),
		codes.NotFound, resource.ReasonCouncilNotFound)
	rpctest.ExpectError(t, "get of an unknown inspection", rpctest.Err(e.client.GetInspection(ctx, &inspectionv1.GetInspectionRequest{Name: leedsName + "/inspections/nope"})),
		codes.NotFound, inspection.ReasonNotFound)
	rpctest.ExpectError(t, "request_id reused for another request", func() error {
		req := &inspectionv1.CreateInspectionRequest{Parent: leedsName, Inspection: sifIn(day(2015, 9, 7), day(2015, 10, 1), nil), RequestId: "reused"}
		if _, err := e.client.CreateInspection(ctx, req); err != nil {
			return err
		}
		req.Inspection.EndDate = day(2015, 10, 2)
		_, err := e.client.CreateInspection(ctx, req)
		return err
	}(), codes.InvalidArgument, store.ErrRequestIDReused.Reason, "request_id")
}

// TestAccess covers every deny case of these methods, and the readers who
// see only published inspections.
func TestAccess(t *testing.T) {
	e := newEnv(t)
	draft := e.create(leeds, inspectionv1.Framework_FRAMEWORK_SIF, day(2015, 9, 7))
	pub := e.publish(e.create(leeds, inspectionv1.Framework_FRAMEWORK_EMERGENCY, day(2015, 3, 2)),
		&inspectionv1.Judgement{OverallEffectiveness: part(ri)}, day(2015, 4, 1))

	calls := map[string]func(ctx context.Context) error{
		"CreateInspection": rpctest.Bind(e.client.CreateInspection, &inspectionv1.CreateInspectionRequest{Parent: leedsName,
			Inspection: &inspectionv1.Inspection{Framework: inspectionv1.Framework_FRAMEWORK_SIF, StartDate: day(2015, 9, 7), EndDate: day(2015, 10, 1)}}),
		"UpdateInspection": rpctest.Bind(e.client.UpdateInspection, &inspectionv1.UpdateInspectionRequest{
			Inspection: &inspectionv1.Inspection{Name: draft.GetName(), Etag: draft.GetEtag(), LeadInspector: "x"},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"lead_inspector"}}}),
		"PublishJudgement":         rpctest.Bind(e.client.PublishJudgement, &inspectionv1.PublishJudgementRequest{Name: draft.GetName(), PublishDate: day(2015, 11, 2)}),
		"GetInspection(draft)":     rpctest.Bind(e.client.GetInspection, &inspectionv1.GetInspectionRequest{Name: draft.GetName()}),
		"GetInspection(published)": rpctest.Bind(e.client.GetInspection, &inspectionv1.GetInspectionRequest{Name: pub.GetName()}),
	}
	for _, tc := range []struct {
		who    string
		ctx    context.Context
		method string
		code   codes.Code
		reason string
	}{
		{"nobody", context.Background(), "CreateInspection", codes.Unauthenticated, ""},
		{"nobody", context.Background(), "GetInspection(published)", codes.Unauthenticated, ""},
		// Unpublished inspections do not exist for these readers, even a
		// council officer's own council's.
		{"partner_system", e.as(rpctest.Partner), "GetInspection(draft)", codes.NotFound, inspection.ReasonNotFound},
		{"council_officer", e.as(officer), "GetInspection(draft)", codes.NotFound, inspection.ReasonNotFound},
		{"sponsor_officer", e.as(sponsor), "GetInspection(draft)", codes.NotFound, inspection.ReasonNotFound},
		// Allowed, for contrast.
		{"lga_adviser", e.as(rpctest.Adviser), "GetInspection(draft)", codes.OK, ""},
		{"dfe_official", e.as(rpctest.Official), "GetInspection(draft)", codes.OK, ""},
		{"ofsted_inspector", e.as(rpctest.Inspector), "GetInspection(draft)", codes.OK, ""},
		{"partner_system", e.as(rpctest.Partner), "GetInspection(published)", codes.OK, ""},
		{"council_officer", e.as(officer), "GetInspection(published)", codes.OK, ""},
	} {
		err := calls[tc.method](tc.ctx)
		if tc.code == codes.OK {
			if err != nil {
				t.Errorf("%s %s: %v", tc.who, tc.method, err)
			}
			continue
		}
		rpctest.ExpectError(t, tc.who+" "+tc.method, err, tc.code, tc.reason)
	}
	// Only Ofsted writes.
	for _, who := range []struct {
		name   string
		caller auth.Principal
	}{
		{"lga_adviser", rpctest.Adviser}, {"dfe_official", rpctest.Official}, {"council_officer", officer},
		{"sponsor_officer", sponsor}, {"partner_system", rpctest.Partner},
	} {
		for _, method := range []string{"CreateInspection", "UpdateInspection", "PublishJudgement"} {
			rpctest.ExpectError(t, who.name+" "+method, calls[method](e.as(who.caller)), codes.PermissionDenied, auth.ReasonRoleNotAllowed)
		}
	}

	// Lists: published only for these readers, everything for the others.
	for _, tc := range []struct {
		who  auth.Principal
		want []string
	}{
		{rpctest.Partner, []string{pub.GetName()}},
		{officer, []string{pub.GetName()}},
		{sponsor, []string{pub.GetName()}},
		{rpctest.Adviser, []string{pub.GetName(), draft.GetName()}},
		{rpctest.Official, []string{pub.GetName(), draft.GetName()}},
		{rpctest.Inspector, []string{pub.GetName(), draft.GetName()}},
	} {
		for _, parent := range []string{leedsName, allParents} {
			resp, err := e.client.ListInspections(e.as(tc.who), &inspectionv1.ListInspectionsRequest{Parent: parent})
			if err != nil {
				t.Fatalf("%s list %s: %v", tc.who.Roles[0], parent, err)
			}
			var got []string
			for _, ins := range resp.GetInspections() {
				got = append(got, ins.GetName())
			}
			if !slices.Equal(got, tc.want) || resp.GetTotalSize() != int32(len(tc.want)) {
				t.Errorf("%s list %s = %v (total %d), want %v", tc.who.Roles[0], parent, got, resp.GetTotalSize(), tc.want)
			}
		}
		// Even asking for them by filter shows no unpublished inspection.
		resp, err := e.client.ListInspections(e.as(tc.who), &inspectionv1.ListInspectionsRequest{Parent: allParents, Filter: "state = SCHEDULED"})
		if err != nil || len(resp.GetInspections()) != len(tc.want)-1 {
			t.Errorf("%s list of scheduled = %v, %v", tc.who.Roles[0], resp, err)
		}
	}

	// A partner's page token is not valid for an inspector's view.
	page, err := e.client.ListInspections(e.as(rpctest.Inspector), &inspectionv1.ListInspectionsRequest{Parent: allParents, PageSize: 1})
	if err != nil || page.GetNextPageToken() == "" {
		t.Fatalf("inspector's first page = %v, %v", page, err)
	}
	_, err = e.client.ListInspections(e.as(rpctest.Partner), &inspectionv1.ListInspectionsRequest{Parent: allParents, PageSize: 1, PageToken: page.GetNextPageToken()})
	rpctest.ExpectError(t, "partner using an inspector's page token", err, codes.InvalidArgument, paging.ReasonPageTokenMismatch, "page_token")

	rpctest.PoliciesFor(t, Policies,
		inspectionv1.InspectionService_CreateInspection_FullMethodName,
		inspectionv1.InspectionService_GetInspection_FullMethodName,
		inspectionv1.InspectionService_ListInspections_FullMethodName,
		inspectionv1.InspectionService_UpdateInspection_FullMethodName,
		inspectionv1.InspectionService_PublishJudgement_FullMethodName,
		inspectionv1.InspectionService_BatchImportJudgements_FullMethodName,
	)
}

// TestListAcrossCouncils lists every council's inspections with a filter
// and an order, page by page.
func TestListAcrossCouncils(t *testing.T) {
	e := newEnv(t)
	ctx := e.as(rpctest.Adviser)
	sifFw := inspectionv1.Framework_FRAMEWORK_SIF
	a := e.publish(e.create(leeds, sifFw, day(2014, 3, 3)), sif(inadequate, inadequate, ri), day(2014, 5, 1))
	b := e.publish(e.create(hampshire, sifFw, day(2014, 6, 2)), sif(outstanding, outstanding, good), day(2014, 8, 1))
	c := e.publish(e.create(sheffield, sifFw, day(2015, 2, 2)), sif(inadequate, inadequate, inadequate), day(2015, 4, 1))
	d := e.publish(e.create("E09000001", inspectionv1.Framework_FRAMEWORK_EMERGENCY, day(2015, 6, 1)),
		&inspectionv1.Judgement{OverallEffectiveness: part(inadequate)}, day(2015, 7, 1))
	f := e.publish(e.create(hampshire, sifFw, day(2015, 9, 1)), sif(inadequate, inadequate, inadequate), day(2015, 11, 2))
	g := e.create("E06000047", sifFw, day(2015, 11, 23)) // scheduled

	names := func(resp *inspectionv1.ListInspectionsResponse) []string {
		var out []string
		for _, ins := range resp.GetInspections() {
			out = append(out, ins.GetName())
		}
		return out
	}
	for _, tc := range []struct {
		parent, filter, order string
		want                  []*inspectionv1.Inspection
	}{
		{allParents, "", "", []*inspectionv1.Inspection{f, d, c, b, a, g}},
		{allParents, "framework = SIF AND overall_grade = INADEQUATE", "", []*inspectionv1.Inspection{f, c, a}},
		{allParents, "framework = SIF AND overall_grade = INADEQUATE AND publish_date >= 2015-01-01", "publish_date", []*inspectionv1.Inspection{c, f}},
		{allParents, "publish_date >= 2014-06-01 AND publish_date <= 2015-06-30", "publish_date", []*inspectionv1.Inspection{b, c}},
		{allParents, "state = SCHEDULED", "", []*inspectionv1.Inspection{g}},
		{allParents, "", "start_date desc", []*inspectionv1.Inspection{g, f, d, c, b, a}},
		{allParents, "overall_grade = OUTSTANDING OR framework = EMERGENCY", "start_date", []*inspectionv1.Inspection{b, d}},
		{"localAuthorities/" + hampshire, "", "", []*inspectionv1.Inspection{f, b}},
		{"localAuthorities/" + hampshire, "overall_grade = OUTSTANDING", "", []*inspectionv1.Inspection{b}},
	} {
		var want []string
		for _, w := range tc.want {
			want = append(want, w.GetName())
		}
		// Page by two, and check the pages add up to the whole list.
		var got []string
		token := ""
		for pages := 0; ; pages++ {
			resp, err := e.client.ListInspections(ctx, &inspectionv1.ListInspectionsRequest{
				Parent: tc.parent, Filter: tc.filter, OrderBy: tc.order, PageSize: 2, PageToken: token,
			})
			if err != nil {
				t.Fatalf("list %q %q: %v", tc.filter, tc.order, err)
			}
			if resp.GetTotalSize() != int32(len(want)) || len(resp.GetInspections()) > 2 || pages > len(want) {
				t.Fatalf("list %q %q page %d: %d of total %d", tc.filter, tc.order, pages, len(resp.GetInspections()), resp.GetTotalSize())
			}
			got = append(got, names(resp)...)
			if token = resp.GetNextPageToken(); token == "" {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("list %s %q %q = %v, want %v", tc.parent, tc.filter, tc.order, got, want)
		}
	}
	// Results carry what a reader needs: the warnings (an outstanding
	// overall grade above two good key judgements) and the etag.
	resp, err := e.client.ListInspections(ctx, &inspectionv1.ListInspectionsRequest{Parent: allParents, Filter: "overall_grade = OUTSTANDING"})
	if err != nil || len(resp.GetInspections()) != 1 || len(resp.GetInspections()[0].GetWarnings()) != 2 || resp.GetInspections()[0].GetEtag() != `"3"` {
		t.Fatalf("outstanding list = %v, %v", resp, err)
	}
}

// TestGatewayDerivedMask updates with the mask the REST gateway derives from
// a PATCH body that carries the name, the etag, the unchanged framework, a
// date and one grade: the grade changes and its narrative stays.
func TestGatewayDerivedMask(t *testing.T) {
	e := newEnv(t)
	ctx := e.as(rpctest.Inspector)
	ins := e.create(leeds, inspectionv1.Framework_FRAMEWORK_SIF, day(2015, 9, 7))
	ins, err := e.client.UpdateInspection(ctx, &inspectionv1.UpdateInspectionRequest{
		Inspection: &inspectionv1.Inspection{Name: ins.GetName(), Etag: ins.GetEtag(), Judgement: sif(good, good, good)},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"judgement"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	gatewayPaths := []string{"etag", "framework", "judgement.help_and_protection.grade", "name", "start_date.day", "start_date.month", "start_date.year"}
	body := &inspectionv1.Inspection{
		Name: ins.GetName(), Etag: ins.GetEtag(), Framework: inspectionv1.Framework_FRAMEWORK_SIF, StartDate: day(2015, 9, 8),
		Judgement: &inspectionv1.Judgement{HelpAndProtection: &inspectionv1.GradedJudgement{Grade: inadequate}},
	}
	up, err := e.client.UpdateInspection(ctx, &inspectionv1.UpdateInspectionRequest{Inspection: body, UpdateMask: &fieldmaskpb.FieldMask{Paths: gatewayPaths}})
	if err != nil {
		t.Fatal(err)
	}
	hp := up.GetJudgement().GetHelpAndProtection()
	if hp.GetGrade() != inadequate || hp.GetNarrative() != part(good).GetNarrative() || up.GetStartDate().GetDay() != 8 ||
		up.GetJudgement().GetOverallEffectiveness().GetGrade() != good || len(up.GetWarnings()) != 1 {
		t.Fatalf("updated = %v", up)
	}
	body.Etag, body.Framework = up.GetEtag(), inspectionv1.Framework_FRAMEWORK_ILACS
	_, err = e.client.UpdateInspection(ctx, &inspectionv1.UpdateInspectionRequest{Inspection: body, UpdateMask: &fieldmaskpb.FieldMask{Paths: gatewayPaths}})
	rpctest.ExpectError(t, "changing the framework", err, codes.InvalidArgument, "", "update_mask")
}

// codec is the stored form of an inspection, as the service builds it.
var codec = rpctest.Codec(ToProto, FromStored)

// councilCodec is the stored form of a council, as the service builds it.
var councilCodec = rpctest.Codec(councilapi.ToProto, councilapi.FromStored)
