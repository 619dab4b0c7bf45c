package store

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// instrumentation is the name the store's spans and metrics carry.
const instrumentation = "github.com/turnaround-sli/turnaround/services/platform/store"

// telemetry is the client's tracing and metrics hook. Every request reaches
// Redis one or more times, so the hook is built to cost little when nothing
// is recorded:
//
//   - A span is started only where it can be recorded: a command inside a
//     request follows the request's sampling decision (a request whose span
//     is not recorded, the default when no exporter is set, gets no Redis
//     spans and pays nothing for them); a command outside any request, such
//     as a consumer's read, asks the tracer's sampler.
//   - A span names its command ("hmget", or "redis.pipeline hmget evalsha"),
//     never the command line: the line holds records' contents, which traces
//     must not carry.
//   - The duration histogram's attribute sets are built once per command
//     name and outcome, not per call.
type telemetry struct {
	tracer   trace.Tracer
	duration metric.Float64Histogram
	server   []attribute.KeyValue
	// sets caches the metric attribute set of each (operation, outcome).
	sets sync.Map // setKey → attribute.Set
}

type setKey struct{ op, outcome string }

// instrument adds the telemetry hook to c and registers its connection-pool
// gauges. addr names the server (or the first of several) in span attributes.
func instrument(c redis.UniversalClient, addr string) error {
	meter := otel.GetMeterProvider().Meter(instrumentation)
	duration, err := meter.Float64Histogram("db.client.operation.duration",
		metric.WithUnit("s"),
		metric.WithDescription("Time a Redis command or pipeline took, from the client's side."),
		metric.WithExplicitBucketBoundaries(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
	if err != nil {
		return err
	}
	t := &telemetry{
		tracer:   otel.GetTracerProvider().Tracer(instrumentation),
		duration: duration,
		server:   serverAttributes(addr),
	}
	if err := registerPoolGauges(meter, c, addr); err != nil {
		return err
	}
	c.AddHook(t)
	return nil
}

// serverAttributes are the span attributes that say which Redis a span
// talked to.
func serverAttributes(addr string) []attribute.KeyValue {
	attrs := []attribute.KeyValue{attribute.String("db.system", "redis")}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return append(attrs, attribute.String("server.address", addr))
	}
	return append(attrs, attribute.String("server.address", host), attribute.String("server.port", port))
}

// DialHook implements redis.Hook; dialling is timed by the pool gauges.
func (t *telemetry) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook for one command.
func (t *telemetry) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		op := cmd.FullName()
		var span trace.Span
		if t.sampled(ctx) {
			ctx, span = t.start(ctx, op, 1)
		}
		start := time.Now()
		err := next(ctx, cmd)
		t.finish(ctx, span, op, start, err)
		return err
	}
}

// ProcessPipelineHook implements redis.Hook for a pipeline or a
// transaction.
func (t *telemetry) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		var span trace.Span
		if t.sampled(ctx) { // the name is built only for a span
			ctx, span = t.start(ctx, pipelineName(cmds), len(cmds))
		}
		start := time.Now()
		err := next(ctx, cmds)
		t.finish(ctx, span, "pipeline", start, err)
		return err
	}
}

// sampled reports whether a span started in ctx may be recorded: inside a
// request, only if the request's span is; outside any, as the sampler says.
func (t *telemetry) sampled(ctx context.Context) bool {
	parent := trace.SpanContextFromContext(ctx)
	return !parent.IsValid() || trace.SpanFromContext(ctx).IsRecording()
}

// start starts the span of a command or pipeline, where sampled says one
// could be recorded.
func (t *telemetry) start(ctx context.Context, name string, commands int) (context.Context, trace.Span) {
	ctx, span := t.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient))
	if span.IsRecording() {
		span.SetAttributes(t.server...)
		if commands > 1 {
			span.SetAttributes(attribute.Int("db.operation.batch.size", commands))
		}
	}
	return ctx, span
}

// finish ends span (when there is one) and records the duration.
func (t *telemetry) finish(ctx context.Context, span trace.Span, op string, start time.Time, err error) {
	outcome := outcomeOf(err)
	if span != nil {
		if outcome != "ok" && outcome != "nil" {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
	}
	t.duration.Record(ctx, time.Since(start).Seconds(), metric.WithAttributeSet(t.set(op, outcome)))
}

// set is the metric attribute set of op with outcome, built once.
func (t *telemetry) set(op, outcome string) attribute.Set {
	k := setKey{op, outcome}
	if s, ok := t.sets.Load(k); ok {
		return s.(attribute.Set)
	}
	attrs := []attribute.KeyValue{
		attribute.String("db.system", "redis"),
		attribute.String("db.operation.name", op),
	}
	if outcome != "ok" {
		attrs = append(attrs, attribute.String("error.type", outcome))
	}
	s, _ := t.sets.LoadOrStore(k, attribute.NewSet(attrs...))
	return s.(attribute.Set)
}

// outcomeOf names how a command ended, from a short fixed list so the
// histogram's series stay few: ok, nil (a missing key, not a failure),
// timeout, canceled, unavailable (what Unavailable classifies as an outage)
// or error.
func outcomeOf(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, redis.Nil):
		return "nil"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case Unavailable(err):
		return "unavailable"
	default:
		return "error"
	}
}

// pipelineName is a pipeline's span name: its command names in order, each
// once.
func pipelineName(cmds []redis.Cmder) string {
	var b strings.Builder
	b.WriteString("redis.pipeline")
	seen := make([]string, 0, 4)
	for _, c := range cmds {
		n := c.FullName()
		if len(seen) < 8 && !contains(seen, n) {
			seen = append(seen, n)
			b.WriteByte(' ')
			b.WriteString(n)
		}
	}
	return b.String()
}

func contains(names []string, n string) bool {
	for _, s := range names {
		if s == n {
			return true
		}
	}
	return false
}

// registerPoolGauges reports the client's connection pool: connections by
// state, and the pool's cumulative waits, timeouts, hits and misses.
func registerPoolGauges(meter metric.Meter, c redis.UniversalClient, addr string) error {
	pool := attribute.String("db.client.connection.pool.name", addr)
	idle := metric.WithAttributeSet(attribute.NewSet(pool, attribute.String("db.client.connection.state", "idle")))
	used := metric.WithAttributeSet(attribute.NewSet(pool, attribute.String("db.client.connection.state", "used")))
	ofPool := metric.WithAttributeSet(attribute.NewSet(pool))

	count, err := meter.Int64ObservableUpDownCounter("db.client.connection.count",
		metric.WithDescription("Connections in the Redis pool, by state."))
	if err != nil {
		return err
	}
	// The pool's cumulative counts, each read from its PoolStats field.
	counters := []struct {
		name, description string
		value             func(*redis.PoolStats) uint32
		c                 metric.Int64ObservableCounter
	}{
		{"db.client.connection.timeouts", "Times a command waited for a pooled connection longer than pool_timeout.",
			func(s *redis.PoolStats) uint32 { return s.Timeouts }, nil},
		{"db.client.connection.waits", "Times a command waited for a pooled connection.",
			func(s *redis.PoolStats) uint32 { return s.WaitCount }, nil},
		{"db.client.connection.hits", "Times a free connection was found in the pool.",
			func(s *redis.PoolStats) uint32 { return s.Hits }, nil},
		{"db.client.connection.misses", "Times no free connection was found in the pool.",
			func(s *redis.PoolStats) uint32 { return s.Misses }, nil},
	}
	instruments := []metric.Observable{count}
	for i := range counters {
		if counters[i].c, err = meter.Int64ObservableCounter(counters[i].name, metric.WithDescription(counters[i].description)); err != nil {
			return err
		}
		instruments = append(instruments, counters[i].c)
	}
	_, err = meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		s := c.PoolStats()
		o.ObserveInt64(count, int64(s.IdleConns), idle)
		o.ObserveInt64(count, int64(s.TotalConns)-int64(s.IdleConns), used)
		for _, ctr := range counters {
			o.ObserveInt64(ctr.c, int64(ctr.value(s)), ofPool)
		}
		return nil
	}, instruments...)
	return err
}
