package telemetry

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// clearOTelEnv blanks every OTEL_* variable for the test, so a developer's
// own settings cannot change what Setup does. Empty counts as unset for both
// Setup and the OpenTelemetry SDK.
func clearOTelEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "OTEL_") {
			t.Setenv(k, "")
		}
	}
}

func setup(t *testing.T, cfg Config) *Telemetry {
	t.Helper()
	tel, err := Setup(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := tel.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return tel
}

func TestSetupWithoutEnvironment(t *testing.T) {
	clearOTelEnv(t)
	tel, err := Setup(context.Background(), Config{ServiceName: "turnaround-test", ServiceVersion: "v0.0.1"})
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	// Spans must be real (valid ids for logs and propagation) even though
	// nothing exports them.
	_, span := otel.Tracer("test").Start(context.Background(), "op")
	if !span.SpanContext().IsValid() {
		t.Error("global tracer produced an invalid span context")
	}
	span.End()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tel.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := tel.Shutdown(ctx); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
}

func TestSetupExporterSelection(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr bool
	}{
		{name: "explicit none", env: map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none"}},
		{name: "unknown trace exporter", env: map[string]string{"OTEL_TRACES_EXPORTER": "carrier-pigeon"}, wantErr: true},
		{name: "unknown metric exporter", env: map[string]string{"OTEL_METRICS_EXPORTER": "carrier-pigeon"}, wantErr: true},
		{name: "bad otlp protocol", env: map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_EXPORTER_OTLP_PROTOCOL": "smoke-signals",
		}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearOTelEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			tel, err := Setup(context.Background(), Config{ServiceName: "turnaround-test"})
			if (err != nil) != tt.wantErr {
				t.Fatalf("Setup error = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil {
				if err := tel.Shutdown(context.Background()); err != nil {
					t.Errorf("Shutdown: %v", err)
				}
			}
		})
	}
}

func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d: %s", rec.Code, rec.Body.String())
	}
	return rec.Body.String()
}

func TestMetricsHandler(t *testing.T) {
	clearOTelEnv(t)
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=test")
	tel := setup(t, Config{ServiceName: "turnaround-test", ServiceVersion: "v1.2.3"})

	counter, err := otel.Meter("turnaround/telemetry/test").Int64Counter("inspections_recorded",
		metric.WithDescription("Inspections recorded by the test."))
	if err != nil {
		t.Fatalf("counter: %v", err)
	}
	counter.Add(context.Background(), 3)
	counter.Add(context.Background(), 4)

	body := scrape(t, tel.MetricsHandler())
	for _, want := range []string{
		"# TYPE inspections_recorded_total counter",
		"inspections_recorded_total{",
		"} 7\n",
		`service_name="turnaround-test"`,
		`service_version="v1.2.3"`,
		`deployment_environment_name="test"`,
		"go_goroutines ",
		"process_cpu_seconds_total ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics output lacks %q\n%s", want, body)
		}
	}
}

func TestEnvironmentOverridesConfig(t *testing.T) {
	clearOTelEnv(t)
	t.Setenv("OTEL_SERVICE_NAME", "renamed-by-operator")
	tel := setup(t, Config{ServiceName: "turnaround-test"})
	body := scrape(t, tel.MetricsHandler())
	if !strings.Contains(body, `service_name="renamed-by-operator"`) || strings.Contains(body, `service_name="turnaround-test"`) {
		t.Errorf("OTEL_SERVICE_NAME did not win over Config.ServiceName:\n%s", body)
	}
}

func TestAdminServer(t *testing.T) {
	clearOTelEnv(t)
	tel := setup(t, Config{ServiceName: "turnaround-test"})
	tests := []struct {
		name string
		opts []AdminOption
		path string
		want int
	}{
		{name: "metrics", path: "/metrics", want: http.StatusOK},
		{name: "pprof off by default", path: "/debug/pprof/", want: http.StatusNotFound},
		{name: "pprof profile off by default", path: "/debug/pprof/cmdline", want: http.StatusNotFound},
		{name: "pprof on", opts: []AdminOption{WithPprof()}, path: "/debug/pprof/", want: http.StatusOK},
		{name: "pprof cmdline on", opts: []AdminOption{WithPprof()}, path: "/debug/pprof/cmdline", want: http.StatusOK},
		{name: "metrics with pprof", opts: []AdminOption{WithPprof()}, path: "/metrics", want: http.StatusOK},
		{name: "unknown path", path: "/", want: http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := AdminServer("127.0.0.1:0", tel, tt.opts...)
			ts := httptest.NewServer(srv.Handler)
			defer ts.Close()
			resp, err := http.Get(ts.URL + tt.path)
			if err != nil {
				t.Fatalf("GET %s: %v", tt.path, err)
			}
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("GET %s = %d, want %d", tt.path, resp.StatusCode, tt.want)
			}
			if tt.path == "/metrics" && !strings.Contains(string(body), "go_goroutines") {
				t.Errorf("/metrics body lacks go_goroutines")
			}
		})
	}
}

// TestAdminServerTimesEveryStage: the admin server bounds headers, the whole
// request, the response and idle connections, so a stalled client cannot
// hold a connection to it.
func TestAdminServerTimesEveryStage(t *testing.T) {
	clearOTelEnv(t)
	srv := AdminServer("127.0.0.1:0", setup(t, Config{ServiceName: "turnaround-test"}))
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 {
		t.Fatalf("admin server timeouts: header %s read %s write %s idle %s",
			srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	}
}

// TestSpansWithoutExporterAreNotRecorded checks that, with nothing to export
// them to, spans keep valid ids but are not recorded (so instrumentation
// such as the Redis client's skips its work), unless the caller's trace
// context says the caller samples the trace.
func TestSpansWithoutExporterAreNotRecorded(t *testing.T) {
	clearOTelEnv(t)
	tel, err := Setup(context.Background(), Config{ServiceName: "turnaround-test", ServiceVersion: "v0.0.1"})
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })

	_, root := otel.Tracer("test").Start(context.Background(), "root")
	defer root.End()
	if !root.SpanContext().IsValid() || root.IsRecording() {
		t.Errorf("a root span without an exporter: valid %v, recording %v; want valid and not recording",
			root.SpanContext().IsValid(), root.IsRecording())
	}

	sampled := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled, Remote: true,
	})
	_, child := otel.Tracer("test").Start(trace.ContextWithRemoteSpanContext(context.Background(), sampled), "child")
	defer child.End()
	if !child.IsRecording() || child.SpanContext().TraceID() != sampled.TraceID() {
		t.Errorf("a span of a caller's sampled trace: recording %v, trace %s; want recording in trace %s",
			child.IsRecording(), child.SpanContext().TraceID(), sampled.TraceID())
	}
}
