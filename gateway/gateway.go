// Package gateway is Turnaround's REST front door: a grpc-gateway mux that
// translates JSON over HTTP into calls on the gRPC services, with the edge
// concerns a browser-facing API needs (CORS, body and time limits, request
// ids, google.rpc.Status error bodies, health and readiness probes, the
// OpenAPI document and a human API reference page).
//
// Every REST call is forwarded over one shared gRPC client connection, so the
// services' own interceptors (authentication, authorisation, validation) run
// exactly as they do for gRPC callers: the gateway holds no trust of its own.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/turnaround-sli/turnaround/gateway/internal/restjson"
	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	oversightv1 "github.com/turnaround-sli/turnaround/proto/turnaround/oversight/v1"
	partnerv1 "github.com/turnaround-sli/turnaround/proto/turnaround/partner/v1"
	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
)

// Defaults applied by New when the corresponding Config field is zero.
const (
	DefaultMaxBodyBytes   int64 = 1 << 20
	DefaultRequestTimeout       = 15 * time.Second
)

// registration adds one gRPC service's REST routes to mux, forwarding to conn.
// The generated Register<Service>Handler functions have exactly this shape.
type registration func(context.Context, *runtime.ServeMux, *grpc.ClientConn) error

// service is one gRPC service exposed over REST.
type service struct {
	name     string
	register registration
}

// services lists every gRPC service exposed over REST; exposing a new one is a
// single line here (its HTTP rules live in proto/turnaround/http.yaml).
var services = []service{
	{inspectionv1.InspectionService_ServiceDesc.ServiceName, inspectionv1.RegisterInspectionServiceHandler},
	{peerreviewv1.PeerReviewService_ServiceDesc.ServiceName, peerreviewv1.RegisterPeerReviewServiceHandler},
	{improvementplanv1.ImprovementPlanService_ServiceDesc.ServiceName, improvementplanv1.RegisterImprovementPlanServiceHandler},
	{sponsorv1.SponsorService_ServiceDesc.ServiceName, sponsorv1.RegisterSponsorServiceHandler},
	{oversightv1.OversightService_ServiceDesc.ServiceName, oversightv1.RegisterOversightServiceHandler},
	{partnerv1.PartnerEventsService_ServiceDesc.ServiceName, partnerv1.RegisterPartnerEventsServiceHandler},
}

// Config configures a Gateway.
type Config struct {
	// Upstream is the gRPC address (host:port or any grpc.NewClient target)
	// serving every registered service not named in Upstreams.
	Upstream string
	// Upstreams maps a gRPC service's full name (turnaround.peerreview.v1.PeerReviewService)
	// to the address serving it, for deployments that run each service as
	// its own target.
	Upstreams map[string]string
	// DialOptions are applied to the upstream connection after the gateway's
	// own tracing option. They must choose transport credentials: the gateway
	// never falls back to an insecure connection on its own.
	DialOptions []grpc.DialOption
	// AllowedOrigins are the exact browser origins (scheme://host[:port]) that
	// may call the API with credentials. Wildcards are refused.
	AllowedOrigins []string
	// MaxBodyBytes caps request bodies; larger ones get 413. Default 1 MiB.
	MaxBodyBytes int64
	// RequestTimeout bounds each request; it reaches the services as the gRPC
	// deadline. Default 15s.
	RequestTimeout time.Duration
	// Logger receives errors the caller cannot see (internal failures,
	// readiness changes). Default slog.Default().
	Logger *slog.Logger
	// Version is the build's version, served as the OpenAPI document's
	// info.version. Default "dev".
	Version string
}

// Gateway is the REST handler. It is an http.Handler; Close releases the
// upstream connection once the HTTP server has stopped using it.
type Gateway struct {
	handler   http.Handler
	mux       *runtime.ServeMux
	conns     []*grpc.ClientConn
	health    []healthpb.HealthClient
	log       *slog.Logger
	marshaler runtime.Marshaler
	json      *jsonMarshaler
	origins   map[string]bool
	maxBody   int64
	timeout   time.Duration
	apiDocs   apiDocuments
	readiness readinessLog
	routes    routes
}

// New validates cfg, creates the upstream connection (lazily: it does not wait
// for the services to be up, /readyz reports that) and builds the handler.
func New(ctx context.Context, cfg Config) (*Gateway, error) {
	if cfg.Upstream == "" {
		return nil, errors.New("gateway: upstream gRPC address is required")
	}
	origins, err := parseOrigins(cfg.AllowedOrigins)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	g := &Gateway{
		log:     cfg.Logger,
		origins: origins,
		maxBody: cfg.MaxBodyBytes,
		timeout: cfg.RequestTimeout,
		// Proto field names keep REST and gRPC payloads spelled alike.
		// Scalars, lists and maps holding their default value (0, false, "",
		// []) are written out, so an absent field never means zero; unset
		// messages (a timestamp not yet reached) stay absent. Unknown request
		// fields are rejected so a misspelt field fails loudly instead of
		// being lost.
		// Responses are written by restjson's plans, which write what these
		// options make protojson write, several times faster.
		json: &jsonMarshaler{JSONPb: runtime.JSONPb{
			MarshalOptions:   restjson.Options,
			UnmarshalOptions: protojson.UnmarshalOptions{},
		}},
	}
	g.marshaler = &runtime.HTTPBodyMarshaler{Marshaler: g.json}
	if g.log == nil {
		g.log = slog.Default()
	}
	if g.maxBody <= 0 {
		g.maxBody = DefaultMaxBodyBytes
	}
	if g.timeout <= 0 {
		g.timeout = DefaultRequestTimeout
	}
	if g.apiDocs, err = loadAPIDocuments(cfg.Version); err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	if g.routes, err = buildRoutes(openAPIDocument); err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}

	opts := append([]grpc.DialOption{
		grpc.WithStatsHandler(otelgrpc.NewClientHandler()),
		grpc.WithChainUnaryInterceptor(holdResponses(&g.json.enc)),
	}, cfg.DialOptions...)
	byAddr := map[string]*grpc.ClientConn{}
	connFor := func(svc string) (*grpc.ClientConn, error) {
		addr := cfg.Upstream
		if a, ok := cfg.Upstreams[svc]; ok && a != "" {
			addr = a
		}
		if addr == "" {
			return nil, fmt.Errorf("no upstream address for %s", svc)
		}
		if c, ok := byAddr[addr]; ok {
			return c, nil
		}
		c, err := grpc.NewClient(addr, opts...)
		if err != nil {
			return nil, fmt.Errorf("connect to %s: %w", addr, err)
		}
		byAddr[addr] = c
		g.conns = append(g.conns, c)
		g.health = append(g.health, healthpb.NewHealthClient(c))
		return c, nil
	}

	g.mux = runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, g.marshaler),
		runtime.WithErrorHandler(g.handleError),
		runtime.WithRoutingErrorHandler(g.handleRoutingError),
		runtime.WithMetadata(forwardRequestID),
		runtime.WithMiddlewares(nameRoute, g.strictRequests, g.csvExport),
		// Disables the X-HTTP-Method-Override and POST-as-GET tricks: every
		// route answers only to the method its HTTP rule names.
		runtime.WithDisableHTTPMethodOverride(),
		runtime.WithDisablePathLengthFallback(),
	)
	for _, svc := range services {
		conn, err := connFor(svc.name)
		if err == nil {
			err = svc.register(ctx, g.mux, conn)
		}
		if err != nil {
			_ = g.Close()
			return nil, fmt.Errorf("gateway: register %s: %w", svc.name, err)
		}
	}
	if err := g.handleStatic(); err != nil {
		_ = g.Close()
		return nil, fmt.Errorf("gateway: %w", err)
	}

	var h http.Handler = g.mux
	h = g.limitTime(h)
	h = g.limitBody(h)
	h = g.cors(h)
	h = withRequestID(h)
	g.handler = otelhttp.NewHandler(h, "gateway", otelhttp.WithSpanNameFormatter(spanName))
	return g, nil
}

// ServeHTTP serves the REST API, the probes and the documentation.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.handler.ServeHTTP(w, r)
}

// Close closes the upstream connections. Call it after the HTTP server has
// shut down; requests still in flight would fail with UNAVAILABLE.
func (g *Gateway) Close() error {
	var errs []error
	for _, c := range g.conns {
		if err := c.Close(); err != nil {
			errs = append(errs, fmt.Errorf("gateway: close upstream connection: %w", err))
		}
	}
	return errors.Join(errs...)
}

// handleStatic registers the gateway's own routes on the same mux as the API,
// so unknown methods and paths fail the same way everywhere.
func (g *Gateway) handleStatic() error {
	routes := []struct {
		path string
		h    runtime.HandlerFunc
	}{
		{"/healthz", g.serveHealthz},
		{"/readyz", g.serveReadyz},
		{"/openapi.json", serveBytes("application/json", g.apiDocs.json)},
		{"/openapi.yaml", serveBytes("application/yaml", g.apiDocs.yaml)},
		{"/openapi-v2.json", serveBytes("application/json", g.apiDocs.v2)},
		{"/docs", g.serveDocs},
		{"/docs/{file}", g.serveDocsAsset},
		{"/docs/{dir}/{file}", g.serveDocsAsset},
	}
	for _, rt := range routes {
		if err := g.mux.HandlePath(http.MethodGet, rt.path, rt.h); err != nil {
			return fmt.Errorf("register %s: %w", rt.path, err)
		}
	}
	return nil
}

// forwardRequestID passes the request id chosen by withRequestID to the
// services as gRPC metadata, so their logs and audit records carry it.
func forwardRequestID(ctx context.Context, _ *http.Request) metadata.MD {
	id := RequestIDFromContext(ctx)
	if id == "" {
		return nil
	}
	return metadata.Pairs(requestIDMetadataKey, id)
}

// jsonMarshaler is the gateway's JSON: protojson's reading of requests and,
// for responses, restjson's plans, which write the same JSON.
type jsonMarshaler struct {
	runtime.JSONPb
	enc restjson.Encoder
}

// Marshal writes v, a response message, with restjson; anything else as
// JSONPb does.
func (m *jsonMarshaler) Marshal(v any) ([]byte, error) {
	if pm, ok := v.(proto.Message); ok {
		return m.enc.Marshal(pm)
	}
	return m.JSONPb.Marshal(v)
}
