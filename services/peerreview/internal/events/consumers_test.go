package events

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offerapi"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewapi"

	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offerstore"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewstore"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewtest"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
)

type env struct {
	t       *testing.T
	rdb     redis.UniversalClient
	ks      keyspace.Keyspace
	st      *store.Store
	offers  *offerstore.Offers
	svc     *offer.Service
	reviews *reviewstore.Reviews
	// published counts the entries added to each topic, so waits know
	// how many the group must have handled.
	published map[string]int64
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st := rpctest.NewStore(t)
	offers := offerstore.New(st, rpctest.Codec(offerapi.ToStored, offerapi.FromStored))
	return &env{
		t: t, rdb: st.Client(), ks: st.Keyspace(), st: st, offers: offers,
		// The offers' clock moves a second on every reading, so offers made
		// one after another have distinct creation times and a defined order.
		svc:       offer.NewService(offers, rpctest.Ticking(reviewtest.Clock(), time.Second)),
		reviews:   reviewstore.New(st, rpctest.Codec(reviewapi.ToStored, reviewapi.FromStored)),
		published: map[string]int64{},
	}
}

// linker links offers to reviews as the service does: through the review
// use cases over the review store.
func (e *env) linker() ReviewLinker { return review.NewService(e.reviews, nil) }

// run starts the consumers with linker, and stops them when the test ends.
// Failed events come back after a short idle time, so retries show within
// a test's patience.
func (e *env) run(linker ReviewLinker) {
	e.t.Helper()
	c, err := New(e.st, e.svc, linker, rpctest.Quiet(), WithConsumerOptions(events.ConsumerOptions{
		Block:         100 * time.Millisecond,
		MinIdle:       300 * time.Millisecond,
		ClaimInterval: 100 * time.Millisecond,
	}))
	if err != nil {
		e.t.Fatal(err)
	}
	rpctest.Run(e.t, "the consumers", c.Run)
}

// deliver appends ev to its topic stream, as the relay does; appending the
// same event again is a redelivery.
func (e *env) deliver(ev events.Event) {
	e.t.Helper()
	if err := e.rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: e.ks.Topic(ev.Topic), Values: ev.Values()}).Err(); err != nil {
		e.t.Fatal(err)
	}
	e.published[ev.Topic]++
}

func (e *env) event(topic, subject string, payload proto.Message) events.Event {
	e.t.Helper()
	ev, err := events.NewEvent(context.Background(), topic, subject, payload)
	if err != nil {
		e.t.Fatal(err)
	}
	return ev
}

func (e *env) judgement(gss, id string, overall typev1.Grade, leadership typev1.Grade) events.Event {
	name := "localAuthorities/" + gss + "/inspections/" + id
	return e.event(offerstore.InspectionTopic, name, &eventsv1.JudgementPublished{
		Inspection: name, LocalAuthority: "localAuthorities/" + gss, Framework: "SIF", OverallGrade: overall,
		KeyJudgements: map[string]typev1.Grade{
			"HELP_AND_PROTECTION":              overall,
			"LEADERSHIP_MANAGEMENT_GOVERNANCE": leadership,
		},
		Recommendations: []string{"HELP_AND_PROTECTION: improve the timeliness of assessments"},
		PublishDate:     &typev1.Date{Year: 2015, Month: 11, Day: 2},
	})
}

// settle waits until the group has received and acknowledged every entry
// delivered to topic, so the absence of an offer means the event was
// handled and changed nothing.
func (e *env) settle(topic string) {
	e.t.Helper()
	e.eventually("the consumer group handles every "+topic+" event", func() bool {
		groups, err := e.rdb.XInfoGroups(context.Background(), e.ks.Topic(topic)).Result()
		if err != nil {
			return false
		}
		for _, g := range groups {
			if g.Name == Group {
				return g.EntriesRead >= e.published[topic] && g.Lag == 0 && g.Pending == 0
			}
		}
		return false
	})
}

// eventually polls cond for up to 15 seconds: a generous bound for an
// asynchronous consumer on a loaded machine.
func (e *env) eventually(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *env) offersOf(gss string) []offer.Offer {
	e.t.Helper()
	all, err := e.offers.ForCouncil(context.Background(), gss)
	if err != nil {
		e.t.Fatal(err)
	}
	return all
}

// announced returns the SupportOfferCreated events in the council's
// outbox.
func (e *env) announced(gss string) []*eventsv1.SupportOfferCreated {
	e.t.Helper()
	msgs, err := e.rdb.XRange(context.Background(), e.ks.Outbox(keyspace.CouncilTag(gss)), "-", "+").Result()
	if err != nil {
		e.t.Fatal(err)
	}
	var out []*eventsv1.SupportOfferCreated
	for _, m := range msgs {
		ev, err := events.Decode(m.Values)
		if err != nil {
			e.t.Fatal(err)
		}
		if ev.Type != offerstore.SupportOfferCreatedType {
			continue
		}
		var p eventsv1.SupportOfferCreated
		if err := ev.Unmarshal(&p); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, &p)
	}
	return out
}

func kinds(o offer.Offer) []offer.ActivityKind {
	var out []offer.ActivityKind
	for _, a := range o.Activities {
		out = append(out, a.Kind)
	}
	return out
}

const (
	inadequate = typev1.Grade_GRADE_INADEQUATE
	ri         = typev1.Grade_GRADE_REQUIRES_IMPROVEMENT
	good       = typev1.Grade_GRADE_GOOD
)

func TestJudgementRedeliveredMakesOneOffer(t *testing.T) {
	e := newEnv(t)
	e.run(e.linker())
	ev := e.judgement(storetest.Leeds, "sif1", inadequate, inadequate)
	for range 3 {
		e.deliver(ev)
	}
	// The same judgement announced again under a new event ID: the
	// consumer's event-ID dedupe cannot catch it, the cause record must.
	e.deliver(e.judgement(storetest.Leeds, "sif1", inadequate, inadequate))
	e.settle(offerstore.InspectionTopic)

	all := e.offersOf(storetest.Leeds)
	if len(all) != 1 {
		t.Fatalf("%d offers, want 1: %+v", len(all), all)
	}
	o := all[0]
	if o.Tier != offer.InadequateCouncil || o.State != offer.Offered || o.Inspection != "localAuthorities/"+storetest.Leeds+"/inspections/sif1" {
		t.Errorf("offer %+v", o)
	}
	if got := kinds(o); !slices.Equal(got, []offer.ActivityKind{offer.ImprovementPlanSupport, offer.LeadershipCoaching}) {
		t.Errorf("activities %v, want improvement plan support and leadership coaching", got)
	}
	if len(o.Reasons) != 3 || !strings.Contains(o.Reasons[0], "judged overall effectiveness inadequate") {
		t.Errorf("reasons %q", o.Reasons)
	}
	if len(o.History) != 1 || !strings.HasPrefix(o.History[0], "OFFERED by "+offer.SystemActor) {
		t.Errorf("history %q", o.History)
	}
	if got := e.announced(storetest.Leeds); len(got) != 1 || got[0].GetSupportOffer() != o.Name() || got[0].GetTier() != "INADEQUATE_COUNCIL" {
		t.Errorf("announced %v, want one SupportOfferCreated for %s", got, o.Name())
	}
}

func TestLaterJudgements(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.run(e.linker())
	council := offer.Actor{Subject: "officer-1", Council: storetest.Leeds}
	lga := offer.Actor{Subject: "adviser-1", LGA: true}

	// Leeds already has the standard offer, accepted: an inadequate
	// judgement raises it rather than adding a second.
	std, err := e.svc.Create(ctx, storetest.Leeds, offer.Offer{Tier: offer.Standard, Reasons: []string{"sector-led offer"},
		Activities: []offer.Activity{{Kind: offer.Mentoring, Days: 4}}}, change.Request{Subject: "adviser-1"})
	if err != nil {
		t.Fatal(err)
	}
	std, err = e.svc.Transition(ctx, storetest.Leeds, std.ID, offer.Accepted, council, "", change.At(std.Version), change.Request{Subject: "officer-1"})
	if err != nil {
		t.Fatal(err)
	}
	e.deliver(e.judgement(storetest.Leeds, "sif1", inadequate, ri))
	e.settle(offerstore.InspectionTopic)
	all := e.offersOf(storetest.Leeds)
	if len(all) != 1 || all[0].ID != std.ID {
		t.Fatalf("offers %+v, want the standard offer upgraded", all)
	}
	up := all[0]
	if up.Tier != offer.InadequateCouncil || up.State != offer.Accepted || up.Version != std.Version+1 ||
		up.Inspection != "localAuthorities/"+storetest.Leeds+"/inspections/sif1" {
		t.Errorf("upgraded offer %+v", up)
	}
	if got := kinds(up); !slices.Equal(got, []offer.ActivityKind{offer.Mentoring, offer.ImprovementPlanSupport}) {
		t.Errorf("activities %v: leadership was not inadequate, so no coaching", got)
	}
	if last := up.History[len(up.History)-1]; !strings.Contains(last, "raised from STANDARD to INADEQUATE_COUNCIL") {
		t.Errorf("history %q", up.History)
	}

	// A second inadequate judgement while that offer is open adds to it.
	e.deliver(e.judgement(storetest.Leeds, "sif2", inadequate, inadequate))
	e.settle(offerstore.InspectionTopic)
	all = e.offersOf(storetest.Leeds)
	if len(all) != 1 {
		t.Fatalf("%d offers after a second judgement on an open offer, want 1", len(all))
	}
	again := all[0]
	if again.Inspection != "localAuthorities/"+storetest.Leeds+"/inspections/sif2" || again.Version != up.Version+1 ||
		!slices.Contains(kinds(again), offer.LeadershipCoaching) || len(again.Reasons) <= len(up.Reasons) {
		t.Errorf("after the second judgement: %+v", again)
	}

	// Once the support is completed, a third inadequate judgement makes a
	// new offer.
	cur := again
	for _, to := range []offer.State{offer.Active, offer.Completed} {
		if cur, err = e.svc.Transition(ctx, storetest.Leeds, cur.ID, to, lga, "", change.At(cur.Version), change.Request{Subject: "adviser-1"}); err != nil {
			t.Fatal(err)
		}
	}
	e.deliver(e.judgement(storetest.Leeds, "sif3", inadequate, ri))
	e.settle(offerstore.InspectionTopic)
	all = e.offersOf(storetest.Leeds)
	if len(all) != 2 || all[1].ID != std.ID || all[0].State != offer.Offered || all[0].Tier != offer.InadequateCouncil ||
		all[0].Inspection != "localAuthorities/"+storetest.Leeds+"/inspections/sif3" {
		t.Errorf("after a judgement with no open offer: %+v", all)
	}
	// One announcement each: the raise, the second judgement, the new offer,
	// after the standard offer's own.
	if got := e.announced(storetest.Leeds); len(got) != 4 {
		t.Errorf("%d SupportOfferCreated events, want 4", len(got))
	}
}

func TestJudgementsThatCallForNothing(t *testing.T) {
	e := newEnv(t)
	e.run(e.linker())
	e.deliver(e.judgement(storetest.Leeds, "sif1", good, inadequate))
	e.deliver(e.judgement(storetest.Leeds, "sif2", ri, ri))
	mv := "localAuthorities/" + storetest.Leeds + "/inspections/mv1"
	e.deliver(e.event(offerstore.InspectionTopic, mv, &eventsv1.JudgementPublished{
		Inspection: mv, LocalAuthority: "localAuthorities/" + storetest.Leeds, Framework: "MONITORING_VISIT",
	}))
	e.deliver(e.event(offerstore.InspectionTopic, "x", &eventsv1.EmergencyInspectionRecommended{
		Recommendation: "localAuthorities/" + storetest.Leeds + "/emergencyInspectionRecommendations/r1", LocalAuthority: "localAuthorities/" + storetest.Leeds,
	}))
	e.settle(offerstore.InspectionTopic)
	if all := e.offersOf(storetest.Leeds); len(all) != 0 {
		t.Errorf("offers %+v, want none", all)
	}
	if got := e.announced(storetest.Leeds); len(got) != 0 {
		t.Errorf("announced %v", got)
	}
}

func TestHistoricalJudgementMakesNoOffer(t *testing.T) {
	e := newEnv(t)
	e.run(e.linker())
	// An inadequate judgement imported as history: its six months passed
	// long ago, so no support is offered for it.
	old := e.judgement(storetest.Leeds, "sif2009", inadequate, inadequate)
	var m eventsv1.JudgementPublished
	if err := old.Unmarshal(&m); err != nil {
		t.Fatal(err)
	}
	m.Historical = true
	e.deliver(e.event(offerstore.InspectionTopic, m.GetInspection(), &m))
	e.settle(offerstore.InspectionTopic)
	if all := e.offersOf(storetest.Leeds); len(all) != 0 {
		t.Errorf("offers %+v after a judgement recorded as history, want none", all)
	}
	if got := e.announced(storetest.Leeds); len(got) != 0 {
		t.Errorf("announced %v after a judgement recorded as history", got)
	}

	// The same council's live inadequate judgement still does.
	e.deliver(e.judgement(storetest.Leeds, "sif2015", inadequate, ri))
	e.settle(offerstore.InspectionTopic)
	if all := e.offersOf(storetest.Leeds); len(all) != 1 || all[0].Inspection != "localAuthorities/"+storetest.Leeds+"/inspections/sif2015" {
		t.Errorf("offers %+v after a live inadequate judgement, want one for sif2015", all)
	}
}

// completeReview drives a real peer review of gss to completion with risk
// and the given severe themes, and returns it with the PeerReviewCompleted
// event its completion committed to the council's outbox.
func (e *env) completeReview(gss string, risk review.Risk, severe ...reviewer.Theme) (review.Review, events.Event) {
	e.t.Helper()
	ctx := context.Background()
	svc := review.NewService(e.reviews, reviewtest.Clock)
	r := change.Request{Subject: "adviser-1", Roles: []string{"lga_adviser"}}
	rv, err := svc.Request(ctx, gss, review.SafeguardingPeerReview, "at risk", r)
	if err != nil {
		e.t.Fatal(err)
	}
	start := time.Date(2016, 1, 11, 0, 0, 0, 0, time.UTC)
	steps := []func(review.Review) (review.Review, error){
		func(rv review.Review) (review.Review, error) {
			return svc.Schedule(ctx, gss, rv.ID, start, start.AddDate(0, 0, 4), change.At(rv.Version), r)
		},
		func(rv review.Review) (review.Review, error) {
			return svc.AssignTeam(ctx, gss, rv.ID, []review.Member{{ReviewerID: "lead", Lead: true, Days: 5}, {ReviewerID: "peer", Days: 5}}, change.At(rv.Version), r)
		},
		func(rv review.Review) (review.Review, error) {
			return svc.StartOnSite(ctx, gss, rv.ID, change.At(rv.Version), r)
		},
		func(rv review.Review) (review.Review, error) {
			findings := []review.Finding{{Theme: reviewer.Caseloads, Kind: review.AreaForImprovement, Severity: review.Significant, Evidence: "caseloads above 25"}}
			for _, th := range severe {
				findings = append(findings, review.Finding{Theme: th, Kind: review.AreaForImprovement, Severity: review.Severe, Evidence: "severe"})
			}
			return svc.RecordFindings(ctx, gss, rv.ID, findings, change.At(rv.Version), r)
		},
		func(rv review.Review) (review.Review, error) {
			return svc.Complete(ctx, gss, rv.ID, risk, "The review's conclusion.", change.At(rv.Version), r)
		},
	}
	for _, step := range steps {
		if rv, err = step(rv); err != nil {
			e.t.Fatal(err)
		}
	}
	msgs, err := e.rdb.XRange(ctx, e.ks.Outbox(keyspace.CouncilTag(gss)), "-", "+").Result()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, m := range msgs {
		ev, err := events.Decode(m.Values)
		if err != nil {
			e.t.Fatal(err)
		}
		if ev.Type == offerstore.PeerReviewCompletedType && ev.Subject == rv.Name() {
			return rv, ev
		}
	}
	e.t.Fatalf("completing %s committed no PeerReviewCompleted", rv.Name())
	return review.Review{}, events.Event{}
}

func TestReviewCompletedHighRisk(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.run(e.linker())
	rv, ev := e.completeReview(storetest.Leeds, review.RiskHigh, reviewer.Leadership, reviewer.ChildProtectionPractice)
	for range 3 {
		e.deliver(ev)
	}
	e.settle(offerstore.PeerReviewTopic)

	all := e.offersOf(storetest.Leeds)
	if len(all) != 1 {
		t.Fatalf("%d offers, want 1: %+v", len(all), all)
	}
	o := all[0]
	if o.Tier != offer.Enhanced || o.State != offer.Offered || o.PeerReview != rv.Name() {
		t.Errorf("offer %+v", o)
	}
	want := []offer.ActivityKind{offer.DiagnosticFollowUp, offer.PracticeWorkshops, offer.LeadershipCoaching}
	if got := kinds(o); !slices.Equal(got, want) {
		t.Errorf("activities %v, want %v", got, want)
	}
	if len(o.Reasons) != 3 || !strings.Contains(o.Reasons[0], "HIGH risk") {
		t.Errorf("reasons %q", o.Reasons)
	}
	linked, err := e.reviews.Get(ctx, storetest.Leeds, rv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if linked.SupportOffer != o.Name() {
		t.Errorf("review links %q, want %q", linked.SupportOffer, o.Name())
	}
	if got := e.announced(storetest.Leeds); len(got) != 1 || got[0].GetTier() != "ENHANCED" || got[0].GetSupportOffer() != o.Name() {
		t.Errorf("announced %v, want one ENHANCED SupportOfferCreated", got)
	}
	// The offer's own announcement travels on the same topic; the consumer
	// skips it rather than treating it as a review.
	for _, a := range e.announced(storetest.Leeds) {
		e.deliver(e.event(offerstore.PeerReviewTopic, a.GetSupportOffer(), a))
	}
	e.settle(offerstore.PeerReviewTopic)
	if n := len(e.offersOf(storetest.Leeds)); n != 1 {
		t.Errorf("%d offers after SupportOfferCreated came round, want 1", n)
	}
}

func TestReviewCompletedWithoutRisk(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.run(e.linker())
	low, lowEv := e.completeReview(storetest.Leeds, review.RiskLow)
	e.deliver(lowEv)
	_, severeEv := e.completeReview(storetest.Sheffield, review.RiskNone, reviewer.Permanence)
	e.deliver(severeEv)
	e.settle(offerstore.PeerReviewTopic)

	if all := e.offersOf(storetest.Leeds); len(all) != 0 {
		t.Errorf("a LOW-risk review without severe findings made offers %+v", all)
	}
	if got, _ := e.reviews.Get(ctx, storetest.Leeds, low.ID); got.SupportOffer != "" {
		t.Errorf("the LOW-risk review links %q", got.SupportOffer)
	}
	// A severe finding alone calls for enhanced support, whatever the risk.
	if all := e.offersOf(storetest.Sheffield); len(all) != 1 || all[0].Tier != offer.Enhanced ||
		!slices.Equal(kinds(all[0]), []offer.ActivityKind{offer.DiagnosticFollowUp, offer.PracticeWorkshops}) {
		t.Errorf("a review with a severe permanence finding made %+v", all)
	}
}

// flakyLinker fails its first calls, as a review store would while Redis
// is briefly unreachable after the offer committed.
type flakyLinker struct {
	next     ReviewLinker
	failures atomic.Int32
	calls    atomic.Int32
}

func (f *flakyLinker) LinkOffer(ctx context.Context, gss, reviewID, offerName string, r change.Request) error {
	f.calls.Add(1)
	if f.failures.Add(-1) >= 0 {
		return errors.New("review store unavailable")
	}
	return f.next.LinkOffer(ctx, gss, reviewID, offerName, r)
}

func TestLinkFailureIsRepairedByRedelivery(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	linker := &flakyLinker{next: e.linker()}
	linker.failures.Store(2)
	e.run(linker)
	rv, ev := e.completeReview(storetest.Leeds, review.RiskMedium)
	e.deliver(ev)
	e.eventually("the review is linked to its offer", func() bool {
		got, err := e.reviews.Get(ctx, storetest.Leeds, rv.ID)
		return err == nil && got.SupportOffer != ""
	})
	e.settle(offerstore.PeerReviewTopic)
	all := e.offersOf(storetest.Leeds)
	if len(all) != 1 {
		t.Fatalf("%d offers after retries, want 1", len(all))
	}
	if got, _ := e.reviews.Get(ctx, storetest.Leeds, rv.ID); got.SupportOffer != all[0].Name() {
		t.Errorf("review links %q, want %q", got.SupportOffer, all[0].Name())
	}
	if n := linker.calls.Load(); n != 3 {
		t.Errorf("LinkOffer called %d times, want 3 (two failures, then success)", n)
	}
	if got := e.announced(storetest.Leeds); len(got) != 1 {
		t.Errorf("%d announcements after retries, want 1", len(got))
	}
}

func TestNewNeedsItsParts(t *testing.T) {
	e := newEnv(t)
	if _, err := New(e.st, nil, e.linker(), nil); err == nil {
		t.Error("New without a service succeeded")
	}
	if _, err := New(e.st, e.svc, nil, nil); err == nil {
		t.Error("New without a linker succeeded")
	}
}
