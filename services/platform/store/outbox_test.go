package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

func isMember(t *testing.T, s *store.Store, set, member string) bool {
	t.Helper()
	ok, err := s.Client().SIsMember(testContext(t), set, member).Result()
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestOutboxCommitsWithState(t *testing.T) {
	s, ks := newStore(t)
	ctx := testContext(t)
	key := ks.Key(tag, "inspection", "i1")
	outbox := ks.Outbox(tag)

	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4, 5, 6}, TraceFlags: trace.FlagsSampled,
	})
	traced := trace.ContextWithSpanContext(ctx, sc)
	at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	res, err := s.Commit(traced, store.Mutation{
		Tag:    tag,
		Writes: []store.Write{{Key: key, Data: []byte("state")}},
		Events: []events.Event{
			{Topic: "inspection", Type: "turnaround.events.v1.InspectionCreated", Subject: "localAuthorities/E08000017/inspections/i1", Data: []byte("payload")},
			{ID: "given-id", Topic: "inspection", Type: "turnaround.events.v1.JudgementPublished", Time: at, TraceParent: "00-keep-me-01"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := mustGet(t, s, key); string(r.Data) != "state" {
		t.Errorf("state = %q", r.Data)
	}
	got := rpctest.Outbox(t, s, tag)
	if len(got) != 2 || len(res.OutboxIDs) != 2 {
		t.Fatalf("outbox holds %d entries, result names %d; want 2", len(got), len(res.OutboxIDs))
	}
	first, second := got[0], got[1]
	if !uuidPattern.MatchString(first.ID) {
		t.Errorf("generated event ID %q is not a v4 UUID", first.ID)
	}
	if first.Topic != "inspection" || first.Subject != "localAuthorities/E08000017/inspections/i1" || string(first.Data) != "payload" {
		t.Errorf("first event = %+v", first)
	}
	if first.Time.IsZero() || time.Since(first.Time) > time.Minute {
		t.Errorf("first event time = %v, want now", first.Time)
	}
	wantParent := fmt.Sprintf("00-%s-%s-01", sc.TraceID(), sc.SpanID())
	if first.TraceParent != wantParent {
		t.Errorf("traceparent = %q, want %q from the context", first.TraceParent, wantParent)
	}
	if second.ID != "given-id" || !second.Time.Equal(at) || second.TraceParent != "00-keep-me-01" {
		t.Errorf("caller-set envelope fields were changed: %+v", second)
	}
	if !isMember(t, s, ks.OutboxRegistry(), outbox) {
		t.Error("outbox missing from the registry")
	}
	if !isMember(t, s, ks.OutboxPending(), outbox) {
		t.Error("outbox missing from the pending set")
	}
}

func TestOutboxOnlyMutationNeedsNoWrites(t *testing.T) {
	s, ks := newStore(t)
	ctx := testContext(t)
	_, err := s.Commit(ctx, store.Mutation{Tag: tag, Events: []events.Event{{Topic: "inspection", Type: "t"}}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rpctest.Outbox(t, s, tag)); n != 1 {
		t.Errorf("outbox holds %d entries, want 1", n)
	}
	if !isMember(t, s, ks.OutboxRegistry(), ks.Outbox(tag)) || !isMember(t, s, ks.OutboxPending(), ks.Outbox(tag)) {
		t.Error("outbox not registered or not pending")
	}
}

func TestConflictingCommitWritesNoEvent(t *testing.T) {
	s, ks := newStore(t)
	ctx := testContext(t)
	key := ks.Key(tag, "inspection", "i1")
	// The record exists but nothing was ever published for this tag.
	put(t, s, key, "v1", store.MustNotExist)

	_, err := s.Commit(ctx, store.Mutation{
		Tag:    tag,
		Writes: []store.Write{{Key: key, Data: []byte("v2"), IfVersion: 5}},
		Index:  []store.IndexOp{store.ZAdd(ks.Key(tag, "inspections"), 1, "i1")},
		Events: []events.Event{{Topic: "inspection", Type: "turnaround.events.v1.InspectionUpdated"}},
		Audit:  []store.AuditEntry{{Audit: change.Audit{Actor: "u1", Resource: "localAuthorities/E08000017/inspections/i1"}, Key: key}},
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("err = %v, want ErrConflict", err)
	}
	if r := mustGet(t, s, key); string(r.Data) != "v1" || r.Version != 1 {
		t.Errorf("record = %+v, want v1 at version 1", r)
	}
	if n := s.Client().XLen(ctx, ks.Outbox(tag)).Val(); n != 0 {
		t.Errorf("outbox length = %d, want 0", n)
	}
	// The registry may list the outbox (it is registered before WATCH so a
	// commit never holds two connections); an empty registered outbox is
	// harmless to the relay. The pending hint must not be set.
	if isMember(t, s, ks.OutboxPending(), ks.Outbox(tag)) {
		t.Error("a refused commit marked the outbox pending")
	}
}

func TestAuditEntries(t *testing.T) {
	s, ks := newStore(t)
	ctx := testContext(t)
	const resource = "localAuthorities/E08000017/improvementPlans/p1"
	key := ks.Key(tag, "plan", "p1")
	audit := func(method string) store.AuditEntry {
		return store.AuditEntry{
			Audit: change.Audit{
				Actor: "officer-1", Roles: []string{"council_officer"}, Method: method,
				Resource: resource, RequestID: "req-" + method,
			},
			Key: key,
		}
	}
	steps := []struct {
		w      store.Write
		method string
		before string
		after  string
	}{
		{store.Write{Key: key, Data: []byte("a")}, "Create", "", `"1"`},
		{store.Write{Key: key, Data: []byte("b"), IfVersion: store.AnyVersion}, "Update", `"1"`, `"2"`},
		{store.Write{Key: key, Data: []byte("c"), IfVersion: 2}, "Update", `"2"`, `"3"`},
		{store.Write{Key: key, Delete: true, IfVersion: 3}, "Delete", `"3"`, ""},
	}
	for _, st := range steps {
		if _, err := s.Commit(ctx, store.Mutation{Tag: tag, Writes: []store.Write{st.w}, Audit: []store.AuditEntry{audit(st.method)}}); err != nil {
			t.Fatalf("%s: %v", st.method, err)
		}
	}
	// An entry about another resource, with etags given by the handler.
	other := store.AuditEntry{Audit: change.Audit{Actor: "admin", Method: "Approve", Resource: "localAuthorities/E08000017/improvementPlans/p2",
		EtagBefore: `"4"`, EtagAfter: `"5"`, Time: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}}
	if _, err := s.Commit(ctx, store.Mutation{Tag: tag, Audit: []store.AuditEntry{other}}); err != nil {
		t.Fatal(err)
	}

	// In the outbox, as events of the audit topic with JSON payloads.
	evs := rpctest.Outbox(t, s, tag)
	if len(evs) != len(steps)+1 {
		t.Fatalf("outbox holds %d entries, want %d", len(evs), len(steps)+1)
	}
	for i, st := range steps {
		e := evs[i]
		if e.Topic != store.AuditTopic || e.Type != store.AuditType || e.Subject != resource {
			t.Errorf("%s: envelope %+v", st.method, e)
		}
		var a store.AuditEntry
		if err := json.Unmarshal(e.Data, &a); err != nil {
			t.Fatalf("%s: payload %s: %v", st.method, e.Data, err)
		}
		if a.EtagBefore != st.before || a.EtagAfter != st.after || a.Actor != "officer-1" || a.Method != st.method ||
			a.RequestID != "req-"+st.method || !slices.Equal(a.Roles, []string{"council_officer"}) || a.Time.IsZero() {
			t.Errorf("%s: entry %+v, want etags %q -> %q", st.method, a, st.before, st.after)
		}
	}

	// After the relay: read back newest first, filtered and limited.
	relayAudit(t, s.Client(), ks, tag)
	all, err := store.ReadAudit(ctx, s.Client(), ks, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 5 || all[0].Resource != other.Resource || !all[0].Time.Equal(other.Time) || all[0].EtagAfter != `"5"` {
		t.Fatalf("ReadAudit(all) = %+v, want 5 entries, newest (p2) first", all)
	}
	mine, err := store.ReadAudit(ctx, s.Client(), ks, resource, 0)
	if err != nil {
		t.Fatal(err)
	}
	var methods []string
	for _, a := range mine {
		methods = append(methods, a.Method)
	}
	if want := []string{"Delete", "Update", "Update", "Create"}; !slices.Equal(methods, want) {
		t.Errorf("ReadAudit(%s) methods = %v, want %v", resource, methods, want)
	}
	two, err := store.ReadAudit(ctx, s.Client(), ks, resource, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(two) != 2 || two[0].Method != "Delete" || two[1].EtagAfter != `"3"` {
		t.Errorf("ReadAudit(count 2) = %+v", two)
	}
	none, err := store.ReadAudit(ctx, s.Client(), ks, "localAuthorities/E08000017/improvementPlans/none", 0)
	if err != nil || len(none) != 0 {
		t.Errorf("ReadAudit(unknown resource) = %v, %v", none, err)
	}
}

func TestReadAuditPagesThroughLongStreams(t *testing.T) {
	c, ks := redistest.New(t)
	ctx := testContext(t)
	const total = 600 // more than two of ReadAudit's pages
	stream := ks.Topic(store.AuditTopic)
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range total {
			resource := "a"
			if i%3 == 0 {
				resource = "b"
			}
			data, _ := json.Marshal(store.AuditEntry{Audit: change.Audit{Resource: resource, Method: fmt.Sprint(i)}})
			e := events.Event{ID: fmt.Sprint(i), Topic: store.AuditTopic, Type: store.AuditType, Subject: resource, Time: time.Now(), Data: data}
			p.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: e.Values()})
		}
		// Other event types on the stream are skipped.
		p.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: events.Event{ID: "x", Topic: store.AuditTopic, Type: "other", Subject: "b"}.Values()})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		resource  string
		count     int
		want      int
		newestWas string
	}{
		{"", 0, total, "599"},
		{"", 300, 300, "599"},
		{"b", 0, total / 3, "597"},
		{"b", 150, 150, "597"},
		{"a", 0, total - total/3, "599"},
	}
	for _, tc := range tests {
		got, err := store.ReadAudit(ctx, c, ks, tc.resource, tc.count)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.want || got[0].Method != tc.newestWas {
			t.Errorf("ReadAudit(%q, %d): %d entries starting %q, want %d starting %q",
				tc.resource, tc.count, len(got), got[0].Method, tc.want, tc.newestWas)
		}
		for i := 1; i < len(got); i++ {
			prev, err1 := strconv.Atoi(got[i-1].Method)
			cur, err2 := strconv.Atoi(got[i].Method)
			if err1 != nil || err2 != nil || cur >= prev {
				t.Fatalf("ReadAudit(%q, %d): entry %d (%d) not older than %d", tc.resource, tc.count, i, cur, prev)
			}
		}
	}
}

// relayAudit does the relay's job for the audit topic, so ReadAudit can be
// tested without package events' relay.
func relayAudit(t *testing.T, c redis.UniversalClient, ks keyspace.Keyspace, tag string) {
	t.Helper()
	ctx := context.Background()
	msgs, err := c.XRange(ctx, ks.Outbox(tag), "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		e, err := events.Decode(m.Values)
		if err != nil {
			t.Fatal(err)
		}
		if e.Topic != store.AuditTopic {
			continue
		}
		if err := c.XAdd(ctx, &redis.XAddArgs{Stream: ks.Topic(e.Topic), Values: e.Values()}).Err(); err != nil {
			t.Fatal(err)
		}
	}
}
