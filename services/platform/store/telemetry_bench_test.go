package store

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// BenchmarkTelemetryHook measures what the telemetry hook adds to a request's
// Redis work (a pipeline of two commands and one command) inside a request
// whose span is not recorded, the default without an exporter. The commands
// stop at an innermost hook, so only the hooks are timed, not the network:
// compare "with" against "without".
func BenchmarkTelemetryHook(b *testing.B) {
	for _, bc := range []struct {
		name       string
		instrument bool
	}{{"without", false}, {"with", true}} {
		b.Run(bc.name, func(b *testing.B) {
			prevT, prevM := otel.GetTracerProvider(), otel.GetMeterProvider()
			otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.NeverSample()))))
			otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())))
			b.Cleanup(func() { otel.SetTracerProvider(prevT); otel.SetMeterProvider(prevM) })
			c := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{"127.0.0.1:1"}})
			defer c.Close()
			if bc.instrument {
				if err := instrument(c, "127.0.0.1:1"); err != nil {
					b.Fatal(err)
				}
			}
			c.AddHook(answerNothing{})
			ctx, span := otel.Tracer("request").Start(context.Background(), "request")
			defer span.End()
			b.ReportAllocs()
			for b.Loop() {
				p := c.Pipeline()
				p.HMGet(ctx, "k", "a", "b")
				p.Get(ctx, "k2")
				_, _ = p.Exec(ctx)
				_ = c.Get(ctx, "k3").Err()
			}
		})
	}
}

// answerNothing is an innermost hook that ends every command before it
// reaches the network.
type answerNothing struct{}

func (answerNothing) DialHook(next redis.DialHook) redis.DialHook { return next }
func (answerNothing) ProcessHook(redis.ProcessHook) redis.ProcessHook {
	return func(context.Context, redis.Cmder) error { return nil }
}
func (answerNothing) ProcessPipelineHook(redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(context.Context, []redis.Cmder) error { return nil }
}
