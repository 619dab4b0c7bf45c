package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

// TestRedisSpansCarryNoRecordContents writes a value through a client Open
// returns while every span is recorded, and checks that the Redis span
// names the command but no attribute holds the value.
func TestRedisSpansCarryNoRecordContents(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	c, ks := openInstrumented(t, sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)), nil)
	ctx := context.Background()
	const secret = "looked-after-child-named-in-a-record"
	if err := c.Set(ctx, ks.Key("tracing", "record"), secret, 0).Err(); err != nil {
		t.Fatal(err)
	}
	var set bool
	for _, s := range rec.Ended() {
		if s.Name() == "set" {
			set = true
		}
		for _, a := range s.Attributes() {
			if strings.Contains(a.Value.Emit(), secret) {
				t.Errorf("span %q attribute %s holds the record's contents: %q", s.Name(), a.Key, a.Value.Emit())
			}
		}
	}
	if !set {
		var names []string
		for _, s := range rec.Ended() {
			names = append(names, s.Name())
		}
		t.Errorf("no span named after the SET command; spans: %v", names)
	}
}

// TestRedisSpansFollowTheRequest checks that a command inside a request is
// traced only when the request is: a recorded request gets a client span per
// command and per pipeline, named by the command names; a request that is
// not recorded gets no Redis spans at all.
func TestRedisSpansFollowTheRequest(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	c, ks := openInstrumented(t, sdktrace.NewTracerProvider(
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.NeverSample())),
		sdktrace.WithSpanProcessor(rec)), nil)
	key := ks.Key("tracing", "follow")
	request := func(sampled bool) {
		flags := trace.TraceFlags(0)
		if sampled {
			flags = trace.FlagsSampled
		}
		parent := trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4, 5, 6}, TraceFlags: flags, Remote: true,
		})
		ctx, span := otel.Tracer("test").Start(trace.ContextWithRemoteSpanContext(context.Background(), parent), "request")
		defer span.End()
		_ = c.HMGet(ctx, key, "a").Err()
		p := c.Pipeline()
		p.HMGet(ctx, key, "a")
		p.Get(ctx, key+":2")
		p.HMGet(ctx, key, "b")
		_, _ = p.Exec(ctx)
	}

	request(false)
	if spans := rec.Ended(); len(spans) != 0 {
		var names []string
		for _, s := range spans {
			names = append(names, s.Name())
		}
		t.Fatalf("a request that is not recorded left %d spans, want none: %v", len(spans), names)
	}

	request(true)
	byName := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range rec.Ended() {
		byName[s.Name()] = s
	}
	req, ok := byName["request"]
	if !ok {
		t.Fatalf("the recorded request's span is missing; spans: %v", byName)
	}
	for name, batch := range map[string]int64{"hmget": 0, "redis.pipeline hmget get": 3} {
		s, ok := byName[name]
		if !ok {
			t.Errorf("no span %q; spans: %v", name, byName)
			continue
		}
		if s.Parent().SpanID() != req.SpanContext().SpanID() {
			t.Errorf("span %q is not a child of the request", name)
		}
		if s.SpanKind() != trace.SpanKindClient {
			t.Errorf("span %q has kind %v, want client", name, s.SpanKind())
		}
		attrs := map[attribute.Key]attribute.Value{}
		for _, a := range s.Attributes() {
			attrs[a.Key] = a.Value
		}
		if attrs["db.system"].AsString() != "redis" || attrs["server.address"].AsString() == "" {
			t.Errorf("span %q attributes %v lack db.system.name=redis and server.address", name, attrs)
		}
		if got := attrs["db.operation.batch.size"].AsInt64(); got != batch {
			t.Errorf("span %q batch size %d, want %d", name, got, batch)
		}
	}
}

// TestRedisDurationsAreMeasured checks the client's metrics: every command
// and pipeline is timed under its operation name, a missing key is told
// apart from a failure, and the connection pool is reported.
func TestRedisDurationsAreMeasured(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	c, ks := openInstrumented(t, nil, sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	ctx := context.Background()
	key := ks.Key("metrics", "record")
	for range 3 {
		if err := c.Set(ctx, key, "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Get(ctx, key+":missing").Err(); err != redis.Nil {
		t.Fatalf("GET of a missing key: %v, want redis.Nil", err)
	}
	p := c.Pipeline()
	p.Get(ctx, key)
	if _, err := p.Exec(ctx); err != nil {
		t.Fatal(err)
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	counts := map[string]uint64{} // "op/error.type" → count
	var pool bool
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch m.Name {
			case "db.client.operation.duration":
				h, ok := m.Data.(metricdata.Histogram[float64])
				if !ok {
					t.Fatalf("%s is %T, want a histogram", m.Name, m.Data)
				}
				for _, dp := range h.DataPoints {
					op, _ := dp.Attributes.Value("db.operation.name")
					errType, _ := dp.Attributes.Value("error.type")
					counts[op.AsString()+"/"+errType.AsString()] += dp.Count
				}
			case "db.client.connection.count":
				pool = true
			}
		}
	}
	for k, want := range map[string]uint64{"set/": 3, "get/nil": 1, "pipeline/": 1} {
		if counts[k] < want {
			t.Errorf("duration count for %s is %d, want at least %d; all: %v", k, counts[k], want, counts)
		}
	}
	if !pool {
		t.Error("no db.client.connection.count metric: the connection pool is not reported")
	}
}

// openInstrumented makes tp and mp (where not nil) the process's tracer and
// meter providers for the test, and opens a client as a service does, so
// the client reports to them.
func openInstrumented(t *testing.T, tp *sdktrace.TracerProvider, mp *sdkmetric.MeterProvider) (redis.UniversalClient, keyspace.Keyspace) {
	t.Helper()
	if tp != nil {
		prev := otel.GetTracerProvider()
		otel.SetTracerProvider(tp)
		t.Cleanup(func() { otel.SetTracerProvider(prev) })
	}
	if mp != nil {
		prev := otel.GetMeterProvider()
		otel.SetMeterProvider(mp)
		t.Cleanup(func() { otel.SetMeterProvider(prev) })
	}
	_, ks := redistest.New(t)
	c, err := store.Open(context.Background(), redistest.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, ks
}
