package concernstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concern"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concernstore"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concerntest"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// fixture is a store, the service over it and the councils it seeded.
type fixture struct{ concerntest.Fixture }

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return &fixture{concerntest.New(t, rpctest.NewStore(t), storetest.Leeds, storetest.Hampshire, storetest.Durham, storetest.Doncaster, storetest.Kensington)}
}

func request(actor, requestID string) change.Request {
	return change.Request{
		Subject: actor, Roles: []string{"ofsted_inspector"}, RequestID: requestID,
		Method: inspectionv1.InspectionService_RaiseConcern_FullMethodName, RequestHash: []byte("hash-" + requestID),
	}
}

func draft(k concern.Kind, s concern.Severity, received time.Time) concern.Draft {
	return concern.Draft{Kind: k, Severity: s, ReceivedDate: received, Narrative: "reported " + string(k), Source: "test"}
}

func (f *fixture) raise(t *testing.T, gss string, d concern.Draft) concern.Raised {
	t.Helper()
	r, err := f.Service.Raise(context.Background(), gss, d, request("inspector-1", ""))
	if err != nil {
		t.Fatalf("raise %s at %s: %v", d.Kind, gss, err)
	}
	return r
}

// raiseRecommended raises d at the council gss and returns what it raised
// and the one recommendation that fired, failing the test unless one did.
func (f *fixture) raiseRecommended(t *testing.T, gss string, d concern.Draft) (concern.Raised, concern.Recommendation) {
	t.Helper()
	r := f.raise(t, gss, d)
	if len(r.Recommendations) != 1 {
		t.Fatalf("raising %s at %s fired %+v, want one recommendation", d.Kind, gss, r.Recommendations)
	}
	return r, r.Recommendations[0]
}

// outbox decodes the council's outbox entries of type typ.
func (f *fixture) outbox(t *testing.T, gss, typ string) []events.Event {
	t.Helper()
	return rpctest.Outbox(t, f.Store, keyspace.CouncilTag(gss), typ)
}

func TestRaiseCommitsConcernRecommendationEventAndAudit(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	si := f.raise(t, storetest.Leeds, draft(concern.SeriousIncident, concern.High, storetest.Day(2015, 9, 1)))
	if len(si.Recommendations) != 0 {
		t.Fatalf("a lone serious incident fired %v", si.Recommendations)
	}
	wb, rec := f.raiseRecommended(t, storetest.Leeds, draft(concern.Whistleblowing, concern.Medium, storetest.Day(2015, 10, 1)))
	wantConcerns := []string{si.Concern.ID, wb.Concern.ID}
	if rec.Rule != "serious-incident-and-whistleblowing" || rec.State != concern.Pending || rec.Version != 1 ||
		!slices.Equal(rec.Concerns, wantConcerns) || rec.RuleDescription == "" || !rec.CreateTime.Equal(concerntest.Now) {
		t.Fatalf("recommendation = %+v", rec)
	}

	got, err := f.Concerns.Concern(ctx, storetest.Leeds, wb.Concern.ID)
	if err != nil || got != wb.Concern {
		t.Fatalf("Concern = %+v, %v; want %+v", got, err, wb.Concern)
	}
	if got.RecordedBy != "inspector-1" || !got.CreateTime.Equal(concerntest.Now) {
		t.Fatalf("concern lost who recorded it and when: %+v", got)
	}
	if _, err := f.Concerns.Concern(ctx, storetest.Leeds, "nosuch"); !errors.Is(err, concern.ErrNotFound) {
		t.Fatalf("missing concern: %v", err)
	}
	stored, err := f.Concerns.Recommendation(ctx, storetest.Leeds, rec.ID)
	if err != nil || stored.Version != 1 || !slices.Equal(stored.Concerns, wantConcerns) || stored.State != concern.Pending {
		t.Fatalf("Recommendation = %+v, %v", stored, err)
	}
	all, err := f.Concerns.Concerns(ctx, storetest.Leeds)
	if err != nil || len(all) != 2 {
		t.Fatalf("Concerns = %d, %v", len(all), err)
	}

	evs := f.outbox(t, storetest.Leeds, events.TypeName(&eventsv1.EmergencyInspectionRecommended{}))
	if len(evs) != 1 {
		t.Fatalf("%d EmergencyInspectionRecommended events, want 1", len(evs))
	}
	var payload eventsv1.EmergencyInspectionRecommended
	if err := evs[0].Unmarshal(&payload); err != nil {
		t.Fatal(err)
	}
	if payload.GetRecommendation() != rec.ResourceName() || payload.GetLocalAuthority() != "localAuthorities/"+storetest.Leeds ||
		payload.GetRule() != rec.Rule || !slices.Equal(payload.GetConcerns(), rec.ConcernNames()) ||
		evs[0].Topic != concernstore.Topic || evs[0].Subject != rec.ResourceName() {
		t.Fatalf("event = %+v, payload %+v", evs[0], &payload)
	}
	audits := f.outbox(t, storetest.Leeds, store.AuditType)
	if len(audits) != 3 {
		t.Fatalf("%d audit entries, want 3 (two concerns, one recommendation)", len(audits))
	}
	var last store.AuditEntry
	if err := json.Unmarshal(audits[2].Data, &last); err != nil {
		t.Fatal(err)
	}
	if last.Actor != "inspector-1" || last.Resource != rec.ResourceName() || last.EtagAfter != `"1"` || last.EtagBefore != "" {
		t.Fatalf("audit entry = %+v", last)
	}
}

func TestRaiseUnknownCouncilAndInvalidDraft(t *testing.T) {
	f := newFixture(t)
	_, err := f.Service.Raise(context.Background(), "E08999999", draft(concern.Complaint, concern.Low, storetest.Day(2015, 1, 1)), request("i", ""))
	if ff, ok := fault.As(err); !ok || ff.Kind != fault.KindNotFound || ff.Reason != "LOCAL_AUTHORITY_NOT_FOUND" {
		t.Fatalf("unknown council: %v", err)
	}
	// A council of the reference data that the store has not seeded.
	_, err = f.Service.Raise(context.Background(), "E09000033", draft(concern.Complaint, concern.Low, storetest.Day(2015, 1, 1)), request("i", ""))
	if !fault.IsKind(err, fault.KindNotFound) {
		t.Fatalf("unseeded council: %v", err)
	}
	_, err = f.Service.Raise(context.Background(), storetest.Leeds, draft(concern.Complaint, concern.Low, storetest.Day(2015, 12, 15)), request("i", ""))
	if !fault.IsKind(err, fault.KindInvalid) {
		t.Fatalf("future concern: %v", err)
	}
}

func TestGradeConditionReadsTheCouncil(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	li := draft(concern.LeadershipInstability, concern.High, storetest.Day(2015, 11, 2))
	if r := f.raise(t, storetest.Doncaster, li); len(r.Recommendations) != 0 {
		t.Fatalf("an ungraded council fired %+v", r.Recommendations)
	}
	la, err := f.Councils.Get(ctx, storetest.Doncaster)
	if err != nil {
		t.Fatal(err)
	}
	la = la.WithJudgement(council.LatestJudgement{
		Inspection: "localAuthorities/E08000017/inspections/x", Framework: "SIF",
		OverallGrade: reference.Inadequate, PublishDate: storetest.Day(2015, 11, 20),
	})
	w, err := f.Councils.Write(la)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.Commit(ctx, store.Mutation{Tag: keyspace.CouncilTag(storetest.Doncaster), Writes: []store.Write{w}}); err != nil {
		t.Fatal(err)
	}
	r := f.raise(t, storetest.Doncaster, draft(concern.LeadershipInstability, concern.Medium, storetest.Day(2015, 12, 1)))
	if len(r.Recommendations) != 1 || r.Recommendations[0].Rule != "leadership-instability-at-weak-council" ||
		len(r.Recommendations[0].Concerns) != 2 {
		t.Fatalf("after an inadequate judgement: %+v", r.Recommendations)
	}
}

func TestCouncilGrades(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	g := concernstore.NewCouncilGrades(f.Councils)
	if grade, ok, err := g.LatestGrade(ctx, storetest.Leeds); err != nil || ok || grade != "" {
		t.Fatalf("ungraded council: %q, %v, %v", grade, ok, err)
	}
	if _, _, err := g.LatestGrade(ctx, "E09000033"); !errors.Is(err, concern.ErrCouncilNotFound) {
		t.Fatalf("unseeded council: %v", err)
	}
	la, _ := f.Councils.Get(ctx, storetest.Hampshire)
	la = la.WithJudgement(council.LatestJudgement{Framework: "SIF", OverallGrade: reference.Good, PublishDate: storetest.Day(2014, 6, 12)})
	w, _ := f.Councils.Write(la)
	if _, err := f.Store.Commit(ctx, store.Mutation{Tag: keyspace.CouncilTag(storetest.Hampshire), Writes: []store.Write{w}}); err != nil {
		t.Fatal(err)
	}
	if grade, ok, err := g.LatestGrade(ctx, storetest.Hampshire); err != nil || !ok || grade != reference.Good {
		t.Fatalf("graded council: %q, %v, %v", grade, ok, err)
	}
}

// TestConcurrentRaisesFireOnce raises concerns at the same time: the
// trigger log makes the later commit re-read, so a rule that needs both
// concerns fires, and fires once.
func TestConcurrentRaisesFireOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	concurrently := func(gss string, ds ...concern.Draft) []concern.Recommendation {
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			recs  []concern.Recommendation
			start = make(chan struct{})
			errs  = make(chan error, len(ds))
		)
		for _, d := range ds {
			wg.Go(func() {
				<-start
				r, err := f.Service.Raise(ctx, gss, d, request("inspector-1", ""))
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				recs = append(recs, r.Recommendations...)
				mu.Unlock()
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("concurrent raise: %v", err)
		}
		return recs
	}
	rounds := []struct {
		gss  string
		base time.Time
	}{
		{storetest.Leeds, storetest.Day(2015, 1, 5)}, {storetest.Hampshire, storetest.Day(2015, 3, 1)}, {storetest.Durham, storetest.Day(2015, 6, 30)},
		{storetest.Doncaster, storetest.Day(2015, 10, 1)}, {storetest.Leeds, storetest.Day(2015, 11, 1)},
	}
	for i, rd := range rounds {
		recs := concurrently(rd.gss,
			draft(concern.SeriousIncident, concern.Low, rd.base),
			draft(concern.Whistleblowing, concern.Low, rd.base.AddDate(0, 0, 3)))
		if len(recs) != 1 || recs[0].Rule != "serious-incident-and-whistleblowing" || len(recs[0].Concerns) != 2 {
			t.Fatalf("round %d: two concerns raised together gave %+v, want one recommendation on both", i, recs)
		}
		if i == 0 {
			// Leeds's first recommendation must not block its second round.
			if _, err := f.Service.Dismiss(ctx, storetest.Leeds, recs[0].ID, change.At(recs[0].Version), "handled", request("i", "")); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Four whistleblowing concerns at once after an incident: exactly one
	// of them fires the rule; the others see its PENDING recommendation.
	f.raise(t, storetest.Kensington, draft(concern.SeriousIncident, concern.Low, storetest.Day(2015, 12, 1)))
	wb := draft(concern.Whistleblowing, concern.Low, storetest.Day(2015, 12, 2))
	recs := concurrently(storetest.Kensington, wb, wb, wb, wb)
	if len(recs) != 1 {
		t.Fatalf("four concurrent whistleblowing concerns created %d recommendations, want 1", len(recs))
	}
	pending, err := f.Concerns.Recommendations(ctx, storetest.Kensington, concern.Pending)
	if err != nil || len(pending) != 1 {
		t.Fatalf("pending at Kensington and Chelsea: %+v, %v; want one", pending, err)
	}
	all, err := f.Concerns.Concerns(ctx, storetest.Kensington)
	if err != nil || len(all) != 5 {
		t.Fatalf("concerns at Kensington and Chelsea: %d, %v; want 5", len(all), err)
	}
}

func TestDecideMovesStateAndChecksVersion(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	_, rec := f.raiseRecommended(t, storetest.Hampshire, draft(concern.Complaint, concern.Critical, storetest.Day(2015, 12, 1)))
	ch := request("inspector-2", "")
	ch.Method = inspectionv1.InspectionService_DismissEmergencyInspectionRecommendation_FullMethodName

	logVersion := func() int64 {
		rec, err := f.Store.Get(ctx, f.Store.Keyspace().Key(keyspace.CouncilTag(storetest.Hampshire), "concern-log"))
		if err != nil {
			t.Fatal(err)
		}
		return rec.Version
	}
	before := logVersion()
	stale := rec
	stale.Version = 7
	dismissed, _ := stale.Dismiss(concern.Decision{By: "inspector-2", At: concerntest.Now, Rationale: "r"})
	if _, err := f.Concerns.Decide(ctx, dismissed, ch); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("decide at a stale version: %v", err)
	}
	dismissed, _ = rec.Dismiss(concern.Decision{By: "inspector-2", At: concerntest.Now, Rationale: "already visited"})
	got, err := f.Concerns.Decide(ctx, dismissed, ch)
	if err != nil || got.Version != 2 || got.State != concern.Dismissed {
		t.Fatalf("Decide = %+v, %v", got, err)
	}
	if after := logVersion(); after != before+1 {
		t.Fatalf("trigger log at %d after a decision, want %d", after, before+1)
	}
	for state, want := range map[concern.State]int{concern.Pending: 0, concern.Dismissed: 1, concern.Accepted: 0, "": 1} {
		rs, err := f.Concerns.Recommendations(ctx, storetest.Hampshire, state)
		if err != nil || len(rs) != want {
			t.Errorf("Recommendations(%q) = %d, %v; want %d", state, len(rs), err, want)
		}
	}
	// A new critical concern fires the rule again: nothing is pending now.
	f.raiseRecommended(t, storetest.Hampshire, draft(concern.SeriousIncident, concern.Critical, storetest.Day(2015, 12, 10)))
}

func TestRecommendationsAcrossCouncilsInConstantRoundTrips(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	hook := redistest.CountRoundTrips(f.Store.Client())
	count := func(state concern.State) (int, int64) {
		t.Helper()
		before := hook.Count()
		rs, err := f.Concerns.Recommendations(ctx, "", state)
		if err != nil {
			t.Fatal(err)
		}
		return len(rs), hook.Count() - before
	}
	if n, trips := count(""); n != 0 || trips != 1 {
		// No index entries: the record read is skipped.
		t.Fatalf("empty: %d recommendations in %d round trips", n, trips)
	}
	for i, gss := range []string{storetest.Leeds, storetest.Hampshire, storetest.Durham} {
		f.raise(t, gss, draft(concern.DataDeterioration, concern.Critical, storetest.Day(2015, 12, 1+i)))
	}
	n1, trips1 := count("")
	f.raise(t, storetest.Leeds, draft(concern.Complaint, concern.High, storetest.Day(2015, 12, 5)))
	f.raise(t, storetest.Leeds, draft(concern.Complaint, concern.High, storetest.Day(2015, 12, 6)))
	f.raise(t, storetest.Doncaster, draft(concern.Complaint, concern.Critical, storetest.Day(2015, 12, 7)))
	n2, trips2 := count("")
	if n1 != 3 || n2 != 5 {
		t.Fatalf("listed %d then %d recommendations, want 3 then 5", n1, n2)
	}
	if trips1 != 2 || trips2 != 2 {
		t.Fatalf("round trips %d and %d, want 2 whatever the number of recommendations", trips1, trips2)
	}
	if n, _ := count(concern.Pending); n != 5 {
		t.Fatalf("pending across councils: %d", n)
	}
	if n, _ := count(concern.Accepted); n != 0 {
		t.Fatalf("accepted across councils: %d", n)
	}
}

func TestRaiseStoresTheResponseForReplay(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	ch := request("inspector-1", "req-1")
	r, err := f.Service.Raise(ctx, storetest.Durham, draft(concern.Whistleblowing, concern.Critical, storetest.Day(2015, 12, 1)), ch)
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := f.Concerns.ReplayRaised(ctx, storetest.Durham, ch)
	if err != nil || !ok {
		t.Fatalf("ReplayRaised = %v, %v", ok, err)
	}
	if !reflect.DeepEqual(got, r) || len(got.Recommendations) != 1 || got.Recommendations[0].Version != 1 {
		t.Fatalf("replayed %+v, want %+v", got, r)
	}
	other := ch
	other.RequestHash = []byte("another request")
	if _, _, err := f.Concerns.ReplayRaised(ctx, storetest.Durham, other); !errors.Is(err, store.ErrRequestIDReused) {
		t.Fatalf("reused request id: %v", err)
	}
	if _, ok, err := f.Concerns.ReplayRaised(ctx, storetest.Leeds, ch); ok || err != nil {
		t.Fatalf("another council's replay: %v, %v", ok, err)
	}
}

func TestAcceptSchedulesThroughTheScheduler(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	r := f.raise(t, storetest.Leeds, draft(concern.SeriousIncident, concern.Critical, storetest.Day(2015, 12, 1)))
	rec := r.Recommendations[0]
	ch := request("inspector-3", "accept-1")
	ch.Method = inspectionv1.InspectionService_AcceptEmergencyInspectionRecommendation_FullMethodName
	sched := concern.Schedule{Start: storetest.Day(2016, 1, 4), End: storetest.Day(2016, 1, 8)}
	got, err := f.Service.Accept(ctx, storetest.Leeds, rec.ID, change.At(rec.Version), sched, "child at risk", ch)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("localAuthorities/%s/inspections/emergency-%s", storetest.Leeds, rec.ID)
	if got.State != concern.Accepted || got.Inspection != want || got.DecidedBy != "inspector-3" ||
		got.Rationale != "child at risk" || !got.DecideTime.Equal(concerntest.Now) || got.Version != 2 {
		t.Fatalf("accepted = %+v", got)
	}
	s, err := f.Scheduler.Scheduled(ctx, storetest.Leeds, rec.ResourceName())
	if err != nil || !s.Start.Equal(sched.Start) || !s.End.Equal(sched.End) || s.Actor != "inspector-3" || s.RequestID != "accept-1" {
		t.Fatalf("scheduled = %+v, %v", s, err)
	}
	// A retry of the same request replays its answer; another request to
	// accept the decided recommendation is refused.
	if again, err := f.Service.Accept(ctx, storetest.Leeds, rec.ID, change.At(rec.Version), sched, "child at risk", ch); err != nil || !reflect.DeepEqual(again, got) {
		t.Fatalf("retried acceptance = %+v, %v; want the first answer %+v", again, err, got)
	}
	second := ch
	second.RequestID = "accept-2"
	_, err = f.Service.Accept(ctx, storetest.Leeds, rec.ID, change.At(got.Version), sched, "", second)
	if ff, ok := fault.As(err); !ok || ff.Kind != fault.KindFailedPrecondition {
		t.Fatalf("accepting twice: %v", err)
	}
	if f.Scheduler.Calls.Load() != 1 {
		t.Fatalf("scheduler called %d times, want once", f.Scheduler.Calls.Load())
	}
}
