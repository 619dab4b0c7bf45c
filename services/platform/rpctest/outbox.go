package rpctest

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Outbox is what the commits under the hash tag tag appended to its
// outbox, oldest first, decoded: the events of the types named (every
// event, audit entries included, when none is named). Nothing relays the
// outbox in handler and store tests, so every event committed is there.
func Outbox(t testing.TB, st *store.Store, tag string, types ...string) []events.Event {
	t.Helper()
	msgs, err := st.Client().XRange(context.Background(), st.Keyspace().Outbox(tag), "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]events.Event, 0, len(msgs))
	for _, m := range msgs {
		e, err := events.Decode(m.Values)
		if err != nil {
			t.Fatalf("outbox entry %s: %v", m.ID, err)
		}
		if len(types) == 0 || slices.Contains(types, e.Type) {
			out = append(out, e)
		}
	}
	return out
}

// Audits are the audit entries among evs, in order.
func Audits(t testing.TB, evs []events.Event) []store.AuditEntry {
	t.Helper()
	var out []store.AuditEntry
	for _, e := range evs {
		if e.Type != store.AuditType {
			continue
		}
		var a store.AuditEntry
		if err := json.Unmarshal(e.Data, &a); err != nil {
			t.Fatalf("audit entry %s: %v", e.ID, err)
		}
		out = append(out, a)
	}
	return out
}

// Payloads are the payloads of the events of M's type among evs, in order.
func Payloads[M proto.Message](t testing.TB, evs []events.Event) []M {
	t.Helper()
	var zero M
	typ := events.TypeName(zero)
	var out []M
	for _, e := range evs {
		if e.Type != typ {
			continue
		}
		m := zero.ProtoReflect().New().Interface().(M)
		if err := e.Unmarshal(m); err != nil {
			t.Fatalf("event %s (%s): %v", e.ID, e.Type, err)
		}
		out = append(out, m)
	}
	return out
}
