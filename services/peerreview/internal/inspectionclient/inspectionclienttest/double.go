// Package inspectionclienttest is a TEST DOUBLE of the inspection service for
// the peer-review service's tests: a small gRPC server on a loopback port
// that answers ListRiskAssessments and ListLocalAuthorities from fixed data
// and records each call's filter, forwarded authorization and deadline. It
// is not the inspection service (which the peer-review service may not
// import); the real one is exercised end to end through the binary.
package inspectionclienttest

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
)

// NotInspectedFilter is the one ListRiskAssessments filter the double
// understands besides none.
const NotInspectedFilter = "inspected_under_sif = false"

// Call is one call the double received.
type Call struct {
	Method        string
	Filter        string
	Authorization string
	// Deadline is the call's deadline; zero when it had none.
	Deadline time.Time
}

// Server is the test double. Set Risk and Councils before starting it.
type Server struct {
	inspectionv1.UnimplementedInspectionServiceServer
	// Risk are the assessments ListRiskAssessments serves, in order.
	Risk []*inspectionv1.RiskAssessment
	// Councils are the councils ListLocalAuthorities serves, in order.
	Councils []*inspectionv1.LocalAuthority
	// PageSize caps every page, so callers must follow next_page_token;
	// 0 means 2.
	PageSize int

	mu    sync.Mutex
	calls []Call
	srv   *grpc.Server
}

// Start serves s on a loopback port until the test ends and returns its
// address.
func (s *Server) Start(t testing.TB) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("inspection double: listen: %v", err)
	}
	s.srv = grpc.NewServer()
	inspectionv1.RegisterInspectionServiceServer(s.srv, s)
	go func() { _ = s.srv.Serve(lis) }()
	t.Cleanup(s.srv.Stop)
	return lis.Addr().String()
}

// Stop stops serving at once, so later calls find nothing listening.
func (s *Server) Stop() { s.srv.Stop() }

// Dial returns a client of the double at addr that forwards the incoming
// authorization, as the service's own connection does.
func Dial(t testing.TB, addr string) inspectionv1.InspectionServiceClient {
	t.Helper()
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithChainUnaryInterceptor(auth.ForwardAuthorization()))
	if err != nil {
		t.Fatalf("inspection double: dial %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return inspectionv1.NewInspectionServiceClient(conn)
}

// Calls returns the calls received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

func (s *Server) record(ctx context.Context, method, filter string) {
	c := Call{Method: method, Filter: filter}
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		c.Authorization = strings.Join(md.Get("authorization"), ",")
	}
	c.Deadline, _ = ctx.Deadline()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

// ListRiskAssessments serves Risk, keeping only councils not inspected
// under SIF for NotInspectedFilter.
func (s *Server) ListRiskAssessments(ctx context.Context, req *inspectionv1.ListRiskAssessmentsRequest) (*inspectionv1.ListRiskAssessmentsResponse, error) {
	s.record(ctx, "ListRiskAssessments", req.GetFilter())
	var match []*inspectionv1.RiskAssessment
	switch req.GetFilter() {
	case "":
		match = s.Risk
	case NotInspectedFilter:
		for _, r := range s.Risk {
			if !r.GetInspectedUnderSif() {
				match = append(match, r)
			}
		}
	default:
		return nil, status.Errorf(codes.InvalidArgument, "the double does not understand filter %q", req.GetFilter())
	}
	page, next, err := s.page(len(match), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	return &inspectionv1.ListRiskAssessmentsResponse{RiskAssessments: match[page[0]:page[1]], NextPageToken: next, TotalSize: int32(len(match))}, nil
}

// ListLocalAuthorities serves Councils; it understands no filter.
func (s *Server) ListLocalAuthorities(ctx context.Context, req *inspectionv1.ListLocalAuthoritiesRequest) (*inspectionv1.ListLocalAuthoritiesResponse, error) {
	s.record(ctx, "ListLocalAuthorities", req.GetFilter())
	if req.GetFilter() != "" {
		return nil, status.Errorf(codes.InvalidArgument, "the double does not understand filter %q", req.GetFilter())
	}
	page, next, err := s.page(len(s.Councils), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	return &inspectionv1.ListLocalAuthoritiesResponse{LocalAuthorities: s.Councils[page[0]:page[1]], NextPageToken: next, TotalSize: int32(len(s.Councils))}, nil
}

// page returns the bounds of the page token starts and the next token.
func (s *Server) page(total int, token string) ([2]int, string, error) {
	size := s.PageSize
	if size <= 0 {
		size = 2
	}
	start := 0
	if token != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(token, "offset-"))
		if err != nil || n < 0 || n > total {
			return [2]int{}, "", status.Errorf(codes.InvalidArgument, "bad page token %q", token)
		}
		start = n
	}
	end := min(start+size, total)
	next := ""
	if end < total {
		next = "offset-" + strconv.Itoa(end)
	}
	return [2]int{start, end}, next, nil
}
