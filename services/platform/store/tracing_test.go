package store_test

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

// TestRedisSpansCarryNoRecordContents writes a value through a client Open
// returns while every span is recorded, and checks that the Redis span
// names the command but no attribute holds the value.
func TestRedisSpansCarryNoRecordContents(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	_, ks := redistest.New(t)
	ctx := context.Background()
	c, err := store.Open(ctx, redistest.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
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
