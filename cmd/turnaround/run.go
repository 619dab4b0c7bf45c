package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/turnaround-sli/turnaround/gateway"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/clock"
	"github.com/turnaround-sli/turnaround/services/platform/disclosure"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
	"github.com/turnaround-sli/turnaround/services/platform/serve"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/telemetry"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// pageTokenTTL is how long a list's next_page_token stays usable.
const pageTokenTTL = 24 * time.Hour

// run starts what cfg.Target names and blocks until ctx is cancelled, then
// shuts everything down within the drain timeout.
func run(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	level, err := telemetry.ParseLevel(cfg.LogLevel)
	if err != nil {
		return err
	}
	log := telemetry.NewLogger(stderr, level)
	slog.SetDefault(log)

	tel, err := telemetry.Setup(ctx, telemetry.Config{ServiceName: "turnaround-" + cfg.Target, ServiceVersion: version})
	if err != nil {
		return fmt.Errorf("telemetry: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tel.Shutdown(sctx); err != nil {
			log.Warn("telemetry shutdown", "err", err)
		}
	}()

	disclosure.SetMinCouncils(cfg.Hardening.DisclosureMinCouncils)
	g, gctx := errgroup.WithContext(ctx)
	p := &process{cfg: cfg, log: log, group: g, now: time.Now}
	if !cfg.ClockStart.IsZero() {
		// The suite's clock starts at the configured instant and runs on in
		// real time, for rehearsals and demonstrations set on another date.
		started := time.Now()
		p.now = func() time.Time { return cfg.ClockStart.Add(time.Since(started)) }
		log.Warn("the suite's clock is set: dates are judged as if it were then", "clock_start", cfg.ClockStart)
	}
	// Once Redis is open, the suite's clock adds the offset DfE's
	// AdvanceClock moves (services/platform/clock; startServices).
	p.baseNow = p.now
	p.now = func() time.Time {
		if c := p.suiteClock.Load(); c != nil {
			return c.Now()
		}
		return p.baseNow()
	}

	admin, err := listen(cfg.AdminAddr)
	if err != nil {
		return err
	}
	p.serveHTTP(gctx, "admin", telemetry.AdminServer(cfg.AdminAddr, tel, cfg.adminOptions()...), gateway.LimitListener(admin, cfg.Hardening.AdminMaxConns))

	var grpcAddr string
	if cfg.Target != "gateway" {
		if grpcAddr, err = p.startServices(gctx); err != nil {
			return errors.Join(err, p.stop())
		}
	}
	var httpAddr string
	if cfg.Target == "all" || cfg.Target == "gateway" {
		upstreams, err := gatewayUpstreams(cfg, grpcAddr)
		if err != nil {
			return errors.Join(err, p.stop())
		}
		if httpAddr, err = p.startGateway(gctx, upstreams); err != nil {
			return errors.Join(err, p.stop())
		}
	}

	if cfg.embedded() && cfg.Target == "all" {
		log.Warn("data lives in memory: the embedded Redis keeps nothing when the process stops; set REDIS_URL to use a real Redis")
		if err := printBanner(stdout, "http://"+httpAddr, grpcAddr, "http://"+admin.Addr().String(), p.devKey); err != nil {
			return errors.Join(err, p.stop())
		}
	}
	log.Info("turnaround started", "target", cfg.Target, "grpc", grpcAddr, "http", httpAddr, "admin", admin.Addr().String(),
		"embedded_redis", cfg.embedded() && cfg.Target == "all", "version", version)

	err = g.Wait()
	return errors.Join(err, p.stop())
}

// process holds what run started, so it can be stopped in reverse order.
type process struct {
	cfg   config
	log   *slog.Logger
	group *errgroup.Group
	mini  *miniredis.Miniredis
	redis redis.UniversalClient
	// blockingRedis serves the consumers' and event streams' blocking reads.
	blockingRedis redis.UniversalClient
	// redisURL is the Redis in use (the embedded one's address included).
	redisURL string
	devKey   []byte
	closers  []func() error
	// now is the services' clock: time.Now, or the -clock-start clock,
	// plus the suite's clock offset once suiteClock is set.
	now func() time.Time
	// baseNow is the clock the suite's clock offsets: time.Now or the
	// -clock-start clock.
	baseNow func() time.Time
	// suiteClock is the suite's clock over Redis (startServices): the base
	// clock plus the offset AdvanceClock moves, outside production only.
	suiteClock atomic.Pointer[clock.Clock]
}

// production reports whether the process runs in production: on a
// configured Redis (REDIS_URL), without demo data (-demo) and without a
// rehearsal clock (-clock-start). In production the suite's clock is the
// wall clock and AdvanceClock is refused.
func (c config) production() bool {
	return !c.embedded() && !c.Demo && c.ClockStart.IsZero()
}

func (p *process) stop() error {
	var errs []error
	for i := len(p.closers) - 1; i >= 0; i-- {
		errs = append(errs, p.closers[i]())
	}
	return errors.Join(errs...)
}

func listen(addr string) (net.Listener, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	return lis, nil
}

// serveHTTP serves srv on lis until ctx ends, then shuts it down within the
// drain timeout.
func (p *process) serveHTTP(ctx context.Context, name string, srv *http.Server, lis net.Listener) {
	p.group.Go(func() error {
		err := srv.Serve(lis)
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("%s server: %w", name, err)
	})
	p.group.Go(func() error {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), p.cfg.DrainTimeout)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			// Requests still running are cut: say so, and exit non-zero.
			p.log.Error("http drain incomplete, closing", "server", name, "drain", p.cfg.DrainTimeout, "err", err)
			_ = srv.Close()
			return fmt.Errorf("%s server: drain did not finish within %s; open connections were closed", name, p.cfg.DrainTimeout)
		}
		return nil
	})
}

// openRedis connects to REDIS_URL, or starts the embedded Redis when none is
// set.
func (p *process) openRedis(ctx context.Context) error {
	url := p.cfg.RedisURL
	if p.cfg.embedded() {
		p.mini = miniredis.NewMiniRedis()
		if err := p.mini.StartAddr("127.0.0.1:0"); err != nil {
			return fmt.Errorf("start embedded redis: %w", err)
		}
		p.closers = append(p.closers, func() error { p.mini.Close(); return nil })
		url = "redis://" + p.mini.Addr()
	}
	c, err := store.Open(ctx, url)
	if err != nil {
		return err
	}
	p.redisURL = url
	p.redis = c
	p.closers = append(p.closers, c.Close)
	blocking, err := store.OpenBlocking(ctx, url)
	if err != nil {
		return err
	}
	p.blockingRedis = blocking
	p.closers = append(p.closers, blocking.Close)
	return nil
}

// pageCodec signs page tokens with the configured secret or, when none is
// configured, with one generated once and shared through Redis so every
// replica accepts every other's tokens.
func (p *process) pageCodec(ctx context.Context, ks keyspace.Keyspace) (*paging.Codec, error) {
	secret := []byte(p.cfg.PageSecret)
	if len(secret) == 0 {
		fresh := make([]byte, 32)
		if _, err := rand.Read(fresh); err != nil {
			return nil, err
		}
		key := ks.Key("config", "page-token-secret")
		if err := p.redis.SetNX(ctx, key, fresh, 0).Err(); err != nil {
			return nil, fmt.Errorf("page token secret: %w", err)
		}
		stored, err := p.redis.Get(ctx, key).Bytes()
		if err != nil {
			return nil, fmt.Errorf("page token secret: %w", err)
		}
		secret = stored
	}
	return paging.NewCodec(secret, pageTokenTTL)
}

func (p *process) verifier() (*auth.Verifier, error) {
	if p.cfg.embedded() {
		key, err := loadDevKey(p.cfg.DevKeyFile)
		if err != nil {
			return nil, fmt.Errorf("development key: %w", err)
		}
		p.devKey = key
		return auth.NewVerifier(auth.Config{DevKey: key, MaxLifetime: p.cfg.Hardening.tokenLifetime()})
	}
	return auth.NewVerifier(auth.Config{
		JWKSFile: p.cfg.JWKSFile, JWKSURL: p.cfg.JWKSURL, Issuer: p.cfg.JWTIssuer, Audience: p.cfg.JWTAudience,
		MaxLifetime: p.cfg.Hardening.tokenLifetime(),
	})
}

// startServices starts the gRPC server with the services cfg.Target names and
// returns its address.
func (p *process) startServices(ctx context.Context) (string, error) {
	if err := p.openRedis(ctx); err != nil {
		return "", err
	}
	ks := keyspace.Keyspace{Prefix: p.cfg.KeyPrefix}
	storeOpts, err := storeOptions(p.cfg.RedisURL)
	if err != nil {
		return "", err
	}
	pages, err := p.pageCodec(ctx, ks)
	if err != nil {
		return "", err
	}
	// On a standalone Redis that tracks keys, caches answer an unchanged
	// list from memory after one PING (store.Tracker); elsewhere there is
	// no tracker and they read Redis every time.
	tracker, err := store.OpenTracker(ctx, p.redisURL, ks.Prefix)
	if err != nil {
		return "", err
	}
	p.closers = append(p.closers, tracker.Close)
	storeOpts = append(storeOpts, store.WithTracker(tracker))
	p.log.Info("redis key tracking", "on", tracker != nil)
	// Listening first gives components that call other services in this
	// process (the all target) the real loopback address to dial.
	lis, err := listen(p.cfg.GRPCAddr)
	if err != nil {
		return "", err
	}
	p.closers = append(p.closers, func() error {
		if err := lis.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			return err
		}
		return nil
	})
	env := buildEnv{store: store.New(p.redis, ks, append(storeOpts, store.WithBlockingClient(p.blockingRedis))...), pages: pages, selfAddr: lis.Addr().String(), cfg: p.cfg}
	p.suiteClock.Store(clock.New(env.store, clock.Options{Base: p.baseNow, Movable: !p.cfg.production(), Logger: p.log}))

	comps := map[string]component{}
	var names []string
	policies := auth.Policies{}
	for _, b := range components {
		if p.cfg.Target != "all" && p.cfg.Target != b.target {
			continue
		}
		c, err := b.build(p, env)
		if err != nil {
			return "", fmt.Errorf("%s: %w", b.target, err)
		}
		comps[b.service] = c
		names = append(names, b.service)
		for m, pol := range c.Policies() {
			policies[m] = pol
		}
	}
	if err := policies.Validate(); err != nil {
		return "", err
	}

	v, err := p.verifier()
	if err != nil {
		return "", err
	}
	opts := serve.Options{
		Logger: p.log,
		// Text fields refuse control characters once the caller is known.
		Unary:  []grpc.UnaryServerInterceptor{auth.UnaryServerInterceptor(v, policies), rpc.TextUnaryInterceptor()},
		Stream: []grpc.StreamServerInterceptor{auth.StreamServerInterceptor(v, policies), rpc.TextStreamInterceptor()},
		// Tokens are checked before a message is read, and messages are
		// capped before they are decoded.
		InTap:           auth.TapHandle(v, policies),
		MaxRecvBytes:    p.cfg.Hardening.GRPCMaxRecvBytes,
		MaxRecvBytesFor: p.cfg.Hardening.methodRecvBytes,
	}
	tlsCfg := serve.TLSConfig{CertFile: p.cfg.TLSCert, KeyFile: p.cfg.TLSKey, CAFile: p.cfg.TLSClientCA}
	if tlsCfg.Enabled() {
		cred, err := serve.ServerCredentials(tlsCfg)
		if err != nil {
			return "", err
		}
		opts.ServerOptions = append(opts.ServerOptions, cred)
	}
	srv := serve.NewGRPCServer(opts)
	for _, name := range names {
		comps[name].Register(srv)
	}
	health := serve.NewHealth(func(ctx context.Context) error { return p.redis.Ping(ctx).Err() }, p.cfg.Hardening.HealthInterval, names...)
	health.Register(srv)

	// Seeding comes first: it tells each component whether demo data is
	// wanted before its background work starts. Events the demo data emits
	// wait in their streams until the relay and the consumers run.
	for _, name := range names {
		if err := comps[name].Seed(ctx, p.cfg.Demo); err != nil {
			return "", err
		}
	}
	relay := events.NewRelay(p.redis, ks, events.RelayOptions{Logger: p.log})
	p.group.Go(func() error { health.Run(ctx); return nil })
	p.group.Go(func() error { return relay.Run(ctx) })
	for _, name := range names {
		if r, ok := comps[name].(runner); ok {
			p.group.Go(func() error { return r.Run(ctx) })
		}
	}
	p.group.Go(func() error {
		err := serve.Serve(ctx, srv, lis, p.cfg.DrainTimeout, health.Shutdown)
		if errors.Is(err, serve.ErrDrainTimeout) {
			// The calls that were cut are logged one by one; the process
			// exits non-zero so the orchestrator records an unclean stop.
			p.log.Error("grpc drain timed out; remaining calls were stopped", "drain", p.cfg.DrainTimeout, "err", err)
		}
		return err
	})
	return lis.Addr().String(), nil
}

// startGateway starts the REST gateway in front of upstream and returns its
// address.
func (p *process) startGateway(ctx context.Context, upstreams map[string]string) (string, error) {
	dial := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if p.cfg.TLSCert != "" {
		cred, err := serve.ClientCredentials(serve.TLSConfig{CertFile: p.cfg.TLSCert, KeyFile: p.cfg.TLSKey, CAFile: p.cfg.TLSClientCA})
		if err != nil {
			return "", err
		}
		dial = []grpc.DialOption{cred}
	}
	gw, err := gateway.New(ctx, gateway.Config{
		Upstream:       upstreams[components[0].service],
		Upstreams:      upstreams,
		DialOptions:    dial,
		AllowedOrigins: p.cfg.CORSOrigins,
		MaxBodyBytes:   p.cfg.MaxBodyBytes,
		RequestTimeout: p.cfg.RequestTimeout,
		Logger:         p.log,
		Version:        version,
	})
	if err != nil {
		return "", fmt.Errorf("gateway: %w", err)
	}
	p.closers = append(p.closers, gw.Close)
	handler, err := p.withConsole(ctx, gw, upstreams, dial)
	if err != nil {
		return "", err
	}
	lis, err := listen(p.cfg.HTTPAddr)
	if err != nil {
		return "", err
	}
	srv := gateway.NewServer(handler, p.cfg.Hardening.serverConfig(p.cfg.RequestTimeout))
	p.serveHTTP(ctx, "gateway", srv, gateway.LimitListener(lis, p.cfg.Hardening.HTTPMaxConns))
	return lis.Addr().String(), nil
}
