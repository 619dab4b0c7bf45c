package concernapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/councilapi"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concern"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concernapi"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concernstore"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/councilstore"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Councils the tests use.
const (
	leeds     = "E08000035"
	hampshire = "E10000014"
	durham    = "E06000047"
	doncaster = "E08000017"
)

// testNow is the service's fixed clock: the demo data's "as of" date.
var testNow = time.Date(2015, 12, 14, 12, 0, 0, 0, time.UTC)

// fallback answers the InspectionService methods this package does not
// implement, one level deeper than Concerns's own, as the composed server
// of the inspection service does.
type fallback struct {
	inspectionv1.UnimplementedInspectionServiceServer
}

type testServer struct {
	fallback
	*concernapi.Concerns
}

// schedulerDouble is a TEST DOUBLE of concern.InspectionScheduler, standing
// in for the inspectionstore implementation, which another package owns. It
// writes one record per recommendation to Redis under the council's tag
// and, as the real one must, returns the same inspection when asked again
// for the same recommendation.
type schedulerDouble struct {
	st    *store.Store
	calls atomic.Int32
}

type scheduledDouble struct {
	Inspection, Recommendation, RequestID, Actor string
	Start, End                                   time.Time
}

func lastSegment(name string) string { return name[strings.LastIndex(name, "/")+1:] }

func (d *schedulerDouble) key(gss, recommendation string) string {
	return d.st.Keyspace().Key(keyspace.CouncilTag(gss), "test-double", "emergency", lastSegment(recommendation))
}

func (d *schedulerDouble) ScheduleEmergency(ctx context.Context, gss string, start, end time.Time, recommendation string, r change.Request) (string, error) {
	d.calls.Add(1)
	rec := scheduledDouble{
		Inspection:     resource.CouncilName(gss) + "/inspections/emergency-" + lastSegment(recommendation),
		Recommendation: recommendation, RequestID: r.RequestID, Actor: r.Subject, Start: start, End: end,
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return "", err
	}
	_, err = d.st.Commit(ctx, store.Mutation{Tag: keyspace.CouncilTag(gss), Writes: []store.Write{{Key: d.key(gss, recommendation), Data: data}}})
	if errors.Is(err, store.ErrConflict) {
		got, err := d.scheduled(ctx, gss, recommendation)
		return got.Inspection, err
	}
	return rec.Inspection, err
}

func (d *schedulerDouble) scheduled(ctx context.Context, gss, recommendation string) (scheduledDouble, error) {
	r, err := d.st.Get(ctx, d.key(gss, recommendation))
	if err != nil {
		return scheduledDouble{}, err
	}
	var got scheduledDouble
	return got, json.Unmarshal(r.Data, &got)
}

// Principals of every role the tests call as; inspector2 is a second
// inspector, to tell who decided from who raised.
var (
	inspector1 = rpctest.Inspector
	inspector2 = auth.Principal{Subject: "inspector-2", Roles: []auth.Role{auth.RoleOfstedInspector}}
	adviser    = rpctest.Adviser
	official   = rpctest.Official
	officer    = rpctest.Officer(leeds)
	sponsor    = rpctest.SponsorOfficer("north-yorkshire")
	partner    = rpctest.Partner
)

// The stored forms of concerns and recommendations, as the service builds
// them.
var (
	concernCodec = store.ProtoCodec(func() *inspectionv1.Concern { return &inspectionv1.Concern{} },
		concernapi.ConcernToProto, concernapi.ConcernFromStored)
	recommendationCodec = store.ProtoCodec(func() *inspectionv1.EmergencyInspectionRecommendation {
		return &inspectionv1.EmergencyInspectionRecommendation{}
	}, concernapi.RecommendationToProto, concernapi.RecommendationFromStored)
)

// harness is the handlers over the real store behind the real interceptor
// chain (rpctest.Serve), and a client.
type harness struct {
	client   inspectionv1.InspectionServiceClient
	st       *store.Store
	councils *councilstore.Councils
	sched    *schedulerDouble
	svc      *concern.Service
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	st := rpctest.NewStore(t)
	councils := councilstore.NewCouncils(st, councilCodec)
	var seed []reference.Council
	for _, gss := range []string{leeds, hampshire, durham, doncaster} {
		rc, _ := reference.CouncilByCode(gss)
		seed = append(seed, rc)
	}
	if _, err := councils.Seed(context.Background(), seed); err != nil {
		t.Fatal(err)
	}
	sched := &schedulerDouble{st: st}
	svc, err := concern.NewService(concernstore.New(st, concernCodec, recommendationCodec), concernstore.NewCouncilGrades(councils), sched,
		concern.DefaultRules(), concern.WithClock(func() time.Time { return testNow }))
	if err != nil {
		t.Fatal(err)
	}
	handlers := concernapi.New(svc, rpctest.NewPages(t))
	conn := rpctest.Serve(t, concernapi.Policies, func(srv *grpc.Server) {
		inspectionv1.RegisterInspectionServiceServer(srv, testServer{Concerns: handlers})
	})
	return &harness{client: inspectionv1.NewInspectionServiceClient(conn), st: st, councils: councils, sched: sched, svc: svc}
}

// as returns a context that calls as p.
func (h *harness) as(t *testing.T, p auth.Principal) context.Context { return rpctest.As(t, p) }

func date(y, m, d int32) *typev1.Date { return &typev1.Date{Year: y, Month: m, Day: d} }

func parent(gss string) string { return resource.CouncilName(gss) }

// raise raises a concern as inspector1 and fails the test on error.
func (h *harness) raise(t *testing.T, gss string, k inspectionv1.ConcernKind, s inspectionv1.Severity, received *typev1.Date) *inspectionv1.RaiseConcernResponse {
	t.Helper()
	resp, err := h.client.RaiseConcern(h.as(t, inspector1), &inspectionv1.RaiseConcernRequest{
		Parent:  parent(gss),
		Concern: &inspectionv1.Concern{Kind: k, Severity: s, ReceivedDate: received, Narrative: "reported: " + k.String(), Source: "test"},
	})
	if err != nil {
		t.Fatalf("raise %s at %s: %v", k, gss, err)
	}
	return resp
}

// wantStatus checks err's code, ErrorInfo reason and field violations with
// rpctest.ExpectError, and stops the test when they differ.
func wantStatus(t *testing.T, err error, code codes.Code, reason string, fields ...string) {
	t.Helper()
	rpctest.ExpectError(t, "the call", err, code, reason, fields...)
	if t.Failed() {
		t.FailNow()
	}
}

// councilCodec is the stored form of a council, as the service builds it.
var councilCodec = store.ProtoCodec(func() *inspectionv1.LocalAuthority { return &inspectionv1.LocalAuthority{} }, councilapi.ToProto, councilapi.FromStored)
