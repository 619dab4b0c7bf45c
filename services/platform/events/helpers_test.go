package events_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
)

// deadline bounds every wait for asynchronous work: generous, because a
// loaded machine running -race is slow, and a passing test never waits it out.
const deadline = 20 * time.Second

// quiet discards the logs of components whose failures a test provokes.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// eventually polls cond until it holds, failing the test with cond's last
// explanation if it still does not hold at the deadline.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	stop := time.Now().Add(deadline)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(stop) {
			t.Fatalf("%s: still not true after %v: %s", what, deadline, why)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// newEvent builds an event whose payload is text.
func newEvent(t testing.TB, ctx context.Context, topic, subject, text string) events.Event {
	t.Helper()
	e, err := events.NewEvent(ctx, topic, subject, wrapperspb.String(text))
	if err != nil {
		t.Fatalf("NewEvent: %v", err)
	}
	return e
}

// writeOutbox appends evs to tag's outbox the way the store does: register
// the outbox, XADD in MULTI/EXEC, then (if hint) add the pending hint.
func writeOutbox(t *testing.T, rdb redis.UniversalClient, ks keyspace.Keyspace, tag string, hint bool, evs ...events.Event) {
	t.Helper()
	ctx := context.Background()
	outbox := ks.Outbox(tag)
	if err := rdb.SAdd(ctx, ks.OutboxRegistry(), outbox).Err(); err != nil {
		t.Fatalf("sadd registry: %v", err)
	}
	if _, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, e := range evs {
			p.XAdd(ctx, &redis.XAddArgs{Stream: outbox, Values: e.Values()})
		}
		return nil
	}); err != nil {
		t.Fatalf("outbox transaction: %v", err)
	}
	if hint {
		if err := rdb.SAdd(ctx, ks.OutboxPending(), outbox).Err(); err != nil {
			t.Fatalf("sadd pending: %v", err)
		}
	}
}

// publish appends evs straight to their topic stream, as the relay would.
func publish(t *testing.T, rdb redis.UniversalClient, ks keyspace.Keyspace, evs ...events.Event) {
	t.Helper()
	for _, e := range evs {
		if err := rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: ks.Topic(e.Topic), Values: e.Values()}).Err(); err != nil {
			t.Fatalf("xadd: %v", err)
		}
	}
}

// streamEvents decodes every entry of stream, oldest first.
func streamEvents(t *testing.T, rdb redis.UniversalClient, stream string) []events.Event {
	t.Helper()
	msgs, err := rdb.XRange(context.Background(), stream, "-", "+").Result()
	if err != nil {
		t.Fatalf("xrange %s: %v", stream, err)
	}
	out := make([]events.Event, 0, len(msgs))
	for _, m := range msgs {
		e, err := events.Decode(m.Values)
		if err != nil {
			t.Fatalf("decode %s %s: %v", stream, m.ID, err)
		}
		out = append(out, e)
	}
	return out
}

func xlen(t *testing.T, rdb redis.UniversalClient, stream string) int64 {
	t.Helper()
	n, err := rdb.XLen(context.Background(), stream).Result()
	if err != nil {
		t.Fatalf("xlen %s: %v", stream, err)
	}
	return n
}

// pendingCount is the number of entries of stream delivered to group but
// not acknowledged, or -1 while the group does not exist yet.
func pendingCount(t *testing.T, rdb redis.UniversalClient, stream, group string) int64 {
	t.Helper()
	p, err := rdb.XPending(context.Background(), stream, group).Result()
	if err != nil && strings.HasPrefix(err.Error(), "NOGROUP") {
		return -1
	}
	if err != nil {
		t.Fatalf("xpending %s %s: %v", stream, group, err)
	}
	return p.Count
}

// start runs run in the background until the test ends or the returned
// stop is called; stop waits for run to return and fails the test on error.
func start(t *testing.T, run func(context.Context) error) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("run: %v", err)
				}
			case <-time.After(deadline):
				t.Errorf("run did not return within %v of cancellation", deadline)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// tally counts handled events by ID and is safe for concurrent handlers.
type tally struct {
	mu    sync.Mutex
	count map[string]int
}

func newTally() *tally { return &tally{count: map[string]int{}} }

func (c *tally) add(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.count[id]++
}

func (c *tally) get(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count[id]
}

func (c *tally) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.count {
		n += v
	}
	return n
}

// exactlyOnce checks that the tally holds each of ids once and nothing else.
func (c *tally) exactlyOnce(ids []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		if c.count[id] != 1 {
			return fmt.Errorf("event %s handled %d times, want 1", id, c.count[id])
		}
	}
	if len(c.count) != len(ids) {
		return fmt.Errorf("handled %d distinct events, want %d", len(c.count), len(ids))
	}
	return nil
}
