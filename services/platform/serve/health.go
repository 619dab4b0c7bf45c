package serve

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// Health is the standard gRPC health service with its status driven by a
// real dependency check (typically a Redis PING) rather than fixed at
// SERVING, so a replica that has lost its store is taken out of rotation.
type Health struct {
	server   *health.Server
	check    func(context.Context) error
	interval time.Duration
	services []string

	stopOnce sync.Once
	stopped  chan struct{}
}

// DefaultHealthInterval is the check interval NewHealth uses when given zero
// or less: frequent enough for a load balancer to react within seconds,
// rare enough to be no load on Redis.
const DefaultHealthInterval = 5 * time.Second

// NewHealth returns a Health reporting on the overall server ("") and each
// named service (full proto names, e.g. "turnaround.inspection.v1.InspectionService").
// Every status starts NOT_SERVING until Run's first check passes, so a
// replica never receives traffic before it has reached its dependencies.
func NewHealth(check func(ctx context.Context) error, interval time.Duration, services ...string) *Health {
	if interval <= 0 {
		interval = DefaultHealthInterval
	}
	h := &Health{
		server:   health.NewServer(),
		check:    check,
		interval: interval,
		services: append([]string{""}, services...),
		stopped:  make(chan struct{}),
	}
	for _, s := range h.services {
		h.server.SetServingStatus(s, healthpb.HealthCheckResponse_NOT_SERVING)
	}
	return h
}

// Register adds the grpc.health.v1.Health service to s.
func (h *Health) Register(s grpc.ServiceRegistrar) {
	healthpb.RegisterHealthServer(s, h.server)
}

// Run checks at once and then every interval until ctx is done or Shutdown
// is called, setting every status to SERVING when the check passes and
// NOT_SERVING when it fails. Each check may take at most one interval: one
// that takes longer counts as failed, so a status follows an outage or a
// hang within two intervals and a recovery within one.
// Changes are logged through slog.Default().
func (h *Health) Run(ctx context.Context) {
	ticker := time.NewTicker(h.interval)
	defer ticker.Stop()
	var last healthpb.HealthCheckResponse_ServingStatus
	for {
		last = h.probe(ctx, last)
		select {
		case <-ctx.Done():
			return
		case <-h.stopped:
			return
		case <-ticker.C:
		}
	}
}

// probe runs one check and publishes its outcome, logging only transitions
// so a steady state costs no log lines.
func (h *Health) probe(ctx context.Context, last healthpb.HealthCheckResponse_ServingStatus) healthpb.HealthCheckResponse_ServingStatus {
	checkCtx, cancel := context.WithTimeout(ctx, h.interval)
	err := h.bounded(checkCtx)
	cancel()
	if ctx.Err() != nil {
		// The check failed because we are stopping, not because the
		// dependency is down; leave the status to Shutdown.
		return last
	}
	next := healthpb.HealthCheckResponse_SERVING
	if err != nil {
		next = healthpb.HealthCheckResponse_NOT_SERVING
	}
	// A Shutdown racing with this probe wins: the grpc health server ignores
	// updates once shut down.
	for _, s := range h.services {
		h.server.SetServingStatus(s, next)
	}
	if next != last {
		if err != nil {
			slog.Default().WarnContext(ctx, "health check failing", slog.String("status", next.String()), slog.String("error", err.Error()))
		} else {
			slog.Default().InfoContext(ctx, "health check passing", slog.String("status", next.String()))
		}
	}
	return next
}

// bounded runs the check but gives up when ctx ends, even if the check
// ignores its context (a client blocked on a paused server), so a hung
// dependency turns NOT_SERVING within one interval.
func (h *Health) bounded(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- h.check(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("health check: %w", ctx.Err())
	}
}

// Shutdown sets every status to NOT_SERVING for good and stops Run. Call it
// as graceful shutdown begins so load balancers drain this replica while
// in-flight calls finish.
func (h *Health) Shutdown() {
	h.stopOnce.Do(func() {
		close(h.stopped)
		h.server.Shutdown()
	})
}
