package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/telemetry"
)

// Targets a process can run: "all", which folds every component into one
// process that still talks to itself over loopback gRPC and the event bus,
// "gateway", and one per row of the component table.
var targets = func() []string {
	out := []string{"all", "gateway"}
	for _, c := range components {
		out = append(out, c.target)
	}
	return out
}()

// errHelp reports that -help was asked for and printed.
var errHelp = errors.New("help requested")

// config is everything a process needs, from flags with environment
// variables as defaults (flags win).
type config struct {
	Target    string
	GRPCAddr  string
	HTTPAddr  string
	AdminAddr string
	// AdminPprof serves the runtime profiler on the admin address.
	AdminPprof bool
	RedisURL   string
	KeyPrefix  string
	Demo       bool
	// Upstreams holds the configured gRPC address of each component
	// target (-<target>-addr); a target without one is this process.
	Upstreams      map[string]string
	JWKSFile       string
	JWKSURL        string
	JWTIssuer      string
	JWTAudience    string
	DevKeyFile     string
	PageSecret     string
	CORSOrigins    []string
	MaxBodyBytes   int64
	RequestTimeout time.Duration
	DrainTimeout   time.Duration
	LogLevel       string
	TLSCert        string
	TLSKey         string
	TLSClientCA    string
	TriggerRules   string
	DeadlineMonths int
	ClockStart     time.Time
	RiskModel      string
	Hardening      hardening
	Console        consoleConfig
	Partner        partnerConfig
}

// upstream is the configured gRPC address of a service target, if any.
func (c config) upstream(target string) string { return c.Upstreams[target] }

// upstreamEnv names the environment variable of a target's address.
func upstreamEnv(target string) string {
	return "TURNAROUND_" + strings.ToUpper(target) + "_ADDR"
}

// adminOptions are the admin server's options: the profiler when asked for.
func (c config) adminOptions() []telemetry.AdminOption {
	if c.AdminPprof {
		return []telemetry.AdminOption{telemetry.WithPprof()}
	}
	return nil
}

// embedded reports whether the process runs on its own in-memory Redis.
func (c config) embedded() bool { return c.RedisURL == "" }

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if v, ok := os.LookupEnv(name); ok {
		n, err := strconv.Atoi(v)
		if err == nil {
			return n
		}
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, ok := os.LookupEnv(name); ok {
		d, err := time.ParseDuration(v)
		if err == nil {
			return d
		}
	}
	return def
}

// parseConfig reads flags (args) over environment defaults and checks them.
func parseConfig(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("turnaround", flag.ContinueOnError)
	fs.StringVar(&c.Target, "target", env("TURNAROUND_TARGET", "all"), "component to run: "+strings.Join(targets, ", "))
	fs.StringVar(&c.GRPCAddr, "grpc-addr", env("TURNAROUND_GRPC_ADDR", "127.0.0.1:9090"), "gRPC listen address")
	fs.StringVar(&c.HTTPAddr, "http-addr", env("TURNAROUND_HTTP_ADDR", "127.0.0.1:8080"), "REST gateway listen address")
	fs.StringVar(&c.AdminAddr, "admin-addr", env("TURNAROUND_ADMIN_ADDR", "127.0.0.1:9464"), "admin listen address (Prometheus /metrics)")
	pprof := fs.String("admin-pprof", env("TURNAROUND_ADMIN_PPROF", "false"), "serve the Go profiler under /debug/pprof/ on the admin address (true or false)")
	fs.StringVar(&c.RedisURL, "redis-url", env("REDIS_URL", ""), "Redis URL (redis://, rediss://, redis-sentinel://, redis-cluster://); empty runs an in-memory Redis (target all only)")
	fs.StringVar(&c.KeyPrefix, "key-prefix", env("TURNAROUND_KEY_PREFIX", "ta:"), "prefix of every Redis key")
	demo := fs.String("demo", env("TURNAROUND_DEMO", ""), "load the demo data set (default true on the in-memory Redis, false otherwise)")
	upstreams := make(map[string]*string, len(components))
	for _, comp := range components {
		upstreams[comp.target] = fs.String(comp.target+"-addr", env(upstreamEnv(comp.target), ""),
			"gRPC address of the "+comp.title+" service (default: this process's -grpc-addr)")
	}
	fs.StringVar(&c.JWKSFile, "jwks-file", env("TURNAROUND_JWKS_FILE", ""), "JWKS file with the RS256/ES256 keys that sign bearer tokens")
	fs.StringVar(&c.JWKSURL, "jwks-url", env("TURNAROUND_JWKS_URL", ""), "JWKS URL with the RS256/ES256 keys that sign bearer tokens")
	fs.StringVar(&c.JWTIssuer, "jwt-issuer", env("TURNAROUND_JWT_ISSUER", ""), "required iss claim (empty: not checked)")
	fs.StringVar(&c.JWTAudience, "jwt-audience", env("TURNAROUND_JWT_AUDIENCE", ""), "required aud claim (empty: not checked)")
	fs.StringVar(&c.DevKeyFile, "dev-key-file", env("TURNAROUND_DEV_KEY_FILE", ""), "development HS256 key file for the in-memory mode (default in the user cache directory)")
	fs.StringVar(&c.PageSecret, "page-token-secret", env("TURNAROUND_PAGE_TOKEN_SECRET", ""), "secret that signs page tokens (default: generated once and kept in Redis)")
	origins := fs.String("cors-origins", env("TURNAROUND_CORS_ORIGINS", ""), "comma-separated origins allowed to call the REST gateway from a browser")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", 1<<20, "largest REST request body accepted")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", envDuration("TURNAROUND_REQUEST_TIMEOUT", 15*time.Second), "REST request timeout")
	fs.DurationVar(&c.DrainTimeout, "drain-timeout", envDuration("TURNAROUND_DRAIN_TIMEOUT", 10*time.Second), "how long shutdown waits for in-flight requests")
	fs.StringVar(&c.LogLevel, "log-level", env("TURNAROUND_LOG_LEVEL", "info"), "debug, info, warn or error")
	fs.StringVar(&c.TLSCert, "tls-cert", env("TURNAROUND_TLS_CERT", ""), "certificate file for TLS on the gRPC listener")
	fs.StringVar(&c.TLSKey, "tls-key", env("TURNAROUND_TLS_KEY", ""), "key file for TLS on the gRPC listener")
	fs.StringVar(&c.TLSClientCA, "tls-client-ca", env("TURNAROUND_TLS_CLIENT_CA", ""), "CA file: require client certificates signed by it (mTLS)")
	fs.StringVar(&c.TriggerRules, "trigger-rules", env("TURNAROUND_TRIGGER_RULES", ""), "JSON file of sharper-trigger rules (default: the documented rules)")
	fs.StringVar(&c.RiskModel, "risk-model", env("TURNAROUND_RISK_MODEL", ""), "JSON file of risk model weights (default: the documented model)")
	fs.IntVar(&c.DeadlineMonths, "deadline-months", envInt("TURNAROUND_DEADLINE_MONTHS", 6), "months a council judged inadequate has to show significant improvement")
	clockStart := fs.String("clock-start", env("TURNAROUND_CLOCK_START", ""), "run the services' clock from this instant (RFC 3339 or YYYY-MM-DD) for rehearsals and demonstrations; never in production")
	registerHardening(fs, &c.Hardening)
	registerConsole(fs, &c.Console)
	registerPartner(fs, &c.Partner)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, errHelp
		}
		return c, err
	}
	c.Upstreams = make(map[string]string, len(upstreams))
	for target, addr := range upstreams {
		if *addr != "" {
			c.Upstreams[target] = *addr
		}
	}
	if *clockStart != "" {
		t, err := time.Parse(time.RFC3339, *clockStart)
		if err != nil {
			t, err = time.Parse(time.DateOnly, *clockStart)
		}
		if err != nil {
			return c, fmt.Errorf("-clock-start=%q: want RFC 3339 or YYYY-MM-DD", *clockStart)
		}
		c.ClockStart = t.UTC()
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	valid := false
	for _, t := range targets {
		valid = valid || t == c.Target
	}
	if !valid {
		return c, fmt.Errorf("-target=%q: want one of %s", c.Target, strings.Join(targets, ", "))
	}
	if c.embedded() && c.Target != "all" && c.Target != "gateway" {
		return c, fmt.Errorf("-target=%s needs REDIS_URL: only -target=all can run on the in-memory Redis", c.Target)
	}
	pprofOn, err := strconv.ParseBool(*pprof)
	if err != nil {
		return c, fmt.Errorf("-admin-pprof=%q: %w", *pprof, err)
	}
	c.AdminPprof = pprofOn
	c.Demo = c.embedded()
	if *demo != "" {
		b, err := strconv.ParseBool(*demo)
		if err != nil {
			return c, fmt.Errorf("-demo=%q: %w", *demo, err)
		}
		c.Demo = b
	}
	if !c.embedded() && c.JWKSFile == "" && c.JWKSURL == "" && c.Target != "gateway" {
		return c, fmt.Errorf("with REDIS_URL set (production mode) a JWKS is required: set -jwks-file or -jwks-url")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return c, fmt.Errorf("-tls-cert and -tls-key go together")
	}
	for _, o := range strings.Split(*origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.CORSOrigins = append(c.CORSOrigins, o)
		}
	}
	return c, nil
}
