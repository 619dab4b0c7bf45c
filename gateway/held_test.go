package gateway

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/proto"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
)

// TestRESTResponsesAreHeldUndecoded: a REST route's reply reaches the
// gateway's JSON as the bytes the service sent (no field decoded) and is
// written as before, while the readiness probe's health check, which the
// gateway reads, is decoded.
func TestRESTResponsesAreHeldUndecoded(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	replies := map[string]proto.Message{}
	record := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		err := invoker(ctx, method, req, reply, cc, opts...)
		mu.Lock()
		replies[method] = reply.(proto.Message)
		mu.Unlock()
		return err
	}
	env := newTestEnv(t, func(c *Config) {
		c.DialOptions = append(c.DialOptions, grpc.WithChainUnaryInterceptor(record))
	})

	rec := env.do(http.MethodGet, "/v1/localAuthorities/E09000007", nil, authorized())
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"display_name":"Camden"`) ||
		!strings.Contains(rec.Body.String(), `"gss_code":"E09000007"`) {
		t.Fatalf("get: status %d body %s", rec.Code, rec.Body)
	}
	if rec := env.do(http.MethodGet, "/readyz", nil, nil); rec.Code != http.StatusOK {
		t.Fatalf("/readyz = %d, want 200: %s", rec.Code, rec.Body)
	}

	mu.Lock()
	defer mu.Unlock()
	la, ok := replies[inspectionv1.InspectionService_GetLocalAuthority_FullMethodName].(*inspectionv1.LocalAuthority)
	if !ok {
		t.Fatalf("no GetLocalAuthority reply recorded: %v", replies)
	}
	if la.GetDisplayName() != "" || len(la.ProtoReflect().GetUnknown()) == 0 {
		t.Errorf("GetLocalAuthority's reply was decoded (display_name %q), want it held as bytes", la.GetDisplayName())
	}
	var decoded inspectionv1.LocalAuthority
	if err := proto.Unmarshal(la.ProtoReflect().GetUnknown(), &decoded); err != nil || decoded.GetDisplayName() != "Camden" {
		t.Errorf("held bytes decode to %v (%v), want Camden", &decoded, err)
	}
	hc, ok := replies[healthpb.Health_Check_FullMethodName].(*healthpb.HealthCheckResponse)
	if !ok || hc.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health check reply %v, want SERVING decoded", replies[healthpb.Health_Check_FullMethodName])
	}
}

func TestServedOverREST(t *testing.T) {
	for method, want := range map[string]bool{
		"/turnaround.sponsor.v1.SponsorService/RunMatching":             true,
		"/turnaround.inspection.v1.InspectionService/GetLocalAuthority": true,
		"/grpc.health.v1.Health/Check":                                  false,
		"/turnaround.sponsor.v1.SponsorServiceX/RunMatching":            false,
		"/turnaround.sponsor.v1.SponsorService":                         false,
	} {
		if got := servedOverREST(method); got != want {
			t.Errorf("servedOverREST(%q) = %v, want %v", method, got, want)
		}
	}
}
