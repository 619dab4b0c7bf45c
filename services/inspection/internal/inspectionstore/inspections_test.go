package inspectionstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/councilapi"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/councilstore"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/inspection"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/inspectionapi"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

var clock = func() time.Time { return time.Date(2015, 12, 14, 9, 0, 0, 0, time.UTC) }

type fixture struct {
	st       *store.Store
	councils *councilstore.Councils
	ins      *Inspections
	svc      *inspection.Service
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	st := rpctest.NewStore(t)
	councils := councilstore.NewCouncils(st, councilCodec)
	if _, err := councils.Seed(context.Background(), reference.Councils()); err != nil {
		t.Fatal(err)
	}
	ins := New(st, store.ProtoCodec(func() *inspectionv1.Inspection { return &inspectionv1.Inspection{} }, inspectionapi.ToProto, inspectionapi.FromStored), councils)
	return &fixture{st: st, councils: councils, ins: ins, svc: inspection.NewService(ins, clock)}
}

var inspector = change.Request{Subject: "inspector-1", Roles: []string{"ofsted_inspector"}}

func sifJudgement(overall reference.Grade, others reference.Grade) inspection.Judgement {
	j := inspection.Judgement{}
	for _, a := range inspection.Areas {
		g := others
		if a == inspection.OverallEffectiveness {
			g = overall
		}
		j[a] = inspection.GradedJudgement{Grade: g, Narrative: "Narrative for " + string(a)}
	}
	return j
}

func schedule(t *testing.T, f *fixture, gss string, fw inspection.Framework, start time.Time) inspection.Inspection {
	t.Helper()
	ins, err := f.svc.Schedule(context.Background(), gss, inspection.Inspection{
		Framework: fw, StartDate: start, EndDate: start.AddDate(0, 0, 20),
	}, inspector)
	if err != nil {
		t.Fatalf("schedule %s at %s: %v", fw, gss, err)
	}
	return ins
}

// outbox reads the events of a council's outbox stream, audit entries
// included.
func outbox(t *testing.T, f *fixture, gss string) []events.Event {
	t.Helper()
	return rpctest.Outbox(t, f.st, keyspace.CouncilTag(gss))
}

func audits(t *testing.T, evs []events.Event) []store.AuditEntry {
	t.Helper()
	return rpctest.Audits(t, evs)
}

func published(t *testing.T, evs []events.Event) []*eventsv1.JudgementPublished {
	t.Helper()
	var out []*eventsv1.JudgementPublished
	for _, e := range evs {
		if e.Type != events.TypeName(&eventsv1.JudgementPublished{}) {
			continue
		}
		if e.Topic != Topic {
			t.Errorf("JudgementPublished on topic %q", e.Topic)
		}
		var p eventsv1.JudgementPublished
		if err := e.Unmarshal(&p); err != nil {
			t.Fatal(err)
		}
		if e.Subject != p.GetInspection() {
			t.Errorf("event subject %q, inspection %q", e.Subject, p.GetInspection())
		}
		out = append(out, &p)
	}
	return out
}

func TestScheduleUpdatePublish(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	ins := schedule(t, f, storetest.Leeds, inspection.SIF, storetest.Day(2015, 9, 7))
	if ins.Version != 1 || ins.State != inspection.Scheduled || !resource.ValidID(ins.ID) || !ins.CreateTime.Equal(clock()) {
		t.Fatalf("scheduled = %+v", ins)
	}
	got, err := f.ins.Get(ctx, storetest.Leeds, ins.ID)
	if err != nil || got.Version != 1 || got.Framework != inspection.SIF || !got.StartDate.Equal(storetest.Day(2015, 9, 7)) {
		t.Fatalf("Get = %+v, %v", got, err)
	}

	m, _ := inspection.ParseMask([]string{"judgement", "recommendations", "lead_inspector"})
	patch := inspection.Inspection{
		LeadInspector: "Jane Inspector",
		Judgement:     sifJudgement(reference.Inadequate, reference.RequiresImprovement),
		Recommendations: []inspection.Recommendation{
			{Text: "Ensure strategy discussions happen promptly.", Area: inspection.HelpAndProtection},
			{Text: "Stabilise the senior leadership team.", Area: inspection.LeadershipManagementGovernance},
		},
	}
	if _, err := f.svc.Update(ctx, storetest.Leeds, ins.ID, patch, m, change.At(7), inspector); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("update with a stale etag = %v, want ABORTED", err)
	}
	updated, err := f.svc.Update(ctx, storetest.Leeds, ins.ID, patch, m, change.At(1), inspector)
	if err != nil || updated.Version != 2 || updated.LeadInspector != "Jane Inspector" || len(updated.Judgement) != 7 {
		t.Fatalf("Update = %+v, %v", updated, err)
	}

	pub := inspector
	pub.RequestID, pub.RequestHash = "publish-1", []byte("publish leeds")
	p, err := f.svc.Publish(ctx, storetest.Leeds, ins.ID, storetest.Day(2015, 11, 20), change.At(2), pub)
	if err != nil || p.State != inspection.Published || p.Version != 3 || !p.PublishDate.Equal(storetest.Day(2015, 11, 20)) {
		t.Fatalf("Publish = %+v, %v", p, err)
	}

	la, err := f.councils.Get(ctx, storetest.Leeds)
	if err != nil {
		t.Fatal(err)
	}
	if la.Latest == nil || la.Latest.OverallGrade != reference.Inadequate || !la.InspectedUnderSIF ||
		la.Latest.Inspection != p.Name() || !la.Latest.PublishDate.Equal(storetest.Day(2015, 11, 20)) || la.Version != 2 {
		t.Fatalf("council after publication = %+v (latest %+v)", la, la.Latest)
	}

	evs := outbox(t, f, storetest.Leeds)
	pubs := published(t, evs)
	if len(pubs) != 1 {
		t.Fatalf("%d JudgementPublished events, want 1", len(pubs))
	}
	ev := pubs[0]
	wantKeys := map[string]typev1.Grade{}
	for _, a := range inspection.Areas[1:] {
		wantKeys[string(a)] = typev1.Grade_GRADE_REQUIRES_IMPROVEMENT
	}
	if ev.GetInspection() != p.Name() || ev.GetLocalAuthority() != "localAuthorities/"+storetest.Leeds || ev.GetFramework() != "SIF" ||
		ev.GetOverallGrade() != typev1.Grade_GRADE_INADEQUATE || ev.GetPublishDate().GetMonth() != 11 ||
		fmt.Sprint(ev.GetKeyJudgements()) != fmt.Sprint(wantKeys) ||
		!slices.Equal(ev.GetRecommendations(), []string{
			"HELP_AND_PROTECTION: Ensure strategy discussions happen promptly.",
			"LEADERSHIP_MANAGEMENT_GOVERNANCE: Stabilise the senior leadership team.",
		}) {
		t.Fatalf("event = %v", ev)
	}

	var trail []string
	for _, a := range audits(t, evs) {
		if a.Actor != "inspector-1" || !slices.Equal(a.Roles, []string{"ofsted_inspector"}) {
			t.Errorf("audit entry %+v has the wrong actor", a)
		}
		trail = append(trail, fmt.Sprintf("%s %s %s>%s %s", a.Method[len("/turnaround.inspection.v1.InspectionService/"):], a.Resource, a.EtagBefore, a.EtagAfter, a.RequestID))
	}
	name := p.Name()
	want := []string{
		`CreateInspection ` + name + ` >"1" `,
		`UpdateInspection ` + name + ` "1">"2" `,
		`PublishJudgement ` + name + ` "2">"3" publish-1`,
		`PublishJudgement localAuthorities/` + storetest.Leeds + ` "1">"2" publish-1`,
	}
	if !slices.Equal(trail, want) {
		t.Fatalf("audit trail:\n%q\nwant\n%q", trail, want)
	}

	// A retry of the publication replays it; a second one is refused.
	again, err := f.svc.Publish(ctx, storetest.Leeds, ins.ID, storetest.Day(2015, 11, 20), change.At(2), pub)
	if err != nil || again.Version != 3 || again.State != inspection.Published || again.Name() != p.Name() {
		t.Fatalf("replayed publication = %+v, %v", again, err)
	}
	other := inspector
	other.RequestID, other.RequestHash = "publish-1", []byte("something else")
	if _, err := f.svc.Publish(ctx, storetest.Leeds, ins.ID, storetest.Day(2015, 11, 20), change.Etag{}, other); !errors.Is(err, store.ErrRequestIDReused) {
		t.Fatalf("request_id reused for another request = %v", err)
	}
	if _, err := f.svc.Publish(ctx, storetest.Leeds, ins.ID, storetest.Day(2015, 11, 21), change.Etag{}, inspector); !errors.Is(err, inspection.ErrPublished) {
		t.Fatalf("second publication = %v, want %s", err, inspection.ReasonPublished)
	}
	if _, err := f.svc.Update(ctx, storetest.Leeds, ins.ID, patch, m, change.At(3), inspector); !errors.Is(err, inspection.ErrPublished) {
		t.Fatalf("update after publication = %v, want %s", err, inspection.ReasonPublished)
	}
	if n := len(published(t, outbox(t, f, storetest.Leeds))); n != 1 {
		t.Fatalf("%d JudgementPublished events after the retries, want 1", n)
	}
}

func TestScheduleIsIdempotent(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	r := inspector
	r.RequestID, r.RequestHash = "create-1", []byte("a")
	in := inspection.Inspection{Framework: inspection.ILACS, StartDate: storetest.Day(2015, 6, 1), EndDate: storetest.Day(2015, 6, 12)}
	first, err := f.svc.Schedule(ctx, storetest.Leeds, in, r)
	if err != nil {
		t.Fatal(err)
	}
	second, err := f.svc.Schedule(ctx, storetest.Leeds, in, r)
	if err != nil || second.ID != first.ID || second.Version != 1 {
		t.Fatalf("replay = %+v, %v; first %s", second, err, first.ID)
	}
	all, err := f.ins.List(ctx, storetest.Leeds)
	if err != nil || len(all) != 1 {
		t.Fatalf("List = %d inspections, %v", len(all), err)
	}
	// Another caller's request_id of the same text is a different request.
	r2 := r
	r2.Subject = "inspector-2"
	third, err := f.svc.Schedule(ctx, storetest.Leeds, in, r2)
	if err != nil || third.ID == first.ID {
		t.Fatalf("another caller's request = %+v, %v", third, err)
	}
}

func TestScheduleErrors(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	_, err := f.svc.Schedule(ctx, "E08999999", inspection.Inspection{Framework: inspection.SIF, StartDate: storetest.Day(2015, 6, 1), EndDate: storetest.Day(2015, 6, 2)}, inspector)
	if !errors.Is(err, resource.ErrCouncilNotFound) {
		t.Fatalf("unknown council = %v", err)
	}
	_, err = f.svc.Schedule(ctx, storetest.Leeds, inspection.Inspection{Framework: inspection.SIF, StartDate: storetest.Day(2015, 6, 2), EndDate: storetest.Day(2015, 6, 1)}, inspector)
	if fl, ok := fault.As(err); !ok || fl.Kind != fault.KindInvalid || len(fl.Violations) != 1 || fl.Violations[0].Field != "inspection.end_date" {
		t.Fatalf("reversed dates = %v", err)
	}
}

func TestMonitoringVisitLeavesTheLatestJudgement(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	const bham = "E08000025"
	sif := schedule(t, f, bham, inspection.SIF, storetest.Day(2014, 3, 3))
	m, _ := inspection.ParseMask([]string{"judgement"})
	if _, err := f.svc.Update(ctx, bham, sif.ID, inspection.Inspection{Judgement: sifJudgement(reference.Inadequate, reference.Inadequate)}, m, change.At(1), inspector); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Publish(ctx, bham, sif.ID, storetest.Day(2014, 5, 1), change.Etag{}, inspector); err != nil {
		t.Fatal(err)
	}
	before, _ := f.councils.Get(ctx, bham)

	mv := schedule(t, f, bham, inspection.MonitoringVisit, storetest.Day(2015, 6, 1))
	fm, _ := inspection.ParseMask([]string{"monitoring_findings"})
	findings := &inspection.MonitoringFindings{Findings: []string{"Caseloads are lower."}, Progress: inspection.ProgressSome, Narrative: "Some progress."}
	if _, err := f.svc.Update(ctx, bham, mv.ID, inspection.Inspection{MonitoringFindings: findings}, fm, change.At(1), inspector); err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.Publish(ctx, bham, mv.ID, storetest.Day(2015, 7, 1), change.At(2), inspector)
	if err != nil || p.State != inspection.Published {
		t.Fatalf("publish monitoring visit = %+v, %v", p, err)
	}
	after, _ := f.councils.Get(ctx, bham)
	if after.Version != before.Version || after.Latest.Inspection != sif.Name() || after.Latest.OverallGrade != reference.Inadequate {
		t.Fatalf("a monitoring visit changed the council: before %+v, after %+v", before.Latest, after.Latest)
	}
	pubs := published(t, outbox(t, f, bham))
	if len(pubs) != 2 || pubs[1].GetFramework() != "MONITORING_VISIT" || pubs[1].GetOverallGrade() != typev1.Grade_GRADE_UNSPECIFIED || len(pubs[1].GetKeyJudgements()) != 0 {
		t.Fatalf("events = %v", pubs)
	}
	got, err := f.ins.Get(ctx, bham, mv.ID)
	if err != nil || got.MonitoringFindings == nil || got.MonitoringFindings.Progress != inspection.ProgressSome || got.MonitoringFindings.Findings[0] != "Caseloads are lower." {
		t.Fatalf("stored monitoring visit = %+v, %v", got, err)
	}
}

// TestConcurrentPublications publishes two inspections of one council at
// once: both succeed (the loser of the race on the council record retries)
// and the later publication date is the council's latest.
func TestConcurrentPublications(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	m, _ := inspection.ParseMask([]string{"judgement"})
	var ids []string
	for i, g := range []reference.Grade{reference.Good, reference.Inadequate} {
		ins := schedule(t, f, storetest.Leeds, inspection.Emergency, storetest.Day(2015, 3, 2).AddDate(0, i, 0))
		j := inspection.Judgement{inspection.OverallEffectiveness: {Grade: g, Narrative: "n"}}
		if _, err := f.svc.Update(ctx, storetest.Leeds, ins.ID, inspection.Inspection{Judgement: j}, m, change.At(1), inspector); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ins.ID)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, id := range ids {
		wg.Go(func() {
			_, errs[i] = f.svc.Publish(ctx, storetest.Leeds, id, storetest.Day(2015, 10, 1).AddDate(0, 0, i), change.At(2), inspector)
		})
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("publications: %v", errs)
	}
	la, _ := f.councils.Get(ctx, storetest.Leeds)
	if la.Latest.Inspection != inspection.Name(storetest.Leeds, ids[1]) || la.Latest.OverallGrade != reference.Inadequate || la.InspectedUnderSIF {
		t.Fatalf("latest = %+v, sif %v", la.Latest, la.InspectedUnderSIF)
	}
}

// A publication reads the answer to replay, the inspection and the council
// in one round trip, then commits in a second; its retry replays in one.
func TestPublishInTwoRoundTrips(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	count := redistest.CountRoundTrips(f.st.Client()).During
	ins := schedule(t, f, storetest.Leeds, inspection.SIF, storetest.Day(2015, 9, 7))
	m, _ := inspection.ParseMask([]string{"judgement"})
	patch := inspection.Inspection{Judgement: sifJudgement(reference.Inadequate, reference.RequiresImprovement)}
	if _, err := f.svc.Update(ctx, storetest.Leeds, ins.ID, patch, m, change.At(1), inspector); err != nil {
		t.Fatal(err)
	}
	pub := inspector
	pub.RequestID, pub.RequestHash = "publish-1", []byte("publish leeds")
	var p, again inspection.Inspection
	var err, againErr error
	trips := count(func() {
		p, err = f.svc.PublishAs(ctx, storetest.Leeds, ins.ID, storetest.Day(2015, 11, 20), true, change.At(2), pub)
	})
	if err != nil || p.Version != 3 || trips != 2 {
		t.Fatalf("Publish = version %d, %v in %d round trips, want version 3 in 2", p.Version, err, trips)
	}
	la, err := f.councils.Get(ctx, storetest.Leeds)
	if err != nil || la.Latest == nil || la.Latest.Inspection != p.Name() || la.Version != 2 {
		t.Fatalf("council after publication = %+v, %v", la, err)
	}
	trips = count(func() {
		again, againErr = f.svc.PublishAs(ctx, storetest.Leeds, ins.ID, storetest.Day(2015, 11, 20), true, change.At(2), pub)
	})
	if againErr != nil || again.Version != 3 || trips != 1 {
		t.Fatalf("retried publication = version %d, %v in %d round trips, want the replay at version 3 in 1", again.Version, againErr, trips)
	}
}

func TestListAcrossCouncilsInConstantRoundTrips(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	count := redistest.CountRoundTrips(f.st.Client()).During
	councils := reference.Councils()
	var published int
	for i, c := range councils[:12] {
		for k := range i % 3 {
			ins := schedule(t, f, c.GSSCode, inspection.Emergency, storetest.Day(2015, 1, 5).AddDate(0, k, 0))
			if k == 1 {
				m, _ := inspection.ParseMask([]string{"judgement"})
				j := inspection.Judgement{inspection.OverallEffectiveness: {Grade: reference.Good, Narrative: "n"}}
				if _, err := f.svc.Update(ctx, c.GSSCode, ins.ID, inspection.Inspection{Judgement: j}, m, change.At(1), inspector); err != nil {
					t.Fatal(err)
				}
				if _, err := f.svc.Publish(ctx, c.GSSCode, ins.ID, storetest.Day(2015, 6, 1), change.Etag{}, inspector); err != nil {
					t.Fatal(err)
				}
				published++
			}
		}
	}
	var all []inspection.Inspection
	trips := count(func() {
		var err error
		if all, err = f.ins.List(ctx, inspection.AllCouncils); err != nil {
			t.Fatal(err)
		}
	})
	if len(all) != 12 || trips != 2 {
		t.Fatalf("List(all) = %d inspections in %d round trips, want 12 in 2", len(all), trips)
	}
	var pub []inspection.Inspection
	trips = count(func() {
		var err error
		if pub, err = f.svc.Published(ctx); err != nil {
			t.Fatal(err)
		}
	})
	if len(pub) != published || trips != 2 {
		t.Fatalf("Published = %d in %d round trips, want %d in 2", len(pub), trips, published)
	}
	for _, p := range pub {
		if p.State != inspection.Published || p.PublishDate.IsZero() {
			t.Fatalf("Published returned %+v", p)
		}
	}
	one, err := f.ins.List(ctx, councils[2].GSSCode)
	if err != nil || len(one) != 2 {
		t.Fatalf("List(%s) = %d, %v", councils[2].GSSCode, len(one), err)
	}
	none, err := f.ins.List(ctx, councils[100].GSSCode)
	if err != nil || len(none) != 0 {
		t.Fatalf("List of a council without inspections = %d, %v", len(none), err)
	}
}

// accepting is the request of an acceptance of an emergency inspection
// recommendation, which schedules the inspection.
func accepting(requestID, subject string) change.Request {
	return change.Request{Subject: subject, Method: inspectionv1.InspectionService_AcceptEmergencyInspectionRecommendation_FullMethodName, RequestID: requestID}
}

func TestScheduleEmergency(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	rec := "localAuthorities/" + storetest.Leeds + "/emergencyInspectionRecommendations/rec1"
	name, err := f.svc.ScheduleEmergency(ctx, storetest.Leeds, storetest.Day(2016, 1, 11), storetest.Day(2016, 1, 15), rec, accepting("req-1", "inspector-1"))
	if err != nil {
		t.Fatal(err)
	}
	_, id, err := inspection.ParseName("name", name)
	if err != nil {
		t.Fatal(err)
	}
	ins, err := f.ins.Get(ctx, storetest.Leeds, id)
	if err != nil || ins.Framework != inspection.Emergency || ins.EmergencyRecommendation != rec || ins.State != inspection.Scheduled ||
		!ins.StartDate.Equal(storetest.Day(2016, 1, 11)) {
		t.Fatalf("scheduled = %+v, %v", ins, err)
	}
	// Retries, with the same or another request ID, caller or dates, return
	// the same inspection.
	for _, retry := range []struct {
		requestID, actor string
		start            time.Time
	}{{"req-1", "inspector-1", storetest.Day(2016, 1, 11)}, {"req-2", "inspector-2", storetest.Day(2016, 1, 18)}, {"", "inspector-1", storetest.Day(2016, 1, 11)}} {
		again, err := f.svc.ScheduleEmergency(ctx, storetest.Leeds, retry.start, retry.start.AddDate(0, 0, 4), rec, accepting(retry.requestID, retry.actor))
		if err != nil || again != name {
			t.Fatalf("retry %+v = %q, %v; want %q", retry, again, err, name)
		}
	}
	// Concurrent acceptances of another recommendation schedule one.
	rec2 := "localAuthorities/" + storetest.Leeds + "/emergencyInspectionRecommendations/rec2"
	names := make([]string, 6)
	var wg sync.WaitGroup
	for i := range names {
		wg.Go(func() {
			var err error
			names[i], err = f.svc.ScheduleEmergency(ctx, storetest.Leeds, storetest.Day(2016, 2, 1), storetest.Day(2016, 2, 5), rec2, accepting(fmt.Sprint("r", i), fmt.Sprint("inspector-", i)))
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, n := range names {
		if n != names[0] || n == name {
			t.Fatalf("concurrent acceptances scheduled %q", names)
		}
	}
	all, err := f.ins.List(ctx, storetest.Leeds)
	if err != nil || len(all) != 2 {
		t.Fatalf("%d inspections, %v; want 2", len(all), err)
	}
	// Creating another inspection that answers the same recommendation is refused.
	_, err = f.svc.Schedule(ctx, storetest.Leeds, inspection.Inspection{Framework: inspection.Emergency, StartDate: storetest.Day(2016, 3, 1), EndDate: storetest.Day(2016, 3, 2), EmergencyRecommendation: rec}, inspector)
	if !errors.Is(err, inspection.ErrRecommendationAnswered) {
		t.Fatalf("second answer = %v", err)
	}

	for _, tc := range []struct {
		name       string
		gss        string
		start, end time.Time
		rec        string
		kind       fault.Kind
		fields     []string
	}{
		{"reversed dates", storetest.Leeds, storetest.Day(2016, 1, 15), storetest.Day(2016, 1, 11), "localAuthorities/" + storetest.Leeds + "/emergencyInspectionRecommendations/rec3", fault.KindInvalid, []string{"end_date"}},
		{"no dates", storetest.Leeds, time.Time{}, time.Time{}, "localAuthorities/" + storetest.Leeds + "/emergencyInspectionRecommendations/rec3", fault.KindInvalid, []string{"end_date", "start_date"}},
		{"no recommendation", storetest.Leeds, storetest.Day(2016, 1, 11), storetest.Day(2016, 1, 15), "", fault.KindInvalid, []string{"emergency_recommendation"}},
		{"unknown council", "E08999999", storetest.Day(2016, 1, 11), storetest.Day(2016, 1, 15), "localAuthorities/E08999999/emergencyInspectionRecommendations/rec3", fault.KindNotFound, nil},
		{"not a council code", "leeds", storetest.Day(2016, 1, 11), storetest.Day(2016, 1, 15), "x", fault.KindNotFound, nil},
	} {
		_, err := f.svc.ScheduleEmergency(ctx, tc.gss, tc.start, tc.end, tc.rec, accepting("", "inspector-1"))
		fl, ok := fault.As(err)
		var got []string
		if ok {
			for _, v := range fl.Violations {
				got = append(got, v.Field)
			}
		}
		if !ok || fl.Kind != tc.kind || !slices.Equal(got, tc.fields) {
			t.Errorf("%s: ScheduleEmergency = %v, want kind %v on %v", tc.name, err, tc.kind, tc.fields)
		}
	}
}

// councilCodec is the stored form of a council, as the service builds it.
var councilCodec = store.ProtoCodec(func() *inspectionv1.LocalAuthority { return &inspectionv1.LocalAuthority{} }, councilapi.ToProto, councilapi.FromStored)
