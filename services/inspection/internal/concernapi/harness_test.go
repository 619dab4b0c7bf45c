package concernapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concern"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concernapi"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concernstore"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/councilstore"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/serve"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
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

// Principals of every role the tests call as.
var (
	inspector1 = auth.Principal{Subject: "inspector-1", Roles: []auth.Role{auth.RoleOfstedInspector}}
	inspector2 = auth.Principal{Subject: "inspector-2", Roles: []auth.Role{auth.RoleOfstedInspector}}
	adviser    = auth.Principal{Subject: "lga-1", Roles: []auth.Role{auth.RoleLGAAdviser}}
	official   = auth.Principal{Subject: "dfe-1", Roles: []auth.Role{auth.RoleDfEOfficial}}
	officer    = auth.Principal{Subject: "leeds-1", Roles: []auth.Role{auth.RoleCouncilOfficer}, Authority: leeds}
	sponsor    = auth.Principal{Subject: "sponsor-1", Roles: []auth.Role{auth.RoleSponsorOfficer}, Sponsor: "north-yorkshire"}
	partner    = auth.Principal{Subject: "partner-1", Roles: []auth.Role{auth.RolePartnerSystem}}
)

// harness is a real gRPC server with the real interceptor chain over the
// real store, and a client.
type harness struct {
	client   inspectionv1.InspectionServiceClient
	st       *store.Store
	councils *councilstore.Councils
	sched    *schedulerDouble
	handlers *concernapi.Concerns
	key      []byte
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	c, ks := redistest.New(t)
	st := store.New(c, ks)
	councils := councilstore.NewCouncils(st)
	var seed []reference.Council
	for _, gss := range []string{leeds, hampshire, durham, doncaster} {
		rc, _ := reference.CouncilByCode(gss)
		seed = append(seed, rc)
	}
	if _, err := councils.Seed(context.Background(), seed); err != nil {
		t.Fatal(err)
	}
	sched := &schedulerDouble{st: st}
	svc, err := concern.NewService(concernstore.New(st), concernstore.NewCouncilGrades(councils), sched,
		concern.DefaultRules(), concern.WithClock(func() time.Time { return testNow }))
	if err != nil {
		t.Fatal(err)
	}
	pages, err := paging.NewRandomCodec(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	key := []byte("0123456789abcdef0123456789abcdef")
	v, err := auth.NewVerifier(auth.Config{DevKey: key})
	if err != nil {
		t.Fatal(err)
	}
	handlers := concernapi.New(svc, pages)
	srv := serve.NewGRPCServer(serve.Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Unary:  []grpc.UnaryServerInterceptor{auth.UnaryServerInterceptor(v, concernapi.Policies)},
	})
	inspectionv1.RegisterInspectionServiceServer(srv, testServer{Concerns: handlers})
	lis := bufconn.Listen(1 << 20)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &harness{
		client: inspectionv1.NewInspectionServiceClient(conn), st: st, councils: councils,
		sched: sched, handlers: handlers, key: key,
	}
}

// as returns a context that calls as p.
func (h *harness) as(t *testing.T, p auth.Principal) context.Context {
	t.Helper()
	tok, err := auth.MintDevToken(h.key, p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+tok)
}

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

// wantStatus checks err's code and, when given, its ErrorInfo reason and
// the fields of its BadRequest violations (sorted, as fault sorts them).
func wantStatus(t *testing.T, err error, code codes.Code, reason string, fields ...string) {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != code {
		t.Fatalf("code = %s (%v), want %s", st.Code(), err, code)
	}
	var gotReason string
	var gotFields []string
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			gotReason = d.GetReason()
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				gotFields = append(gotFields, v.GetField())
			}
		}
	}
	if reason != "" && gotReason != reason {
		t.Fatalf("reason = %q (%v), want %q", gotReason, err, reason)
	}
	if len(fields) > 0 && !slices.Equal(gotFields, fields) {
		t.Fatalf("violations on %v (%v), want %v", gotFields, err, fields)
	}
}
