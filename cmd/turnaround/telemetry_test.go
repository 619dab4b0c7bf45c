package main

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// Instrumentation scopes of the libraries whose spans make up a request's
// trace.
const (
	otlpScopeHTTP   = "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	otlpScopeGRPC   = "go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	otlpScopeRedis  = "github.com/turnaround-sli/turnaround/services/platform/store"
	otlpScopeEvents = "github.com/turnaround-sli/turnaround/services/platform/events"
)

// telemetryWait bounds every wait for spans or metrics: generous, because a
// -race binary on a loaded machine is slow, and a passing test never waits
// it out.
const telemetryWait = 30 * time.Second

// otlpSpan is what the tests need of one received OTLP span.
type otlpSpan struct {
	traceID, spanID, parentID string
	name                      string
	kind                      tracepb.Span_SpanKind
	scope                     string
	service                   string
	attrs                     map[string]string
	links                     []otlpSpanRef
}

// otlpSpanRef names a span by its trace and span ids, both in hex.
type otlpSpanRef struct{ traceID, spanID string }

func (s otlpSpan) String() string {
	return fmt.Sprintf("%s %q (%s, scope %s, id %s, parent %q)", s.kind, s.name, s.service, s.scope, s.spanID, s.parentID)
}

// otlpReceiver is an OTLP/HTTP trace endpoint: it accepts the protobuf
// ExportTraceServiceRequests the binary's exporter posts to /v1/traces and
// keeps every span.
type otlpReceiver struct {
	url string

	mu       sync.Mutex
	spans    []otlpSpan
	failures []string
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	t.Helper()
	r := &otlpReceiver{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/traces", r.export)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	r.url = srv.URL
	return r
}

func (r *otlpReceiver) export(w http.ResponseWriter, req *http.Request) {
	var body io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(req.Body)
		if err != nil {
			r.fail(w, fmt.Sprintf("gzip: %v", err))
			return
		}
		defer zr.Close()
		body = zr
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		r.fail(w, fmt.Sprintf("read: %v", err))
		return
	}
	if ct := req.Header.Get("Content-Type"); ct != "application/x-protobuf" {
		r.fail(w, fmt.Sprintf("content type %q, want application/x-protobuf", ct))
		return
	}
	var msg coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(raw, &msg); err != nil {
		r.fail(w, fmt.Sprintf("decode: %v", err))
		return
	}
	var got []otlpSpan
	for _, rs := range msg.GetResourceSpans() {
		attrs := otlpAttributes(rs.GetResource().GetAttributes())
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				sp := otlpSpan{
					traceID:  hex.EncodeToString(s.GetTraceId()),
					spanID:   hex.EncodeToString(s.GetSpanId()),
					parentID: hex.EncodeToString(s.GetParentSpanId()),
					name:     s.GetName(),
					kind:     s.GetKind(),
					scope:    ss.GetScope().GetName(),
					service:  attrs["service.name"],
					attrs:    otlpAttributes(s.GetAttributes()),
				}
				for _, l := range s.GetLinks() {
					sp.links = append(sp.links, otlpSpanRef{hex.EncodeToString(l.GetTraceId()), hex.EncodeToString(l.GetSpanId())})
				}
				got = append(got, sp)
			}
		}
	}
	r.mu.Lock()
	r.spans = append(r.spans, got...)
	r.mu.Unlock()

	out, err := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	if err != nil {
		r.fail(w, fmt.Sprintf("encode response: %v", err))
		return
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// fail answers a request the receiver could not read, and remembers why so
// the test can report it: a malformed export is a failure of the pipeline.
func (r *otlpReceiver) fail(w http.ResponseWriter, why string) {
	r.mu.Lock()
	r.failures = append(r.failures, why)
	r.mu.Unlock()
	http.Error(w, why, http.StatusBadRequest)
}

// snapshot returns the spans received so far and the exports refused.
func (r *otlpReceiver) snapshot() ([]otlpSpan, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.spans), slices.Clone(r.failures)
}

// await polls the received spans until find reports success, and fails the
// test with find's last explanation if that does not happen in time.
func (r *otlpReceiver) await(t *testing.T, what string, find func([]otlpSpan) (bool, string)) {
	t.Helper()
	stop := time.Now().Add(telemetryWait)
	for {
		spans, failures := r.snapshot()
		if len(failures) > 0 {
			t.Fatalf("the receiver refused exports: %v", failures)
		}
		ok, why := find(spans)
		if ok {
			return
		}
		if time.Now().After(stop) {
			t.Fatalf("%s: not seen within %v (%d spans received): %s", what, telemetryWait, len(spans), why)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// otlpAttributes flattens OTLP attributes to strings, which is all the tests
// compare.
func otlpAttributes(kvs []*commonpb.KeyValue) map[string]string {
	out := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		v := kv.GetValue()
		switch v.GetValue().(type) {
		case *commonpb.AnyValue_StringValue:
			out[kv.GetKey()] = v.GetStringValue()
		case *commonpb.AnyValue_IntValue:
			out[kv.GetKey()] = fmt.Sprint(v.GetIntValue())
		case *commonpb.AnyValue_BoolValue:
			out[kv.GetKey()] = fmt.Sprint(v.GetBoolValue())
		case *commonpb.AnyValue_DoubleValue:
			out[kv.GetKey()] = fmt.Sprint(v.GetDoubleValue())
		default:
			out[kv.GetKey()] = v.String()
		}
	}
	return out
}

// otlpTrace returns the spans of one trace, by span id.
func otlpTrace(spans []otlpSpan, traceID string) map[string]otlpSpan {
	out := map[string]otlpSpan{}
	for _, s := range spans {
		if s.traceID == traceID {
			out[s.spanID] = s
		}
	}
	return out
}

// otlpDescends reports whether s is the span with id ancestor or one of its
// descendants, following parent ids through the spans of one trace (bounded,
// so a malformed trace cannot loop).
func otlpDescends(tr map[string]otlpSpan, s otlpSpan, ancestor string) bool {
	for range len(tr) + 1 {
		if s.spanID == ancestor {
			return true
		}
		p, ok := tr[s.parentID]
		if !ok {
			return false
		}
		s = p
	}
	return false
}

// otlpGatewaySpan finds the REST gateway's server span of the request the
// test tagged with requestID (the gateway records X-Request-Id on its span).
func otlpGatewaySpan(spans []otlpSpan, requestID string) (otlpSpan, bool) {
	for _, s := range spans {
		if s.scope == otlpScopeHTTP && s.kind == tracepb.Span_SPAN_KIND_SERVER && s.attrs["turnaround.request_id"] == requestID {
			return s, true
		}
	}
	return otlpSpan{}, false
}

// otlpDescribe lists a trace's spans for a failure message.
func otlpDescribe(tr map[string]otlpSpan) string {
	lines := make([]string, 0, len(tr))
	for _, s := range tr {
		lines = append(lines, s.String())
	}
	sort.Strings(lines)
	return "\n  " + strings.Join(lines, "\n  ")
}

// doTagged is instance.do with an X-Request-Id, which lets the test find the
// request's spans by the attribute the gateway records.
func (in *instance) doTagged(t *testing.T, method, path, token, requestID string, body, out any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, in.http+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-Request-Id", requestID)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode, raw
}

// telemetryMetricsURL finds the admin port's /metrics URL in the banner.
var telemetryMetricsURL = regexp.MustCompile(`Metrics\s+(http://\S+/metrics)`)

// telemetryMetricsEndpoint waits for the banner on the process's standard output,
// which is copied to the test asynchronously, and returns its metrics URL.
func telemetryMetricsEndpoint(t *testing.T, in *instance) string {
	t.Helper()
	stop := time.Now().Add(telemetryWait)
	for {
		if m := telemetryMetricsURL.FindStringSubmatch(in.stdout.String()); m != nil {
			return m[1]
		}
		if time.Now().After(stop) {
			t.Fatalf("banner names no metrics URL:\n%s", in.stdout.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// telemetryScrape reads the admin port's /metrics and parses the exposition.
func telemetryScrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", url, resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return families
}

// telemetrySeries returns the metrics of family name whose labels include want.
func telemetrySeries(families map[string]*dto.MetricFamily, name string, want map[string]string) []*dto.Metric {
	var out []*dto.Metric
	for _, m := range families[name].GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			if have[k] != v {
				match = false
				break
			}
		}
		if match {
			out = append(out, m)
		}
	}
	return out
}

// telemetrySampleCount totals the observations of the histogram series matching
// want.
func telemetrySampleCount(families map[string]*dto.MetricFamily, name string, want map[string]string) uint64 {
	var n uint64
	for _, m := range telemetrySeries(families, name, want) {
		n += m.GetHistogram().GetSampleCount()
	}
	return n
}

// TestTelemetry runs the binary with its trace exporter pointed at an
// in-test OTLP receiver and proves what an operator relies on: one REST call
// is one trace from the gateway through the service to Redis, an event's
// consumer span links to the span that published it, and the admin port
// exposes RED metrics per RPC and each consumer group's lag.
func TestTelemetry(t *testing.T) {
	otlp := newOTLPReceiver(t)
	keyFile := filepath.Join(t.TempDir(), "dev.key")
	in := start(t, []string{
		"TURNAROUND_DEV_KEY_FILE=" + keyFile,
		"REDIS_URL=",
		"OTEL_TRACES_EXPORTER=otlp",
		"OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
		"OTEL_EXPORTER_OTLP_ENDPOINT=" + otlp.url,
		// Signal-specific settings from the test's own environment would
		// win over the ones above.
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=",
		"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=",
		"OTEL_TRACES_SAMPLER=parentbased_always_on",
		// Flush every 100 ms, and queue enough that the demo data's burst of
		// Redis spans at start-up cannot crowd out the ones under test.
		"OTEL_BSP_SCHEDULE_DELAY=100",
		"OTEL_BSP_MAX_QUEUE_SIZE=100000",
		"OTEL_METRICS_EXPORTER=none",
	})
	metricsURL := telemetryMetricsEndpoint(t, in)
	reader := devToken(t, keyFile, "-role", "partner_system")

	t.Run("one REST call is one trace from the gateway through the service to Redis", func(t *testing.T) {
		const method = "turnaround.inspection.v1.InspectionService/GetLocalAuthority"
		requestID := "telemetry-get-" + rand.Text()
		if code, body := in.doTagged(t, http.MethodGet, "/v1/localAuthorities/E08000035", reader, requestID, nil, nil); code != http.StatusOK {
			t.Fatalf("GET council = %d: %s", code, body)
		}
		otlp.await(t, "gateway → gRPC client → gRPC server → Redis in one trace", func(spans []otlpSpan) (bool, string) {
			gw, ok := otlpGatewaySpan(spans, requestID)
			if !ok {
				return false, "no gateway span with the request's X-Request-Id"
			}
			tr := otlpTrace(spans, gw.traceID)
			if gw.parentID != "" {
				return false, fmt.Sprintf("the gateway span has parent %s: the request did not start the trace", gw.parentID)
			}
			if route := gw.attrs["http.route"]; !strings.Contains(route, "localAuthorities/") || gw.name != "GET "+route {
				return false, fmt.Sprintf("gateway span %s is not named after its route %q", gw, route)
			}
			var client, server otlpSpan
			for _, s := range tr {
				if s.scope == otlpScopeGRPC && s.name == method && s.kind == tracepb.Span_SPAN_KIND_CLIENT && otlpDescends(tr, s, gw.spanID) {
					client = s
				}
			}
			if client.spanID == "" {
				return false, "no gRPC client span under the gateway span:" + otlpDescribe(tr)
			}
			for _, s := range tr {
				if s.scope == otlpScopeGRPC && s.name == method && s.kind == tracepb.Span_SPAN_KIND_SERVER && s.parentID == client.spanID {
					server = s
				}
			}
			if server.spanID == "" {
				return false, "no gRPC server span child of the gateway's client span:" + otlpDescribe(tr)
			}
			if server.attrs["rpc.system.name"] != "grpc" && server.attrs["rpc.system"] != "grpc" {
				return false, fmt.Sprintf("server span attributes %v name no rpc system", server.attrs)
			}
			for _, s := range tr {
				if s.scope == otlpScopeRedis && s.kind == tracepb.Span_SPAN_KIND_CLIENT && s.attrs["db.system"] == "redis" && otlpDescends(tr, s, server.spanID) {
					for _, hop := range []otlpSpan{gw, client, server, s} {
						if hop.service != "turnaround-all" {
							return false, fmt.Sprintf("%s reports service %q, want turnaround-all", hop, hop.service)
						}
					}
					t.Logf("trace %s: %s → %s → %s → %s", gw.traceID, gw.name, client.name, server.name, s.name)
					return true, ""
				}
			}
			return false, "no Redis span under the gRPC server span:" + otlpDescribe(tr)
		})
	})

	t.Run("a consumer span links to the span that published its event", func(t *testing.T) {
		inspector := devToken(t, keyFile, "-role", "ofsted_inspector")
		date := func(y, m, d int) map[string]int { return map[string]int{"year": y, "month": m, "day": d} }
		graded := func(g string) map[string]string {
			return map[string]string{"grade": g, "narrative": "Inspectors found " + g}
		}
		var ins struct {
			Name string `json:"name"`
			Etag string `json:"etag"`
		}
		if code, body := in.doTagged(t, http.MethodPost, "/v1/localAuthorities/E08000035/inspections?request_id=telemetry-create-"+rand.Text(), inspector, "telemetry-create-"+rand.Text(),
			map[string]any{"framework": "FRAMEWORK_SIF", "start_date": date(2015, 10, 12), "end_date": date(2015, 11, 6), "lead_inspector": "A. Inspector"}, &ins); code != http.StatusOK {
			t.Fatalf("create inspection = %d: %s", code, body)
		}
		if code, body := in.doTagged(t, http.MethodPatch, "/v1/"+ins.Name, inspector, "telemetry-update-"+rand.Text(), map[string]any{
			"etag": ins.Etag,
			"judgement": map[string]any{
				"overall_effectiveness": graded("GRADE_INADEQUATE"), "help_and_protection": graded("GRADE_INADEQUATE"),
				"looked_after_and_permanence": graded("GRADE_REQUIRES_IMPROVEMENT"), "adoption_performance": graded("GRADE_GOOD"),
				"care_leavers": graded("GRADE_REQUIRES_IMPROVEMENT"), "leadership_management_governance": graded("GRADE_INADEQUATE"),
				"lscb_review": graded("GRADE_REQUIRES_IMPROVEMENT"),
			},
		}, &ins); code != http.StatusOK {
			t.Fatalf("record judgement = %d: %s", code, body)
		}
		requestID := "telemetry-publish-" + rand.Text()
		if code, body := in.doTagged(t, http.MethodPost, "/v1/"+ins.Name+":publishJudgement", inspector, requestID,
			map[string]any{"etag": ins.Etag, "publish_date": date(2015, 12, 10), "request_id": requestID}, nil); code != http.StatusOK {
			t.Fatalf("publish judgement = %d: %s", code, body)
		}

		// Both groups that consume the inspection topic must link back.
		for _, group := range []string{"improvementplan", "peerreview"} {
			otlp.await(t, "the "+group+" consumer span linked to the publishing request", func(spans []otlpSpan) (bool, string) {
				gw, ok := otlpGatewaySpan(spans, requestID)
				if !ok {
					return false, "no gateway span with the publishing request's X-Request-Id"
				}
				published := otlpTrace(spans, gw.traceID)
				var rpc otlpSpan
				for _, s := range published {
					if s.scope == otlpScopeGRPC && s.kind == tracepb.Span_SPAN_KIND_SERVER && s.name == "turnaround.inspection.v1.InspectionService/PublishJudgement" {
						rpc = s
					}
				}
				if rpc.spanID == "" {
					return false, "no PublishJudgement server span in the publishing trace:" + otlpDescribe(published)
				}
				var consumers []string
				for _, s := range spans {
					if s.scope != otlpScopeEvents || s.kind != tracepb.Span_SPAN_KIND_CONSUMER || s.name != "process inspection" ||
						s.attrs["messaging.consumer.group.name"] != group || s.attrs["turnaround.event.subject"] != ins.Name ||
						s.attrs["turnaround.event.type"] != "turnaround.events.v1.JudgementPublished" {
						continue
					}
					consumers = append(consumers, s.String())
					if s.traceID == gw.traceID {
						return false, fmt.Sprintf("consumer span %s is in the publisher's trace; it should start its own and link", s)
					}
					for _, l := range s.links {
						linked, ok := published[l.spanID]
						if l.traceID == gw.traceID && ok && otlpDescends(published, linked, rpc.spanID) {
							t.Logf("%s links to %s in trace %s", s, linked, gw.traceID)
							return true, ""
						}
					}
					return false, fmt.Sprintf("consumer span %s links to %v, not to a span of the publishing RPC in trace %s:%s",
						s, s.links, gw.traceID, otlpDescribe(published))
				}
				return false, fmt.Sprintf("no consumer span of group %s for %s yet (%d others)", group, ins.Name, len(consumers))
			})
		}
	})

	t.Run("RED metrics per RPC and consumer lag on the admin port", func(t *testing.T) {
		const method = "turnaround.inspection.v1.InspectionService/GetLocalAuthority"
		before := telemetryScrape(t, metricsURL)
		for range 3 {
			if code, body := in.doTagged(t, http.MethodGet, "/v1/localAuthorities/E08000035", reader, "telemetry-red-"+rand.Text(), nil, nil); code != http.StatusOK {
				t.Fatalf("GET council = %d: %s", code, body)
			}
		}
		for range 2 {
			if code, body := in.doTagged(t, http.MethodGet, "/v1/localAuthorities/E08999999", reader, "telemetry-red-"+rand.Text(), nil, nil); code != http.StatusNotFound {
				t.Fatalf("GET unknown council = %d, want 404: %s", code, body)
			}
		}

		// Rate and errors are the histograms' counts by status code, and
		// duration their buckets: on the service (gRPC server), on the
		// gateway's upstream call (gRPC client) and on the REST edge.
		red := []struct {
			name   string
			family string
			labels map[string]string
			calls  uint64
		}{
			{"service answers OK", "rpc_server_call_duration_seconds",
				map[string]string{"rpc_method": method, "rpc_response_status_code": "OK"}, 3},
			{"service answers NOT_FOUND", "rpc_server_call_duration_seconds",
				map[string]string{"rpc_method": method, "rpc_response_status_code": "NOT_FOUND"}, 2},
			{"gateway's upstream call OK", "rpc_client_call_duration_seconds",
				map[string]string{"rpc_method": method, "rpc_response_status_code": "OK"}, 3},
			{"gateway's upstream call NOT_FOUND", "rpc_client_call_duration_seconds",
				map[string]string{"rpc_method": method, "rpc_response_status_code": "NOT_FOUND", "error_type": "NOT_FOUND"}, 2},
			{"REST 200", "http_server_request_duration_seconds",
				map[string]string{"http_request_method": "GET", "http_response_status_code": "200"}, 3},
			{"REST 404", "http_server_request_duration_seconds",
				map[string]string{"http_request_method": "GET", "http_response_status_code": "404"}, 2},
			// Every one of the five calls reads Redis at least once.
			{"Redis as the client sees it", "db_client_operation_duration_seconds",
				map[string]string{"db_system": "redis"}, 5},
		}
		var after map[string]*dto.MetricFamily
		stop := time.Now().Add(telemetryWait)
		for {
			// A server records a call's duration as it ends, which can be
			// just after the client has its answer, so poll.
			after = telemetryScrape(t, metricsURL)
			settled := true
			for _, r := range red {
				if telemetrySampleCount(after, r.family, r.labels)-telemetrySampleCount(before, r.family, r.labels) < r.calls {
					settled = false
				}
			}
			if settled || time.Now().After(stop) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		for _, r := range red {
			t.Run(r.name, func(t *testing.T) {
				if got := telemetrySampleCount(after, r.family, r.labels) - telemetrySampleCount(before, r.family, r.labels); got < r.calls {
					t.Fatalf("%d new observations, want at least %d; series: %v", got, r.calls, telemetrySeries(after, r.family, nil))
				}
				if typ := after[r.family].GetType(); typ != dto.MetricType_HISTOGRAM {
					t.Fatalf("%s is a %s, want a histogram", r.family, typ)
				}
				for _, m := range telemetrySeries(after, r.family, r.labels) {
					h := m.GetHistogram()
					buckets := h.GetBucket()
					if len(buckets) < 2 || h.GetSampleSum() <= 0 {
						t.Fatalf("series %v has %d buckets and sum %g: no duration distribution", m.GetLabel(), len(buckets), h.GetSampleSum())
					}
					// Buckets are cumulative and the last one holds every
					// observation (the +Inf bucket is implied by the count).
					for i := 1; i < len(buckets); i++ {
						if buckets[i].GetCumulativeCount() < buckets[i-1].GetCumulativeCount() {
							t.Fatalf("series %v: buckets are not cumulative: %v", m.GetLabel(), buckets)
						}
					}
					if last := buckets[len(buckets)-1]; !math.IsInf(last.GetUpperBound(), 1) && last.GetCumulativeCount() > h.GetSampleCount() {
						t.Fatalf("series %v: bucket %v exceeds the count %d", m.GetLabel(), last, h.GetSampleCount())
					}
				}
			})
		}
		if routes := telemetrySeries(after, "http_server_request_duration_seconds", map[string]string{"http_response_status_code": "404"}); len(routes) > 0 {
			labels := map[string]string{}
			for _, l := range routes[0].GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if !strings.Contains(labels["http_route"], "localAuthorities/") {
				t.Errorf("REST metrics are not labelled with the route template: %v", labels)
			}
		}

		// Every consumer group the process runs reports its lag, labelled
		// with topic and group; with no new events, each falls to zero once
		// the group has caught up with the demo data's events.
		groups := []struct{ topic, group string }{
			{"inspection", "improvementplan"},
			{"inspection", "peerreview"},
			{"peerreview", "peerreview"},
		}
		for _, g := range groups {
			t.Run(fmt.Sprintf("lag of %s on %s", g.group, g.topic), func(t *testing.T) {
				labels := map[string]string{"topic": g.topic, "group": g.group}
				stop := time.Now().Add(telemetryWait)
				for {
					families := telemetryScrape(t, metricsURL)
					if typ := families["turnaround_events_consumer_lag"].GetType(); typ != dto.MetricType_GAUGE {
						t.Fatalf("turnaround_events_consumer_lag is %v, want a gauge", typ)
					}
					got := telemetrySeries(families, "turnaround_events_consumer_lag", labels)
					if len(got) != 1 {
						t.Fatalf("%d lag series with %v, want 1; all: %v", len(got), labels, telemetrySeries(families, "turnaround_events_consumer_lag", nil))
					}
					v := got[0].GetGauge().GetValue()
					if v < 0 || v != math.Trunc(v) {
						t.Fatalf("lag %g is not a count of events", v)
					}
					if v == 0 {
						return
					}
					if time.Now().After(stop) {
						t.Fatalf("lag still %g after %v: the group never caught up, or the gauge does not say so", v, telemetryWait)
					}
					time.Sleep(100 * time.Millisecond)
				}
			})
		}
	})

	if err := in.terminate(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}
