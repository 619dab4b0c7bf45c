// Package events carries domain events between services on Redis Streams.
//
// A service writes an event to its aggregate's outbox stream in the same
// atomic commit (one Lua script) as the state change (package store). The relay moves outbox
// entries onto topic streams, and consumers read topic streams through
// consumer groups: delivery is at least once, so handlers are idempotent by
// event id.
package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"
)

// Event is the envelope of every domain event.
type Event struct {
	// ID is unique per event (a UUID); consumers deduplicate on it.
	ID string
	// Topic names the stream the event is relayed to, e.g. "inspection".
	Topic string
	// Type is the payload's full protobuf message name, e.g.
	// "turnaround.events.v1.JudgementPublished".
	Type string
	// Subject is the resource name the event is about.
	Subject string
	// Time is when the change happened.
	Time time.Time
	// Data is the protobuf-encoded payload.
	Data []byte
	// TraceParent and TraceState carry the W3C trace context of the request
	// that caused the event, so consumer spans link back to it.
	TraceParent string
	TraceState  string
}

// Stream entry field names.
const (
	fieldID          = "id"
	fieldTopic       = "topic"
	fieldType        = "type"
	fieldSubject     = "subject"
	fieldTime        = "time"
	fieldData        = "data"
	fieldTraceParent = "traceparent"
	fieldTraceState  = "tracestate"
)

// Values encodes the event as stream entry fields for XADD.
func (e Event) Values() map[string]any {
	return map[string]any{
		fieldID:          e.ID,
		fieldTopic:       e.Topic,
		fieldType:        e.Type,
		fieldSubject:     e.Subject,
		fieldTime:        strconv.FormatInt(e.Time.UnixMicro(), 10),
		fieldData:        e.Data,
		fieldTraceParent: e.TraceParent,
		fieldTraceState:  e.TraceState,
	}
}

// Decode reads an event from stream entry fields.
func Decode(values map[string]any) (Event, error) {
	str := func(k string) string {
		switch v := values[k].(type) {
		case string:
			return v
		case []byte:
			return string(v)
		}
		return ""
	}
	e := Event{
		ID: str(fieldID), Topic: str(fieldTopic), Type: str(fieldType), Subject: str(fieldSubject),
		Data: []byte(str(fieldData)), TraceParent: str(fieldTraceParent), TraceState: str(fieldTraceState),
	}
	if e.ID == "" || e.Topic == "" || e.Type == "" {
		return Event{}, fmt.Errorf("decode event: missing id, topic or type")
	}
	us, err := strconv.ParseInt(str(fieldTime), 10, 64)
	if err != nil {
		return Event{}, fmt.Errorf("decode event %s: time: %w", e.ID, err)
	}
	e.Time = time.UnixMicro(us).UTC()
	return e, nil
}

// ErrWrongType reports an attempt to unmarshal an event's payload into a
// message of another type.
var ErrWrongType = errors.New("events: payload type mismatch")

// traceContext is the W3C propagator events use, whatever the global
// propagator is, so that the envelope's traceparent field always means the
// same thing on both sides.
var traceContext = propagation.TraceContext{}

// NewEvent builds the envelope of payload for topic: a fresh random ID, the
// payload's type name and bytes, the current time, and the trace context of
// ctx so that consumers can link their spans to the request that caused the
// event. subject is the resource name the event is about.
func NewEvent(ctx context.Context, topic, subject string, payload proto.Message) (Event, error) {
	if err := checkName("topic", topic); err != nil {
		return Event{}, err
	}
	if payload == nil {
		return Event{}, errors.New("events: new event: nil payload")
	}
	id := NewID()
	data, err := proto.Marshal(payload)
	if err != nil {
		return Event{}, fmt.Errorf("events: marshal %s: %w", TypeName(payload), err)
	}
	carrier := propagation.MapCarrier{}
	traceContext.Inject(ctx, carrier)
	return Event{
		ID:          id,
		Topic:       topic,
		Type:        TypeName(payload),
		Subject:     subject,
		Time:        time.Now().UTC(),
		Data:        data,
		TraceParent: carrier.Get("traceparent"),
		TraceState:  carrier.Get("tracestate"),
	}, nil
}

// TypeName is the full protobuf name of m's message type, the value of
// Event.Type for a payload of that type. Handlers of a topic that carries
// several types switch on it.
func TypeName(m proto.Message) string {
	return string(m.ProtoReflect().Descriptor().FullName())
}

// Unmarshal decodes the payload into into, which must be of the event's
// type; otherwise the error wraps ErrWrongType.
func (e Event) Unmarshal(into proto.Message) error {
	if want := TypeName(into); e.Type != want {
		return fmt.Errorf("%w: event %s carries %s, not %s", ErrWrongType, e.ID, e.Type, want)
	}
	if err := proto.Unmarshal(e.Data, into); err != nil {
		return fmt.Errorf("events: unmarshal event %s (%s): %w", e.ID, e.Type, err)
	}
	return nil
}

// As decodes e's payload as an M when e is of M's type. ok is false for
// an event of another type, which a handler of a topic that carries
// several types skips.
func As[T any, M interface {
	*T
	proto.Message
}](e Event) (m M, ok bool, err error) {
	m = M(new(T))
	if e.Type != TypeName(m) {
		return nil, false, nil
	}
	if err := e.Unmarshal(m); err != nil {
		return nil, false, err
	}
	return m, true, nil
}

// SpanContext is the publisher's span context carried by the event: the span
// that was current when NewEvent ran. It is invalid when the publisher was
// not tracing.
func (e Event) SpanContext() trace.SpanContext {
	carrier := propagation.MapCarrier{"traceparent": e.TraceParent}
	if e.TraceState != "" {
		carrier["tracestate"] = e.TraceState
	}
	return trace.SpanContextFromContext(traceContext.Extract(context.Background(), carrier))
}

// NewID returns a random (version 4) UUID in its canonical text form: an
// event's ID. It is written straight into its text form, without fmt, as
// every commit that appends an event calls it.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])  // crypto/rand.Read never fails (Go 1.24+).
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// checkName rejects topic and group names that would break the keys built
// from them: a brace would move the key's hash tag, and so its cluster slot.
func checkName(what, name string) error {
	if name == "" {
		return fmt.Errorf("events: empty %s", what)
	}
	if strings.ContainsAny(name, "{}") {
		return fmt.Errorf("events: %s %q contains a brace", what, name)
	}
	return nil
}
