// Package telemetry sets up what every Turnaround process reports about
// itself: OpenTelemetry traces and metrics configured by the standard OTEL_*
// environment variables, a Prometheus /metrics endpoint that works with no
// collector at all, JSON logs that carry trace and span ids, and the admin
// HTTP server that exposes them.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/contrib/exporters/autoexport"
	"go.opentelemetry.io/otel"
	promexporter "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// Config names the process in every span and metric it reports. The
// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES environment variables
// override these values, so operators can rename a deployment without a
// rebuild.
type Config struct {
	ServiceName    string
	ServiceVersion string
	// Logger, when set, receives OpenTelemetry's own errors (failed exports,
	// dropped spans) as structured records instead of the SDK's default
	// plain-text stderr output.
	Logger *slog.Logger
}

// Telemetry owns the tracer and meter providers that Setup installed. Call
// Shutdown before the process exits so buffered spans and metrics are sent.
type Telemetry struct {
	tracerProvider *sdktrace.TracerProvider
	meterProvider  *sdkmetric.MeterProvider
	registry       *prometheus.Registry

	shutdownOnce sync.Once
	shutdownErr  error
}

// Setup builds the tracer and meter providers, installs them and the W3C
// TraceContext and Baggage propagators as the OpenTelemetry globals, and
// returns a Telemetry to shut them down with.
//
// Exporters are chosen by go.opentelemetry.io/contrib/exporters/autoexport
// from the standard variables (OTEL_TRACES_EXPORTER, OTEL_METRICS_EXPORTER,
// OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL, ...), with one
// deliberate difference: autoexport defaults to OTLP, which on a laptop with
// no collector produces a stream of connection-refused errors. So:
//
//   - traces are exported only when OTEL_TRACES_EXPORTER,
//     OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is
//     set; otherwise spans are still created (their ids appear in logs and
//     propagate to other services) but neither recorded nor exported,
//     unless a caller's trace context says the caller samples them;
//   - metrics are pushed only when OTEL_METRICS_EXPORTER,
//     OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_METRICS_ENDPOINT is
//     set. OTEL_METRICS_EXPORTER=prometheus is honoured but starts
//     autoexport's own listener (OTEL_EXPORTER_PROMETHEUS_PORT, 9464) beside
//     MetricsHandler, so it is seldom what an operator wants here.
//
// A Prometheus reader is always attached, with Go runtime and process
// metrics, and served by MetricsHandler. Sampling follows OTEL_TRACES_SAMPLER
// (parent-based always-on by default) when traces are exported; without an
// exporter only spans of a caller's sampled trace are recorded.
func Setup(ctx context.Context, cfg Config) (*Telemetry, error) {
	if cfg.Logger != nil {
		logger := cfg.Logger
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
			logger.Error("opentelemetry", slog.Any("error", err))
		}))
	}

	res, err := newResource(ctx, cfg)
	if err != nil {
		return nil, err
	}

	registry := prometheus.NewRegistry()
	if err := registry.Register(collectors.NewGoCollector()); err != nil {
		return nil, fmt.Errorf("telemetry: register go collector: %w", err)
	}
	if err := registry.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, fmt.Errorf("telemetry: register process collector: %w", err)
	}
	promReader, err := promexporter.New(promexporter.WithRegisterer(registry))
	if err != nil {
		return nil, fmt.Errorf("telemetry: prometheus exporter: %w", err)
	}

	meterOpts := []sdkmetric.Option{sdkmetric.WithResource(res), sdkmetric.WithReader(promReader)}
	if metricsConfigured() {
		reader, err := autoexport.NewMetricReader(ctx)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("telemetry: metric exporter: %w", err), promReader.Shutdown(ctx))
		}
		if !autoexport.IsNoneMetricReader(reader) {
			meterOpts = append(meterOpts, sdkmetric.WithReader(reader))
		}
	}
	mp := sdkmetric.NewMeterProvider(meterOpts...)

	traceOpts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	exporting := false
	if tracesConfigured() {
		exp, err := autoexport.NewSpanExporter(ctx)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("telemetry: span exporter: %w", err), mp.Shutdown(ctx))
		}
		if !autoexport.IsNoneSpanExporter(exp) {
			traceOpts = append(traceOpts, sdktrace.WithBatcher(exp))
			exporting = true
		}
	}
	if !exporting {
		// Spans nobody exports are not recorded: they keep valid trace and
		// span ids (for logs and propagation), but the instrumentation
		// skips its work, such as a span per Redis command, which cost a
		// fifth of a write's CPU. A caller's sampled trace is still
		// recorded and passed on, so a trace through a process that
		// exports nothing keeps its later spans.
		traceOpts = append(traceOpts, sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.NeverSample())))
	}
	tp := sdktrace.NewTracerProvider(traceOpts...)

	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(
		propagation.TraceContext{}, propagation.Baggage{},
	))
	return &Telemetry{tracerProvider: tp, meterProvider: mp, registry: registry}, nil
}

// newResource describes this process. Detectors run in order and later ones
// win, so the environment overrides the compiled-in Config.
func newResource(ctx context.Context, cfg Config) (*resource.Resource, error) {
	var attrs []resource.Option
	if cfg.ServiceName != "" {
		attrs = append(attrs, resource.WithAttributes(semconv.ServiceName(cfg.ServiceName)))
	}
	if cfg.ServiceVersion != "" {
		attrs = append(attrs, resource.WithAttributes(semconv.ServiceVersion(cfg.ServiceVersion)))
	}
	opts := append([]resource.Option{
		resource.WithSchemaURL(semconv.SchemaURL),
		resource.WithTelemetrySDK(),
		resource.WithHost(),
		resource.WithProcessPID(),
		resource.WithProcessRuntimeName(),
		resource.WithProcessRuntimeVersion(),
	}, attrs...)
	opts = append(opts, resource.WithFromEnv())
	res, err := resource.New(ctx, opts...)
	// A partial resource (say, no hostname) still identifies the service;
	// only a malformed OTEL_RESOURCE_ATTRIBUTES or similar is fatal.
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, fmt.Errorf("telemetry: resource: %w", err)
	}
	return res, nil
}

func tracesConfigured() bool {
	return anySet("OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
}

func metricsConfigured() bool {
	return anySet("OTEL_METRICS_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
}

func anySet(keys ...string) bool {
	for _, k := range keys {
		if os.Getenv(k) != "" {
			return true
		}
	}
	return false
}

// MetricsHandler serves every OpenTelemetry metric plus Go runtime and
// process metrics in the Prometheus exposition format.
func (t *Telemetry) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(t.registry, promhttp.HandlerOpts{Registry: t.registry})
}

// Shutdown flushes buffered spans and metrics to their exporters and stops
// the providers. It is safe to call more than once; later calls return the
// first call's result.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	t.shutdownOnce.Do(func() {
		t.shutdownErr = errors.Join(t.tracerProvider.Shutdown(ctx), t.meterProvider.Shutdown(ctx))
		if t.shutdownErr != nil {
			t.shutdownErr = fmt.Errorf("telemetry: shutdown: %w", t.shutdownErr)
		}
	})
	return t.shutdownErr
}
