package serve

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/prototext"

	"github.com/turnaround-sli/turnaround/services/platform/apierror"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// authHeader lets a test ask the stand-in auth interceptors to deny or panic.
const authHeader = "x-test-auth"

func authDecision(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	switch v := md.Get(authHeader); {
	case len(v) == 0:
		return nil
	case v[0] == "deny":
		return fault.Unauthenticated("TOKEN_MISSING", "a bearer token is required")
	case v[0] == "panic":
		panic("auth exploded: " + panicText)
	}
	return nil
}

// Stand-ins for package auth's interceptors: plain interceptors passed in
// Options, which must run inside recovery, logging and error mapping.
func testAuthUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := authDecision(ctx); err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

func testAuthStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if err := authDecision(ss.Context()); err != nil {
		return err
	}
	return handler(srv, ss)
}

func TestInterceptorChain(t *testing.T) {
	h := start(t, harnessConfig{opts: Options{
		Unary:  []grpc.UnaryServerInterceptor{testAuthUnary},
		Stream: []grpc.StreamServerInterceptor{testAuthStream},
	}})

	tests := []struct {
		name       string
		value      string
		auth       string
		wantCode   codes.Code
		wantReason string
		wantMsg    string
		// wantViolations is set when a BadRequest detail must be present.
		wantViolations bool
		// logged is the server-side log record that must carry the hidden
		// detail, matched by message; detailKey holds the detail.
		logged    string
		detailKey string
		detail    string
	}{
		{name: "success", value: "ok", wantCode: codes.OK},
		{
			name: "handler panic", value: "panic",
			wantCode: codes.Internal, wantReason: "INTERNAL", wantMsg: "internal error",
			logged: "grpc handler panicked", detailKey: "panic", detail: panicText,
		},
		{
			name: "plain error", value: "secret",
			wantCode: codes.Internal, wantReason: "INTERNAL", wantMsg: "internal error",
			logged: "grpc internal error", detailKey: "error", detail: secretText,
		},
		{
			name: "not found fault", value: "notfound",
			wantCode: codes.NotFound, wantReason: "INSPECTION_NOT_FOUND", wantMsg: "inspection i-1 not found",
		},
		{
			name: "invalid fault", value: "bogus",
			wantCode: codes.InvalidArgument, wantReason: "UNKNOWN_BEHAVIOUR", wantMsg: "the request has invalid fields",
			wantViolations: true,
		},
		{
			name: "caller interceptor error is mapped", value: "ok", auth: "deny",
			wantCode: codes.Unauthenticated, wantReason: "TOKEN_MISSING", wantMsg: "a bearer token is required",
		},
		{
			name: "caller interceptor panic is recovered", value: "ok", auth: "panic",
			wantCode: codes.Internal, wantReason: "INTERNAL", wantMsg: "internal error",
			logged: "grpc handler panicked", detailKey: "panic", detail: panicText,
		},
	}
	calls := []struct {
		name string
		call func(ctx context.Context, v string) ([]string, error)
		// want is what the call should receive before its status.
		want func(value, auth string, code codes.Code) []string
	}{
		{
			name: "unary",
			call: func(ctx context.Context, v string) ([]string, error) {
				out, err := callDo(ctx, h.conn, v)
				if err != nil {
					return nil, err
				}
				return []string{out.GetValue()}, nil
			},
			want: func(value, _ string, code codes.Code) []string {
				if code != codes.OK {
					return nil
				}
				return []string{"done " + value}
			},
		},
		{
			name: "stream",
			call: func(ctx context.Context, v string) ([]string, error) { return callStream(ctx, h.conn, v) },
			want: func(_, auth string, _ codes.Code) []string {
				if auth != "" {
					return nil // refused before the handler ran
				}
				return []string{"first"}
			},
		},
	}
	for _, c := range calls {
		for _, tt := range tests {
			t.Run(c.name+"/"+tt.name, func(t *testing.T) {
				reqID := "req-" + c.name + "-" + strings.ReplaceAll(tt.name, " ", "-")
				ctx, cancel := context.WithTimeout(withRequestID(context.Background(), reqID), 10*time.Second)
				defer cancel()
				if tt.auth != "" {
					ctx = metadata.AppendToOutgoingContext(ctx, authHeader, tt.auth)
				}
				got, err := c.call(ctx, tt.value)
				if want := c.want(tt.value, tt.auth, tt.wantCode); !slices.Equal(got, want) {
					t.Errorf("received %q, want %q", got, want)
				}

				st := status.Convert(err)
				if st.Code() != tt.wantCode {
					t.Fatalf("code = %v (%v), want %v", st.Code(), err, tt.wantCode)
				}
				if tt.wantCode != codes.OK {
					if st.Message() != tt.wantMsg {
						t.Errorf("message = %q, want %q", st.Message(), tt.wantMsg)
					}
					info := apierror.Info(st)
					if info == nil || info.GetReason() != tt.wantReason || info.GetDomain() != apierror.Domain {
						t.Errorf("ErrorInfo = %v, want reason %s domain %s", info, tt.wantReason, apierror.Domain)
					}
					if got := len(apierror.FieldViolations(st)) > 0; got != tt.wantViolations {
						t.Errorf("field violations present = %v, want %v", got, tt.wantViolations)
					}
					// Nothing secret anywhere in what the caller received.
					if wire := prototext.Format(st.Proto()); strings.Contains(wire, "secret") || strings.Contains(wire, "goroutine") {
						t.Errorf("status leaks server detail: %s", wire)
					}
				}

				// One request line per call, with the mapped code and the
				// call's trace id.
				lines := h.logs.find(t, map[string]string{"msg": "grpc call", "request_id": reqID})
				if len(lines) != 1 {
					t.Fatalf("want 1 request log line for %s, got %d\n%s", reqID, len(lines), h.logs.String())
				}
				line := lines[0]
				wantMethod := probeDo
				if c.name == "stream" {
					wantMethod = probeStream
				}
				if line["method"] != wantMethod || line["code"] != tt.wantCode.String() {
					t.Errorf("request line method=%v code=%v, want %s %s", line["method"], line["code"], wantMethod, tt.wantCode)
				}
				if _, ok := line["duration_ms"].(float64); !ok {
					t.Errorf("request line lacks duration_ms: %v", line)
				}
				if p, _ := line["peer"].(string); !strings.HasPrefix(p, "127.0.0.1:") {
					t.Errorf("request line peer = %v", line["peer"])
				}
				traceID, _ := line["trace_id"].(string)
				if len(traceID) != 32 {
					t.Fatalf("request line trace_id = %q", traceID)
				}

				if tt.logged == "" {
					return
				}
				details := h.logs.find(t, map[string]string{"msg": tt.logged, "trace_id": traceID})
				if len(details) != 1 {
					t.Fatalf("want 1 %q line for trace %s, got %d\n%s", tt.logged, traceID, len(details), h.logs.String())
				}
				d := details[0]
				if s, _ := d[tt.detailKey].(string); !strings.Contains(s, tt.detail) {
					t.Errorf("%q line %s = %q, want it to contain %q", tt.logged, tt.detailKey, s, tt.detail)
				}
				if d["method"] != wantMethod {
					t.Errorf("%q line method = %v, want %s", tt.logged, d["method"], wantMethod)
				}
				if tt.detailKey == "panic" {
					if s, _ := d["stack"].(string); !strings.Contains(s, "goroutine") {
						t.Errorf("panic line lacks a stack: %v", d)
					}
				}
			})
		}
	}
}

func TestReflectionRegistered(t *testing.T) {
	h := start(t, harnessConfig{register: func(s grpc.ServiceRegistrar) {
		NewHealth(func(context.Context) error { return nil }, time.Second).Register(s)
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := reflectionpb.NewServerReflectionClient(h.conn).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatalf("reflection stream: %v", err)
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{},
	}); err != nil {
		t.Fatalf("send: %v", err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatalf("recv: %v", err)
	}
	got := map[string]bool{}
	for _, s := range resp.GetListServicesResponse().GetService() {
		got[s.GetName()] = true
	}
	for _, want := range []string{probeService, "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"} {
		if !got[want] {
			t.Errorf("reflection does not list %s (got %v)", want, got)
		}
	}
}

func TestGracefulShutdownWaitsForInFlightCall(t *testing.T) {
	stopping := make(chan struct{})
	h := start(t, harnessConfig{drain: time.Minute, beforeStop: []func(){func() { close(stopping) }}})

	type result struct {
		reply string
		err   error
	}
	done := make(chan result, 1)
	go func() {
		out, err := callDo(context.Background(), h.conn, "block")
		done <- result{out.GetValue(), err}
	}()
	<-h.probe.entered

	h.cancel()
	<-stopping
	// GracefulStop closes the listener first; once new connections are
	// refused the server is draining.
	eventually(t, "listener to close", func() bool {
		c, err := net.DialTimeout("tcp", h.addr, time.Second)
		if err == nil {
			_ = c.Close()
		}
		return err != nil
	})
	select {
	case err := <-h.served:
		t.Fatalf("Serve returned %v while a call was still in flight", err)
	case r := <-done:
		t.Fatalf("in-flight call ended before release: %v %v", r.reply, r.err)
	default:
	}

	close(h.probe.release)
	r := <-done
	if r.err != nil || r.reply != "done block" {
		t.Fatalf("in-flight call = %q, %v; want it to complete", r.reply, r.err)
	}
	if err := h.stop(t); err != nil {
		t.Fatalf("Serve after clean drain = %v, want nil", err)
	}
}

func TestStuckCallIsHardStopped(t *testing.T) {
	const drain = 100 * time.Millisecond
	h := start(t, harnessConfig{drain: drain})

	done := make(chan error, 1)
	go func() {
		_, err := callDo(context.Background(), h.conn, "stuck")
		done <- err
	}()
	<-h.probe.entered

	err := h.stop(t)
	if !errors.Is(err, ErrDrainTimeout) {
		t.Fatalf("Serve = %v, want ErrDrainTimeout", err)
	}
	select {
	case err := <-done:
		if code := status.Code(err); code != codes.Unavailable && code != codes.Canceled {
			t.Errorf("stuck call ended with %v, want UNAVAILABLE or CANCELLED", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("stuck call did not end after the hard stop")
	}
}

func TestServeReportsListenerFailure(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	_ = lis.Close()
	srv := NewGRPCServer(Options{})
	errc := make(chan error, 1)
	go func() { errc <- Serve(context.Background(), srv, lis, time.Second) }()
	select {
	case err := <-errc:
		if err == nil || errors.Is(err, ErrDrainTimeout) {
			t.Fatalf("Serve on a closed listener = %v, want the accept error", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Serve on a closed listener did not return")
	}
}

// TestDrainTimeoutNamesTheCutCalls: a hard stop logs every call it cut,
// with its request id, and the error names the methods, so the operator
// learns what was lost and the process can exit non-zero.
func TestDrainTimeoutNamesTheCutCalls(t *testing.T) {
	h := start(t, harnessConfig{drain: 100 * time.Millisecond})
	go func() { _, _ = callDo(withRequestID(context.Background(), "slow-1"), h.conn, "stuck") }()
	<-h.probe.entered
	err := h.stop(t)
	method := "/" + probeService + "/Do"
	if !errors.Is(err, ErrDrainTimeout) || !strings.Contains(err.Error(), method) {
		t.Fatalf("Serve = %v, want ErrDrainTimeout naming %s", err, method)
	}
	if recs := h.logs.find(t, map[string]string{"msg": "grpc drain timed out: call cut", "method": method, "request_id": "slow-1"}); len(recs) != 1 {
		t.Fatalf("cut-call log lines = %v", recs)
	}
}

// TestPerMethodReceiveLimit: a method's own cap refuses a larger decoded
// message with RESOURCE_EXHAUSTED; the server-wide cap refuses one larger
// still before it is decoded.
func TestPerMethodReceiveLimit(t *testing.T) {
	h := start(t, harnessConfig{opts: Options{
		MaxRecvBytes:    64 << 10,
		MaxRecvBytesFor: func(string) int { return 1 << 10 },
	}})
	_, err := callDo(context.Background(), h.conn, strings.Repeat("x", 2<<10))
	if st := status.Convert(err); st.Code() != codes.ResourceExhausted || apierror.Info(st).GetReason() != "REQUEST_TOO_LARGE" {
		t.Fatalf("2 KiB to a 1 KiB method = %v", err)
	}
	_, err = callDo(context.Background(), h.conn, strings.Repeat("x", 128<<10))
	if status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("128 KiB to a 64 KiB server = %v", err)
	}
	if _, err := callDo(context.Background(), h.conn, "ok"); err != nil {
		t.Fatalf("small message: %v", err)
	}
}
