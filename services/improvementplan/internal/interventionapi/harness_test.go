package interventionapi

import (
	"context"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plantest"
	"testing"
	"time"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/intervention"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/interventionstore"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planstore"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/progressreview"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/progressreviewapi"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/progressreviewstore"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/servertest"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

type testServer struct {
	servertest.Fallback
	*Interventions
}

const (
	leeds     = "E08000035"
	sheffield = "E08000019"
	leedsName = "localAuthorities/" + leeds
	allParent = "localAuthorities/-"
)

// The council and sponsor callers of these tests; those of the national
// roles are rpctest's.
var (
	officer  = rpctest.Officer(leeds)
	outsider = rpctest.Officer(sheffield)
	sponsor  = rpctest.SponsorOfficer("hampshire")
)

// start is the service's clock at the start of each test: mid-afternoon
// on 1 June 2016, after the six months of a judgement of November 2015.
var start = time.Date(2016, 6, 1, 15, 0, 0, 0, time.UTC)

type env struct {
	t       *testing.T
	client  improvementplanv1.ImprovementPlanServiceClient
	store   *store.Store
	plans   *planstore.Plans
	reviews *progressreviewstore.Reviews
	ivs     *interventionstore.Interventions
	// now is the service's clock: a minute on from start at each reading,
	// so resources made one after another are ordered in time.
	now func() time.Time
}

// codec is the stored form of an intervention, as the service builds it.
var codec = rpctest.Codec(ToStored, FromStored)

// newEnv serves the handlers over real Redis behind the real interceptor
// chain (error mapping, authentication, policies) on an in-memory listener.
func newEnv(t *testing.T) *env {
	t.Helper()
	st := rpctest.NewStore(t)
	plans := planstore.New(st)
	reviews := progressreviewstore.New(st, plans, rpctest.Codec(progressreviewapi.ToProto, progressreviewapi.FromStored))
	e := &env{t: t, now: rpctest.Ticking(start, time.Minute), store: st, plans: plans, reviews: reviews, ivs: interventionstore.New(st, plans, codec)}
	svc := intervention.NewService(e.ivs, plans, e.reviews, e.now)
	e.client = rpctest.Client(t, Policies, &improvementplanv1.ImprovementPlanService_ServiceDesc,
		testServer{Interventions: New(svc, rpctest.NewPages(t), nil)}, improvementplanv1.NewImprovementPlanServiceClient)
	return e
}

// as returns a context whose calls carry a development token for p.
func (e *env) as(p auth.Principal) context.Context { return rpctest.As(e.t, p) }

// planIn stores a plan of council gss opened by an inadequate judgement
// and moves it to s (see plantest.Stored).
func (e *env) planIn(gss string, s plan.State) plan.Plan {
	e.t.Helper()
	return plantest.Stored(e.t, e.plans, gss, s, start)
}

// review records a progress review of p directly in the store.
func (e *env) review(p plan.Plan, date time.Time, rating plan.ProgressRating) {
	e.t.Helper()
	cur, err := e.plans.Get(context.Background(), p.GSSCode, p.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	rec, err := progressreview.Record(cur, progressreview.Draft{
		Date: date, Source: progressreview.DfEReview, Overall: rating, Narrative: "Adviser's review.",
	}, resource.NewID(), "", rpctest.Official.Subject, start)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.reviews.Insert(context.Background(), rec, change.Request{Subject: rpctest.Official.Subject, Method: "setup"}); err != nil {
		e.t.Fatal(err)
	}
}

// outbox is what the council gss's outbox holds of its interventions.
func (e *env) outbox(gss string) plantest.Outbox { return plantest.OutboxOf(e.t, e.store, gss) }

// order orders an intervention in gss as the DfE official, failing the
// test on error.
func (e *env) order(gss string, kind improvementplanv1.InterventionKind, planName string) *improvementplanv1.Intervention {
	e.t.Helper()
	iv, err := e.client.OrderIntervention(e.as(rpctest.Official), &improvementplanv1.OrderInterventionRequest{
		Parent: "localAuthorities/" + gss,
		Intervention: &improvementplanv1.Intervention{
			Kind: kind, Reason: "Children are not safe.", Areas: []typev1.JudgementArea{typev1.JudgementArea_JUDGEMENT_AREA_HELP_AND_PROTECTION}, ImprovementPlan: planName,
		},
	})
	if err != nil {
		e.t.Fatalf("order %s in %s: %v", kind, gss, err)
	}
	return iv
}

const (
	notice       = improvementplanv1.InterventionKind_INTERVENTION_KIND_IMPROVEMENT_NOTICE
	direction    = improvementplanv1.InterventionKind_INTERVENTION_KIND_STATUTORY_DIRECTION
	commissioner = improvementplanv1.InterventionKind_INTERVENTION_KIND_COMMISSIONER
	trust        = improvementplanv1.InterventionKind_INTERVENTION_KIND_CHILDRENS_SERVICES_TRUST
	partnership  = improvementplanv1.InterventionKind_INTERVENTION_KIND_SPONSOR_PARTNERSHIP

	inForce = improvementplanv1.InterventionState_INTERVENTION_STATE_IN_FORCE
	lifted  = improvementplanv1.InterventionState_INTERVENTION_STATE_LIFTED

	significantImprovement = improvementplanv1.ProgressDecision_PROGRESS_DECISION_SIGNIFICANT_IMPROVEMENT
	insufficient           = improvementplanv1.ProgressDecision_PROGRESS_DECISION_INSUFFICIENT
)
