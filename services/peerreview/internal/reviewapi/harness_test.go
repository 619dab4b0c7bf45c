package reviewapi

import (
	"context"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewerapi"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/inspectionclient"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewerstore"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewstore"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/servertest"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/serve"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// inspectionDouble is a TEST DOUBLE of the inspection service, not the
// service itself (which the peer-review service may not import): a gRPC
// server on a loopback port answering ListInspections, GetRiskAssessment
// and ListLocalAuthorities from fixed data, one item per page so callers
// must follow page tokens. It records the authorization each call carried
// and refuses filters other than the ones the handlers are meant to send.
type inspectionDouble struct {
	inspectionv1.UnimplementedInspectionServiceServer
	// inspections are each council's published inspections, newest first.
	inspections map[string][]*inspectionv1.Inspection
	// risk are the risk assessments by resource name.
	risk map[string]*inspectionv1.RiskAssessment
	// inadequate are the councils whose latest grade is inadequate.
	inadequate []*inspectionv1.LocalAuthority

	mu     sync.Mutex
	tokens []string
	srv    *grpc.Server
}

// start serves d on a loopback port until the test ends and returns its
// address.
func (d *inspectionDouble) start(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d.srv = grpc.NewServer()
	inspectionv1.RegisterInspectionServiceServer(d.srv, d)
	go func() { _ = d.srv.Serve(lis) }()
	t.Cleanup(d.srv.Stop)
	return lis.Addr().String()
}

func (d *inspectionDouble) record(ctx context.Context) {
	md, _ := metadata.FromIncomingContext(ctx)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tokens = append(d.tokens, strings.Join(md.Get("authorization"), ","))
}

func (d *inspectionDouble) seen() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.tokens)
}

// onePage serves items one per page; the token is the next index.
func onePage[T any](items []T, token string) ([]T, string, error) {
	i := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", status.Error(codes.InvalidArgument, "bad page token")
		}
		i = n
	}
	if i >= len(items) {
		return nil, "", nil
	}
	next := ""
	if i+1 < len(items) {
		next = strconv.Itoa(i + 1)
	}
	return items[i : i+1], next, nil
}

func (d *inspectionDouble) ListInspections(ctx context.Context, req *inspectionv1.ListInspectionsRequest) (*inspectionv1.ListInspectionsResponse, error) {
	d.record(ctx)
	if req.GetFilter() != "state = PUBLISHED" {
		return nil, status.Errorf(codes.InvalidArgument, "the double serves published inspections only, got filter %q", req.GetFilter())
	}
	gss := strings.TrimPrefix(req.GetParent(), "localAuthorities/")
	items, next, err := onePage(d.inspections[gss], req.GetPageToken())
	if err != nil {
		return nil, err
	}
	return &inspectionv1.ListInspectionsResponse{Inspections: items, NextPageToken: next, TotalSize: int32(len(d.inspections[gss]))}, nil
}

func (d *inspectionDouble) GetRiskAssessment(ctx context.Context, req *inspectionv1.GetRiskAssessmentRequest) (*inspectionv1.RiskAssessment, error) {
	d.record(ctx)
	ra, ok := d.risk[req.GetName()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "%s does not exist", req.GetName())
	}
	return ra, nil
}

func (d *inspectionDouble) ListLocalAuthorities(ctx context.Context, req *inspectionv1.ListLocalAuthoritiesRequest) (*inspectionv1.ListLocalAuthoritiesResponse, error) {
	d.record(ctx)
	if req.GetFilter() != "latest_grade = INADEQUATE" {
		return nil, status.Errorf(codes.InvalidArgument, "the double serves inadequate councils only, got filter %q", req.GetFilter())
	}
	items, next, err := onePage(d.inadequate, req.GetPageToken())
	if err != nil {
		return nil, err
	}
	return &inspectionv1.ListLocalAuthoritiesResponse{LocalAuthorities: items, NextPageToken: next, TotalSize: int32(len(d.inadequate))}, nil
}

// testServer composes the handlers the way the service does.
type testServer struct {
	servertest.Fallback
	*Reviews
}

const (
	leeds     = "E08000035"
	hampshire = "E10000014"
	doncaster = "E08000017"
	leedsName = "localAuthorities/" + leeds
	hantsName = "localAuthorities/" + hampshire
)

// The callers of these tests.
var (
	leedsOfficer = auth.Principal{Subject: "officer-leeds", Roles: []auth.Role{auth.RoleCouncilOfficer}, Authority: leeds}
	hantsOfficer = auth.Principal{Subject: "officer-hants", Roles: []auth.Role{auth.RoleCouncilOfficer}, Authority: hampshire}
	sponsor      = auth.Principal{Subject: "sponsor-1", Roles: []auth.Role{auth.RoleSponsorOfficer}, Sponsor: "hampshire"}
	// inspectorOfficer holds Ofsted's role beside a council officer's: the
	// Ofsted role gives summaries of other councils' reviews, never the
	// officer's own grants over them.
	inspectorOfficer = auth.Principal{Subject: "dual-1", Roles: []auth.Role{auth.RoleCouncilOfficer, auth.RoleOfstedInspector}, Authority: hampshire}
)

// clock is the service's clock: the demo data's "as of" day.
func clock() time.Time { return time.Date(2015, 12, 14, 9, 0, 0, 0, time.UTC) }

type env struct {
	t          *testing.T
	client     peerreviewv1.PeerReviewServiceClient
	store      *store.Store
	reviews    *reviewstore.Reviews
	pool       *reviewer.Service
	inspection *inspectionDouble
	// ids maps seeded reviewers' display names to their IDs.
	ids map[string]string
}

// newEnv serves the handlers over real Redis behind the real interceptor
// chain (error mapping, authentication, policies) on an in-memory
// listener, with engineer A's real reviewer store for the pool and the
// inspection test double on a loopback port, dialled as the service dials
// the real one: forwarding the caller's authorization.
func newEnv(t *testing.T, double *inspectionDouble) *env {
	t.Helper()
	st := rpctest.NewStore(t)
	reviews := reviewstore.New(st, rpctest.Codec(ToStored, FromStored))
	pool := reviewerstore.New(st, rpctest.Codec(reviewerapi.ToStored, reviewerapi.FromStored))
	conn, err := serve.Dial(double.start(t), grpc.WithChainUnaryInterceptor(auth.ForwardAuthorization()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	svc := review.NewService(reviews, clock)
	teams := review.NewTeams(svc, pool, inspectionclient.NewCouncils(inspectionv1.NewInspectionServiceClient(conn)))
	h := NewReviews(svc, teams, rpctest.NewPages(t))
	client := rpctest.Client(t, Policies, &peerreviewv1.PeerReviewService_ServiceDesc,
		testServer{Reviews: h}, peerreviewv1.NewPeerReviewServiceClient)
	return &env{
		t: t, client: client, store: st, reviews: reviews,
		pool: reviewer.NewService(pool, reviews, clock), inspection: double, ids: map[string]string{},
	}
}

// as returns a context whose calls carry a development token for p.
func (e *env) as(p auth.Principal) context.Context { return rpctest.As(e.t, p) }

// addReviewer puts a reviewer in the pool through the reviewer rules.
func (e *env) addReviewer(rv reviewer.Reviewer) string {
	e.t.Helper()
	out, err := e.pool.Create(context.Background(), rv, change.Request{Subject: rpctest.Adviser.Subject, Roles: []string{"lga_adviser"}})
	if err != nil {
		e.t.Fatalf("create reviewer %s: %v", rv.DisplayName, err)
	}
	e.ids[rv.DisplayName] = out.ID
	return out.ID
}

// name is the resource name of the seeded reviewer called displayName.
func (e *env) name(displayName string) string {
	e.t.Helper()
	id, ok := e.ids[displayName]
	if !ok {
		e.t.Fatalf("no reviewer %s", displayName)
	}
	return reviewer.Name(id)
}
