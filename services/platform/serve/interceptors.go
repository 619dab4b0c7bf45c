package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/turnaround-sli/turnaround/services/platform/apierror"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// RequestIDHeader is the metadata key whose value request logs record, so a
// client's or the gateway's request id can be followed through the logs.
const RequestIDHeader = "x-request-id"

// errPanic stands in for a recovered panic when building the caller's status;
// the panic itself is only logged.
var errPanic = errors.New("handler panicked")

func recoverUnary(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if p := recover(); p != nil {
				err = recovered(ctx, logger, info.FullMethod, p)
			}
		}()
		return handler(ctx, req)
	}
}

func recoverStream(logger *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = recovered(ss.Context(), logger, info.FullMethod, p)
			}
		}()
		return handler(srv, ss)
	}
}

// recovered logs a panic with its stack and returns the generic internal
// status, so neither the panic value nor the stack reaches the caller.
func recovered(ctx context.Context, logger *slog.Logger, method string, p any) error {
	logger.ErrorContext(ctx, "grpc handler panicked",
		slog.String("method", method),
		slog.String("panic", fmt.Sprint(p)),
		slog.String("stack", string(debug.Stack())),
	)
	st, _ := apierror.Convert(errPanic)
	return st.Err()
}

func logUnary(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		start := time.Now()
		returned := false
		defer func() {
			// A panic skips the normal return; recovery further out turns
			// it into INTERNAL, so log that code rather than losing the line.
			if !returned {
				logCall(ctx, logger, info.FullMethod, codes.Internal, start)
			}
		}()
		resp, err = handler(ctx, req)
		returned = true
		logCall(ctx, logger, info.FullMethod, status.Code(err), start)
		return resp, err
	}
}

func logStream(logger *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		start := time.Now()
		returned := false
		defer func() {
			if !returned {
				logCall(ss.Context(), logger, info.FullMethod, codes.Internal, start)
			}
		}()
		err = handler(srv, ss)
		returned = true
		logCall(ss.Context(), logger, info.FullMethod, status.Code(err), start)
		return err
	}
}

// logCall writes one line per call. The context carries the call's span, so
// a trace-aware handler adds trace_id and span_id.
func logCall(ctx context.Context, logger *slog.Logger, method string, code codes.Code, start time.Time) {
	level := levelFor(method, code)
	if !logger.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", method),
		slog.String("code", code.String()),
		slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
	}
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		attrs = append(attrs, slog.String("peer", p.Addr.String()))
	}
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if ids := md.Get(RequestIDHeader); len(ids) > 0 {
			attrs = append(attrs, slog.String("request_id", ids[0]))
		}
	}
	logger.LogAttrs(ctx, level, "grpc call", attrs...)
}

// levelFor keeps routine outcomes at info, flags server-side trouble, and
// lowers successful health checks to debug because probes call them every
// few seconds.
func levelFor(method string, code codes.Code) slog.Level {
	switch code {
	case codes.OK:
		if strings.HasPrefix(method, "/grpc.health.v1.Health/") {
			return slog.LevelDebug
		}
		return slog.LevelInfo
	case codes.Internal, codes.Unknown, codes.DataLoss:
		return slog.LevelError
	case codes.Unavailable, codes.DeadlineExceeded, codes.Unimplemented:
		return slog.LevelWarn
	default:
		return slog.LevelInfo
	}
}

func mapErrorsUnary(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if err != nil {
			return nil, mapError(ctx, logger, info.FullMethod, err)
		}
		return resp, nil
	}
}

func mapErrorsStream(logger *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if err := handler(srv, ss); err != nil {
			return mapError(ss.Context(), logger, info.FullMethod, err)
		}
		return nil
	}
}

// mapError converts err to an AIP-193 status. An internal error's text is
// logged here, the only place that still has it, and withheld from the caller.
func mapError(ctx context.Context, logger *slog.Logger, method string, err error) error {
	st, internal := apierror.Convert(err)
	if internal {
		logger.ErrorContext(ctx, "grpc internal error",
			slog.String("method", method),
			slog.String("error", err.Error()),
		)
	}
	return st.Err()
}

// limitUnary refuses a decoded request larger than its method's own cap, so
// methods that take small messages are not open to the size the largest
// legitimate request (a batch import) needs.
func limitUnary(limitFor func(string) int) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if limitFor != nil {
			if m, ok := req.(proto.Message); ok {
				if limit := limitFor(info.FullMethod); limit > 0 {
					if n := proto.Size(m); n > limit {
						return nil, (&fault.Error{
							Kind:    fault.KindResourceExhausted,
							Reason:  "REQUEST_TOO_LARGE",
							Message: fmt.Sprintf("the request message is %d bytes; %s accepts at most %d", n, info.FullMethod, limit),
						}).With("max_request_bytes", strconv.Itoa(limit))
					}
				}
			}
		}
		return handler(ctx, req)
	}
}
