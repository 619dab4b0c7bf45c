package reviewstore

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewapi"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewtest"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
)

type env struct {
	t   *testing.T
	st  *store.Store
	rs  *Reviews
	svc *review.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st := rpctest.NewStore(t)
	rs := New(st, store.ProtoCodec(func() *peerreviewv1.PeerReview { return new(peerreviewv1.PeerReview) }, reviewapi.ToStored, reviewapi.FromStored))
	return &env{t: t, st: st, rs: rs, svc: review.NewService(rs, reviewtest.Clock)}
}

func adviser(method, id string) change.Request {
	return change.Request{Subject: "adviser-1", Roles: []string{"lga_adviser"}, Method: method, RequestID: id}
}

func (e *env) request(gss string) review.Review {
	e.t.Helper()
	rv, err := e.svc.Request(context.Background(), gss, review.SafeguardingPeerReview, "Prioritised.", adviser("", ""))
	if err != nil {
		e.t.Fatalf("request a review of %s: %v", gss, err)
	}
	return rv
}

// scheduled returns a scheduled review of gss with team (lead first).
func (e *env) scheduled(gss string, team ...review.Member) review.Review {
	e.t.Helper()
	ctx := context.Background()
	rv := e.request(gss)
	rv, err := e.svc.Schedule(ctx, gss, rv.ID, storetest.Day(2016, 1, 11), storetest.Day(2016, 1, 14), change.Etag{}, adviser("", ""))
	if err != nil {
		e.t.Fatal(err)
	}
	if len(team) > 0 {
		if rv, err = e.svc.AssignTeam(ctx, gss, rv.ID, team, change.At(rv.Version), adviser("", "")); err != nil {
			e.t.Fatal(err)
		}
	}
	return rv
}

// outbox decodes the council's outbox: the PeerReviewCompleted payloads
// and the audit entries' "method resource etag" lines.
func (e *env) outbox(gss string) ([]*eventsv1.PeerReviewCompleted, []string) {
	e.t.Helper()
	evs := rpctest.Outbox(e.t, e.st, keyspace.CouncilTag(gss))
	completed := events.TypeName(&eventsv1.PeerReviewCompleted{})
	for _, ev := range evs {
		if ev.Type != completed && ev.Type != store.AuditType {
			e.t.Errorf("unexpected event type %s", ev.Type)
		}
	}
	done := rpctest.Payloads[*eventsv1.PeerReviewCompleted](e.t, evs)
	for i, ev := range rpctest.Outbox(e.t, e.st, keyspace.CouncilTag(gss), completed) {
		if ev.Topic != Topic || ev.Subject != done[i].GetPeerReview() {
			e.t.Errorf("event envelope: topic %q subject %q", ev.Topic, ev.Subject)
		}
	}
	var trail []string
	for _, a := range rpctest.Audits(e.t, evs) {
		trail = append(trail, a.Method+" "+a.Actor+" "+a.EtagAfter)
	}
	return done, trail
}

// TestLifecycleCommitsEventAndAudit takes a review from request to
// completion: every change is audited, the completion commits
// PeerReviewCompleted in the council's outbox, and the council may then
// request another review.
func TestLifecycleCommitsEventAndAudit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	team := []review.Member{{ReviewerID: "dir1", Lead: true, Days: 4}, {ReviewerID: "psw1", Days: 4}}
	rv := e.scheduled(storetest.Leeds, team...)
	rv, err := e.svc.StartOnSite(ctx, storetest.Leeds, rv.ID, change.At(rv.Version), adviser("", ""))
	if err != nil {
		t.Fatal(err)
	}
	findings := []review.Finding{
		{Theme: reviewer.Caseloads, Kind: review.AreaForImprovement, Severity: review.Severe, Evidence: "Caseloads of 30."},
		{Theme: reviewer.Leadership, Kind: review.Strength, Evidence: "Stable leadership."},
		{Theme: reviewer.FrontDoorAndReferrals, Kind: review.AreaForImprovement, Severity: review.Minor, Evidence: "Thresholds unclear."},
	}
	if rv, err = e.svc.RecordFindings(ctx, storetest.Leeds, rv.ID, findings, change.Etag{}, adviser("", "")); err != nil {
		t.Fatal(err)
	}
	if rv.State != review.Reporting {
		t.Fatalf("after findings: %s", rv.State)
	}
	done, err := e.svc.Complete(ctx, storetest.Leeds, rv.ID, review.RiskLow, "Low risk, but caseloads are severe.", change.At(rv.Version), adviser("", ""))
	if err != nil {
		t.Fatal(err)
	}
	if done.State != review.Completed || done.Version != 6 || !done.CompleteTime.Equal(reviewtest.Clock()) {
		t.Fatalf("completed = %+v", done)
	}
	got, err := e.rs.Get(ctx, storetest.Leeds, rv.ID)
	if err != nil || got.State != review.Completed || len(got.Findings) != 3 || len(got.Team) != 2 || got.Version != 6 ||
		got.ConclusionRisk != review.RiskLow || got.RequestedBy != "adviser-1" {
		t.Fatalf("stored = %+v, %v", got, err)
	}

	evs, trail := e.outbox(storetest.Leeds)
	if len(evs) != 1 {
		t.Fatalf("PeerReviewCompleted events = %d, want 1", len(evs))
	}
	want := &eventsv1.PeerReviewCompleted{
		PeerReview: done.Name(), LocalAuthority: "localAuthorities/" + storetest.Leeds, Kind: "SAFEGUARDING_PEER_REVIEW",
		Risk: "LOW", SevereThemes: []string{"CASELOADS"},
	}
	if g := evs[0]; g.GetPeerReview() != want.PeerReview || g.GetLocalAuthority() != want.LocalAuthority || g.GetKind() != want.Kind ||
		g.GetRisk() != want.Risk || !slices.Equal(g.GetSevereThemes(), want.SevereThemes) || g.GetSupportOffer() != "" {
		t.Errorf("event = %v, want %v", g, want)
	}
	wantTrail := []string{
		"/turnaround.peerreview.v1.PeerReviewService/RequestPeerReview adviser-1 \"1\"",
		"/turnaround.peerreview.v1.PeerReviewService/SchedulePeerReview adviser-1 \"2\"",
		// A programmatic call names no method; the save is audited as the
		// RPC whose effect it has, by state.
		"/turnaround.peerreview.v1.PeerReviewService/SchedulePeerReview adviser-1 \"3\"",
		"/turnaround.peerreview.v1.PeerReviewService/StartOnSite adviser-1 \"4\"",
		"/turnaround.peerreview.v1.PeerReviewService/RecordFindings adviser-1 \"5\"",
		"/turnaround.peerreview.v1.PeerReviewService/CompleteReview adviser-1 \"6\"",
	}
	if !slices.Equal(trail, wantTrail) {
		t.Errorf("audit trail:\n%q\nwant\n%q", trail, wantTrail)
	}

	// The completed review no longer holds the council's slot.
	if _, ok, err := e.rs.UnderWay(ctx, storetest.Leeds); err != nil || ok {
		t.Fatalf("under way after completion: %v, %v", ok, err)
	}
	next := e.request(storetest.Leeds)
	if next.ID == rv.ID {
		t.Fatal("the new request reused the completed review's id")
	}
}

// TestOneReviewUnderWay refuses a second review of a council while one is
// under way, also when requests race, and frees the slot on cancellation.
func TestOneReviewUnderWay(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const racers = 8
	var wg sync.WaitGroup
	results := make([]error, racers)
	ids := make([]string, racers)
	for i := range racers {
		wg.Go(func() {
			rv, err := e.svc.Request(ctx, storetest.Leeds, review.CarePracticeDiagnostic, "", adviser("", ""))
			results[i], ids[i] = err, rv.ID
		})
	}
	wg.Wait()
	var won string
	for i, err := range results {
		switch {
		case err == nil:
			if won != "" {
				t.Fatalf("two requests won: %s and %s", won, ids[i])
			}
			won = ids[i]
		case !errors.Is(err, review.ErrUnderWay):
			t.Fatalf("racer %d: %v, want %v", i, err, review.ErrUnderWay)
		}
	}
	if won == "" {
		t.Fatal("no request won")
	}
	_, err := e.svc.Request(ctx, storetest.Leeds, review.SafeguardingPeerReview, "", adviser("", ""))
	f, ok := fault.As(err)
	if !ok || f.Kind != fault.KindFailedPrecondition || f.Reason != review.ReasonUnderWay || f.Metadata["peer_review"] != review.Name(storetest.Leeds, won) {
		t.Fatalf("second request = %#v", err)
	}
	// Another council is not affected.
	e.request(storetest.Hampshire)

	all, err := e.rs.List(ctx, storetest.Leeds)
	if err != nil || len(all) != 1 {
		t.Fatalf("leeds reviews = %d, %v; want exactly one", len(all), err)
	}
	if _, err := e.svc.Cancel(ctx, storetest.Leeds, won, "Council withdrew.", change.Etag{}, adviser("", "")); err != nil {
		t.Fatal(err)
	}
	e.request(storetest.Leeds)
	if evs, _ := e.outbox(storetest.Leeds); len(evs) != 0 {
		t.Errorf("cancellation emitted %d completion events", len(evs))
	}
}

func TestIdempotencyAndEtags(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := adviser("/turnaround.peerreview.v1.PeerReviewService/RequestPeerReview", "req-1")
	r.RequestHash = []byte("hash-1")
	first, err := e.svc.Request(ctx, storetest.Leeds, review.SafeguardingPeerReview, "", r)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.svc.Request(ctx, storetest.Leeds, review.SafeguardingPeerReview, "", r)
	if err != nil || again.ID != first.ID || again.Version != 1 {
		t.Fatalf("replay = %+v, %v; want %s", again, err, first.ID)
	}
	other := r
	other.RequestHash = []byte("hash-2")
	if _, err := e.svc.Request(ctx, storetest.Leeds, review.SafeguardingPeerReview, "", other); !errors.Is(err, store.ErrRequestIDReused) {
		t.Fatalf("reused request id = %v", err)
	}

	sched := adviser("/turnaround.peerreview.v1.PeerReviewService/SchedulePeerReview", "req-2")
	s1, err := e.svc.Schedule(ctx, storetest.Leeds, first.ID, storetest.Day(2016, 1, 11), storetest.Day(2016, 1, 12), change.At(1), sched)
	if err != nil {
		t.Fatal(err)
	}
	// The replay answers as the first call did, though the state moved on.
	s2, err := e.svc.Schedule(ctx, storetest.Leeds, first.ID, storetest.Day(2016, 1, 11), storetest.Day(2016, 1, 12), change.At(1), sched)
	if err != nil || s2.Version != s1.Version || s2.State != review.Scheduled {
		t.Fatalf("schedule replay = %+v, %v", s2, err)
	}
	if _, err := e.svc.Cancel(ctx, storetest.Leeds, first.ID, "Stale.", change.At(1), adviser("", "")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale etag = %v, want ETAG_MISMATCH", err)
	}
	if _, err := e.rs.Get(ctx, storetest.Leeds, "missing"); !errors.Is(err, review.ErrNotFound) {
		t.Fatalf("missing review = %v", err)
	}
}

// TestAllCommittedDaysAssigned reads every council's reviews in two round
// trips' worth of calls and derives reviewers' commitments from them.
func TestAllCommittedDaysAssigned(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.scheduled(storetest.Leeds, review.Member{ReviewerID: "dir1", Lead: true, Days: 4}, review.Member{ReviewerID: "psw1", Days: 3})
	e.scheduled(storetest.Hampshire, review.Member{ReviewerID: "dir2", Lead: true, Days: 2}, review.Member{ReviewerID: "psw1", Days: 2})
	requested := e.request("E08000017")
	cancelled := e.scheduled("E06000047", review.Member{ReviewerID: "dir3", Lead: true, Days: 5}, review.Member{ReviewerID: "psw2", Days: 5})
	if _, err := e.svc.Cancel(ctx, "E06000047", cancelled.ID, "Withdrawn.", change.Etag{}, adviser("", "")); err != nil {
		t.Fatal(err)
	}

	all, err := e.rs.All(ctx)
	if err != nil || len(all) != 4 {
		t.Fatalf("All = %d reviews, %v; want 4", len(all), err)
	}
	committed, err := e.rs.CommittedDays(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"dir1": 4, "psw1": 5, "dir2": 2}
	if len(committed) != len(want) {
		t.Errorf("committed = %v, want %v", committed, want)
	}
	for id, d := range want {
		if committed[id] != d {
			t.Errorf("committed[%s] = %d, want %d", id, committed[id], d)
		}
	}
	for id, want := range map[string]bool{"dir1": true, "psw1": true, "dir3": false, "psw2": false, "nobody": false} {
		got, err := e.rs.Assigned(ctx, id)
		if err != nil || got != want {
			t.Errorf("Assigned(%s) = %v, %v; want %v", id, got, err, want)
		}
	}
	if rv, ok, err := e.rs.UnderWay(ctx, "E08000017"); err != nil || !ok || rv.ID != requested.ID {
		t.Errorf("UnderWay = %v, %v, %v", rv.ID, ok, err)
	}
}

func TestLinkOffer(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	rv := e.scheduled(storetest.Leeds, review.Member{ReviewerID: "dir1", Lead: true, Days: 4}, review.Member{ReviewerID: "psw1", Days: 4})
	offer := "localAuthorities/" + storetest.Leeds + "/supportOffers/o1"
	// As the completion consumer audits a link: by the service itself.
	link := change.Request{Subject: "system:peerreview", Method: "event:turnaround.events.v1.PeerReviewCompleted"}
	if err := e.svc.LinkOffer(ctx, storetest.Leeds, rv.ID, offer, link); !fault.IsKind(err, fault.KindFailedPrecondition) {
		t.Fatalf("link to a scheduled review = %v", err)
	}
	rv, _ = e.svc.StartOnSite(ctx, storetest.Leeds, rv.ID, change.Etag{}, adviser("", ""))
	rv, _ = e.svc.RecordFindings(ctx, storetest.Leeds, rv.ID, []review.Finding{{Theme: reviewer.Caseloads, Kind: review.Strength, Evidence: "e"}}, change.Etag{}, adviser("", ""))
	done, err := e.svc.Complete(ctx, storetest.Leeds, rv.ID, review.RiskHigh, "High.", change.Etag{}, adviser("", ""))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := e.svc.LinkOffer(ctx, storetest.Leeds, rv.ID, offer, link); err != nil {
			t.Fatalf("link: %v", err)
		}
	}
	got, err := e.rs.Get(ctx, storetest.Leeds, rv.ID)
	if err != nil || got.SupportOffer != offer || got.Version != done.Version+1 || got.State != review.Completed {
		t.Fatalf("linked = %+v, %v; want one new version", got, err)
	}
	evs, trail := e.outbox(storetest.Leeds)
	if len(evs) != 1 {
		t.Errorf("completion events = %d, want 1: linking must not emit another", len(evs))
	}
	if last := trail[len(trail)-1]; last != link.Method+" "+link.Subject+" \"7\"" {
		t.Errorf("link audit entry = %q", last)
	}
	if err := e.svc.LinkOffer(ctx, storetest.Leeds, rv.ID, offer+"x", link); !fault.IsKind(err, fault.KindFailedPrecondition) {
		t.Errorf("link another offer = %v", err)
	}
	for _, bad := range []string{"", "localAuthorities/" + storetest.Hampshire + "/supportOffers/o1", "localAuthorities/" + storetest.Leeds + "/peerReviews/o1"} {
		if err := e.svc.LinkOffer(ctx, storetest.Leeds, rv.ID, bad, link); !fault.IsKind(err, fault.KindInvalid) {
			t.Errorf("link %q = %v, want INVALID_ARGUMENT", bad, err)
		}
	}
	if err := e.svc.LinkOffer(ctx, storetest.Leeds, "missing", offer, link); !errors.Is(err, review.ErrNotFound) {
		t.Errorf("link to a missing review = %v", err)
	}
}

// TestListReadsInTwoRoundTripsAndSeesOtherReplicas: a list of every
// council's reviews takes two round trips whatever the number of reviews
// and of reviews changed since the last list, shows a review changed
// through another store (another replica) on the next list, and hands out
// reviews a caller may change without changing the next list.
func TestListReadsInTwoRoundTripsAndSeesOtherReplicas(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mine := New(e.st, store.ProtoCodec(func() *peerreviewv1.PeerReview { return new(peerreviewv1.PeerReview) }, reviewapi.ToStored, reviewapi.FromStored))
	trips := redistest.CountRoundTrips(e.st.Client())
	if _, err := mine.All(ctx); err != nil { // dials the pool's connections
		t.Fatal(err)
	}
	first := e.scheduled(storetest.Leeds, review.Member{ReviewerID: "dir1", Lead: true, Days: 4}, review.Member{ReviewerID: "psw1", Days: 3})
	for i, gss := range []string{storetest.Hampshire, "E08000017", "E06000047"} {
		e.request(gss)
		if i == 1 { // cancel a review the list has read
			if _, err := e.svc.Cancel(ctx, storetest.Leeds, first.ID, "Withdrawn.", change.Etag{}, adviser("", "")); err != nil {
				t.Fatal(err)
			}
		}
		var all []review.Review
		var err error
		if rt := trips.During(func() { all, err = mine.All(ctx) }); rt != 2 || err != nil || len(all) != i+2 {
			t.Errorf("All of %d reviews took %d round trips, want 2 (%d listed, %v)", i+2, rt, len(all), err)
		}
		for _, rv := range all {
			if rv.ID == first.ID {
				if i >= 1 && rv.State != review.Cancelled {
					t.Errorf("list %d: %s is %s, want the other store's cancellation", i, rv.Name(), rv.State)
				}
				rv.Team[0].Days = 99 // a caller changing what it listed
			}
		}
	}
	if committed, err := mine.CommittedDays(ctx); err != nil || len(committed) != 0 {
		t.Errorf("CommittedDays after the cancellation = %v, %v", committed, err)
	}
	all, err := mine.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, rv := range all {
		if rv.ID == first.ID && rv.Team[0].Days != 4 {
			t.Errorf("%s lists a team of %+v, changed by an earlier caller", rv.Name(), rv.Team)
		}
	}
}
