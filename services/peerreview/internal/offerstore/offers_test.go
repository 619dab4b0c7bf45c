package offerstore

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offerapi"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewtest"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

func newStore(t *testing.T) (*Offers, *store.Store) {
	t.Helper()
	st := rpctest.NewStore(t)
	return New(st, rpctest.Codec(offerapi.ToStored, offerapi.FromStored)), st
}

func sample(gss, id string, created time.Time) offer.Offer {
	return offer.Offer{
		GSSCode: gss, ID: id, Tier: offer.Enhanced, State: offer.Offered,
		Reasons:    []string{"High risk", "Severe leadership findings"},
		PeerReview: "localAuthorities/" + gss + "/peerReviews/r1",
		Activities: []offer.Activity{
			{Kind: offer.LeadershipCoaching, Days: 8, ProvidingCouncils: []string{storetest.Hampshire, storetest.Durham}, Description: "coaching"},
			{Kind: offer.DiagnosticFollowUp, Days: 5},
		},
		History:    []string{offer.HistoryLine(offer.Offered, "adviser-1", created, "ENHANCED support offered")},
		CreateTime: created,
		UpdateTime: created,
	}
}

var adviser = change.Request{Subject: "adviser-1", Roles: []string{"lga_adviser"}}

// outbox reads the council's outbox: the events and audit entries its
// commits appended, oldest first.
func outbox(t *testing.T, st *store.Store, gss string) []events.Event {
	t.Helper()
	return rpctest.Outbox(t, st, keyspace.CouncilTag(gss))
}

func types(evs []events.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

func TestInsertGetList(t *testing.T) {
	ctx := context.Background()
	s, st := newStore(t)
	want := sample(storetest.Leeds, "first", reviewtest.Now)
	got, err := s.Insert(ctx, want, adviser)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 {
		t.Errorf("version %d, want 1", got.Version)
	}
	read, err := s.Get(ctx, storetest.Leeds, "first")
	if err != nil {
		t.Fatal(err)
	}
	want.Version = 1
	if !equal(read, want) {
		t.Errorf("read back\n%+v\nwant\n%+v", read, want)
	}
	if _, err := s.Get(ctx, storetest.Leeds, "missing"); !errors.Is(err, offer.ErrNotFound) {
		t.Errorf("missing offer: %v, want ErrNotFound", err)
	}
	if _, err := s.Insert(ctx, sample(storetest.Leeds, "first", reviewtest.Now), adviser); !errors.Is(err, change.ErrConflict) {
		t.Errorf("second insert under the same id: %v, want a conflict", err)
	}

	evs := outbox(t, st, storetest.Leeds)
	if got := types(evs); !slices.Equal(got, []string{SupportOfferCreatedType, store.AuditType}) {
		t.Fatalf("outbox holds %v, want the offer's event and its audit entry", got)
	}
	var created eventsv1.SupportOfferCreated
	if err := evs[0].Unmarshal(&created); err != nil {
		t.Fatal(err)
	}
	if evs[0].Topic != Topic || created.GetSupportOffer() != want.Name() ||
		created.GetLocalAuthority() != "localAuthorities/"+storetest.Leeds || created.GetTier() != "ENHANCED" {
		t.Errorf("event on %s: %v", evs[0].Topic, &created)
	}

	if _, err := s.Insert(ctx, sample(storetest.Leeds, "second", reviewtest.Now.Add(time.Hour)), adviser); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Insert(ctx, sample(storetest.Durham, "third", reviewtest.Now.Add(2*time.Hour)), adviser); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		gss  string
		want []string
	}{
		{storetest.Leeds, []string{"second", "first"}},
		{storetest.Durham, []string{"third"}},
		{storetest.Hampshire, nil},
		{offer.AllCouncils, []string{"third", "second", "first"}},
	} {
		list, err := s.ForCouncil(ctx, tc.gss)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(list); !slices.Equal(got, tc.want) {
			t.Errorf("offers of %s: %v, want %v", tc.gss, got, tc.want)
		}
	}
}

func ids(offers []offer.Offer) []string {
	var out []string
	for _, o := range offers {
		out = append(out, o.ID)
	}
	return out
}

// equal compares offers, times by instant.
func equal(a, b offer.Offer) bool {
	if !a.CreateTime.Equal(b.CreateTime) || !a.UpdateTime.Equal(b.UpdateTime) {
		return false
	}
	a.CreateTime, a.UpdateTime, b.CreateTime, b.UpdateTime = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if len(a.Activities) != len(b.Activities) {
		return false
	}
	for i := range a.Activities {
		x, y := a.Activities[i], b.Activities[i]
		if x.Kind != y.Kind || x.Days != y.Days || x.Description != y.Description || !slices.Equal(x.ProvidingCouncils, y.ProvidingCouncils) {
			return false
		}
	}
	return a.GSSCode == b.GSSCode && a.ID == b.ID && a.Tier == b.Tier && a.State == b.State &&
		slices.Equal(a.Reasons, b.Reasons) && a.PeerReview == b.PeerReview && a.Inspection == b.Inspection &&
		slices.Equal(a.History, b.History) && a.Version == b.Version
}

func TestSaveIsPinned(t *testing.T) {
	ctx := context.Background()
	s, st := newStore(t)
	o, err := s.Insert(ctx, sample(storetest.Leeds, "x", reviewtest.Now), adviser)
	if err != nil {
		t.Fatal(err)
	}
	o.State = offer.Accepted
	saved, err := s.Save(ctx, o, adviser)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Version != 2 {
		t.Errorf("version %d, want 2", saved.Version)
	}
	// o still carries version 1: a writer that read before the save.
	o.State = offer.Declined
	if _, err := s.Save(ctx, o, adviser); !errors.Is(err, change.ErrConflict) {
		t.Errorf("stale save: %v, want a conflict", err)
	}
	if got, _ := s.Get(ctx, storetest.Leeds, "x"); got.State != offer.Accepted || got.Version != 2 {
		t.Errorf("after the refused save: %s at version %d", got.State, got.Version)
	}
	// Saves are audited but announce nothing.
	if got := types(outbox(t, st, storetest.Leeds)); !slices.Equal(got, []string{SupportOfferCreatedType, store.AuditType, store.AuditType}) {
		t.Errorf("outbox holds %v", got)
	}
}

func TestReplay(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	r := adviser
	r.Method, r.RequestID, r.RequestHash = "/m", "req-1", []byte("hash-a")
	if _, ok, err := s.Replay(ctx, storetest.Leeds, r); ok || err != nil {
		t.Fatalf("replay before any call: %v %v", ok, err)
	}
	in, err := s.Insert(ctx, sample(storetest.Leeds, "x", reviewtest.Now), r)
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Replay(ctx, storetest.Leeds, r)
	if err != nil || !ok || !equal(got, in) {
		t.Fatalf("replay: %+v %v %v", got, ok, err)
	}
	r.RequestHash = []byte("hash-b")
	if _, _, err := s.Replay(ctx, storetest.Leeds, r); !errors.Is(err, store.ErrRequestIDReused) {
		t.Errorf("reused request id: %v", err)
	}
	other := r
	other.Subject = "adviser-2"
	if _, ok, _ := s.Replay(ctx, storetest.Leeds, other); ok {
		t.Error("another caller's request id replayed")
	}
}

func TestEscalationIsSingle(t *testing.T) {
	ctx := context.Background()
	s, st := newStore(t)
	cause := offer.Cause{Kind: offer.CauseInspection, GSSCode: storetest.Leeds, ID: "sif1"}
	if _, done, err := s.Caused(ctx, cause); done || err != nil {
		t.Fatalf("unanswered cause: %v %v", done, err)
	}
	first := sample(storetest.Leeds, "a", reviewtest.Now)
	if _, err := s.SaveEscalation(ctx, first, true, cause, change.Request{Subject: offer.SystemActor, RequestID: "event-1"}); err != nil {
		t.Fatal(err)
	}
	id, done, err := s.Caused(ctx, cause)
	if err != nil || !done || id != "a" {
		t.Fatalf("Caused = %q %v %v", id, done, err)
	}
	// A second answer to the same cause, here as another new offer, commits
	// nothing.
	if _, err := s.SaveEscalation(ctx, sample(storetest.Leeds, "b", reviewtest.Now), true, cause, change.Request{Subject: offer.SystemActor}); !errors.Is(err, change.ErrConflict) {
		t.Errorf("second answer: %v, want a conflict", err)
	}
	if _, err := s.Get(ctx, storetest.Leeds, "b"); !errors.Is(err, offer.ErrNotFound) {
		t.Errorf("the refused answer left offer b: %v", err)
	}

	// An upgrade over a stale version writes neither offer nor cause.
	other := offer.Cause{Kind: offer.CausePeerReview, GSSCode: storetest.Leeds, ID: "r9"}
	stale, _ := s.Get(ctx, storetest.Leeds, "a")
	stale.Version = 7
	if _, err := s.SaveEscalation(ctx, stale, false, other, change.Request{Subject: offer.SystemActor}); !errors.Is(err, change.ErrConflict) {
		t.Errorf("stale upgrade: %v, want a conflict", err)
	}
	if _, done, _ := s.Caused(ctx, other); done {
		t.Error("the refused upgrade recorded its cause")
	}
	cur, _ := s.Get(ctx, storetest.Leeds, "a")
	cur.Tier = offer.InadequateCouncil
	up, err := s.SaveEscalation(ctx, cur, false, other, change.Request{Subject: offer.SystemActor, RequestID: "event-2"})
	if err != nil || up.Version != 2 {
		t.Fatalf("upgrade: version %d, %v", up.Version, err)
	}
	if _, err := s.SaveEscalation(ctx, sample(storetest.Durham, "c", reviewtest.Now), true, cause, change.Request{}); err == nil {
		t.Error("a cause of one council answered by an offer to another")
	}

	evs := outbox(t, st, storetest.Leeds)
	want := []string{SupportOfferCreatedType, store.AuditType, SupportOfferCreatedType, store.AuditType}
	if got := types(evs); !slices.Equal(got, want) {
		t.Fatalf("outbox holds %v, want %v", got, want)
	}
	var announced eventsv1.SupportOfferCreated
	if err := evs[2].Unmarshal(&announced); err != nil || announced.GetTier() != "INADEQUATE_COUNCIL" {
		t.Errorf("upgrade announced %v (%v)", &announced, err)
	}
}

// TestConcurrentJudgements runs the offer rules over this store with the
// same judgement arriving on several consumers at once: one offer results,
// and every call returns it.
func TestConcurrentJudgements(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	svc := offer.NewService(s, func() time.Time { return reviewtest.Now })
	j := offer.Judgement{Inspection: "localAuthorities/" + storetest.Leeds + "/inspections/sif1", OverallGrade: reference.Inadequate}
	rpctest.OnceOnly(t, "offer", 6, func() (string, bool, error) {
		o, changed, err := svc.FromJudgement(ctx, j, change.Request{Subject: offer.SystemActor})
		return o.ID, changed, err
	})
	all, err := s.List(ctx, storetest.Leeds)
	if err != nil || len(all) != 1 || all[0].Tier != offer.InadequateCouncil {
		t.Errorf("offers after the race: %+v (%v)", all, err)
	}
}

func TestServiceCreateIsIdempotent(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	svc := offer.NewService(s, func() time.Time { return reviewtest.Now })
	r := change.Request{Subject: "adviser-1", Method: "/create", RequestID: "req-1", RequestHash: []byte("h")}
	in := offer.Offer{Tier: offer.Standard, Reasons: []string{"asked for help"}}
	a, err := svc.Create(ctx, storetest.Leeds, in, r)
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.Create(ctx, storetest.Leeds, in, r)
	if err != nil || b.ID != a.ID || b.Version != 1 {
		t.Errorf("repeat: %s v%d (%v), want %s v1", b.ID, b.Version, err, a.ID)
	}
	// A programmatic caller naming no method replays as well: the scope
	// Replay computes must be the one the commit stored.
	loader := change.Request{Subject: "demo-loader", RequestID: "req-2", RequestHash: []byte("h")}
	c, err := svc.Create(ctx, storetest.Leeds, in, loader)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := svc.Create(ctx, storetest.Leeds, in, loader); err != nil || d.ID != c.ID {
		t.Errorf("programmatic repeat: %s (%v), want %s", d.ID, err, c.ID)
	}
	if all, _ := s.List(ctx, storetest.Leeds); len(all) != 2 {
		t.Errorf("%d offers after two repeated creates, want 2", len(all))
	}
	if _, err := svc.Create(ctx, "E06999999", in, change.Request{Subject: "adviser-1"}); !errors.Is(err, resource.ErrCouncilNotFound) {
		t.Errorf("offer to an unknown council: %v", err)
	}
}

func TestDecodeEvents(t *testing.T) {
	ctx := context.Background()
	judgement := func(ins, la string, g typev1.Grade) events.Event {
		e, err := events.NewEvent(ctx, InspectionTopic, ins, &eventsv1.JudgementPublished{
			Inspection: ins, LocalAuthority: la, Framework: "SIF", OverallGrade: g,
			KeyJudgements: map[string]typev1.Grade{"LEADERSHIP_MANAGEMENT_GOVERNANCE": typev1.Grade_GRADE_INADEQUATE, "LSCB": 0},
			PublishDate:   &typev1.Date{Year: 2015, Month: 11, Day: 2},
		})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	const ins = "localAuthorities/E08000035/inspections/sif1"
	j, ok, err := DecodeJudgement(judgement(ins, "localAuthorities/E08000035", typev1.Grade_GRADE_INADEQUATE))
	if err != nil || !ok {
		t.Fatalf("decode: %v %v", ok, err)
	}
	if j.Inspection != ins || j.Framework != "SIF" || j.OverallGrade != reference.Inadequate ||
		len(j.KeyJudgements) != 1 || j.KeyJudgements["LEADERSHIP_MANAGEMENT_GOVERNANCE"] != reference.Inadequate ||
		!j.PublishDate.Equal(time.Date(2015, 11, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("decoded %+v", j)
	}
	for _, e := range []events.Event{
		judgement(ins, "localAuthorities/E06000047", typev1.Grade_GRADE_INADEQUATE),
		judgement("localAuthorities/E08000035/monitoring/1", "localAuthorities/E08000035", typev1.Grade_GRADE_INADEQUATE),
	} {
		if _, _, err := DecodeJudgement(e); !errors.Is(err, ErrMalformedEvent) {
			t.Errorf("decode %s: %v, want ErrMalformedEvent", e.Subject, err)
		}
	}
	other, _ := events.NewEvent(ctx, InspectionTopic, "x", &eventsv1.EmergencyInspectionRecommended{Recommendation: "x"})
	if _, ok, err := DecodeJudgement(other); ok || err != nil {
		t.Errorf("another event type: %v %v, want it skipped", ok, err)
	}

	const rev = "localAuthorities/E08000035/peerReviews/r1"
	e, _ := events.NewEvent(ctx, PeerReviewTopic, rev, &eventsv1.PeerReviewCompleted{
		PeerReview: rev, LocalAuthority: "localAuthorities/E08000035", Kind: "SAFEGUARDING_PEER_REVIEW",
		Risk: "HIGH", SevereThemes: []string{"LEADERSHIP"},
	})
	rc, ok, err := DecodeReviewCompleted(e)
	if err != nil || !ok || rc.PeerReview != rev || rc.Risk != "HIGH" || !slices.Equal(rc.SevereThemes, []string{"LEADERSHIP"}) {
		t.Errorf("decoded %+v %v %v", rc, ok, err)
	}
	own, _ := events.NewEvent(ctx, PeerReviewTopic, "x", &eventsv1.SupportOfferCreated{SupportOffer: "x"})
	if _, ok, err := DecodeReviewCompleted(own); ok || err != nil {
		t.Errorf("SupportOfferCreated on the review topic: %v %v, want it skipped", ok, err)
	}
	bad, _ := events.NewEvent(ctx, PeerReviewTopic, rev, &eventsv1.PeerReviewCompleted{PeerReview: rev, LocalAuthority: "localAuthorities/E06000047"})
	if _, _, err := DecodeReviewCompleted(bad); !errors.Is(err, ErrMalformedEvent) {
		t.Errorf("review of another council: %v", err)
	}
}
