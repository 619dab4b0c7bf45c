package peerreview

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/rpctest"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/demo"
	offerevents "github.com/turnaround-sli/turnaround/services/peerreview/internal/events"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/inspectionclient/inspectionclienttest"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewstore"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewtest"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

var ()

// The demo's clock: a year after its "as of" day, so no demo review
// completed within the last twelve months.
var now = demo.AsOf.AddDate(1, 0, 0)

type env struct {
	t      *testing.T
	svc    *Service
	store  *store.Store
	double *inspectionclienttest.Server
	client peerreviewv1.PeerReviewServiceClient
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st := rpctest.NewStore(t)
	double := &inspectionclienttest.Server{PageSize: 50}
	inspection := inspectionclienttest.Dial(t, double.Start(t))
	svc, err := New(Deps{Base: rpctest.Base(t, st, func() time.Time { return now }), Inspection: inspection})
	if err != nil {
		t.Fatal(err)
	}
	conn := rpctest.Serve(t, svc.Policies(), func(srv *grpc.Server) { svc.Register(srv) })
	return &env{t: t, svc: svc, store: st, double: double, client: peerreviewv1.NewPeerReviewServiceClient(conn)}
}

func (e *env) as(p auth.Principal) context.Context {
	e.t.Helper()
	return rpctest.As(e.t, p)
}

// counts reads what the demo loaded through the API, as an LGA adviser.
type counts struct {
	reviewers int
	states    map[peerreviewv1.ReviewState]int
	linked    int
	tiers     map[peerreviewv1.OfferTier]int
	offers    int
	lessons   int
}

func (e *env) counts() counts {
	e.t.Helper()
	ctx := e.as(rpctest.Adviser)
	c := counts{states: map[peerreviewv1.ReviewState]int{}, tiers: map[peerreviewv1.OfferTier]int{}}
	rs, err := e.client.ListReviewers(ctx, &peerreviewv1.ListReviewersRequest{PageSize: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	c.reviewers = int(rs.GetTotalSize())
	prs, err := e.client.ListPeerReviews(ctx, &peerreviewv1.ListPeerReviewsRequest{Parent: "localAuthorities/-", PageSize: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, pr := range prs.GetPeerReviews() {
		c.states[pr.GetState()]++
		if pr.GetSupportOffer() != "" {
			c.linked++
		}
	}
	os, err := e.client.ListSupportOffers(ctx, &peerreviewv1.ListSupportOffersRequest{Parent: "localAuthorities/-", PageSize: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, o := range os.GetSupportOffers() {
		c.tiers[o.GetTier()]++
	}
	c.offers = len(os.GetSupportOffers())
	ls, err := e.client.ListLessons(ctx, &peerreviewv1.ListLessonsRequest{PageSize: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	c.lessons = int(ls.GetTotalSize())
	return c
}

func TestNewNeedsItsDependencies(t *testing.T) {
	if _, err := New(Deps{}); err == nil {
		t.Error("New without a store, pages or inspection client succeeded")
	}
}

func TestSeedWithoutDemoLoadsNothing(t *testing.T) {
	e := newEnv(t)
	if err := e.svc.Seed(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if c := e.counts(); c.reviewers != 0 || c.offers != 0 || c.lessons != 0 || len(c.states) != 0 {
		t.Errorf("Seed without demo loaded %+v", c)
	}
}

func TestDemoLoadsThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.svc.Seed(ctx, true); err != nil {
		t.Fatal(err)
	}
	data := demo.Generate()
	c := e.counts()
	if c.reviewers != len(data.Reviewers) || c.reviewers < 40 {
		t.Errorf("%d reviewers, want the data set's %d", c.reviewers, len(data.Reviewers))
	}
	for s := peerreviewv1.ReviewState_REVIEW_STATE_REQUESTED; s <= peerreviewv1.ReviewState_REVIEW_STATE_CANCELLED; s++ {
		if c.states[s] == 0 {
			t.Errorf("no review %v", s)
		}
	}
	enhanced := 0
	for _, rv := range data.Reviews {
		if rv.NeedsEnhancedOffer() {
			enhanced++
		}
	}
	if c.linked != enhanced {
		t.Errorf("%d reviews linked to an offer, want %d", c.linked, enhanced)
	}
	for _, tier := range []peerreviewv1.OfferTier{peerreviewv1.OfferTier_OFFER_TIER_STANDARD, peerreviewv1.OfferTier_OFFER_TIER_ENHANCED, peerreviewv1.OfferTier_OFFER_TIER_INADEQUATE_COUNCIL} {
		if c.tiers[tier] == 0 {
			t.Errorf("no %v offer", tier)
		}
	}
	if c.tiers[peerreviewv1.OfferTier_OFFER_TIER_ENHANCED] != enhanced {
		t.Errorf("%d enhanced offers, want %d", c.tiers[peerreviewv1.OfferTier_OFFER_TIER_ENHANCED], enhanced)
	}
	if c.lessons != len(data.Lessons) {
		t.Errorf("%d lessons, want %d", c.lessons, len(data.Lessons))
	}

	// The What Works summary of the demo is meaningful to the LGA: its
	// completed reviews come from at least the disclosure threshold of
	// councils. Ofsted, who sees when each review completes, is refused.
	sum, err := e.client.ListThemeSummaries(e.as(rpctest.Adviser), &peerreviewv1.ListThemeSummariesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.GetCompletedReviews() < 8 || len(sum.GetThemeSummaries()) < 8 || sum.GetWithheld() != "" || sum.GetCouncils() < sum.GetMinCouncils() {
		t.Errorf("summary of %d completed reviews of %d councils over %d themes (withheld %q)",
			sum.GetCompletedReviews(), sum.GetCouncils(), len(sum.GetThemeSummaries()), sum.GetWithheld())
	}
	if _, err := e.client.ListThemeSummaries(e.as(rpctest.Inspector), &peerreviewv1.ListThemeSummariesRequest{}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("Ofsted reads the theme summaries: %v", err)
	}
	// Ofsted lists every review (the access matrix's summary scope; this
	// used to be refused), but not one finding, team member or conclusion.
	list, err := e.client.ListPeerReviews(e.as(rpctest.Inspector), &peerreviewv1.ListPeerReviewsRequest{Parent: "localAuthorities/-", PageSize: 200})
	if err != nil || int(list.GetTotalSize()) != len(data.Reviews) {
		t.Errorf("Ofsted listing reviews: %d, %v; want all %d in summary", list.GetTotalSize(), err, len(data.Reviews))
	}
	for _, rv := range list.GetPeerReviews() {
		if len(rv.GetFindings()) > 0 || len(rv.GetTeam()) > 0 || rv.GetConclusion() != "" || rv.GetReason() != "" ||
			rv.GetConclusionRisk() != peerreviewv1.InadequacyRisk_INADEQUACY_RISK_UNSPECIFIED || rv.GetSupportOffer() != "" {
			t.Errorf("Ofsted sees the content of %s: %v", rv.GetName(), rv)
		}
	}

	// A second start finds the marker and loads nothing twice.
	if err := e.svc.Seed(ctx, true); err != nil {
		t.Fatal(err)
	}
	if again := e.counts(); again.reviewers != c.reviewers || again.offers != c.offers || again.lessons != c.lessons {
		t.Errorf("after a second Seed: %+v, want %+v", again, c)
	}
}

// TestDemoPriorities checks the composed priorities over the demo: a
// council with a demo review under way is left out, one without any is in.
func TestDemoPriorities(t *testing.T) {
	e := newEnv(t)
	if err := e.svc.Seed(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	risk := func(gss string, score float64, band typev1.RiskBand) *inspectionv1.RiskAssessment {
		return &inspectionv1.RiskAssessment{Name: "localAuthorities/" + gss + "/riskAssessment", DisplayName: gss, Score: score, Band: band}
	}
	e.double.Risk = []*inspectionv1.RiskAssessment{
		risk("E06000002", 80, typev1.RiskBand_RISK_BAND_SEVERE), // Middlesbrough: review requested
		risk("E08000018", 70, typev1.RiskBand_RISK_BAND_HIGH),   // Rotherham: review on site
		risk("E06000009", 60, typev1.RiskBand_RISK_BAND_HIGH),   // Blackpool: completed in 2014
		risk("E08000012", 55, typev1.RiskBand_RISK_BAND_HIGH),   // Liverpool: no review
	}
	resp, err := e.client.ListReviewPriorities(e.as(rpctest.Adviser), &peerreviewv1.ListReviewPrioritiesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	got := reviewtest.PriorityCouncils(resp)
	if want := []string{"localAuthorities/E06000009", "localAuthorities/E08000012"}; !slices.Equal(got, want) {
		t.Errorf("priorities = %v, want %v", got, want)
	}
}

// TestDemoEventsChangeNothingTwice relays the demo's outbox and runs the
// consumers: the completions and the offers' own events arrive after the
// loader has answered them, and no offer is added.
func TestDemoEventsChangeNothingTwice(t *testing.T) {
	e := newEnv(t)
	if err := e.svc.Seed(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	before := e.counts()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	relay := events.NewRelay(e.store.Client(), e.store.Keyspace(), events.RelayOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	done := make(chan error, 2)
	go func() { done <- relay.Run(ctx) }()
	go func() { done <- e.svc.Run(ctx) }()

	stream := e.store.Keyspace().Topic(reviewstore.Topic)
	deadline := time.Now().Add(30 * time.Second)
	for {
		groups, err := e.store.Client().XInfoGroups(context.Background(), stream).Result()
		consumed := false
		if err == nil {
			for _, g := range groups {
				if g.Name == offerevents.Group && g.Lag == 0 && g.Pending == 0 && g.EntriesRead > 0 {
					consumed = true
				}
			}
		}
		if consumed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the peer-review events were not consumed in time (groups %v, %v)", groups, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	for range 2 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	if after := e.counts(); after.offers != before.offers || after.linked != before.linked {
		t.Errorf("after the events: %d offers, %d linked; before: %d, %d", after.offers, after.linked, before.offers, before.linked)
	}
}
