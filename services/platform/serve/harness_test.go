package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/telemetry"
)

// TestMain installs a real tracer provider so otelgrpc gives every call a
// valid span, which is what lets the tests see trace ids in request logs.
func TestMain(m *testing.M) {
	tp := sdktrace.NewTracerProvider()
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	code := m.Run()
	_ = tp.Shutdown(context.Background())
	os.Exit(code)
}

// The probe service is a tiny hand-described gRPC service whose behaviour
// is chosen by the request's string value.
const (
	probeService = "turnaround.test.v1.Probe"
	probeDo      = "/" + probeService + "/Do"
	probeStream  = "/" + probeService + "/Stream"
)

const (
	panicText  = "secret panic detail"
	secretText = "secret db detail"
)

type prober interface {
	do(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error)
	stream(in *wrapperspb.StringValue, ss grpc.ServerStream) error
}

// probe implements prober. entered receives once per "block" or "stuck" call
// as it starts; a "block" call returns when release is closed.
type probe struct {
	entered chan struct{}
	release chan struct{}
}

func newProbe() *probe {
	return &probe{entered: make(chan struct{}, 8), release: make(chan struct{})}
}

func (p *probe) behave(ctx context.Context, v string) error {
	switch v {
	case "ok":
		return nil
	case "panic":
		panic(panicText)
	case "secret":
		return fmt.Errorf("load inspection: %w", errors.New(secretText))
	case "notfound":
		return fault.NotFound("INSPECTION_NOT_FOUND", "inspection %s not found", "i-1")
	case "block":
		p.entered <- struct{}{}
		select {
		case <-p.release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	case "stuck":
		p.entered <- struct{}{}
		<-ctx.Done()
		return ctx.Err()
	}
	return fault.Invalid("UNKNOWN_BEHAVIOUR", fault.Violation{Field: "value", Description: v})
}

func (p *probe) do(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	if err := p.behave(ctx, in.GetValue()); err != nil {
		return nil, err
	}
	return wrapperspb.String("done " + in.GetValue()), nil
}

func (p *probe) stream(in *wrapperspb.StringValue, ss grpc.ServerStream) error {
	// One message first, so errors after data are covered too.
	if err := ss.SendMsg(wrapperspb.String("first")); err != nil {
		return err
	}
	return p.behave(ss.Context(), in.GetValue())
}

var probeDesc = grpc.ServiceDesc{
	ServiceName: probeService,
	HandlerType: (*prober)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Do",
		Handler: func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			call := func(ctx context.Context, req any) (any, error) {
				return srv.(prober).do(ctx, req.(*wrapperspb.StringValue))
			}
			if interceptor == nil {
				return call(ctx, in)
			}
			return interceptor(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: probeDo}, call)
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName:    "Stream",
		ServerStreams: true,
		Handler: func(srv any, ss grpc.ServerStream) error {
			in := new(wrapperspb.StringValue)
			if err := ss.RecvMsg(in); err != nil {
				return err
			}
			return srv.(prober).stream(in, ss)
		},
	}},
}

// callDo makes a unary probe call.
func callDo(ctx context.Context, conn *grpc.ClientConn, v string) (*wrapperspb.StringValue, error) {
	out := new(wrapperspb.StringValue)
	err := conn.Invoke(ctx, probeDo, wrapperspb.String(v), out)
	return out, err
}

// callStream makes a server-streaming probe call and returns the messages
// received and the final error (nil on a clean end of stream).
func callStream(ctx context.Context, conn *grpc.ClientConn, v string) ([]string, error) {
	cs, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, probeStream)
	if err != nil {
		return nil, err
	}
	if err := cs.SendMsg(wrapperspb.String(v)); err != nil {
		return nil, err
	}
	if err := cs.CloseSend(); err != nil {
		return nil, err
	}
	var got []string
	for {
		m := new(wrapperspb.StringValue)
		if err := cs.RecvMsg(m); err != nil {
			if errors.Is(err, io.EOF) {
				return got, nil
			}
			return got, err
		}
		got = append(got, m.GetValue())
	}
}

// logBuffer collects JSON log lines written concurrently by server
// goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// records parses every line; a line that is not JSON fails the test.
func (b *logBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %v: %s", err, line)
		}
		out = append(out, rec)
	}
	return out
}

// find returns the records whose fields equal every key/value in match.
func (b *logBuffer) find(t *testing.T, match map[string]string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, rec := range b.records(t) {
		ok := true
		for k, v := range match {
			if s, _ := rec[k].(string); s != v {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, rec)
		}
	}
	return out
}

// harness is a probe server on a loopback port, served by Serve, with a
// client connection made by Dial.
type harness struct {
	addr   string
	conn   *grpc.ClientConn
	logs   *logBuffer
	probe  *probe
	srv    *grpc.Server
	cancel context.CancelFunc
	served chan error
}

type harnessConfig struct {
	opts       Options
	drain      time.Duration
	register   func(grpc.ServiceRegistrar)
	dial       []grpc.DialOption
	beforeStop []func()
}

func start(t *testing.T, cfg harnessConfig) *harness {
	t.Helper()
	logs := &logBuffer{}
	if cfg.opts.Logger == nil {
		cfg.opts.Logger = telemetry.NewLogger(logs, slog.LevelDebug)
	}
	if cfg.drain == 0 {
		cfg.drain = time.Minute
	}
	srv := NewGRPCServer(cfg.opts)
	p := newProbe()
	srv.RegisterService(&probeDesc, p)
	if cfg.register != nil {
		cfg.register(srv)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, srv, lis, cfg.drain, cfg.beforeStop...) }()

	conn, err := Dial(lis.Addr().String(), cfg.dial...)
	if err != nil {
		cancel()
		t.Fatalf("Dial: %v", err)
	}
	h := &harness{addr: lis.Addr().String(), conn: conn, logs: logs, probe: p, srv: srv, cancel: cancel, served: served}
	t.Cleanup(func() {
		_ = conn.Close()
		cancel()
		select {
		case <-served:
		case <-time.After(30 * time.Second):
			t.Error("Serve did not return after cancel")
		}
	})
	return h
}

// stop cancels Serve's context and returns its result, failing the test if
// it does not return within a generous bound.
func (h *harness) stop(t *testing.T) error {
	t.Helper()
	h.cancel()
	select {
	case err := <-h.served:
		h.served <- err // let Cleanup see it too
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return")
		return nil
	}
}

// eventually polls cond until it holds or a generous deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func withRequestID(ctx context.Context, id string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, RequestIDHeader, id)
}
