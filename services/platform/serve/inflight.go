package serve

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// inflight remembers the calls a server is running, so a drain that times
// out can say which calls it cut.
type inflight struct {
	logger *slog.Logger
	next   atomic.Uint64
	mu     sync.Mutex
	calls  map[uint64]inflightCall
}

type inflightCall struct {
	method    string
	requestID string
	started   time.Time
}

// trackers maps each *grpc.Server made by NewGRPCServer to its inflight.
var trackers sync.Map

func newInflight(logger *slog.Logger) *inflight {
	return &inflight{logger: logger, calls: map[uint64]inflightCall{}}
}

func (f *inflight) enter(ctx context.Context, method string) func() {
	c := inflightCall{method: method, started: time.Now()}
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if ids := md.Get(RequestIDHeader); len(ids) > 0 {
			c.requestID = ids[0]
		}
	}
	id := f.next.Add(1)
	f.mu.Lock()
	f.calls[id] = c
	f.mu.Unlock()
	return func() {
		f.mu.Lock()
		delete(f.calls, id)
		f.mu.Unlock()
	}
}

func (f *inflight) unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		defer f.enter(ctx, info.FullMethod)()
		return handler(ctx, req)
	}
}

func (f *inflight) stream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		defer f.enter(ss.Context(), info.FullMethod)()
		return handler(srv, ss)
	}
}

// snapshot returns the running calls, oldest first.
func (f *inflight) snapshot() []inflightCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]inflightCall, 0, len(f.calls))
	for _, c := range f.calls {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b inflightCall) int { return a.started.Compare(b.started) })
	return out
}

// reportCut logs every call still running when the drain ran out and
// returns a short summary for the error: the methods and how many of each.
func (f *inflight) reportCut(ctx context.Context) string {
	calls := f.snapshot()
	counts := map[string]int{}
	var methods []string
	for _, c := range calls {
		f.logger.WarnContext(ctx, "grpc drain timed out: call cut",
			slog.String("method", c.method),
			slog.String("request_id", c.requestID),
			slog.Float64("running_ms", float64(time.Since(c.started).Microseconds())/1000),
		)
		if counts[c.method] == 0 {
			methods = append(methods, c.method)
		}
		counts[c.method]++
	}
	parts := make([]string, 0, len(methods))
	for _, m := range methods {
		parts = append(parts, fmt.Sprintf("%s ×%d", m, counts[m]))
	}
	return strings.Join(parts, ", ")
}
