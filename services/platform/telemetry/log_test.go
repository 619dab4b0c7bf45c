package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

func TestTraceHandlerAddsIDs(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	spanCtx, span := tp.Tracer("test").Start(context.Background(), "op")
	defer span.End()
	wantTrace := span.SpanContext().TraceID().String()
	wantSpan := span.SpanContext().SpanID().String()

	tests := []struct {
		name    string
		log     func(l *slog.Logger)
		withIDs bool
		// path to an attribute the record must still carry, proving that
		// adding ids did not disturb the caller's own attributes.
		path  []string
		value string
	}{
		{
			name:    "context with span",
			log:     func(l *slog.Logger) { l.InfoContext(spanCtx, "hello", "k", "v") },
			withIDs: true, path: []string{"k"}, value: "v",
		},
		{
			name:    "context without span",
			log:     func(l *slog.Logger) { l.InfoContext(context.Background(), "hello", "k", "v") },
			withIDs: false, path: []string{"k"}, value: "v",
		},
		{
			name:    "no context",
			log:     func(l *slog.Logger) { l.Info("hello", "k", "v") },
			withIDs: false, path: []string{"k"}, value: "v",
		},
		{
			name:    "logger with attrs",
			log:     func(l *slog.Logger) { l.With("svc", "inspection").InfoContext(spanCtx, "hello") },
			withIDs: true, path: []string{"svc"}, value: "inspection",
		},
		{
			name: "ids stay top level under a group",
			log: func(l *slog.Logger) {
				l.With("svc", "inspection").WithGroup("req").With("a", "1").WithGroup("inner").InfoContext(spanCtx, "hello", "k", "v")
			},
			withIDs: true, path: []string{"req", "inner", "k"}, value: "v",
		},
		{
			name: "group attrs before ids are kept",
			log: func(l *slog.Logger) {
				l.WithGroup("req").With("a", "1").InfoContext(spanCtx, "hello")
			},
			withIDs: true, path: []string{"req", "a"}, value: "1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			tt.log(NewLogger(&buf, slog.LevelInfo))
			var rec map[string]any
			if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
				t.Fatalf("log output is not one JSON object: %v\n%s", err, buf.String())
			}
			if tt.withIDs {
				if rec["trace_id"] != wantTrace || rec["span_id"] != wantSpan {
					t.Errorf("trace_id=%v span_id=%v, want %s %s\n%s", rec["trace_id"], rec["span_id"], wantTrace, wantSpan, buf.String())
				}
			} else if _, ok := rec["trace_id"]; ok {
				t.Errorf("unexpected trace_id in %s", buf.String())
			}
			var v any = rec
			for _, p := range tt.path {
				m, ok := v.(map[string]any)
				if !ok {
					t.Fatalf("%v: not an object at %q in %s", tt.path, p, buf.String())
				}
				v = m[p]
			}
			if v != tt.value {
				t.Errorf("%v = %v, want %q in %s", tt.path, v, tt.value, buf.String())
			}
		})
	}
}

func TestNewLoggerLevel(t *testing.T) {
	var buf bytes.Buffer
	l := NewLogger(&buf, slog.LevelWarn)
	l.Info("dropped")
	l.Warn("kept")
	if out := buf.String(); strings.Contains(out, "dropped") || !strings.Contains(out, "kept") {
		t.Errorf("level filtering wrong: %s", out)
	}
}

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in      string
		want    slog.Level
		wantErr bool
	}{
		{in: "", want: slog.LevelInfo},
		{in: "debug", want: slog.LevelDebug},
		{in: "INFO", want: slog.LevelInfo},
		{in: " warn ", want: slog.LevelWarn},
		{in: "Warning", want: slog.LevelWarn},
		{in: "error", want: slog.LevelError},
		{in: "debug-2", want: slog.LevelDebug - 2},
		{in: "error+4", want: slog.LevelError + 4},
		{in: "verbose", wantErr: true},
		{in: "7", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseLevel(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseLevel(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if !tt.wantErr && got != tt.want {
				t.Errorf("ParseLevel(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
