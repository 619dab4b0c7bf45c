package events_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

// fast makes consumers react within test time scales.
func fast(group string) events.ConsumerOptions {
	return events.ConsumerOptions{
		Group: group, BatchSize: 4, Block: 100 * time.Millisecond,
		MinIdle: 300 * time.Millisecond, ClaimInterval: 50 * time.Millisecond, Logger: quiet,
	}
}

func subscribe(t *testing.T, rdb redis.UniversalClient, ks keyspace.Keyspace, topic string, h events.Handler, opts events.ConsumerOptions) *events.Consumer {
	t.Helper()
	c, err := events.Subscribe(rdb, ks, topic, h, opts)
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	return c
}

// settled reports whether group has received every event of stream and
// acknowledged them all. Lag is read first: once it is zero nothing more is
// delivered, so a pending count of zero after it is final.
func settled(t *testing.T, rdb redis.UniversalClient, c *events.Consumer, stream, group string) (bool, string) {
	t.Helper()
	lag, err := c.Lag(context.Background())
	if err != nil || lag != 0 {
		return false, fmt.Sprintf("lag %d (%v)", lag, err)
	}
	if p := pendingCount(t, rdb, stream, group); p != 0 {
		return false, fmt.Sprintf("%d pending", p)
	}
	return true, ""
}

func TestSubscribeRejects(t *testing.T) {
	rdb, ks := redistest.New(t)
	h := func(context.Context, events.Event) error { return nil }
	tests := []struct {
		name    string
		topic   string
		group   string
		handler events.Handler
	}{
		{name: "empty topic", topic: "", group: "g", handler: h},
		{name: "empty group", topic: "t", group: "", handler: h},
		{name: "group with a brace", topic: "t", group: "g}", handler: h},
		{name: "nil handler", topic: "t", group: "g", handler: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := events.Subscribe(rdb, ks, tt.topic, tt.handler, events.ConsumerOptions{Group: tt.group}); err == nil {
				t.Fatal("Subscribe succeeded, want an error")
			}
		})
	}
}

// TestOutboxToHandlersOnce follows events from two outboxes through the
// relay to two groups, each with two consumers: each group handles each
// event once.
func TestOutboxToHandlersOnce(t *testing.T) {
	rdb, ks := redistest.New(t)
	ctx := context.Background()
	start(t, events.NewRelay(rdb, ks, events.RelayOptions{PollInterval: 10 * time.Millisecond, Logger: quiet}).Run)

	groups := map[string]*tally{"sponsor": newTally(), "improvementplan": newTally()}
	consumers := map[string]*events.Consumer{}
	for group, got := range groups {
		for i := range 2 {
			opts := fast(group)
			opts.Name = fmt.Sprintf("%s-%d", group, i)
			c := subscribe(t, rdb, ks, "inspection", func(_ context.Context, e events.Event) error {
				got.add(e.ID)
				return nil
			}, opts)
			start(t, c.Run)
			consumers[group] = c
		}
	}

	var ids []string
	for _, la := range []string{"E08000017", "E09000033"} {
		tag := keyspace.CouncilTag(la)
		var evs []events.Event
		for i := range 15 {
			e := newEvent(t, ctx, "inspection", "localAuthorities/"+la, fmt.Sprint(i))
			evs = append(evs, e)
			ids = append(ids, e.ID)
		}
		writeOutbox(t, rdb, ks, tag, true, evs...)
	}

	for group, got := range groups {
		eventually(t, group+" handles every event and acknowledges it", func() (bool, string) {
			if n := got.total(); n < len(ids) {
				return false, fmt.Sprintf("handled %d of %d", n, len(ids))
			}
			return settled(t, rdb, consumers[group], ks.Topic("inspection"), group)
		})
	}
	// Past MinIdle, a wrongly unacknowledged event would be claimed again.
	time.Sleep(2 * fast("").MinIdle)
	for group, got := range groups {
		if err := got.exactlyOnce(ids); err != nil {
			t.Errorf("group %s: %v", group, err)
		}
	}
}

func TestConsumerTakesOverFromDeadConsumer(t *testing.T) {
	rdb, ks := redistest.New(t)
	ctx := context.Background()
	stream := ks.Topic("inspection")

	// The first consumer takes the event and hangs until it is killed. Its
	// MinIdle is long so that only the second consumer can reclaim.
	started := make(chan string, 1)
	optsA := fast("sponsor")
	optsA.Name, optsA.MinIdle = "doomed", time.Hour
	a := subscribe(t, rdb, ks, "inspection", func(ctx context.Context, e events.Event) error {
		started <- e.ID
		<-ctx.Done()
		return ctx.Err()
	}, optsA)
	stopA := start(t, a.Run)

	e := newEvent(t, ctx, "inspection", "localAuthorities/E08000017", "x")
	publish(t, rdb, ks, e)
	select {
	case id := <-started:
		if id != e.ID {
			t.Fatalf("first consumer got %s, want %s", id, e.ID)
		}
	case <-time.After(deadline):
		t.Fatal("first consumer never received the event")
	}
	stopA()
	if n := pendingCount(t, rdb, stream, "sponsor"); n != 1 {
		t.Fatalf("%d events pending after the first consumer died, want 1 (unacknowledged)", n)
	}
	// A stopping consumer hands its unfinished events back; one that dies
	// cannot. Undo the hand-back, so the event is left as a dead process
	// leaves it: received a moment ago, for the rescuer to claim only once
	// its MinIdle has passed.
	pending, err := rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: stream, Group: "sponsor", Start: "-", End: "+", Count: 1}).Result()
	if err != nil || len(pending) != 1 {
		t.Fatalf("pending = %v, %v", pending, err)
	}
	if err := rdb.Do(ctx, "XCLAIM", stream, "sponsor", "doomed", 0, pending[0].ID, "IDLE", 0, "JUSTID").Err(); err != nil {
		t.Fatal(err)
	}

	got := newTally()
	optsB := fast("sponsor")
	optsB.Name = "rescuer"
	b := subscribe(t, rdb, ks, "inspection", func(_ context.Context, e events.Event) error {
		got.add(e.ID)
		return nil
	}, optsB)
	start(t, b.Run)
	eventually(t, "second consumer handles the abandoned event", func() (bool, string) {
		p := pendingCount(t, rdb, stream, "sponsor")
		return got.get(e.ID) >= 1 && p == 0, fmt.Sprintf("handled %d times, %d pending", got.get(e.ID), p)
	})
	time.Sleep(2 * optsB.MinIdle)
	if err := got.exactlyOnce([]string{e.ID}); err != nil {
		t.Error(err)
	}
}

// A consumer that stops while handling an event, or with events read but
// not yet handled, hands them back: the next consumer of the group takes
// them at once, although its MinIdle (an hour here) has not passed.
func TestConsumerStoppingHandsBackUnfinishedEvents(t *testing.T) {
	rdb, ks := redistest.New(t)
	ctx := context.Background()
	stream := ks.Topic("inspection")

	started := make(chan string, 1)
	optsA := fast("sponsor")
	optsA.Name, optsA.MinIdle = "stopping", time.Hour
	a := subscribe(t, rdb, ks, "inspection", func(ctx context.Context, e events.Event) error {
		select {
		case started <- e.ID:
		default:
		}
		<-ctx.Done()
		return ctx.Err()
	}, optsA)
	stopA := start(t, a.Run)

	var sent []string
	for i := range 3 {
		e := newEvent(t, ctx, "inspection", "localAuthorities/E08000017", fmt.Sprint(i))
		publish(t, rdb, ks, e)
		sent = append(sent, e.ID)
	}
	select {
	case <-started:
	case <-time.After(deadline):
		t.Fatal("the first consumer never received an event")
	}
	stopA()
	if n := pendingCount(t, rdb, stream, "sponsor"); n == 0 {
		t.Fatal("nothing pending after the first consumer stopped mid-event")
	}

	got := newTally()
	optsB := fast("sponsor")
	optsB.Name, optsB.MinIdle, optsB.ClaimInterval = "next", time.Hour, 50*time.Millisecond
	b := subscribe(t, rdb, ks, "inspection", func(_ context.Context, e events.Event) error {
		got.add(e.ID)
		return nil
	}, optsB)
	start(t, b.Run)
	eventually(t, "the next consumer handles every event the first left unfinished", func() (bool, string) {
		p := pendingCount(t, rdb, stream, "sponsor")
		for _, id := range sent {
			if got.get(id) == 0 {
				return false, fmt.Sprintf("%s not handled, %d pending", id, p)
			}
		}
		return p == 0, fmt.Sprintf("%d pending", p)
	})
	if err := got.exactlyOnce(sent); err != nil {
		t.Error(err)
	}
}

func TestConsumerHandlesDuplicatesOnce(t *testing.T) {
	tests := []struct {
		name string
		// deliver puts the event on the topic twice (a relay crashed
		// between XADD and XDEL), waiting as the case requires.
		deliver func(t *testing.T, rdb redis.UniversalClient, ks keyspace.Keyspace, e events.Event, handled func() int)
	}{
		{name: "duplicate in the same batch", deliver: func(t *testing.T, rdb redis.UniversalClient, ks keyspace.Keyspace, e events.Event, _ func() int) {
			publish(t, rdb, ks, e, e)
		}},
		{name: "duplicate after the first was handled", deliver: func(t *testing.T, rdb redis.UniversalClient, ks keyspace.Keyspace, e events.Event, handled func() int) {
			publish(t, rdb, ks, e)
			eventually(t, "first copy handled", func() (bool, string) { return handled() == 1, "not handled" })
			publish(t, rdb, ks, e)
		}},
		{name: "duplicate relayed from the outbox", deliver: func(t *testing.T, rdb redis.UniversalClient, ks keyspace.Keyspace, e events.Event, _ func() int) {
			writeOutbox(t, rdb, ks, keyspace.CouncilTag("E08000017"), true, e, e)
			start(t, events.NewRelay(rdb, ks, events.RelayOptions{PollInterval: 10 * time.Millisecond, Logger: quiet}).Run)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rdb, ks := redistest.New(t)
			ctx := context.Background()
			got := newTally()
			c := subscribe(t, rdb, ks, "inspection", func(_ context.Context, e events.Event) error {
				got.add(e.ID)
				return nil
			}, fast("sponsor"))
			start(t, c.Run)

			e := newEvent(t, ctx, "inspection", "localAuthorities/E08000017", "dup")
			tt.deliver(t, rdb, ks, e, func() int { return got.get(e.ID) })
			stream := ks.Topic("inspection")
			eventually(t, "both copies acknowledged", func() (bool, string) {
				if n := xlen(t, rdb, stream); n != 2 {
					return false, fmt.Sprintf("%d copies on the topic", n)
				}
				return settled(t, rdb, c, stream, "sponsor")
			})
			if err := got.exactlyOnce([]string{e.ID}); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestConsumerDeadLetters(t *testing.T) {
	const maxDeliveries = 3
	tests := []struct {
		name           string
		values         func(e events.Event) map[string]any
		wantAttempts   int64
		wantError      string
		wantDeliveries string
	}{
		{
			name:           "handler that always fails, after max deliveries",
			values:         func(e events.Event) map[string]any { return e.Values() },
			wantAttempts:   maxDeliveries,
			wantError:      "council not found",
			wantDeliveries: fmt.Sprint(maxDeliveries),
		},
		{
			name:           "entry that is not an event, at once",
			values:         func(e events.Event) map[string]any { return map[string]any{"id": e.ID, "topic": "inspection"} },
			wantAttempts:   0,
			wantError:      "decode event",
			wantDeliveries: "1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rdb, ks := redistest.New(t)
			ctx := context.Background()
			stream := ks.Topic("inspection")
			var attempts atomic.Int64
			opts := fast("sponsor")
			opts.MaxDeliveries = maxDeliveries
			// Retries come every MinIdle; keep it well above the time one
			// failing delivery takes, so no claim lands on one in progress.
			opts.MinIdle = 500 * time.Millisecond
			c := subscribe(t, rdb, ks, "inspection", func(context.Context, events.Event) error {
				attempts.Add(1)
				return errors.New("council not found")
			}, opts)
			start(t, c.Run)

			e := newEvent(t, ctx, "inspection", "localAuthorities/E08000017", "x")
			if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: tt.values(e)}).Err(); err != nil {
				t.Fatalf("xadd: %v", err)
			}
			dead := events.DeadLetterStream(ks, "inspection", "sponsor")
			eventually(t, "event dead-lettered and acknowledged", func() (bool, string) {
				n, p := xlen(t, rdb, dead), pendingCount(t, rdb, stream, "sponsor")
				return n == 1 && p == 0, fmt.Sprintf("%d dead-lettered, %d pending", n, p)
			})
			msgs, err := rdb.XRange(ctx, dead, "-", "+").Result()
			if err != nil {
				t.Fatalf("xrange: %v", err)
			}
			v := msgs[0].Values
			if v["id"] != e.ID || v["group"] != "sponsor" || v["deliveries"] != tt.wantDeliveries ||
				!strings.Contains(fmt.Sprint(v["error"]), tt.wantError) {
				t.Errorf("dead-letter entry = %v; want id %s, group sponsor, deliveries %s, error with %q",
					v, e.ID, tt.wantDeliveries, tt.wantError)
			}
			// Acknowledged, so never handled again.
			time.Sleep(2 * opts.MinIdle)
			if got := attempts.Load(); got != tt.wantAttempts {
				t.Errorf("handler ran %d times, want %d", got, tt.wantAttempts)
			}
		})
	}
}

func TestConsumerSpanLinksToPublisher(t *testing.T) {
	rdb, ks := redistest.New(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })

	pubCtx, pubSpan := tp.Tracer("test").Start(context.Background(), "PublishJudgement")
	traced := newEvent(t, pubCtx, "inspection", "localAuthorities/E08000017", "traced")
	pubSpan.End()
	untraced := newEvent(t, context.Background(), "inspection", "localAuthorities/E08000017", "untraced")

	type seen struct {
		publisher trace.SpanContext
		own       trace.SpanContext
	}
	handled := make(chan seen, 2)
	opts := fast("sponsor")
	opts.TracerProvider = tp
	c := subscribe(t, rdb, ks, "inspection", func(ctx context.Context, e events.Event) error {
		handled <- seen{publisher: events.PublisherSpanContext(ctx), own: trace.SpanContextFromContext(ctx)}
		return nil
	}, opts)
	start(t, c.Run)
	publish(t, rdb, ks, traced, untraced)

	tests := []struct {
		name string
		e    events.Event
		link trace.SpanContext
	}{
		{name: "published inside a span", e: traced, link: pubSpan.SpanContext()},
		{name: "published outside any span", e: untraced},
	}
	var views []seen
	for range tests {
		select {
		case v := <-handled:
			views = append(views, v)
		case <-time.After(deadline):
			t.Fatal("handler not called for both events")
		}
	}
	eventually(t, "consumer spans ended", func() (bool, string) {
		n := 0
		for _, s := range rec.Ended() {
			if s.SpanKind() == trace.SpanKindConsumer {
				n++
			}
		}
		return n == 2, fmt.Sprintf("%d consumer spans ended", n)
	})
	spans := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range rec.Ended() {
		for _, a := range s.Attributes() {
			if a.Key == "messaging.message.id" {
				spans[a.Value.AsString()] = s
			}
		}
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ok := spans[tt.e.ID]
			if !ok {
				t.Fatalf("no consumer span for event %s", tt.e.ID)
			}
			if s.Name() != "process inspection" || s.SpanKind() != trace.SpanKindConsumer {
				t.Errorf("span %q kind %v, want \"process inspection\" consumer", s.Name(), s.SpanKind())
			}
			if !tt.link.IsValid() {
				if len(s.Links()) != 0 {
					t.Errorf("span has links %v, want none", s.Links())
				}
				return
			}
			if len(s.Links()) != 1 || s.Links()[0].SpanContext.SpanID() != tt.link.SpanID() ||
				s.Links()[0].SpanContext.TraceID() != tt.link.TraceID() {
				t.Fatalf("span links %v, want one to span %v of trace %v", s.Links(), tt.link.SpanID(), tt.link.TraceID())
			}
			if s.SpanContext().TraceID() == tt.link.TraceID() {
				t.Error("consumer span continues the publisher's trace; want a new trace that links to it")
			}
			// Events are handled in order, so views[i] belongs to tt.e.
			if v := views[i]; v.publisher.SpanID() != tt.link.SpanID() || v.own.SpanID() != s.SpanContext().SpanID() {
				t.Errorf("handler saw publisher %v and own span %v; want %v and %v",
					v.publisher.SpanID(), v.own.SpanID(), tt.link.SpanID(), s.SpanContext().SpanID())
			}
		})
	}
}

func TestConsumerLag(t *testing.T) {
	rdb, ks := redistest.New(t)
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })

	entered, release := make(chan struct{}, 1), make(chan struct{})
	opts := fast("sponsor")
	opts.BatchSize = 1 // so that the events behind the blocked one stay unread
	opts.MinIdle = time.Hour
	opts.MeterProvider = mp
	c := subscribe(t, rdb, ks, "inspection", func(ctx context.Context, _ events.Event) error {
		select {
		case entered <- struct{}{}:
		default:
		}
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}, opts)
	start(t, c.Run)

	for i := range 3 {
		publish(t, rdb, ks, newEvent(t, ctx, "inspection", "s", fmt.Sprint(i)))
	}
	select {
	case <-entered:
	case <-time.After(deadline):
		t.Fatal("handler never called")
	}

	if lag, err := c.Lag(ctx); err != nil || lag != 2 {
		t.Errorf("Lag = %d, %v; want 2 (one of three delivered)", lag, err)
	}
	if got, ok := gaugeValue(t, reader, attribute.String("topic", "inspection"), attribute.String("group", "sponsor")); !ok || got != 2 {
		t.Errorf("%s = %d (found %v), want 2", events.LagMetric, got, ok)
	}

	close(release)
	eventually(t, "lag falls to zero", func() (bool, string) {
		lag, err := c.Lag(ctx)
		return err == nil && lag == 0, fmt.Sprintf("lag %d, %v", lag, err)
	})
}

// gaugeValue collects reader and returns the lag gauge's point with attrs.
func gaugeValue(t *testing.T, reader *sdkmetric.ManualReader, attrs ...attribute.KeyValue) (int64, bool) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("collect: %v", err)
	}
	want := attribute.NewSet(attrs...)
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != events.LagMetric {
				continue
			}
			g, ok := m.Data.(metricdata.Gauge[int64])
			if !ok {
				t.Fatalf("%s is %T, want an int64 gauge", m.Name, m.Data)
			}
			for _, p := range g.DataPoints {
				if p.Attributes.Equals(&want) {
					return p.Value, true
				}
			}
		}
	}
	return 0, false
}

// bookkeeping counts the round trips, and the commands, that carry a
// consumer's bookkeeping: whether an event was handled before, the record
// that it was, and the acknowledgement.
type bookkeeping struct{ trips, commands atomic.Int64 }

func (b *bookkeeping) DialHook(next redis.DialHook) redis.DialHook { return next }

func (b *bookkeeping) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		b.count([]redis.Cmder{cmd})
		return next(ctx, cmd)
	}
}

func (b *bookkeeping) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		b.count(cmds)
		return next(ctx, cmds)
	}
}

func (b *bookkeeping) count(cmds []redis.Cmder) {
	n := int64(0)
	for _, c := range cmds {
		switch c.Name() {
		case "exists", "setnx", "set", "xack", "mget", "evalsha", "eval", "multi", "exec":
			n++
		}
	}
	if n > 0 {
		b.trips.Add(1)
		b.commands.Add(n)
	}
}

// TestConsumerBookkeepingRoundTrips: a batch of new events costs one
// command to learn which were handled before, and one to record them
// handled and acknowledge them, not three per event: Redis, which every
// service shares, does the least work for them.
func TestConsumerBookkeepingRoundTrips(t *testing.T) {
	rdb, ks := redistest.New(t)
	ctx := context.Background()
	var evs []events.Event
	for i := range 4 {
		evs = append(evs, newEvent(t, ctx, "inspection", "localAuthorities/E08000017", fmt.Sprint("e", i)))
	}
	publish(t, rdb, ks, evs...)
	got := newTally()
	opts := fast("sponsor") // reads four at a time
	opts.MinIdle = time.Minute
	c := subscribe(t, rdb, ks, "inspection", func(_ context.Context, e events.Event) error {
		got.add(e.ID)
		return nil
	}, opts)
	var trips bookkeeping
	rdb.AddHook(&trips)
	start(t, c.Run)
	eventually(t, "every event handled and acknowledged", func() (bool, string) {
		return settled(t, rdb, c, ks.Topic("inspection"), "sponsor")
	})
	ids := make([]string, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	if err := got.exactlyOnce(ids); err != nil {
		t.Fatal(err)
	}
	if n, m := trips.trips.Load(), trips.commands.Load(); n != 2 || m != 2 {
		t.Errorf("%d round trips and %d commands of bookkeeping for a batch of %d events, want 2 and 2", n, m, len(evs))
	}
}

// BenchmarkConsumer: events handled per second by one consumer with a
// handler that does nothing, so what is measured is the consumer's own
// reading, bookkeeping and acknowledging (in batches of ten, the default).
//
//	go test -run '^$' -bench BenchmarkConsumer ./services/platform/events/
func BenchmarkConsumer(b *testing.B) {
	rdb, ks := redistest.New(b)
	ctx := context.Background()
	var handled atomic.Int64
	opts := events.ConsumerOptions{Group: "bench", Block: 50 * time.Millisecond, Logger: quiet}
	c, err := events.Subscribe(rdb, ks, "inspection", func(context.Context, events.Event) error {
		handled.Add(1)
		return nil
	}, opts)
	if err != nil {
		b.Fatal(err)
	}
	var evs []events.Event
	for i := range b.N {
		evs = append(evs, newEvent(b, ctx, "inspection", "localAuthorities/E08000017", fmt.Sprint("e", i)))
	}
	if _, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, e := range evs {
			p.XAdd(ctx, &redis.XAddArgs{Stream: ks.Topic(e.Topic), Values: e.Values()})
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()
	for handled.Load() < int64(b.N) {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}
