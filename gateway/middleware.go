package gateway

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
)

// RequestIDHeader is the HTTP header that carries a request's id both ways.
const RequestIDHeader = "X-Request-Id"

// requestIDMetadataKey is the gRPC metadata key the services read the id from.
const requestIDMetadataKey = "x-request-id"

// maxRequestIDLen bounds a caller-supplied id so it cannot bloat logs.
const maxRequestIDLen = 128

type requestIDKey struct{}

// RequestIDFromContext returns the request id withRequestID stored in ctx, or
// "" outside a gateway request.
func RequestIDFromContext(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// withRequestID keeps a well-formed caller-supplied X-Request-Id (so a trail
// started upstream of the gateway continues) or generates one, stores it in
// the context and echoes it on the response.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID(id) {
			id = rand.Text()
		}
		w.Header().Set(RequestIDHeader, id)
		trace.SpanFromContext(r.Context()).SetAttributes(attribute.String("turnaround.request_id", id))
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// validRequestID accepts 1..128 visible ASCII characters: anything else could
// not travel as gRPC metadata or would garble log lines.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

// CORS answers; the header list is what the web frontend sends.
const (
	corsAllowMethods  = "GET, POST, PUT, PATCH, DELETE"
	corsAllowHeaders  = "Authorization, Content-Type, X-Request-Id, If-Match"
	corsExposeHeaders = "X-Request-Id, ETag"
	corsMaxAge        = "600"
)

// parseOrigins checks that every allowed origin is an exact
// scheme://host[:port]: a wildcard would let any site send credentialed
// requests, and a path or trailing slash would never match a browser's Origin.
func parseOrigins(list []string) (map[string]bool, error) {
	origins := make(map[string]bool, len(list))
	for _, o := range list {
		u, err := url.Parse(o)
		if err != nil || o == "*" || strings.Contains(o, "*") ||
			(u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return nil, fmt.Errorf("allowed origin %q is not an exact scheme://host[:port] origin", o)
		}
		origins[o] = true
	}
	return origins, nil
}

// cors adds CORS headers for allowlisted origins only and answers their
// preflight requests itself. Requests from other origins pass through
// untouched: without the headers the browser refuses to expose the response.
func (g *Gateway) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if len(g.origins) > 0 {
			// Responses differ by Origin, so shared caches must key on it.
			w.Header().Add("Vary", "Origin")
		}
		if origin == "" || !g.origins[origin] {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", corsAllowMethods)
			h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		next.ServeHTTP(w, r)
	})
}

// bodyLimit records whether a request body hit the size cap, so the error
// handler can answer 413 even though the generated decoder reports any read
// failure as INVALID_ARGUMENT.
type bodyLimit struct {
	io.ReadCloser
	exceeded atomic.Bool
}

func (b *bodyLimit) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		b.exceeded.Store(true)
	}
	return n, err
}

type bodyLimitKey struct{}

// bodyTooLarge reports whether the request behind ctx read past the cap.
func bodyTooLarge(ctx context.Context) bool {
	b, ok := ctx.Value(bodyLimitKey{}).(*bodyLimit)
	return ok && b.exceeded.Load()
}

// limitBody refuses a declared Content-Length over the cap before any work is
// done, and caps the reader for bodies of unknown length (chunked).
func (g *Gateway) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > g.maxBody {
			g.writeStatus(w, http.StatusRequestEntityTooLarge, g.tooLargeStatus())
			return
		}
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		body := &bodyLimit{ReadCloser: http.MaxBytesReader(w, r.Body, g.maxBody)}
		r = r.WithContext(context.WithValue(r.Context(), bodyLimitKey{}, body))
		r.Body = body
		next.ServeHTTP(w, r)
	})
}

// limitTime gives every request the configured deadline; gRPC carries it to
// the services, and an expired one becomes DEADLINE_EXCEEDED (HTTP 504).
func (g *Gateway) limitTime(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), g.timeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// nameRoute names the request's span and metrics after the matched route
// template rather than the raw path, keeping their cardinality bounded.
// Unmatched requests keep the bare method name.
func nameRoute(next runtime.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		if p, ok := runtime.HTTPPattern(r.Context()); ok {
			route := p.String()
			span := trace.SpanFromContext(r.Context())
			span.SetName(r.Method + " " + route)
			span.SetAttributes(semconv.HTTPRoute(route))
			if labeler, ok := otelhttp.LabelerFromContext(r.Context()); ok {
				labeler.Add(semconv.HTTPRoute(route))
			}
		}
		next(w, r, params)
	}
}

// spanName is the span name before routing: the method alone, per the HTTP
// semantic conventions for requests without a known route.
func spanName(_ string, r *http.Request) string {
	return r.Method
}

// tooLargeStatus is the answer to an oversized body.
func (g *Gateway) tooLargeStatus() statusSpec {
	return statusSpec{
		code:    codes.ResourceExhausted,
		reason:  "REQUEST_TOO_LARGE",
		message: fmt.Sprintf("request body exceeds %d bytes", g.maxBody),
		meta:    map[string]string{"max_body_bytes": fmt.Sprint(g.maxBody)},
	}
}
