package concernapi_test

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concern"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concernapi"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concerntest"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/councilstore"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/servertest"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Councils the tests use.
const (
	leeds     = "E08000035"
	hampshire = "E10000014"
	durham    = "E06000047"
	doncaster = "E08000017"
)

type testServer struct {
	servertest.Fallback
	*concernapi.Concerns
}

// The callers of these tests beside rpctest's: inspector1 raises and
// inspector2, a second inspector, tells who decided from who raised.
var (
	inspector1 = rpctest.Inspector
	inspector2 = auth.Principal{Subject: "inspector-2", Roles: []auth.Role{auth.RoleOfstedInspector}}
	officer    = rpctest.Officer(leeds)
	sponsor    = rpctest.SponsorOfficer("north-yorkshire")
)

// harness is the handlers over the real store behind the real interceptor
// chain (rpctest.Serve), and a client.
type harness struct {
	client   inspectionv1.InspectionServiceClient
	st       *store.Store
	councils *councilstore.Councils
	sched    *concerntest.Scheduler
	svc      *concern.Service
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	f := concerntest.New(t, rpctest.NewStore(t), leeds, hampshire, durham, doncaster)
	handlers := concernapi.New(f.Service, rpctest.NewPages(t))
	client := rpctest.Client(t, concernapi.Policies, &inspectionv1.InspectionService_ServiceDesc,
		testServer{Concerns: handlers}, inspectionv1.NewInspectionServiceClient)
	return &harness{client: client, st: f.Store, councils: f.Councils, sched: f.Scheduler, svc: f.Service}
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
