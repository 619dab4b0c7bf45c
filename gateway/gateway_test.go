package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
)

const (
	testAuthorization = "Bearer test-token"
	testOrigin        = "https://app.turnaround.test"
	// seenRequestIDHeader is how the fake upstream reports the x-request-id it
	// received: gRPC response metadata, which grpc-gateway forwards with the
	// Grpc-Metadata- prefix.
	seenRequestIDHeader = "Grpc-Metadata-X-Seen-Request-Id"
	// blockFilter makes the fake ListLocalAuthorities wait for its deadline.
	blockFilter = "block"
)

// spans records every span the gateway's otelhttp and otelgrpc handlers end.
var spans = tracetest.NewInMemoryExporter()

func TestMain(m *testing.M) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	otel.SetTracerProvider(tp)
	code := m.Run()
	_ = tp.Shutdown(context.Background())
	os.Exit(code)
}

// fakeInspection is an upstream InspectionService that checks what the
// gateway forwards and behaves as the real service does at its edge.
type fakeInspection struct {
	inspectionv1.UnimplementedInspectionServiceServer
}

var councils = []*inspectionv1.LocalAuthority{
	{
		Name: "localAuthorities/E08000035", GssCode: "E08000035", DfeCode: "383", DisplayName: "Leeds",
		OfficialName: "Leeds City Council", CouncilType: typev1.CouncilType_COUNCIL_TYPE_METROPOLITAN_DISTRICT,
		Region: typev1.Region_REGION_YORKSHIRE_AND_THE_HUMBER, Etag: "1",
	},
	{
		Name: "localAuthorities/E09000007", GssCode: "E09000007", DfeCode: "202", DisplayName: "Camden",
		OfficialName: "London Borough of Camden", CouncilType: typev1.CouncilType_COUNCIL_TYPE_LONDON_BOROUGH,
		Region: typev1.Region_REGION_LONDON, Etag: "1",
	},
}

// checkCaller demands the bearer token and exactly one x-request-id, and
// echoes the id back so tests can compare it with the HTTP response header.
func checkCaller(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	if got := md.Get("authorization"); len(got) != 1 || got[0] != testAuthorization {
		return statusWithInfo(codes.Unauthenticated, "MISSING_CREDENTIALS", "a bearer token is required")
	}
	ids := md.Get(requestIDMetadataKey)
	if len(ids) != 1 {
		return statusWithInfo(codes.InvalidArgument, "MISSING_REQUEST_ID", "want exactly one x-request-id")
	}
	return grpc.SetHeader(ctx, metadata.Pairs("x-seen-request-id", ids[0]))
}

func statusWithInfo(c codes.Code, reason, msg string, details ...*errdetails.BadRequest) error {
	st, err := status.New(c, msg).WithDetails(&errdetails.ErrorInfo{Reason: reason, Domain: "turnaround"})
	if err != nil {
		return err
	}
	for _, d := range details {
		if st, err = st.WithDetails(d); err != nil {
			return err
		}
	}
	return st.Err()
}

func (fakeInspection) GetLocalAuthority(ctx context.Context, req *inspectionv1.GetLocalAuthorityRequest) (*inspectionv1.LocalAuthority, error) {
	if err := checkCaller(ctx); err != nil {
		return nil, err
	}
	for _, c := range councils {
		if c.GetName() == req.GetName() {
			return c, nil
		}
	}
	return nil, statusWithInfo(codes.NotFound, "LOCAL_AUTHORITY_NOT_FOUND", "no such local authority")
}

func (fakeInspection) ListLocalAuthorities(ctx context.Context, req *inspectionv1.ListLocalAuthoritiesRequest) (*inspectionv1.ListLocalAuthoritiesResponse, error) {
	if err := checkCaller(ctx); err != nil {
		return nil, err
	}
	if req.GetFilter() == blockFilter {
		// Without a deadline this would hang the test; fail loudly instead.
		if _, ok := ctx.Deadline(); !ok {
			return nil, statusWithInfo(codes.FailedPrecondition, "NO_DEADLINE", "the gateway sent no deadline")
		}
		<-ctx.Done()
		return nil, status.FromContextError(ctx.Err()).Err()
	}
	if req.GetPageSize() < 0 {
		return nil, statusWithInfo(codes.InvalidArgument, "INVALID_PAGE_SIZE", "invalid request",
			&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
				{Field: "page_size", Description: "must not be negative"},
			}})
	}
	return &inspectionv1.ListLocalAuthoritiesResponse{LocalAuthorities: councils, TotalSize: int32(len(councils))}, nil
}

// testEnv is one upstream gRPC server on loopback and a gateway in front of it.
type testEnv struct {
	gw     *Gateway
	health *health.Server
	server *grpc.Server
}

func newTestEnv(t *testing.T, configure func(*Config)) *testEnv {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	srv := grpc.NewServer()
	inspectionv1.RegisterInspectionServiceServer(srv, fakeInspection{})
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Stop()
		// Tests that stop the server early may do so before Serve starts.
		if err := <-served; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			t.Errorf("grpc server: %v", err)
		}
	})

	cfg := Config{
		Upstream:       lis.Addr().String(),
		DialOptions:    []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())},
		AllowedOrigins: []string{testOrigin},
		Logger:         slog.New(slog.DiscardHandler),
	}
	if configure != nil {
		configure(&cfg)
	}
	gw, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := gw.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &testEnv{gw: gw, health: hs, server: srv}
}

// do sends one request through the whole gateway handler.
func (e *testEnv) do(method, target string, body io.Reader, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, body)
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	rec := httptest.NewRecorder()
	e.gw.ServeHTTP(rec, req)
	return rec
}

func authorized(extra ...string) http.Header {
	h := http.Header{"Authorization": {testAuthorization}}
	for i := 0; i+1 < len(extra); i += 2 {
		h.Add(extra[i], extra[i+1])
	}
	return h
}

// decodeStatus parses a google.rpc.Status JSON body, resolving its details.
func decodeStatus(t *testing.T, rec *httptest.ResponseRecorder) *spb.Status {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var st spb.Status
	if err := protojson.Unmarshal(rec.Body.Bytes(), &st); err != nil {
		t.Fatalf("body is not a google.rpc.Status: %v\n%s", err, rec.Body)
	}
	return &st
}

func errorInfo(t *testing.T, st *spb.Status) *errdetails.ErrorInfo {
	t.Helper()
	for _, d := range st.GetDetails() {
		var info errdetails.ErrorInfo
		if d.MessageIs(&info) {
			if err := d.UnmarshalTo(&info); err != nil {
				t.Fatalf("unmarshal ErrorInfo: %v", err)
			}
			return &info
		}
	}
	t.Fatalf("status has no ErrorInfo: %v", st)
	return nil
}

func TestListUsesProtoFieldNames(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	rec := env.do(http.MethodGet, "/v1/localAuthorities", nil, authorized())
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, body %s", rec.Code, rec.Body)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("decode: %v", err)
	}
	list, ok := body["local_authorities"].([]any)
	if !ok || len(list) != len(councils) {
		t.Fatalf("local_authorities = %v, want %d councils", body["local_authorities"], len(councils))
	}
	first, _ := list[0].(map[string]any)
	for key, want := range map[string]any{
		"gss_code": "E08000035", "display_name": "Leeds", "council_type": "COUNCIL_TYPE_METROPOLITAN_DISTRICT",
	} {
		if first[key] != want {
			t.Errorf("%s = %v, want %v", key, first[key], want)
		}
	}
	if _, ok := first["displayName"]; ok {
		t.Error("response uses JSON camelCase names, want proto names")
	}
	// Default values are emitted (an absent field never means zero): the
	// empty next_page_token and a false inspected_under_sif are present.
	// Unset messages stay absent: update_time was never set.
	if v, ok := body["next_page_token"]; !ok || v != "" {
		t.Errorf("next_page_token = %v (present %v), want \"\"", v, ok)
	}
	if _, ok := body["nextPageToken"]; ok {
		t.Error("response uses the JSON name nextPageToken")
	}
	if v, ok := first["inspected_under_sif"]; !ok || v != false {
		t.Errorf("inspected_under_sif = %v (present %v), want false", v, ok)
	}
	if _, ok := first["update_time"]; ok {
		t.Error("unset update_time present")
	}

	rec = env.do(http.MethodGet, "/v1/localAuthorities/E09000007", nil, authorized())
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"display_name":"Camden"`) {
		t.Errorf("get: status %d body %s", rec.Code, rec.Body)
	}
}

func TestErrorsAreStatusJSON(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	tests := []struct {
		name       string
		method     string
		target     string
		header     http.Header
		wantHTTP   int
		wantCode   codes.Code
		wantReason string
		wantField  string // a BadRequest field violation, when set
	}{
		{"invalid argument with details", http.MethodGet, "/v1/localAuthorities?page_size=-1", authorized(),
			http.StatusBadRequest, codes.InvalidArgument, "INVALID_PAGE_SIZE", "page_size"},
		{"missing token", http.MethodGet, "/v1/localAuthorities", nil,
			http.StatusUnauthorized, codes.Unauthenticated, "MISSING_CREDENTIALS", ""},
		{"unknown resource", http.MethodGet, "/v1/localAuthorities/E99999999", authorized(),
			http.StatusNotFound, codes.NotFound, "LOCAL_AUTHORITY_NOT_FOUND", ""},
		{"query the gateway cannot parse", http.MethodGet, "/v1/localAuthorities?page_size=many", authorized(),
			http.StatusBadRequest, codes.InvalidArgument, "INVALID_QUERY_PARAMETER", "page_size"},
		{"unknown route", http.MethodGet, "/v1/nothingHere", authorized(),
			http.StatusNotFound, codes.NotFound, "ROUTE_NOT_FOUND", ""},
		{"wrong method", http.MethodDelete, "/v1/localAuthorities", authorized(),
			http.StatusMethodNotAllowed, codes.Unimplemented, "METHOD_NOT_ALLOWED", ""},
		{"wrong method on a gateway route", http.MethodPost, "/healthz", nil,
			http.StatusMethodNotAllowed, codes.Unimplemented, "METHOD_NOT_ALLOWED", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := env.do(tt.method, tt.target, nil, tt.header)
			if rec.Code != tt.wantHTTP {
				t.Fatalf("HTTP status = %d, want %d; body %s", rec.Code, tt.wantHTTP, rec.Body)
			}
			st := decodeStatus(t, rec)
			if codes.Code(st.GetCode()) != tt.wantCode {
				t.Errorf("code = %v, want %v", codes.Code(st.GetCode()), tt.wantCode)
			}
			info := errorInfo(t, st)
			if info.GetReason() != tt.wantReason || info.GetDomain() != "turnaround" {
				t.Errorf("ErrorInfo = %v, want reason %s domain turnaround", info, tt.wantReason)
			}
			if !strings.Contains(rec.Body.String(), `"@type":"type.googleapis.com/google.rpc.ErrorInfo"`) {
				t.Errorf("details not rendered with @type: %s", rec.Body)
			}
			if tt.wantHTTP == http.StatusUnauthorized && !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", rec.Header().Get("WWW-Authenticate"))
			}
			if tt.wantField == "" {
				return
			}
			if !strings.Contains(rec.Body.String(), `"field_violations"`) {
				t.Errorf("BadRequest not rendered with proto names: %s", rec.Body)
			}
			for _, d := range st.GetDetails() {
				var br errdetails.BadRequest
				if d.MessageIs(&br) {
					if err := d.UnmarshalTo(&br); err != nil {
						t.Fatalf("unmarshal BadRequest: %v", err)
					}
					if v := br.GetFieldViolations(); len(v) == 1 && v[0].GetField() == tt.wantField {
						return
					}
				}
			}
			t.Errorf("no BadRequest violation for %s in %s", tt.wantField, rec.Body)
		})
	}
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	const limit = 64
	env := newTestEnv(t, func(c *Config) { c.MaxBodyBytes = limit })
	// The inspection API has no request bodies yet, so decode one the way the
	// generated handlers do on a route that exists only in this test.
	err := env.gw.mux.HandlePath(http.MethodPost, "/test/echo", func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
		in, out := runtime.MarshalerForRequest(env.gw.mux, r)
		var msg inspectionv1.LocalAuthority
		if err := in.NewDecoder(r.Body).Decode(&msg); err != nil && !errors.Is(err, io.EOF) {
			runtime.HTTPError(r.Context(), env.gw.mux, out, w, r, status.Errorf(codes.InvalidArgument, "%v", err))
			return
		}
		runtime.ForwardResponseMessage(r.Context(), env.gw.mux, out, w, r, &msg)
	})
	if err != nil {
		t.Fatalf("HandlePath: %v", err)
	}

	big := `{"display_name":"` + strings.Repeat("x", 2*limit) + `"}`
	tests := []struct {
		name     string
		target   string
		body     string
		chunked  bool
		wantHTTP int
	}{
		{"declared length over the limit", "/v1/localAuthorities", big, false, http.StatusRequestEntityTooLarge},
		{"chunked body over the limit", "/test/echo", big, true, http.StatusRequestEntityTooLarge},
		{"chunked body within the limit", "/test/echo", `{"display_name":"Leeds"}`, true, http.StatusOK},
		{"malformed body within the limit", "/test/echo", `{"display_name":`, true, http.StatusBadRequest},
		{"unknown field within the limit", "/test/echo", `{"colour":"red"}`, false, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, tt.target, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			if tt.chunked {
				req.ContentLength = -1
			}
			rec := httptest.NewRecorder()
			env.gw.ServeHTTP(rec, req)
			if rec.Code != tt.wantHTTP {
				t.Fatalf("HTTP status = %d, want %d; body %s", rec.Code, tt.wantHTTP, rec.Body)
			}
			if tt.wantHTTP != http.StatusRequestEntityTooLarge {
				return
			}
			st := decodeStatus(t, rec)
			if codes.Code(st.GetCode()) != codes.ResourceExhausted {
				t.Errorf("code = %v, want RESOURCE_EXHAUSTED", codes.Code(st.GetCode()))
			}
			if r := errorInfo(t, st).GetReason(); r != "REQUEST_TOO_LARGE" {
				t.Errorf("reason = %s, want REQUEST_TOO_LARGE", r)
			}
		})
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	preflight := func(origin string) http.Header {
		return http.Header{
			"Origin":                         {origin},
			"Access-Control-Request-Method":  {"GET"},
			"Access-Control-Request-Headers": {"authorization, x-request-id"},
		}
	}
	tests := []struct {
		name        string
		method      string
		header      http.Header
		wantHTTP    int
		wantAllowed bool
		wantPreflit bool
	}{
		{"allowed origin", http.MethodGet, authorized("Origin", testOrigin), http.StatusOK, true, false},
		{"disallowed origin", http.MethodGet, authorized("Origin", "https://evil.test"), http.StatusOK, false, false},
		{"origin differing only by scheme", http.MethodGet, authorized("Origin", "http://app.turnaround.test"), http.StatusOK, false, false},
		{"no origin", http.MethodGet, authorized(), http.StatusOK, false, false},
		{"preflight from allowed origin", http.MethodOptions, preflight(testOrigin), http.StatusNoContent, true, true},
		{"preflight from disallowed origin", http.MethodOptions, preflight("https://evil.test"), http.StatusMethodNotAllowed, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := env.do(tt.method, "/v1/localAuthorities", nil, tt.header)
			if rec.Code != tt.wantHTTP {
				t.Fatalf("HTTP status = %d, want %d; body %s", rec.Code, tt.wantHTTP, rec.Body)
			}
			h := rec.Header()
			if !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
				t.Errorf("Vary = %q, want Origin", h.Values("Vary"))
			}
			if !tt.wantAllowed {
				for k := range h {
					if strings.HasPrefix(k, "Access-Control-") {
						t.Errorf("unexpected CORS header %s: %q", k, h.Get(k))
					}
				}
				return
			}
			if got := h.Get("Access-Control-Allow-Origin"); got != testOrigin {
				t.Errorf("Allow-Origin = %q, want %q", got, testOrigin)
			}
			if got := h.Get("Access-Control-Allow-Credentials"); got != "true" {
				t.Errorf("Allow-Credentials = %q, want true", got)
			}
			if !tt.wantPreflit {
				if !strings.Contains(h.Get("Access-Control-Expose-Headers"), "X-Request-Id") {
					t.Errorf("Expose-Headers = %q, want X-Request-Id", h.Get("Access-Control-Expose-Headers"))
				}
				return
			}
			for _, m := range []string{"GET", "POST", "PATCH", "DELETE"} {
				if !strings.Contains(h.Get("Access-Control-Allow-Methods"), m) {
					t.Errorf("Allow-Methods = %q, want %s", h.Get("Access-Control-Allow-Methods"), m)
				}
			}
			for _, hdr := range []string{"Authorization", "Content-Type", "X-Request-Id", "If-Match"} {
				if !strings.Contains(h.Get("Access-Control-Allow-Headers"), hdr) {
					t.Errorf("Allow-Headers = %q, want %s", h.Get("Access-Control-Allow-Headers"), hdr)
				}
			}
		})
	}
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	tests := []struct {
		name     string
		sent     string
		wantKept bool
	}{
		{"none sent", "", false},
		{"well-formed", "trace-7f3a:request/42", true},
		{"longest allowed", strings.Repeat("a", 128), true},
		{"too long", strings.Repeat("a", 129), false},
		{"contains a space", "two words", false},
		{"not ASCII", "café", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := authorized()
			if tt.sent != "" {
				header.Set(RequestIDHeader, tt.sent)
			}
			rec := env.do(http.MethodGet, "/v1/localAuthorities", nil, header)
			if rec.Code != http.StatusOK {
				t.Fatalf("HTTP status = %d; body %s", rec.Code, rec.Body)
			}
			got := rec.Header().Get(RequestIDHeader)
			if !validRequestID(got) {
				t.Fatalf("response X-Request-Id %q is not a valid id", got)
			}
			if kept := got == tt.sent; kept != tt.wantKept {
				t.Errorf("X-Request-Id = %q for %q sent; kept = %v, want %v", got, tt.sent, kept, tt.wantKept)
			}
			if seen := rec.Header().Get(seenRequestIDHeader); seen != got {
				t.Errorf("upstream saw x-request-id %q, response says %q", seen, got)
			}
		})
	}

	t.Run("generated ids differ", func(t *testing.T) {
		a := env.do(http.MethodGet, "/healthz", nil, nil).Header().Get(RequestIDHeader)
		b := env.do(http.MethodGet, "/healthz", nil, nil).Header().Get(RequestIDHeader)
		if a == "" || a == b {
			t.Errorf("generated ids %q and %q, want two distinct ids", a, b)
		}
	})
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	probe := func(path string) (int, string) {
		rec := env.do(http.MethodGet, path, nil, nil)
		var body probeBody
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s body %q: %v", path, rec.Body, err)
		}
		return rec.Code, body.Status
	}
	steps := []struct {
		name       string
		before     func()
		wantHealth int
		wantReady  int
		wantStatus string
	}{
		{"upstream serving", func() {}, http.StatusOK, http.StatusOK, "SERVING"},
		{"upstream not serving", func() {
			env.health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
		}, http.StatusOK, http.StatusServiceUnavailable, "NOT_SERVING"},
		{"upstream serving again", func() {
			env.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
		}, http.StatusOK, http.StatusOK, "SERVING"},
		{"upstream gone", env.server.Stop, http.StatusOK, http.StatusServiceUnavailable, "UNAVAILABLE"},
	}
	for _, s := range steps {
		s.before()
		if code, _ := probe("/healthz"); code != s.wantHealth {
			t.Errorf("%s: /healthz = %d, want %d", s.name, code, s.wantHealth)
		}
		if code, st := probe("/readyz"); code != s.wantReady || st != s.wantStatus {
			t.Errorf("%s: /readyz = %d %s, want %d %s", s.name, code, st, s.wantReady, s.wantStatus)
		}
	}
}

func TestRequestTimeoutBecomesGatewayTimeout(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, func(c *Config) { c.RequestTimeout = 50 * time.Millisecond })
	rec := env.do(http.MethodGet, "/v1/localAuthorities?filter="+blockFilter, nil, authorized())
	if rec.Code != http.StatusGatewayTimeout {
		t.Fatalf("HTTP status = %d, want 504; body %s", rec.Code, rec.Body)
	}
	st := decodeStatus(t, rec)
	if codes.Code(st.GetCode()) != codes.DeadlineExceeded {
		t.Errorf("code = %v, want DEADLINE_EXCEEDED", codes.Code(st.GetCode()))
	}
	if r := errorInfo(t, st).GetReason(); r != "DEADLINE_EXCEEDED" {
		t.Errorf("reason = %s, want DEADLINE_EXCEEDED", r)
	}
}

func TestUpstreamDownHidesTransportDetail(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	env.server.Stop()
	rec := env.do(http.MethodGet, "/v1/localAuthorities", nil, authorized())
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("HTTP status = %d, want 503; body %s", rec.Code, rec.Body)
	}
	st := decodeStatus(t, rec)
	if r := errorInfo(t, st).GetReason(); r != "UNAVAILABLE" {
		t.Errorf("reason = %s, want UNAVAILABLE", r)
	}
	if strings.Contains(st.GetMessage(), "127.0.0.1") {
		t.Errorf("message leaks the upstream address: %q", st.GetMessage())
	}
}

func TestSpanNamedByRoute(t *testing.T) {
	env := newTestEnv(t, nil)
	const id = "span-test-request"
	rec := env.do(http.MethodGet, "/v1/localAuthorities/E08000035", nil, authorized(RequestIDHeader, id))
	if rec.Code != http.StatusOK {
		t.Fatalf("HTTP status = %d; body %s", rec.Code, rec.Body)
	}
	var server sdktrace.ReadOnlySpan
	var clients []sdktrace.ReadOnlySpan
	for _, s := range spans.GetSpans().Snapshots() {
		for _, a := range s.Attributes() {
			if a.Key == "turnaround.request_id" && a.Value.AsString() == id {
				server = s
			}
		}
		if s.Name() == "turnaround.inspection.v1.InspectionService/GetLocalAuthority" {
			clients = append(clients, s)
		}
	}
	if server == nil {
		t.Fatal("no server span carries the request id")
	}
	if want := "GET /v1/{name=localAuthorities/*}"; server.Name() != want {
		t.Errorf("span name = %q, want %q", server.Name(), want)
	}
	for _, c := range clients {
		if c.Parent().SpanID() == server.SpanContext().SpanID() {
			return
		}
	}
	t.Error("no gRPC client span is a child of the HTTP server span")
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	creds := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no upstream", Config{DialOptions: creds}},
		{"wildcard origin", Config{Upstream: "127.0.0.1:1", DialOptions: creds, AllowedOrigins: []string{"*"}}},
		{"wildcard subdomain", Config{Upstream: "127.0.0.1:1", DialOptions: creds, AllowedOrigins: []string{"https://*.example.org"}}},
		{"origin with path", Config{Upstream: "127.0.0.1:1", DialOptions: creds, AllowedOrigins: []string{"https://example.org/"}}},
		{"origin without scheme", Config{Upstream: "127.0.0.1:1", DialOptions: creds, AllowedOrigins: []string{"example.org"}}},
		{"no transport credentials", Config{Upstream: "127.0.0.1:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gw, err := New(t.Context(), tt.cfg)
			if err == nil {
				_ = gw.Close()
				t.Fatal("New succeeded, want an error")
			}
		})
	}
}

// TestUpstreamsPerService routes each service to its own upstream, as the
// separate-target deployment does, and is ready only when every upstream is.
func TestUpstreamsPerService(t *testing.T) {
	t.Parallel()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	other := grpc.NewServer()
	otherHealth := health.NewServer()
	healthpb.RegisterHealthServer(other, otherHealth)
	go func() { _ = other.Serve(lis) }()
	t.Cleanup(other.Stop)

	env := newTestEnv(t, func(c *Config) {
		c.Upstreams = map[string]string{peerreviewv1.PeerReviewService_ServiceDesc.ServiceName: lis.Addr().String()}
	})
	// The inspection service stays on the default upstream.
	if rec := env.do(http.MethodGet, "/v1/localAuthorities/E08000035", nil, authorized()); rec.Code != http.StatusOK {
		t.Fatalf("inspection route = %d: %s", rec.Code, rec.Body)
	}
	// The peer-review route reaches the other upstream, which does not serve
	// the service: UNIMPLEMENTED (501), not the default upstream's answer.
	if rec := env.do(http.MethodGet, "/v1/reviewers", nil, authorized()); rec.Code != http.StatusNotImplemented {
		t.Fatalf("peer-review route = %d, want 501 from the other upstream: %s", rec.Code, rec.Body)
	}
	if rec := env.do(http.MethodGet, "/readyz", nil, nil); rec.Code != http.StatusOK {
		t.Fatalf("/readyz with both serving = %d", rec.Code)
	}
	otherHealth.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	if rec := env.do(http.MethodGet, "/readyz", nil, nil); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with one upstream not serving = %d, want 503", rec.Code)
	}
}
