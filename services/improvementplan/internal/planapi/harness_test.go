package planapi_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planapi"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planstore"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/servertest"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/support"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/supportstore"
	"github.com/turnaround-sli/turnaround/services/platform/apierror"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Councils the tests use.
const (
	leeds     = "E08000035"
	doncaster = "E08000017"
	slough    = "E06000039"
)

// testNow is the service's clock: the demo data's "as of" day.
var testNow = time.Date(2015, 12, 14, 9, 0, 0, 0, time.UTC)

// published is the judgement date of the tests' plans; their deadline is
// six months on, 20 May 2016.
var published = time.Date(2015, 11, 20, 0, 0, 0, 0, time.UTC)

// principal is a caller of the tests.
type principal = auth.Principal

// Principals of every role the tests call as.
var (
	officer   = auth.Principal{Subject: "leeds-officer", Roles: []auth.Role{auth.RoleCouncilOfficer}, Authority: leeds}
	officer2  = auth.Principal{Subject: "doncaster-officer", Roles: []auth.Role{auth.RoleCouncilOfficer}, Authority: doncaster}
	official  = auth.Principal{Subject: "dfe-1", Roles: []auth.Role{auth.RoleDfEOfficial}}
	adviser   = auth.Principal{Subject: "lga-1", Roles: []auth.Role{auth.RoleLGAAdviser}}
	inspector = auth.Principal{Subject: "ofsted-1", Roles: []auth.Role{auth.RoleOfstedInspector}}
	sponsor   = rpctest.SponsorOfficer("hampshire")
	partner   = auth.Principal{Subject: "partner-1", Roles: []auth.Role{auth.RolePartnerSystem}}
)

// testServer answers the ImprovementPlanService methods this package does
// not implement one level deeper than Plans's own, as the composed server
// of the service does.
type testServer struct {
	servertest.Fallback
	*planapi.Plans
}

// ratingsDouble is a TEST DOUBLE of plan.RatingSource, standing in for the
// progress review store, which another package owns.
type ratingsDouble struct {
	mu sync.Mutex
	by map[string][]string
}

func (d *ratingsDouble) Ratings(_ context.Context, gss, id string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.by[plan.Name(gss, id)]), nil
}

func (d *ratingsDouble) RatingsOf(ctx context.Context, plans []plan.Plan) ([][]string, error) {
	out := make([][]string, len(plans))
	for i, p := range plans {
		out[i], _ = d.Ratings(ctx, p.GSSCode, p.ID)
	}
	return out, nil
}

func (d *ratingsDouble) set(name string, ratings ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.by[name] = ratings
}

// clockDouble is a TEST DOUBLE of plan.Rescheduler, standing in for the
// deadline clock, which another package owns: it records each plan it is
// told about as "state deadline version".
type clockDouble struct {
	mu   sync.Mutex
	seen []string
}

func (d *clockDouble) Reschedule(_ context.Context, p plan.Plan) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seen = append(d.seen, fmt.Sprintf("%s %s %d", p.State, p.Deadline.Format(time.DateOnly), p.Version))
	return nil
}

func (d *clockDouble) calls() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.seen)
}

// harness is a real gRPC server with the real interceptor chain over the
// real store, and a client.
type harness struct {
	t       *testing.T
	client  improvementplanv1.ImprovementPlanServiceClient
	st      *store.Store
	plans   *planstore.Plans
	ratings *ratingsDouble
	clock   *clockDouble
	// support is the read model of which sponsors support which councils.
	support *support.Service
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	st := rpctest.NewStore(t)
	plans := planstore.New(st)
	if err := planapi.Policies.Validate(); err != nil {
		t.Fatal(err)
	}
	ratings := &ratingsDouble{by: map[string][]string{}}
	clock := &clockDouble{}
	svc := plan.NewService(plans, ratings, clock, func() time.Time { return testNow })
	sup := support.NewService(supportstore.New(st))
	client := rpctest.Client(t, planapi.Policies, &improvementplanv1.ImprovementPlanService_ServiceDesc,
		testServer{Plans: planapi.New(svc, rpctest.NewPages(t), sup)}, improvementplanv1.NewImprovementPlanServiceClient)
	return &harness{t: t, client: client, st: st, plans: plans, ratings: ratings, clock: clock, support: sup}
}

// as returns a context whose calls carry a development token for p.
func (h *harness) as(p auth.Principal) context.Context { return rpctest.As(h.t, p) }

// open opens a plan for gss as an inadequate judgement published on date
// would, the day after: help and protection and leadership inadequate, looked after
// children and care leavers requiring improvement.
func (h *harness) open(gss, inspection string, date time.Time) plan.Plan {
	h.t.Helper()
	p := plan.Open(plan.OpenInput{
		GSSCode: gss, Inspection: "localAuthorities/" + gss + "/inspections/" + inspection, JudgementDate: date,
		KeyJudgements: map[string]reference.Grade{
			reference.AreaOverallEffectiveness:           reference.Inadequate,
			reference.AreaHelpAndProtection:              reference.Inadequate,
			reference.AreaLookedAfterAndPermanence:       reference.RequiresImprovement,
			reference.AreaAdoptionPerformance:            reference.Good,
			reference.AreaCareLeavers:                    reference.RequiresImprovement,
			reference.AreaLeadershipManagementGovernance: reference.Inadequate,
		},
		Recommendations: []string{"HELP_AND_PROTECTION: Hold strategy discussions promptly."},
	}, date.Add(24*time.Hour)) // the day after publication, when the event arrived
	p, _, err := h.plans.OpenFromJudgement(context.Background(), p, events.Event{})
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

// move puts a stored plan into the states given in turn, as the clock, the
// judgement consumer or DecideProgress would, and returns it.
func (h *harness) move(p plan.Plan, states ...plan.State) plan.Plan {
	h.t.Helper()
	for _, s := range states {
		if err := p.Transition(s, plan.ServiceActor, "test setup", testNow); err != nil {
			h.t.Fatal(err)
		}
	}
	p, err := h.plans.Save(context.Background(), p, change.Request{Subject: plan.ServiceActor, Method: "test"})
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

// audit returns the audit entries in the council's outbox, oldest first.
func (h *harness) audit(gss string) []store.AuditEntry {
	h.t.Helper()
	return rpctest.Audits(h.t, rpctest.Outbox(h.t, h.st, keyspace.CouncilTag(gss)))
}

func date(y, m, d int32) *typev1.Date { return &typev1.Date{Year: y, Month: m, Day: d} }

// wantStatus checks err's code, ErrorInfo reason and field violations
// (see rpctest.ExpectError) and returns the ErrorInfo.
func wantStatus(t *testing.T, what string, err error, code codes.Code, reason string, fields ...string) *errdetails.ErrorInfo {
	t.Helper()
	rpctest.ExpectError(t, what, err, code, reason, fields...)
	st, _ := status.FromError(err)
	return apierror.Info(st)
}
