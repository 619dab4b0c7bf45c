package events_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/turnaround-sli/turnaround/services/platform/events"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNewEvent(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	traced, span := tp.Tracer("test").Start(context.Background(), "publish")
	defer span.End()

	tests := []struct {
		name      string
		ctx       context.Context
		wantTrace trace.SpanContext
	}{
		{name: "inside a span carries its trace context", ctx: traced, wantTrace: span.SpanContext()},
		{name: "outside a span carries none", ctx: context.Background()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := time.Now().UTC()
			e, err := events.NewEvent(tt.ctx, "inspection", "localAuthorities/E08000017", wrapperspb.String("outstanding"))
			if err != nil {
				t.Fatalf("NewEvent: %v", err)
			}
			if !uuidV4.MatchString(e.ID) {
				t.Errorf("ID %q is not a version 4 UUID", e.ID)
			}
			if e.Topic != "inspection" || e.Subject != "localAuthorities/E08000017" {
				t.Errorf("topic, subject = %q, %q", e.Topic, e.Subject)
			}
			if e.Type != "google.protobuf.StringValue" {
				t.Errorf("Type = %q, want google.protobuf.StringValue", e.Type)
			}
			if e.Time.Location() != time.UTC || e.Time.Before(before.Add(-time.Second)) || e.Time.After(time.Now().Add(time.Second)) {
				t.Errorf("Time = %v, want about now in UTC", e.Time)
			}
			var got wrapperspb.StringValue
			if err := e.Unmarshal(&got); err != nil || got.GetValue() != "outstanding" {
				t.Errorf("Unmarshal = %q, %v; want outstanding", got.GetValue(), err)
			}
			sc := e.SpanContext()
			if sc.IsValid() != tt.wantTrace.IsValid() {
				t.Fatalf("SpanContext valid = %v, want %v (traceparent %q)", sc.IsValid(), tt.wantTrace.IsValid(), e.TraceParent)
			}
			if tt.wantTrace.IsValid() && (sc.TraceID() != tt.wantTrace.TraceID() || sc.SpanID() != tt.wantTrace.SpanID() || !sc.IsRemote()) {
				t.Errorf("SpanContext = %v/%v remote=%v, want %v/%v remote", sc.TraceID(), sc.SpanID(), sc.IsRemote(),
					tt.wantTrace.TraceID(), tt.wantTrace.SpanID())
			}
		})
	}
}

func TestNewEventIDsAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		e, err := events.NewEvent(context.Background(), "t", "s", wrapperspb.String(""))
		if err != nil {
			t.Fatalf("NewEvent: %v", err)
		}
		if seen[e.ID] {
			t.Fatalf("ID %s repeated", e.ID)
		}
		seen[e.ID] = true
	}
}

func TestNewEventRejects(t *testing.T) {
	tests := []struct {
		name    string
		topic   string
		payload proto.Message
		want    string
	}{
		{name: "empty topic", topic: "", payload: wrapperspb.String("x"), want: "empty topic"},
		{name: "topic with a brace would move the hash tag", topic: "in{spection}", payload: wrapperspb.String("x"), want: "brace"},
		{name: "nil payload", topic: "inspection", payload: nil, want: "nil payload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := events.NewEvent(context.Background(), tt.topic, "s", tt.payload)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewEvent error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestUnmarshalChecksType(t *testing.T) {
	e, err := events.NewEvent(context.Background(), "inspection", "s", wrapperspb.String("x"))
	if err != nil {
		t.Fatalf("NewEvent: %v", err)
	}
	tests := []struct {
		name    string
		into    proto.Message
		wrongTy bool
	}{
		{name: "same type", into: &wrapperspb.StringValue{}},
		{name: "other type", into: &durationpb.Duration{}, wrongTy: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.Unmarshal(tt.into)
			if got := errors.Is(err, events.ErrWrongType); got != tt.wrongTy {
				t.Fatalf("Unmarshal error = %v; ErrWrongType %v, want %v", err, got, tt.wrongTy)
			}
		})
	}
	if got, want := events.TypeName(&durationpb.Duration{}), "google.protobuf.Duration"; got != want {
		t.Errorf("TypeName = %q, want %q", got, want)
	}
}

func TestValuesDecodeRoundTrip(t *testing.T) {
	e, err := events.NewEvent(context.Background(), "inspection", "localAuthorities/E08000017", wrapperspb.String("good"))
	if err != nil {
		t.Fatalf("NewEvent: %v", err)
	}
	e.TraceState = "vendor=1"
	// Redis hands back strings; the test does the same.
	raw := map[string]any{}
	for k, v := range e.Values() {
		switch v := v.(type) {
		case []byte:
			raw[k] = string(v)
		default:
			raw[k] = v
		}
	}
	got, err := events.Decode(raw)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if got.ID != e.ID || got.Topic != e.Topic || got.Type != e.Type || got.Subject != e.Subject ||
		string(got.Data) != string(e.Data) || got.TraceParent != e.TraceParent || got.TraceState != e.TraceState ||
		!got.Time.Equal(e.Time.Truncate(time.Microsecond)) {
		t.Errorf("Decode(Values()) = %+v, want %+v", got, e)
	}
}

func TestDecodeRejects(t *testing.T) {
	good := map[string]any{"id": "1", "topic": "t", "type": "x.Y", "time": "1700000000000000"}
	without := func(k string) map[string]any {
		m := map[string]any{}
		for kk, v := range good {
			if kk != k {
				m[kk] = v
			}
		}
		return m
	}
	tests := []struct {
		name   string
		values map[string]any
		ok     bool
	}{
		{name: "complete", values: good, ok: true},
		{name: "no id", values: without("id")},
		{name: "no topic", values: without("topic")},
		{name: "no type", values: without("type")},
		{name: "no time", values: without("time")},
		{name: "bad time", values: map[string]any{"id": "1", "topic": "t", "type": "x.Y", "time": "yesterday"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := events.Decode(tt.values)
			if (err == nil) != tt.ok {
				t.Fatalf("Decode error = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

// TestAsReadsOnlyItsOwnType: As decodes an event of its type, skips one of
// another type, and refuses a payload that does not decode.
func TestAsReadsOnlyItsOwnType(t *testing.T) {
	e, err := events.NewEvent(context.Background(), "t", "s", wrapperspb.String("outstanding"))
	if err != nil {
		t.Fatal(err)
	}
	m, ok, err := events.As[wrapperspb.StringValue](e)
	if err != nil || !ok || m.GetValue() != "outstanding" {
		t.Fatalf("As[StringValue] = %v, %v, %v; want outstanding, true, nil", m, ok, err)
	}
	if n, ok, err := events.As[wrapperspb.Int64Value](e); n != nil || ok || err != nil {
		t.Fatalf("As[Int64Value] = %v, %v, %v; want nil, false, nil", n, ok, err)
	}
	e.Data = []byte{0xff}
	if _, ok, err := events.As[wrapperspb.StringValue](e); ok || err == nil {
		t.Fatalf("As of a malformed payload = %v, %v; want false and an error", ok, err)
	}
}
