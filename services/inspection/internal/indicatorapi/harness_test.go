package indicatorapi

import (
	"context"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/councilapi"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
	"math"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/councilstore"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicator"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicatorstore"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/risk"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/servertest"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// testServer composes the handlers the way the service's api package does.
type testServer struct {
	servertest.Fallback
	*Indicators
}

// Councils the tests name.
const (
	leeds      = "E08000035" // Yorkshire and the Humber
	hartlepool = "E06000001" // North East
)

// The principals the tests call as.
var principals = map[string]auth.Principal{
	"dfe":        {Subject: "dfe-1", Roles: []auth.Role{auth.RoleDfEOfficial}},
	"partner":    {Subject: "partner-1", Roles: []auth.Role{auth.RolePartnerSystem}},
	"ofsted":     {Subject: "ofsted-1", Roles: []auth.Role{auth.RoleOfstedInspector}},
	"lga":        {Subject: "lga-1", Roles: []auth.Role{auth.RoleLGAAdviser}},
	"sponsor":    {Subject: "sponsor-1", Roles: []auth.Role{auth.RoleSponsorOfficer}, Sponsor: "leeds"},
	"leeds":      {Subject: "officer-leeds", Roles: []auth.Role{auth.RoleCouncilOfficer}, Authority: leeds},
	"hartlepool": {Subject: "officer-hartlepool", Roles: []auth.Role{auth.RoleCouncilOfficer}, Authority: hartlepool},
	// A council officer whose token also names the partner role must
	// still see only their own council.
	"leeds+partner": {Subject: "officer-partner", Roles: []auth.Role{auth.RoleCouncilOfficer, auth.RolePartnerSystem}, Authority: leeds},
}

// clock is the service's clock: the demo data's "as of" day.
func clock() time.Time { return time.Date(2015, 12, 14, 9, 0, 0, 0, time.UTC) }

// harness is a real gRPC server with the real interceptor chain over real
// Redis, with the 152 councils seeded.
type harness struct {
	client   inspectionv1.InspectionServiceClient
	handler  *Indicators
	st       *store.Store
	councils *councilstore.Councils
	sets     *indicator.Service
	tokens   map[string]string
	trips    *redistest.RoundTrips
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	st := rpctest.NewStore(t)
	trips := redistest.CountRoundTrips(st.Client())
	councils := councilstore.NewCouncils(st, councilCodec)
	if _, err := councils.Seed(context.Background(), reference.Councils()); err != nil {
		t.Fatal(err)
	}
	setStore := indicatorstore.New(st, setCodec)
	sets := indicator.NewService(setStore, nil)
	h := &harness{
		handler: New(sets, risk.NewService(indicatorstore.NewCouncilsWithSets(councils, setStore), sets, risk.Default(), clock), rpctest.NewPages(t)),
		st:      st, councils: councils, sets: sets, tokens: map[string]string{}, trips: trips,
	}
	for name, p := range principals {
		h.tokens[name] = rpctest.Token(t, p)
	}
	if err := Policies.Validate(); err != nil {
		t.Fatal(err)
	}
	h.client = rpctest.Client(t, Policies, &inspectionv1.InspectionService_ServiceDesc,
		testServer{Indicators: h.handler}, inspectionv1.NewInspectionServiceClient)
	return h
}

// setCodec is the stored form of a set, as the service builds it.
var setCodec = rpctest.Codec(SetToProto, SetFromStored)

// as returns a context that calls as the named principal; "" calls without
// a token.
func (h *harness) as(name string) context.Context {
	ctx := context.Background()
	if name == "" {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+h.tokens[name])
}

// markInspected records a published SIF judgement for council gss.
func (h *harness) markInspected(t testing.TB, gss string, grade reference.Grade) {
	t.Helper()
	ctx := context.Background()
	la, err := h.councils.Get(ctx, gss)
	if err != nil {
		t.Fatal(err)
	}
	la = la.WithJudgement(council.LatestJudgement{
		Inspection: resource.CouncilName(gss) + "/inspections/test", Framework: "SIF", OverallGrade: grade,
		PublishDate: time.Date(2015, 6, 1, 0, 0, 0, 0, time.UTC),
	})
	w, err := h.councils.Write(la)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.st.Commit(ctx, store.Mutation{Tag: keyspace.CouncilTag(gss), Writes: []store.Write{w}}); err != nil {
		t.Fatal(err)
	}
}

// typical and spread shape the synthetic indicator values.
var (
	typical = map[indicator.Indicator]float64{
		indicator.ReferralRatePer10k: 550, indicator.ReReferralRate: 22, indicator.AssessmentsWithin45Days: 82,
		indicator.SecondCPPlans: 16, indicator.Caseload: 16, indicator.AgencyRate: 15, indicator.VacancyRate: 17,
		indicator.TurnoverRate: 16, indicator.PlacementInstability: 10, indicator.SpendPerChildInNeed: 2300,
		indicator.DeprivationDecile: 5.5, indicator.DCSChanges: 1,
	}
	spread = map[indicator.Indicator]float64{
		indicator.ReferralRatePer10k: 150, indicator.ReReferralRate: 6, indicator.AssessmentsWithin45Days: 10,
		indicator.SecondCPPlans: 5, indicator.Caseload: 5, indicator.AgencyRate: 9, indicator.VacancyRate: 7,
		indicator.TurnoverRate: 5, indicator.PlacementInstability: 3, indicator.SpendPerChildInNeed: 600,
		indicator.DeprivationDecile: 4.5, indicator.DCSChanges: 1.5,
	}
)

// synthetic returns plausible values of every indicator for the i-th
// council, varying deterministically from council to council. As in real
// data the indicators move together: each council has an overall level of
// risk, shared by its indicators, plus a part of each indicator's own.
func synthetic(i int) []*inspectionv1.IndicatorValue {
	// 23 is prime, so each multiplier below permutes the councils.
	level := float64((i*7)%23-11) / 11
	out := make([]*inspectionv1.IndicatorValue, 0, indicator.Count)
	for k, ind := range indicator.All() {
		own := float64((i*(k+2)+k)%23-11) / 11
		spec, _ := ind.Spec()
		v := typical[ind] + spread[ind]*float64(spec.Direction)*(0.7*level+0.3*own)
		if spec.Integer {
			v = math.Round(v)
		}
		v = math.Max(spec.Min, math.Min(spec.Max, v))
		out = append(out, &inspectionv1.IndicatorValue{Indicator: IndicatorProto(ind), Value: v})
	}
	return out
}

// seedSets imports complete synthetic sets for period 2015 for every
// council except those in skip, straight through the store.
func (h *harness) seedSets(t testing.TB, skip map[string]bool) {
	t.Helper()
	var drafts []indicator.Draft
	for i, c := range reference.Councils() {
		if skip[c.GSSCode] {
			continue
		}
		drafts = append(drafts, draftFrom(&inspectionv1.IndicatorSet{Name: indicator.Name(c.GSSCode, 2015), Values: synthetic(i)}))
	}
	sets, err := indicator.ParseBatch("indicator_sets", drafts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.sets.Import(context.Background(), sets, change.Request{Subject: "seed", Method: "seed"}); err != nil {
		t.Fatal(err)
	}
}

// councilCodec is the stored form of a council, as the service builds it.
var councilCodec = rpctest.Codec(councilapi.ToProto, councilapi.FromStored)
