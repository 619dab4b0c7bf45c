package engagementapi

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagementstore"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/servertest"
)

type testServer struct {
	servertest.Fallback
	*Engagements
}

// Sponsors and councils of these tests.
const (
	hampshire  = "hampshire"
	leeds      = "leeds"
	durham     = "durham"
	slough     = "E06000039"
	doncaster  = "E08000017"
	sunderland = "E08000024"
)

// The callers of these tests.
var (
	hampshireOfficer = auth.Principal{Subject: "hants-1", Roles: []auth.Role{auth.RoleSponsorOfficer}, Sponsor: hampshire}
	leedsOfficer     = auth.Principal{Subject: "leeds-1", Roles: []auth.Role{auth.RoleSponsorOfficer}, Sponsor: leeds}
	sloughOfficer    = auth.Principal{Subject: "slough-1", Roles: []auth.Role{auth.RoleCouncilOfficer}, Authority: slough}
	doncasterOfficer = auth.Principal{Subject: "doncaster-1", Roles: []auth.Role{auth.RoleCouncilOfficer}, Authority: doncaster}
)

// start is the service's clock at the start of each test: mid-morning on
// 15 June 2016, in the second quarter.
var start = time.Date(2016, 6, 15, 10, 0, 0, 0, time.UTC)

// redisDayRates stands in for the sponsor store's day rates, which the
// sponsor engineer's store provides in the service: a Redis hash of
// sponsor id to pence under the test's keyspace. A sponsor without a rate
// does not exist, as in the sponsor store.
type redisDayRates struct {
	c   redis.UniversalClient
	key string
}

// DayRate implements DayRates.
func (r redisDayRates) DayRate(ctx context.Context, sponsor string) (int64, error) {
	v, err := r.c.HGet(ctx, r.key, sponsor).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, fault.NotFound("SPONSOR_NOT_FOUND", "sponsors/%s does not exist", sponsor)
	}
	return v, err
}

type env struct {
	t      *testing.T
	client sponsorv1.SponsorServiceClient
	store  *store.Store
	engs   *engagementstore.Engagements
	rates  redisDayRates
	// now is the service's clock: a minute on from start at each reading,
	// so resources made one after another are ordered in time.
	now func() time.Time
}

// newEnv serves the handlers over real Redis behind the real interceptor
// chain (rpctest.Serve).
// Hampshire's day rate is £450.01 and Leeds's £380 a day.
func newEnv(t *testing.T) *env {
	t.Helper()
	st := rpctest.NewStore(t)
	e := &env{t: t, now: rpctest.Ticking(start, time.Minute), store: st, rates: redisDayRates{c: st.Client(), key: st.Keyspace().Key("test", "day-rates")}}
	e.engs = engagementstore.New(st, engagementstore.WithClock(e.now))
	if err := st.Client().HSet(context.Background(), e.rates.key, hampshire, 45_001, leeds, 38_000, durham, 40_000).Err(); err != nil {
		t.Fatal(err)
	}
	e.client = rpctest.Client(t, Policies, &sponsorv1.SponsorService_ServiceDesc,
		testServer{Engagements: New(engagement.NewService(e.engs, e.rates, e.now), rpctest.NewPages(t), e.now)}, sponsorv1.NewSponsorServiceClient)
	return e
}

// as returns a context whose calls carry a development token for p.
func (e *env) as(p auth.Principal) context.Context { return rpctest.As(e.t, p) }

// engage creates an engagement of sponsor with the council gss starting on
// 1 April 2016, as an approved match run does, through the store.
func (e *env) engage(sponsor, gss string, planned int) engagement.Engagement {
	e.t.Helper()
	eng, err := engagement.New(engagement.Start{
		Sponsor: sponsor, Council: gss, Need: "localAuthorities/" + gss + "/sponsorNeeds/" + engagement.NewID(),
		MatchRun: "matchRuns/run-1", StartDate: date(2016, 4, 1), PlannedStaffDays: planned,
	}, engagement.NewID(), "", e.now())
	if err != nil {
		e.t.Fatal(err)
	}
	created, err := e.engs.Create(context.Background(), eng, store.AuditEntry{Audit: change.Audit{Actor: "official-2", Method: "approve"}})
	if err != nil {
		e.t.Fatal(err)
	}
	return created
}

// record records a deployment as p, failing the test on error.
func (e *env) record(p auth.Principal, eng engagement.Engagement, on time.Time, role sponsorv1.StaffRole, days float64) *sponsorv1.Deployment {
	e.t.Helper()
	d, err := e.client.RecordDeployment(e.as(p), &sponsorv1.RecordDeploymentRequest{
		Parent:     eng.Name(),
		Deployment: &sponsorv1.Deployment{Date: protoDate(on), Role: role, StaffDays: days},
	})
	if err != nil {
		e.t.Fatalf("record %v days on %s: %v", days, eng.Name(), err)
	}
	return d
}

// wantNothingDeployed checks that the store holds eng as it was created,
// with nothing deployed, after the calls what names.
func (e *env) wantNothingDeployed(eng engagement.Engagement, what string) {
	e.t.Helper()
	got, err := e.engs.Get(context.Background(), eng.Sponsor, eng.ID)
	if err != nil || got.Deployed != 0 || got.Version != 1 {
		e.t.Errorf("after %s: %+v, %v; want nothing deployed", what, got, err)
	}
}

// audits decodes the audit entries in the sponsor's outbox, oldest first.
func (e *env) audits(sponsor string) []store.AuditEntry {
	e.t.Helper()
	return rpctest.Audits(e.t, rpctest.Outbox(e.t, e.store, engagementstore.Tag(sponsor), store.AuditType))
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func protoDate(t time.Time) *typev1.Date {
	return &typev1.Date{Year: int32(t.Year()), Month: int32(t.Month()), Day: int32(t.Day())}
}

func period(from, to time.Time) *typev1.DateRange {
	return &typev1.DateRange{Start: protoDate(from), End: protoDate(to)}
}

const (
	socialWorker = sponsorv1.StaffRole_STAFF_ROLE_SOCIAL_WORKER
	manager      = sponsorv1.StaffRole_STAFF_ROLE_MANAGER
	director     = sponsorv1.StaffRole_STAFF_ROLE_DIRECTOR
)
