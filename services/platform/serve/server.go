// Package serve is the one way a Turnaround service runs gRPC: a server with
// tracing, panic recovery, request logs and AIP-193 error mapping in a fixed
// order, a health service driven by a real dependency check, graceful
// shutdown with a bounded drain, and instrumented client connections with
// optional mutual TLS.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/tap"
)

// Options configures NewGRPCServer.
type Options struct {
	// Logger receives request logs, recovered panics and the text of internal
	// errors. Use a logger from telemetry.NewLogger so lines carry trace ids.
	// Nil means slog.Default().
	Logger *slog.Logger
	// Unary and Stream run after the built-in interceptors, in order; this is
	// where authentication and authorisation go, so their errors are mapped
	// and their panics recovered like a handler's.
	Unary  []grpc.UnaryServerInterceptor
	Stream []grpc.StreamServerInterceptor
	// ServerOptions are appended to the built-in ones, e.g. ServerCredentials.
	ServerOptions []grpc.ServerOption
	// InTap runs when a call's headers arrive, before its message is read;
	// auth.TapHandle refuses calls without a valid token there, so an
	// unauthenticated caller cannot make the server read and decode a body.
	InTap tap.ServerInHandle
	// MaxRecvBytes caps every request message before it is decoded; larger
	// ones fail RESOURCE_EXHAUSTED. Zero means DefaultMaxRecvBytes.
	MaxRecvBytes int
	// MaxRecvBytesFor, when set, gives a method's own (smaller) cap, checked
	// on the decoded message: RESOURCE_EXHAUSTED REQUEST_TOO_LARGE. Zero or
	// less means MaxRecvBytes alone applies.
	MaxRecvBytesFor func(fullMethod string) int
}

// NewGRPCServer returns a server that traces and measures every call through
// otelgrpc's stats handler and runs interceptors in this order, outermost
// first:
//
//  1. panic recovery: a panic becomes INTERNAL with an ErrorInfo; the panic
//     value and stack are logged, never sent;
//  2. request logging: method, code, duration, peer and x-request-id;
//  3. error mapping: every error goes through apierror.Convert, and the text
//     of an internal one is logged and replaced by "internal error";
//  4. the caller's interceptors (auth), then the handler.
//
// Server reflection is registered so grpcurl and similar tools work without
// the proto files. Register a Health with (*Health).Register.
func NewGRPCServer(o Options) *grpc.Server {
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	calls := newInflight(logger)
	unary := append([]grpc.UnaryServerInterceptor{
		calls.unary(), recoverUnary(logger), logUnary(logger), mapErrorsUnary(logger), limitUnary(o.MaxRecvBytesFor),
	}, o.Unary...)
	stream := append([]grpc.StreamServerInterceptor{
		calls.stream(), recoverStream(logger), logStream(logger), mapErrorsStream(logger),
	}, o.Stream...)
	maxRecv := o.MaxRecvBytes
	if maxRecv <= 0 {
		maxRecv = DefaultMaxRecvBytes
	}
	opts := []grpc.ServerOption{
		grpc.NumStreamWorkers(streamWorkers),
		grpc.StatsHandler(otelgrpc.NewServerHandler()),
		grpc.ChainUnaryInterceptor(unary...),
		grpc.ChainStreamInterceptor(stream...),
		grpc.MaxRecvMsgSize(maxRecv),
	}
	if o.InTap != nil {
		opts = append(opts, grpc.InTapHandle(o.InTap))
	}
	srv := grpc.NewServer(append(opts, o.ServerOptions...)...)
	trackers.Store(srv, calls)
	reflection.Register(srv)
	return srv
}

// streamWorkers is how many goroutines a server keeps to run calls on.
// A call that finds one free runs on its already grown stack, instead of on
// a new goroutine whose stack grows by copying during every call; when all
// are busy, a call gets a goroutine of its own as without workers, so
// workers never queue a call. Sized for the fifty concurrent calls a busy
// instance serves; an idle worker holds only its stack.
const streamWorkers = 64

// DefaultMaxRecvBytes is the largest request message NewGRPCServer accepts
// when Options.MaxRecvBytes is zero: sized for the largest legitimate
// request (a batch import of 500 indicator sets is about 100 KB), with room.
const DefaultMaxRecvBytes = 1 << 20

// ErrDrainTimeout reports that Serve's graceful drain did not finish in time
// and the remaining calls were cut off by a hard stop.
var ErrDrainTimeout = errors.New("serve: drain timed out; remaining calls were stopped")

// Serve runs srv on lis until ctx is done, then stops gracefully: the
// listener closes, in-flight calls may finish, and after drain any that are
// still running are cancelled by a hard stop. beforeStop functions run, in
// order, as soon as ctx is done and before the drain begins; pass
// (*Health).Shutdown so load balancers see NOT_SERVING and stop routing.
//
// Serve returns nil after a clean shutdown, an error wrapping
// ErrDrainTimeout after a hard stop, or the error that made srv.Serve fail.
// After a hard stop every call it cut is logged (method, request id, how
// long it ran) and the error names the methods.
// Open health Watch streams count as in-flight calls, so keep drain bounded.
func Serve(ctx context.Context, srv *grpc.Server, lis net.Listener, drain time.Duration, beforeStop ...func()) error {
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()

	select {
	case err := <-served:
		// The listener failed before anyone asked us to stop.
		srv.Stop()
		return fmt.Errorf("serve %s: %w", lis.Addr(), err)
	case <-ctx.Done():
	}
	for _, f := range beforeStop {
		f()
	}

	drained := make(chan struct{})
	go func() {
		srv.GracefulStop()
		close(drained)
	}()
	timer := time.NewTimer(drain)
	defer timer.Stop()
	var result error
	select {
	case <-drained:
	case <-timer.C:
		cut := ""
		if calls, ok := trackers.Load(srv); ok {
			cut = calls.(*inflight).reportCut(ctx)
		}
		srv.Stop()
		<-drained
		result = fmt.Errorf("serve %s: %w after %s", lis.Addr(), ErrDrainTimeout, drain)
		if cut != "" {
			result = fmt.Errorf("%w; cut: %s", result, cut)
		}
	}
	// After GracefulStop or Stop, srv.Serve returns nil.
	if err := <-served; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return errors.Join(result, fmt.Errorf("serve %s: %w", lis.Addr(), err))
	}
	return result
}
