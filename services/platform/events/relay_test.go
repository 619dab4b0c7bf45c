package events_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

func TestRelayMovesOutboxesToTopics(t *testing.T) {
	tests := []struct {
		name  string
		hint  bool
		sweep time.Duration
	}{
		// With the sweep an hour away, only the hints can lead the relay to
		// the outboxes.
		{name: "pending hints", hint: true, sweep: time.Hour},
		// Without hints, only the registry sweep can.
		{name: "registry sweep without hints", hint: false, sweep: 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rdb, ks := redistest.New(t)
			ctx := context.Background()

			// Every relay sweeps when it starts leading. Once the probe is
			// through, that first sweep is over and cannot explain what follows.
			writeOutbox(t, rdb, ks, "probe", false, newEvent(t, ctx, "probe", "p", "p"))
			r := events.NewRelay(rdb, ks, events.RelayOptions{
				PollInterval: 10 * time.Millisecond, SweepInterval: tt.sweep, BatchSize: 3, Logger: quiet,
			})
			start(t, r.Run)
			eventually(t, "probe relayed", func() (bool, string) {
				n := xlen(t, rdb, ks.Topic("probe"))
				return n == 1, fmt.Sprintf("probe topic holds %d", n)
			})

			councils := []string{keyspace.CouncilTag("E08000017"), keyspace.CouncilTag("E09000033")}
			written := map[string][]string{} // subject -> event IDs in outbox order
			var audits []string
			for _, tag := range councils {
				var evs []events.Event
				for i := range 7 {
					topic := "inspection"
					if i%3 == 2 {
						topic = events.AuditTopic
					}
					e := newEvent(t, ctx, topic, tag, fmt.Sprint(i))
					evs = append(evs, e)
					if topic == events.AuditTopic {
						audits = append(audits, e.ID)
					} else {
						written[tag] = append(written[tag], e.ID)
					}
				}
				writeOutbox(t, rdb, ks, tag, tt.hint, evs...)
			}

			eventually(t, "outboxes drained onto topics", func() (bool, string) {
				in, au := xlen(t, rdb, ks.Topic("inspection")), xlen(t, rdb, ks.Topic(events.AuditTopic))
				o1, o2 := xlen(t, rdb, ks.Outbox(councils[0])), xlen(t, rdb, ks.Outbox(councils[1]))
				return in == 10 && au == 4 && o1 == 0 && o2 == 0,
					fmt.Sprintf("inspection %d/10, audit %d/4, outboxes %d and %d left", in, au, o1, o2)
			})

			relayed := map[string][]string{}
			for _, e := range streamEvents(t, rdb, ks.Topic("inspection")) {
				relayed[e.Subject] = append(relayed[e.Subject], e.ID)
			}
			for _, tag := range councils {
				if fmt.Sprint(relayed[tag]) != fmt.Sprint(written[tag]) {
					t.Errorf("%s relayed %v, want %v in outbox order", tag, relayed[tag], written[tag])
				}
			}
			var gotAudits []string
			for _, e := range streamEvents(t, rdb, ks.Topic(events.AuditTopic)) {
				gotAudits = append(gotAudits, e.ID)
			}
			if len(gotAudits) != len(audits) {
				t.Errorf("audit topic holds %v, want %v", gotAudits, audits)
			}
			if !tt.hint {
				if n := rdb.SCard(ctx, ks.OutboxPending()).Val(); n != 0 {
					t.Errorf("pending set holds %d hints; the test meant to write none", n)
				}
			}
		})
	}
}

func TestRelayParksEntriesThatAreNotEvents(t *testing.T) {
	rdb, ks := redistest.New(t)
	ctx := context.Background()
	tag := keyspace.CouncilTag("E08000017")
	outbox := ks.Outbox(tag)
	before, after := newEvent(t, ctx, "inspection", tag, "before"), newEvent(t, ctx, "inspection", tag, "after")

	writeOutbox(t, rdb, ks, tag, false, before)
	if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: outbox, Values: map[string]any{"topic": "inspection"}}).Err(); err != nil {
		t.Fatalf("xadd: %v", err)
	}
	writeOutbox(t, rdb, ks, tag, true, after)

	start(t, events.NewRelay(rdb, ks, events.RelayOptions{PollInterval: 10 * time.Millisecond, Logger: quiet}).Run)
	eventually(t, "outbox drained", func() (bool, string) {
		n := xlen(t, rdb, outbox)
		return n == 0, fmt.Sprintf("%d entries left", n)
	})
	got := streamEvents(t, rdb, ks.Topic("inspection"))
	if len(got) != 2 || got[0].ID != before.ID || got[1].ID != after.ID {
		t.Errorf("topic holds %v, want [%s %s]", got, before.ID, after.ID)
	}
	dead, err := rdb.XRange(ctx, events.RelayDeadLetterStream(ks), "-", "+").Result()
	if err != nil || len(dead) != 1 {
		t.Fatalf("dead-letter stream = %v, %v; want one entry", dead, err)
	}
	if dead[0].Values["error"] == "" || dead[0].Values["source"] != outbox {
		t.Errorf("dead-letter entry %v lacks the error or the source outbox", dead[0].Values)
	}
}

// partition makes a client fail every command while it is on, as if its
// process had lost Redis or hung.
type partition struct{ on atomic.Bool }

var errPartitioned = errors.New("partitioned from redis")

func (p *partition) DialHook(next redis.DialHook) redis.DialHook { return next }

func (p *partition) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if p.on.Load() {
			cmd.SetErr(errPartitioned)
			return errPartitioned
		}
		return next(ctx, cmd)
	}
}

func (p *partition) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if p.on.Load() {
			for _, c := range cmds {
				c.SetErr(errPartitioned)
			}
			return errPartitioned
		}
		return next(ctx, cmds)
	}
}

func TestRelayLease(t *testing.T) {
	tests := []struct {
		name string
		// loseLeader ends the first relay's leadership.
		loseLeader func(stop func(), cut *partition)
	}{
		{name: "leader stops and releases the lease", loseLeader: func(stop func(), _ *partition) { stop() }},
		{name: "leader loses redis and its lease lapses", loseLeader: func(_ func(), cut *partition) { cut.on.Store(true) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rdb, ks := redistest.New(t)
			rdbA, _ := redistest.New(t) // a client of its own, to cut
			cut := &partition{}
			rdbA.AddHook(cut)
			t.Cleanup(func() { cut.on.Store(false) }) // let redistest clean up
			ctx := context.Background()
			tag := keyspace.CouncilTag("E08000017")
			opts := events.RelayOptions{
				LeaseTTL: 3 * time.Second, PollInterval: 10 * time.Millisecond, SweepInterval: time.Hour, Logger: quiet,
			}

			optsA := opts
			optsA.Owner = "replica-a"
			a := events.NewRelay(rdbA, ks, optsA)
			stopA := start(t, a.Run)
			eventually(t, "first relay leads", func() (bool, string) { return a.Leading(), "not leading" })

			optsB := opts
			optsB.Owner = "replica-b"
			b := events.NewRelay(rdb, ks, optsB)
			start(t, b.Run)

			first := newEvent(t, ctx, "inspection", tag, "first")
			writeOutbox(t, rdb, ks, tag, true, first)
			eventually(t, "first event relayed", func() (bool, string) {
				n := xlen(t, rdb, ks.Topic("inspection"))
				return n == 1, fmt.Sprintf("topic holds %d", n)
			})
			// B tries for the lease every third of its TTL; watch it try
			// several times while A holds it.
			for watch := time.Now().Add(opts.LeaseTTL); time.Now().Before(watch); time.Sleep(20 * time.Millisecond) {
				if b.Leading() {
					t.Fatal("second relay leads while the first holds the lease")
				}
			}

			tt.loseLeader(stopA, cut)
			eventually(t, "second relay takes over", func() (bool, string) {
				// b only gains the lease here and a only loses it, so reading
				// b first makes a simultaneous true a real overlap.
				bl := b.Leading()
				if bl && a.Leading() {
					t.Fatal("both relays lead at once")
				}
				return bl, "second relay not leading"
			})
			if a.Leading() {
				t.Error("first relay still leads after the second took over")
			}

			second := newEvent(t, ctx, "inspection", tag, "second")
			writeOutbox(t, rdb, ks, tag, true, second)
			eventually(t, "second event relayed by the new leader", func() (bool, string) {
				n := xlen(t, rdb, ks.Topic("inspection"))
				return n == 2, fmt.Sprintf("topic holds %d", n)
			})
			got := streamEvents(t, rdb, ks.Topic("inspection"))
			if got[0].ID != first.ID || got[1].ID != second.ID {
				t.Errorf("topic holds %s, %s; want %s, %s", got[0].ID, got[1].ID, first.ID, second.ID)
			}
		})
	}
}
