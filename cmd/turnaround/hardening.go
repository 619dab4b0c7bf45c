package main

import (
	"flag"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/gateway"
	"github.com/turnaround-sli/turnaround/services/platform/disclosure"
	"github.com/turnaround-sli/turnaround/services/platform/serve"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// hardening are the limits that keep the suite standing against slow or
// hostile clients and make it fail fast when Redis does: HTTP timeouts and
// the connection cap, gRPC receive limits, the longest token lifetime, and
// how often readiness checks Redis.
type hardening struct {
	HTTPReadHeaderTimeout time.Duration
	HTTPBodyTimeout       time.Duration
	HTTPWriteTimeout      time.Duration
	HTTPIdleTimeout       time.Duration
	HTTPMaxConns          int
	AdminMaxConns         int
	GRPCMaxRecvBytes      int
	GRPCMethodRecvBytes   int
	MaxTokenLifetime      time.Duration
	HealthInterval        time.Duration
	DisclosureMinCouncils int
}

// defaultHealthInterval: a check at most this long plus the next tick
// means readiness follows an outage or a pause of Redis within 1.5 s, and
// a recovery within 0.75 s.
const defaultHealthInterval = 750 * time.Millisecond

// defaultMethodRecvBytes caps the decoded request of every method but the
// batch imports: a single resource with all its parts is a few KiB.
const defaultMethodRecvBytes = 256 << 10

// registerHardening adds the hardening flags to fs.
func registerHardening(fs *flag.FlagSet, h *hardening) {
	fs.DurationVar(&h.HTTPReadHeaderTimeout, "http-read-header-timeout", envDuration("TURNAROUND_HTTP_READ_HEADER_TIMEOUT", gateway.DefaultReadHeaderTimeout), "time a REST client has to send its request headers")
	fs.DurationVar(&h.HTTPBodyTimeout, "http-body-timeout", envDuration("TURNAROUND_HTTP_BODY_TIMEOUT", gateway.DefaultBodyTimeout), "time a REST client has to send its whole request, body included; then the connection is closed")
	fs.DurationVar(&h.HTTPWriteTimeout, "http-write-timeout", envDuration("TURNAROUND_HTTP_WRITE_TIMEOUT", 0), "time to write a REST response (default: the request timeout plus 5s)")
	fs.DurationVar(&h.HTTPIdleTimeout, "http-idle-timeout", envDuration("TURNAROUND_HTTP_IDLE_TIMEOUT", gateway.DefaultIdleTimeout), "idle keep-alive REST connections are closed after this")
	fs.IntVar(&h.HTTPMaxConns, "http-max-conns", envInt("TURNAROUND_HTTP_MAX_CONNS", gateway.DefaultMaxConns), "most REST connections open at once; more wait in the listen backlog")
	fs.IntVar(&h.AdminMaxConns, "admin-max-conns", envInt("TURNAROUND_ADMIN_MAX_CONNS", 64), "most admin (metrics) connections open at once")
	fs.IntVar(&h.GRPCMaxRecvBytes, "grpc-max-recv-bytes", envInt("TURNAROUND_GRPC_MAX_RECV_BYTES", serve.DefaultMaxRecvBytes), "largest gRPC request message, refused before decoding (batch imports need about 100 KB)")
	fs.IntVar(&h.GRPCMethodRecvBytes, "grpc-method-recv-bytes", envInt("TURNAROUND_GRPC_METHOD_RECV_BYTES", defaultMethodRecvBytes), "largest gRPC request message of any method but the Batch* imports")
	fs.DurationVar(&h.MaxTokenLifetime, "max-token-lifetime", envDuration("TURNAROUND_MAX_TOKEN_LIFETIME", 24*time.Hour), "longest validity a bearer token may claim (exp - iat, or exp - now without iat); 0 turns the check off")
	fs.IntVar(&h.DisclosureMinCouncils, "disclosure-min-councils", envInt("TURNAROUND_DISCLOSURE_MIN_COUNCILS", disclosure.DefaultMinCouncils), "fewest councils an aggregate (a median) is computed over; smaller groups are withheld with a reason")
	fs.DurationVar(&h.HealthInterval, "health-interval", envDuration("TURNAROUND_HEALTH_INTERVAL", defaultHealthInterval), "how often readiness pings Redis; a ping slower than this fails")
}

// serverConfig is the gateway's HTTP server configuration.
func (h hardening) serverConfig(requestTimeout time.Duration) gateway.ServerConfig {
	return gateway.ServerConfig{
		ReadHeaderTimeout: h.HTTPReadHeaderTimeout,
		BodyTimeout:       h.HTTPBodyTimeout,
		WriteTimeout:      h.HTTPWriteTimeout,
		IdleTimeout:       h.HTTPIdleTimeout,
		RequestTimeout:    requestTimeout,
	}
}

// methodRecvBytes is the per-method receive limit: the batch imports may
// use the whole -grpc-max-recv-bytes, every other method its own cap.
func (h hardening) methodRecvBytes(fullMethod string) int {
	if _, name, ok := strings.Cut(strings.TrimPrefix(fullMethod, "/"), "/"); ok && strings.HasPrefix(name, "Batch") {
		return 0
	}
	return h.GRPCMethodRecvBytes
}

// tokenLifetime is auth.Config.MaxLifetime: 0 on the command line turns the
// check off, which auth spells as a negative value.
func (h hardening) tokenLifetime() time.Duration {
	if h.MaxTokenLifetime <= 0 {
		return -1
	}
	return h.MaxTokenLifetime
}

// storeOptions are the durability options REDIS_URL asks for.
func storeOptions(redisURL string) ([]store.Option, error) {
	if redisURL == "" {
		return nil, nil
	}
	r, err := store.ParseReplication(redisURL)
	if err != nil {
		return nil, err
	}
	return []store.Option{store.WithReplication(r)}, nil
}
