package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	rpccode "google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ErrorDomain is the google.rpc.ErrorInfo domain of errors the gateway raises
// itself; it matches the services' domain so clients handle one vocabulary.
const ErrorDomain = "turnaround"

// statusSpec describes a google.rpc.Status the gateway raises itself.
type statusSpec struct {
	code    codes.Code
	reason  string
	message string
	meta    map[string]string
}

// proto builds the status with its ErrorInfo detail (AIP-193: every error
// carries one).
func (s statusSpec) proto() *status.Status {
	st := status.New(s.code, s.message)
	withInfo, err := st.WithDetails(&errdetails.ErrorInfo{Reason: s.reason, Domain: ErrorDomain, Metadata: s.meta})
	if err != nil {
		// Only an unmarshalable detail fails here, and ErrorInfo always marshals.
		return st
	}
	return withInfo
}

// writeStatus answers with a Status JSON body and the given HTTP status.
func (g *Gateway) writeStatus(w http.ResponseWriter, httpStatus int, s statusSpec) {
	g.writeProto(w, httpStatus, s.proto())
}

// writeProto writes st as JSON. It is the single place error bodies are
// produced, so they all look alike whatever failed.
func (g *Gateway) writeProto(w http.ResponseWriter, httpStatus int, st *status.Status) {
	body, err := g.marshaler.Marshal(st.Proto())
	if err != nil {
		g.log.Error("gateway: marshal error status", slog.Any("error", err))
		httpStatus = http.StatusInternalServerError
		body = []byte(`{"code":13,"message":"internal error"}`)
	}
	h := w.Header()
	h.Del("Trailer")
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	if httpStatus == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="turnaround"`)
	}
	if httpStatus == http.StatusServiceUnavailable {
		h.Set("Retry-After", retryAfter(st))
	}
	w.WriteHeader(httpStatus)
	if _, err := w.Write(body); err != nil {
		// The client went away; nothing more can be told to it.
		g.log.Debug("gateway: write error response", slog.Any("error", err))
	}
}

// handleError renders any failure of a forwarded call as google.rpc.Status
// JSON with the HTTP status grpc-gateway maps its code to.
func (g *Gateway) handleError(ctx context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	// The generated decoder reports a capped body as INVALID_ARGUMENT; the
	// caller needs to know the request was too large instead.
	if bodyTooLarge(ctx) {
		g.writeStatus(w, http.StatusRequestEntityTooLarge, g.tooLargeStatus())
		return
	}
	httpStatus := 0
	var withHTTP *runtime.HTTPStatusError
	if errors.As(err, &withHTTP) {
		httpStatus, err = withHTTP.HTTPStatus, withHTTP.Err
	}
	st, ok := status.FromError(err)
	switch {
	case ok:
		st = g.ensureErrorInfo(ctx, r, st)
	case httpStatus == http.StatusBadRequest:
		// grpc-gateway's own request parsing errors (malformed escapes) are
		// plain errors that describe the caller's mistake.
		st = statusSpec{code: codes.InvalidArgument, reason: reasonFor(codes.InvalidArgument), message: err.Error()}.proto()
	default:
		g.log.ErrorContext(ctx, "gateway: unexpected error", slog.Any("error", err),
			slog.String("request_id", RequestIDFromContext(ctx)), slog.String("path", r.URL.Path))
		st = statusSpec{code: codes.Internal, reason: reasonFor(codes.Internal), message: "internal error"}.proto()
	}
	if httpStatus == 0 {
		httpStatus = runtime.HTTPStatusFromCode(st.Code())
	}
	g.writeProto(w, httpStatus, st)
}

// ensureErrorInfo passes statuses from the services through untouched (they
// always carry an ErrorInfo). A status without one was raised by the gateway
// or the gRPC client itself: it gets an ErrorInfo, and for server-side codes
// its text, which names internal addresses, is logged and replaced.
func (g *Gateway) ensureErrorInfo(ctx context.Context, r *http.Request, st *status.Status) *status.Status {
	for _, d := range st.Details() {
		if _, ok := d.(*errdetails.ErrorInfo); ok {
			return st
		}
	}
	msg := st.Message()
	switch st.Code() {
	case codes.Unknown, codes.Internal, codes.DataLoss:
		g.log.ErrorContext(ctx, "gateway: upstream call failed", slog.String("code", st.Code().String()),
			slog.String("error", msg), slog.String("request_id", RequestIDFromContext(ctx)), slog.String("path", r.URL.Path))
		msg = "internal error"
	case codes.Unavailable:
		g.log.WarnContext(ctx, "gateway: upstream unavailable", slog.String("error", msg),
			slog.String("request_id", RequestIDFromContext(ctx)), slog.String("path", r.URL.Path))
		msg = "the service is unavailable; retry later"
	case codes.DeadlineExceeded:
		msg = "the request deadline was exceeded"
	case codes.Canceled:
		msg = "the request was cancelled"
	}
	out := statusSpec{code: st.Code(), reason: reasonFor(st.Code()), message: msg}.proto()
	if len(st.Details()) == 0 {
		return out
	}
	// Keep whatever other details there were (a BadRequest, say).
	p := out.Proto()
	p.Details = append(p.Details, st.Proto().GetDetails()...)
	return status.FromProto(p)
}

// reasonFor is the ErrorInfo reason for a status the gateway raises without a
// more specific one: the canonical code name, e.g. INVALID_ARGUMENT.
func reasonFor(c codes.Code) string {
	if name, ok := rpccode.Code_name[int32(c)]; ok {
		return name
	}
	return fmt.Sprintf("CODE_%d", c)
}

// handleRoutingError answers requests no route matches with a Status body, so
// clients parse one error shape for every failure.
func (g *Gateway) handleRoutingError(_ context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
	var s statusSpec
	switch httpStatus {
	case http.StatusNotFound:
		s = statusSpec{code: codes.NotFound, reason: "ROUTE_NOT_FOUND",
			message: fmt.Sprintf("no route matches %s %s", r.Method, r.URL.Path)}
	case http.StatusMethodNotAllowed:
		s = statusSpec{code: codes.Unimplemented, reason: "METHOD_NOT_ALLOWED",
			message: fmt.Sprintf("method %s is not allowed on %s", r.Method, r.URL.Path)}
	case http.StatusBadRequest:
		s = statusSpec{code: codes.InvalidArgument, reason: "MALFORMED_PATH",
			message: fmt.Sprintf("malformed request path %q", r.URL.Path)}
	default:
		httpStatus = http.StatusInternalServerError
		s = statusSpec{code: codes.Internal, reason: reasonFor(codes.Internal), message: "internal error"}
	}
	g.writeStatus(w, httpStatus, s)
}

// defaultRetryAfter is the Retry-After of a 503 whose status suggests no
// delay of its own.
const defaultRetryAfter = time.Second

// retryAfter is the Retry-After value, in whole seconds (at least one), for
// an UNAVAILABLE status: its google.rpc.RetryInfo delay when it has one.
func retryAfter(st *status.Status) string {
	d := defaultRetryAfter
	for _, detail := range st.Details() {
		if ri, ok := detail.(*errdetails.RetryInfo); ok && ri.GetRetryDelay() != nil {
			d = ri.GetRetryDelay().AsDuration()
		}
	}
	secs := int64((d + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return strconv.FormatInt(secs, 10)
}
