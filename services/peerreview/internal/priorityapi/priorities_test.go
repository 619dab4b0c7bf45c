package priorityapi

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/priority"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/inspectionclient"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/inspectionclient/inspectionclienttest"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewtest"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/servertest"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
)

type testServer struct {
	servertest.Fallback
	*Priorities
}

var now = time.Date(2015, time.December, 14, 9, 0, 0, 0, time.UTC)

// The councils of the fixture, each with the risk and reviews that decide
// whether it is a priority.
const (
	barnsley   = "E08000016" // severe, no review: first
	bradford   = "E08000032" // high, review on site: out
	calderdale = "E08000033" // high, completed 11 months ago: out
	kirklees   = "E08000034" // medium, completed 13 months ago: in
	leeds      = "E08000035" // low: out
	wakefield  = "E08000036" // insufficient data: out
	durham     = "E06000047" // severe but inspected under SIF: out
	hampshire  = "E10000014" // medium, review cancelled: in
	sheffield  = "E08000019" // high, review requested: out
)

var (
	officer = rpctest.Officer(barnsley)
	sponsor = rpctest.SponsorOfficer("hampshire")
)

func assessment(gss, name string, score float64, band typev1.RiskBand, factors ...*inspectionv1.RiskFactor) *inspectionv1.RiskAssessment {
	return &inspectionv1.RiskAssessment{
		Name: "localAuthorities/" + gss + "/riskAssessment", DisplayName: name, Score: score, Band: band,
		Factors: factors, ModelVersion: "risk-2015.1", Period: "2015",
	}
}

func factor(contribution float64, explanation string) *inspectionv1.RiskFactor {
	return &inspectionv1.RiskFactor{Contribution: contribution, Explanation: explanation}
}

func fixture() (*inspectionclienttest.Server, reviewtest.Reviews) {
	durhamRisk := assessment(durham, "County Durham", 95, typev1.RiskBand_RISK_BAND_SEVERE)
	durhamRisk.InspectedUnderSif = true
	double := &inspectionclienttest.Server{Risk: []*inspectionv1.RiskAssessment{
		durhamRisk,
		assessment(barnsley, "Barnsley", 82, typev1.RiskBand_RISK_BAND_SEVERE,
			factor(30, "agency rate 27% against an England median of 15%"),
			factor(-5, "spend per child above the median"),
			factor(20, "caseload 24 against an England median of 17"),
			factor(10, "re-referral rate 29%"),
			factor(25, "three directors in two years"),
		),
		assessment(sheffield, "Sheffield", 72, typev1.RiskBand_RISK_BAND_HIGH, factor(40, "x")),
		assessment(bradford, "Bradford", 64, typev1.RiskBand_RISK_BAND_HIGH, factor(40, "x")),
		assessment(calderdale, "Calderdale", 58, typev1.RiskBand_RISK_BAND_HIGH, factor(40, "x")),
		assessment(kirklees, "Kirklees", 41, typev1.RiskBand_RISK_BAND_MEDIUM, factor(20, "vacancy rate 22%")),
		assessment(hampshire, "Hampshire", 30, typev1.RiskBand_RISK_BAND_MEDIUM, factor(12, "placement moves")),
		assessment(leeds, "Leeds", 12, typev1.RiskBand_RISK_BAND_LOW, factor(5, "x")),
		assessment(wakefield, "Wakefield", 0, typev1.RiskBand_RISK_BAND_INSUFFICIENT_DATA),
	}}
	reviews := reviewtest.Reviews{
		{GSSCode: bradford, ID: "a1", State: review.OnSite},
		{GSSCode: calderdale, ID: "a2", State: review.Completed, CompleteTime: now.AddDate(0, -11, 0)},
		{GSSCode: kirklees, ID: "a3", State: review.Completed, CompleteTime: now.AddDate(0, -13, 0)},
		{GSSCode: hampshire, ID: "a4", State: review.Cancelled},
		{GSSCode: sheffield, ID: "a5", State: review.Requested},
	}
	return double, reviews
}

type env struct {
	t      *testing.T
	client peerreviewv1.PeerReviewServiceClient
	double *inspectionclienttest.Server
}

// newEnv serves the handler behind the real interceptor chain (error
// mapping, authentication, policies), calling the inspection double on a
// loopback port through a connection that forwards the caller's token.
func newEnv(t *testing.T, double *inspectionclienttest.Server, reviews priority.Reviews) *env {
	t.Helper()
	if err := Policies.Validate(); err != nil {
		t.Fatal(err)
	}
	inspection := inspectionclienttest.Dial(t, double.Start(t))
	svc := priority.NewService(inspectionclient.NewCouncils(inspection), reviews, func() time.Time { return now })
	client := rpctest.Client(t, Policies, &peerreviewv1.PeerReviewService_ServiceDesc,
		testServer{Priorities: New(svc, rpctest.NewPages(t))}, peerreviewv1.NewPeerReviewServiceClient)
	return &env{t: t, client: client, double: double}
}

func (e *env) as(p auth.Principal) context.Context {
	e.t.Helper()
	return rpctest.As(e.t, p)
}

func TestPrioritiesRankFilterAndExclude(t *testing.T) {
	e := fixtureEnv(t)
	resp, err := e.client.ListReviewPriorities(e.as(rpctest.Adviser), &peerreviewv1.ListReviewPrioritiesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	got := reviewtest.PriorityCouncils(resp)
	want := []string{"localAuthorities/" + barnsley, "localAuthorities/" + kirklees, "localAuthorities/" + hampshire}
	if !slices.Equal(got, want) {
		t.Errorf("priorities = %v, want %v", got, want)
	}
	if resp.GetTotalSize() != 3 || resp.GetNextPageToken() != "" {
		t.Errorf("total %d, next %q; want 3 and no next page", resp.GetTotalSize(), resp.GetNextPageToken())
	}
	first := resp.GetPriorities()[0]
	wantReasons := []string{
		"agency rate 27% against an England median of 15%",
		"three directors in two years",
		"caseload 24 against an England median of 17",
	}
	if first.GetDisplayName() != "Barnsley" || first.GetRiskScore() != 82 || first.GetRiskBand() != typev1.RiskBand_RISK_BAND_SEVERE ||
		first.GetRegion() != typev1.Region_REGION_YORKSHIRE_AND_THE_HUMBER || first.GetModelVersion() != "risk-2015.1" ||
		!slices.Equal(first.GetReasons(), wantReasons) {
		t.Errorf("first priority = %v", first)
	}
	if b := resp.GetPriorities()[1].GetRiskBand(); b != typev1.RiskBand_RISK_BAND_MEDIUM {
		t.Errorf("second band = %s, want RISK_BAND_MEDIUM", b)
	}
	// The band prints as risk assessments print it: one spelling.
	js, err := protojson.Marshal(resp.GetPriorities()[1])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `"riskBand":"RISK_BAND_MEDIUM"`) {
		t.Errorf("second priority prints as %s", js)
	}
}

func TestPrioritiesActForTheCaller(t *testing.T) {
	e := fixtureEnv(t)
	deadline := time.Now().Add(5 * time.Second)
	ctx, cancel := context.WithDeadline(e.as(rpctest.Adviser), deadline)
	defer cancel()
	if _, err := e.client.ListReviewPriorities(ctx, &peerreviewv1.ListReviewPrioritiesRequest{}); err != nil {
		t.Fatal(err)
	}
	calls := e.double.Calls()
	if len(calls) == 0 {
		t.Fatal("the inspection service was not called")
	}
	// Eight assessments not inspected under SIF, in the double's pages of
	// two: four calls, each for the caller.
	if len(calls) != 4 {
		t.Errorf("%d calls to the inspection service, want 4 (every page)", len(calls))
	}
	for _, c := range calls {
		if c.Method != "ListRiskAssessments" || c.Filter != inspectionclienttest.NotInspectedFilter {
			t.Errorf("call %s with filter %q, want ListRiskAssessments with %q", c.Method, c.Filter, inspectionclienttest.NotInspectedFilter)
		}
		if c.Authorization != "Bearer "+rpctest.Token(t, rpctest.Adviser) {
			t.Errorf("the caller's token was not forwarded: got %q", c.Authorization)
		}
		// The deadline crosses each hop as a timeout, so it drifts by the
		// time spent in transit; a second of slack still tells the caller's
		// five seconds from the service's own ten-second cap.
		if c.Deadline.IsZero() || c.Deadline.After(deadline.Add(time.Second)) {
			t.Errorf("call deadline %v, want the caller's %v", c.Deadline, deadline)
		}
	}
}

func TestPrioritiesPaging(t *testing.T) {
	e := fixtureEnv(t)
	ctx := e.as(rpctest.Adviser)
	first, err := e.client.ListReviewPriorities(ctx, &peerreviewv1.ListReviewPrioritiesRequest{PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.GetPriorities()) != 2 || first.GetNextPageToken() == "" || first.GetTotalSize() != 3 {
		t.Fatalf("first page = %v", first)
	}
	second, err := e.client.ListReviewPriorities(ctx, &peerreviewv1.ListReviewPrioritiesRequest{PageSize: 2, PageToken: first.GetNextPageToken()})
	if err != nil {
		t.Fatal(err)
	}
	if len(second.GetPriorities()) != 1 || second.GetPriorities()[0].GetLocalAuthority() != "localAuthorities/"+hampshire ||
		second.GetNextPageToken() != "" {
		t.Errorf("second page = %v", second)
	}
	_, err = e.client.ListReviewPriorities(ctx, &peerreviewv1.ListReviewPrioritiesRequest{PageToken: first.GetNextPageToken() + "x"})
	rpctest.ExpectError(t, "tampered token", err, codes.InvalidArgument, paging.ReasonInvalidPageToken, "page_token")
	_, err = e.client.ListReviewPriorities(ctx, &peerreviewv1.ListReviewPrioritiesRequest{PageSize: -1})
	rpctest.ExpectError(t, "negative page size", err, codes.InvalidArgument, paging.ReasonInvalidPageSize, "page_size")
}

func TestPrioritiesInspectionUnavailable(t *testing.T) {
	e := fixtureEnv(t)
	e.double.Stop()
	resp, err := e.client.ListReviewPriorities(e.as(rpctest.Adviser), &peerreviewv1.ListReviewPrioritiesRequest{})
	rpctest.ExpectError(t, "inspection service stopped", err, codes.Unavailable, inspectionclient.ReasonUnavailable)
	if resp != nil {
		t.Errorf("got a response %v with the inspection service down", resp)
	}
}

// TestPrioritiesForDfE: DfE officials read the priorities as the LGA does
// (the access matrix; this used to be refused).
func TestPrioritiesForDfE(t *testing.T) {
	e := fixtureEnv(t)
	want, err := e.client.ListReviewPriorities(e.as(rpctest.Adviser), &peerreviewv1.ListReviewPrioritiesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.client.ListReviewPriorities(e.as(rpctest.Official), &peerreviewv1.ListReviewPrioritiesRequest{})
	if err != nil || !proto.Equal(got, want) || len(got.GetPriorities()) == 0 {
		t.Errorf("DfE's priorities = %v, %v; want the adviser's %v", got, err, want)
	}
}

func TestPrioritiesDenied(t *testing.T) {
	e := fixtureEnv(t)
	for _, p := range []auth.Principal{rpctest.Inspector, officer, sponsor, rpctest.Partner} {
		_, err := e.client.ListReviewPriorities(e.as(p), &peerreviewv1.ListReviewPrioritiesRequest{})
		rpctest.ExpectError(t, string(p.Roles[0]), err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
	}
	_, err := e.client.ListReviewPriorities(context.Background(), &peerreviewv1.ListReviewPrioritiesRequest{})
	rpctest.ExpectError(t, "no token", err, codes.Unauthenticated, "")
	if n := len(e.double.Calls()); n != 0 {
		t.Errorf("denied callers reached the inspection service %d times", n)
	}
}

func fixtureEnv(t *testing.T) *env {
	double, reviews := fixture()
	return newEnv(t, double, reviews)
}
