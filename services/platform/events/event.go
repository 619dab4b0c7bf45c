// Package events carries domain events between services on Redis Streams.
//
// A service writes an event to its aggregate's outbox stream in the same
// MULTI/EXEC as the state change (package store). The relay moves outbox
// entries onto topic streams, and consumers read topic streams through
// consumer groups: delivery is at least once, so handlers are idempotent by
// event id.
package events

import (
	"fmt"
	"strconv"
	"time"
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
