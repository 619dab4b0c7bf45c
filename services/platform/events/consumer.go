package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
)

// instrumentationScope names this package's tracer and meter.
const instrumentationScope = "github.com/turnaround-sli/turnaround/services/platform/events"

// LagMetric is the gauge of each consumer group's lag.
const LagMetric = "turnaround.events.consumer.lag"

// retryDelay is the pause after a Redis error before a loop tries again.
const retryDelay = 500 * time.Millisecond

// Handler processes one event. It returns nil once the event's effects are
// durable; an error leaves the event pending, to be delivered again later.
// Delivery is at least once, so a handler must be idempotent; a consumer
// also skips events its group has already handled. A consumer may call its
// handler from two goroutines at once (new events and reclaimed ones).
type Handler func(ctx context.Context, e Event) error

// ConsumerOptions tune a Consumer. Group is required; zero values of the
// rest select the defaults.
type ConsumerOptions struct {
	// Group is the consumer group. Replicas of one service share a group and
	// so share its events; each group receives every event of the topic.
	Group string
	// Name identifies this consumer within the group; default host name,
	// process id and a random suffix. It should be unique per process.
	Name string
	// BatchSize bounds the events read or reclaimed at once; default 10.
	BatchSize int64
	// Block is how long a read waits for new events. It also bounds how long
	// Run takes to return once its context is done; default 2s.
	Block time.Duration
	// MinIdle is how long an event stays unacknowledged before another
	// consumer may claim it, on the view that its consumer died. It is also
	// the delay before a failed event is retried, and it should exceed the
	// longest time a handler runs; default 30s.
	MinIdle time.Duration
	// ClaimInterval is the pause between scans for idle events; default
	// half of MinIdle.
	ClaimInterval time.Duration
	// MaxDeliveries is how many times an event is delivered before it goes
	// to the dead-letter stream; default 5.
	MaxDeliveries int64
	// DedupeTTL is how long the group remembers an event ID as handled. It
	// should exceed the time a duplicate can take to arrive; default 7 days.
	DedupeTTL time.Duration
	// Logger receives handler failures and Redis errors; default
	// slog.Default().
	Logger *slog.Logger
	// TracerProvider makes the consumer spans; default the global provider.
	TracerProvider trace.TracerProvider
	// MeterProvider holds the lag gauge; default the global provider.
	MeterProvider metric.MeterProvider
}

func (o ConsumerOptions) withDefaults() ConsumerOptions {
	if o.Name == "" {
		o.Name = replicaName()
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 10
	}
	if o.Block <= 0 {
		o.Block = 2 * time.Second
	}
	if o.MinIdle <= 0 {
		o.MinIdle = 30 * time.Second
	}
	if o.ClaimInterval <= 0 {
		o.ClaimInterval = o.MinIdle / 2
	}
	if o.MaxDeliveries <= 0 {
		o.MaxDeliveries = 5
	}
	if o.DedupeTTL <= 0 {
		o.DedupeTTL = 7 * 24 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.TracerProvider == nil {
		o.TracerProvider = otel.GetTracerProvider()
	}
	if o.MeterProvider == nil {
		o.MeterProvider = otel.GetMeterProvider()
	}
	return o
}

// Consumer reads one topic as one member of a consumer group and hands each
// event to its Handler.
type Consumer struct {
	rdb     redis.UniversalClient
	ks      keyspace.Keyspace
	topic   string
	stream  string
	dead    string
	handler Handler
	opts    ConsumerOptions
	tracer  trace.Tracer
	log     *slog.Logger

	running  atomic.Bool
	inflight sync.Map // stream entry IDs being handled, so a reclaim does not run them twice
	// unfinished holds the stream entry IDs this consumer received but
	// left unhandled because it was stopping; handBack passes them on.
	unfinished sync.Map
}

// Subscribe returns a consumer of topic's events for opts.Group. Nothing is
// read until Run.
func Subscribe(rdb redis.UniversalClient, ks keyspace.Keyspace, topic string, h Handler, opts ConsumerOptions) (*Consumer, error) {
	if err := checkName("topic", topic); err != nil {
		return nil, err
	}
	if err := checkName("group", opts.Group); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, errors.New("events: subscribe: nil handler")
	}
	opts = opts.withDefaults()
	return &Consumer{
		rdb:     rdb,
		ks:      ks,
		topic:   topic,
		stream:  ks.Topic(topic),
		dead:    DeadLetterStream(ks, topic, opts.Group),
		handler: h,
		opts:    opts,
		tracer:  opts.TracerProvider.Tracer(instrumentationScope),
		log:     opts.Logger.With("topic", topic, "group", opts.Group, "consumer", opts.Name),
	}, nil
}

// DeadLetterStream is the stream where group's consumers of topic put the
// events they gave up on, with the reason in the "error" field.
func DeadLetterStream(ks keyspace.Keyspace, topic, group string) string {
	return ks.Topic(topic + ":dead:" + group)
}

// Run consumes until ctx is done, then returns nil. It creates the group
// (from the start of the stream) if it does not exist. Redis errors are
// logged and retried. Run may be called once.
func (c *Consumer) Run(ctx context.Context) error {
	if !c.running.CompareAndSwap(false, true) {
		return errors.New("events: consumer is already running")
	}
	reg, err := c.registerLag()
	if err != nil {
		return err
	}
	defer func() {
		if err := reg.Unregister(); err != nil {
			c.log.Warn("events: unregister lag gauge", "error", err)
		}
	}()
	var wg sync.WaitGroup
	wg.Go(func() { c.claimLoop(ctx) })
	c.readLoop(ctx)
	wg.Wait()
	c.handBack()
	c.retire()
	return nil
}

// readLoop handles new events as they arrive.
func (c *Consumer) readLoop(ctx context.Context) {
	ready := false
	for ctx.Err() == nil {
		if !ready {
			if err := c.createGroup(ctx); err != nil {
				c.logError(ctx, "events: create group", err)
				sleep(ctx, retryDelay)
				continue
			}
			ready = true
		}
		streams, err := c.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group:    c.opts.Group,
			Consumer: c.opts.Name,
			Streams:  []string{c.stream, ">"},
			Count:    c.opts.BatchSize,
			Block:    c.opts.Block,
		}).Result()
		if errors.Is(err, redis.Nil) {
			continue // nothing arrived within Block
		}
		if err != nil {
			if isNoGroup(err) {
				ready = false // the stream was deleted, and its groups with it
			}
			c.logError(ctx, "events: read", err)
			sleep(ctx, retryDelay)
			continue
		}
		for _, s := range streams {
			c.processNew(ctx, s.Messages)
		}
	}
}

// processNew handles msgs, new to the group, in order, then settles them
// together. Whether the group has handled each one's event already (a
// duplicate the relay published again) is asked for the whole batch in one
// round trip; an event that comes twice in one batch counts as handled the
// second time if the first copy was, and is asked again otherwise.
func (c *Consumer) processNew(ctx context.Context, msgs []redis.XMessage) {
	evs := make([]Event, len(msgs))
	errs := make([]error, len(msgs))
	var ids, keys []string
	for i, m := range msgs {
		if evs[i], errs[i] = Decode(m.Values); errs[i] == nil {
			ids = append(ids, evs[i].ID)
			keys = append(keys, c.doneKey(evs[i].ID))
		}
	}
	// answers holds, per event ID, whether the group handled it before the
	// batch; an ID leaves it once used, so a second copy is asked again.
	answers := make(map[string]bool, len(ids))
	if len(keys) > 0 {
		// One MGET: the done keys share the stream's hash tag.
		records, err := c.rdb.MGet(ctx, keys...).Result()
		switch {
		case err != nil && ctx.Err() == nil:
			c.logError(ctx, "events: check handled", fmt.Errorf("mget in %s: %w", c.stream, err))
		case err == nil:
			for i, id := range ids {
				answers[id] = answers[id] || records[i] != nil
			}
		}
	}
	var s settlement
	for i, m := range msgs {
		if ctx.Err() != nil {
			c.unfinished.Store(m.ID, struct{}{}) // handed back on the way out
			continue
		}
		var seen *bool
		if s.handled[evs[i].ID] {
			seen = new(true)
		} else if v, ok := answers[evs[i].ID]; ok && errs[i] == nil {
			seen = &v
			delete(answers, evs[i].ID)
		}
		c.process(ctx, m, evs[i], errs[i], 1, seen, &s)
	}
	c.settle(ctx, &s)
}

// settlement is what a batch leaves to settle once every event in it has
// been through its handler: the events handled, and the stream entries to
// acknowledge (those handled, and duplicates of events handled before).
type settlement struct {
	handled map[string]bool // event IDs
	acks    []string        // stream entry IDs
}

// settleScript records events handled and acknowledges stream entries in
// one command. KEYS: the done keys, then the stream; ARGV: the group, the
// records' time to live in milliseconds, then the entry IDs. Redis refuses
// a script that writes when it is out of memory before it runs a line, so
// no entry is ever acknowledged without its record.
var settleScript = redis.NewScript(`
for i = 1, #KEYS - 1 do
  redis.call('SET', KEYS[i], '1', 'NX', 'PX', ARGV[2])
end
return redis.call('XACK', KEYS[#KEYS], ARGV[1], unpack(ARGV, 3))
`)

// settle records the batch's handled events and acknowledges its entries
// with one script: the done keys share the stream's hash tag. Acknowledging
// an event without its record would let a duplicate be handled again;
// leaving both undone (a crash, Redis gone) leaves the entries pending, to
// be handled once more by an idempotent handler.
func (c *Consumer) settle(ctx context.Context, s *settlement) {
	defer func() {
		for _, id := range s.acks {
			c.inflight.Delete(id)
		}
	}()
	if len(s.acks) == 0 {
		return
	}
	// Bookkeeping after the handlers ran must happen even while stopping,
	// or the work would be done again.
	after := context.WithoutCancel(ctx)
	keys := make([]string, 0, len(s.handled)+1)
	for id := range s.handled {
		keys = append(keys, c.doneKey(id))
	}
	keys = append(keys, c.stream)
	args := make([]any, 0, 2+len(s.acks))
	args = append(args, c.opts.Group, c.opts.DedupeTTL.Milliseconds())
	for _, id := range s.acks {
		args = append(args, id)
	}
	if err := settleScript.Run(after, c.rdb, keys, args...).Err(); err != nil {
		c.log.Error("events: record handled and acknowledge", "entries", len(s.acks),
			"error", fmt.Errorf("set done, xack %s: %w", c.stream, err))
	}
}

// claimLoop takes over events left unacknowledged for MinIdle, whether their
// consumer died or their handler failed, and handles them again.
func (c *Consumer) claimLoop(ctx context.Context) {
	start := "0-0"
	for ctx.Err() == nil {
		msgs, next, err := c.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
			Stream:   c.stream,
			Group:    c.opts.Group,
			Consumer: c.opts.Name,
			MinIdle:  c.opts.MinIdle,
			Start:    start,
			Count:    c.opts.BatchSize,
		}).Result()
		if err != nil {
			if !isNoGroup(err) { // the read loop creates the group
				c.logError(ctx, "events: claim", err)
			}
			start = "0-0"
			sleep(ctx, c.opts.ClaimInterval)
			continue
		}
		counts, err := c.deliveries(ctx, msgs)
		if err != nil {
			// The claimed events stay pending on this consumer and are
			// claimed again after MinIdle.
			c.logError(ctx, "events: delivery counts", err)
		} else {
			var s settlement
			for _, m := range msgs {
				if ctx.Err() != nil {
					break
				}
				if _, busy := c.inflight.Load(m.ID); busy {
					continue // a slow handler in this process still has it
				}
				n, ok := counts[m.ID]
				if !ok {
					continue // acknowledged since the claim
				}
				e, err := Decode(m.Values)
				c.process(ctx, m, e, err, n, nil, &s)
			}
			c.settle(ctx, &s)
		}
		start = next
		if next == "0-0" || next == "" {
			start = "0-0"
			sleep(ctx, c.opts.ClaimInterval)
		}
	}
}

// deliveries returns how many times each message has been delivered,
// counting the claim that just delivered it here.
func (c *Consumer) deliveries(ctx context.Context, msgs []redis.XMessage) (map[string]int64, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.XPendingExtCmd, len(msgs))
	_, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, m := range msgs {
			cmds[i] = p.XPendingExt(ctx, &redis.XPendingExtArgs{
				Stream: c.stream, Group: c.opts.Group, Start: m.ID, End: m.ID, Count: 1,
			})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("xpending %s: %w", c.stream, err)
	}
	counts := make(map[string]int64, len(msgs))
	for _, cmd := range cmds {
		for _, p := range cmd.Val() {
			counts[p.ID] = p.RetryCount
		}
	}
	return counts, nil
}

// process handles one delivery of m, decoded as e (or failing to decode
// with decodeErr), the deliveries-th. Once m is handled
// (now or before) it is left in s to be recorded and acknowledged, and
// stays in flight until then; a dead-lettered m is acknowledged at once.
// Otherwise m stays pending and is retried after MinIdle. seen says
// whether the group had handled m's event already, when the caller asked;
// nil asks Redis.
func (c *Consumer) process(ctx context.Context, m redis.XMessage, e Event, decodeErr error, deliveries int64, seen *bool, s *settlement) {
	c.inflight.Store(m.ID, struct{}{})
	settled := false
	defer func() {
		if !settled {
			c.inflight.Delete(m.ID)
		}
	}()
	after := context.WithoutCancel(ctx)

	if decodeErr != nil {
		c.deadLetter(after, m, deliveries, decodeErr)
		return
	}
	if deliveries > c.opts.MaxDeliveries {
		// Its consumers died before finishing it, time after time.
		c.deadLetter(after, m, deliveries, fmt.Errorf("delivered %d times, more than the %d allowed", deliveries, c.opts.MaxDeliveries))
		return
	}
	done := c.doneKey(e.ID)
	if seen == nil {
		n, err := c.rdb.Exists(ctx, done).Result()
		if err != nil {
			if ctx.Err() != nil {
				c.unfinished.Store(m.ID, struct{}{}) // stopping: handed back on the way out
				return
			}
			c.logError(ctx, "events: check handled", fmt.Errorf("exists %s: %w", done, err))
			return
		}
		v := n == 1
		seen = &v
	}
	if *seen {
		s.acks = append(s.acks, m.ID) // a duplicate of an event this group has handled
		settled = true
		return
	}
	if err := c.handle(ctx, e, deliveries); err != nil {
		if ctx.Err() != nil {
			c.unfinished.Store(m.ID, struct{}{}) // stopping: handed back on the way out
			return
		}
		if deliveries >= c.opts.MaxDeliveries {
			c.deadLetter(after, m, deliveries, err)
			return
		}
		c.log.Warn("events: handler failed; will retry",
			"event_id", e.ID, "event_type", e.Type, "deliveries", deliveries, "error", err)
		return
	}
	if s.handled == nil {
		s.handled = map[string]bool{}
	}
	s.handled[e.ID] = true
	s.acks = append(s.acks, m.ID)
	settled = true
}

// handle runs the handler in a consumer span linked to the publisher's span.
func (c *Consumer) handle(ctx context.Context, e Event, deliveries int64) (err error) {
	pub := e.SpanContext()
	opts := []trace.SpanStartOption{
		trace.WithSpanKind(trace.SpanKindConsumer),
		// The consumer's work is its own trace: the publisher's request
		// ended long ago and may have caused many events.
		trace.WithNewRoot(),
		trace.WithAttributes(
			attribute.String("messaging.system", "redis"),
			attribute.String("messaging.operation.type", "process"),
			attribute.String("messaging.destination.name", c.topic),
			attribute.String("messaging.consumer.group.name", c.opts.Group),
			attribute.String("messaging.message.id", e.ID),
			attribute.String("turnaround.event.type", e.Type),
			attribute.String("turnaround.event.subject", e.Subject),
			attribute.Int64("turnaround.event.deliveries", deliveries),
		),
	}
	if pub.IsValid() {
		opts = append(opts, trace.WithLinks(trace.Link{SpanContext: pub}))
	}
	ctx, span := c.tracer.Start(ctx, "process "+c.topic, opts...)
	defer span.End()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v", p)
		}
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
	}()
	return c.handler(withPublisher(ctx, pub), e)
}

// deadLetter moves m to the dead-letter stream with the reason, then
// acknowledges it. If the XADD fails, m stays pending and comes back.
func (c *Consumer) deadLetter(ctx context.Context, m redis.XMessage, deliveries int64, cause error) {
	v := deadValues(m, cause, c.stream)
	v["group"] = c.opts.Group
	v["consumer"] = c.opts.Name
	v["deliveries"] = strconv.FormatInt(deliveries, 10)
	if err := c.rdb.XAdd(ctx, &redis.XAddArgs{Stream: c.dead, Values: v}).Err(); err != nil {
		c.log.Error("events: dead-letter", "entry_id", m.ID, "error", fmt.Errorf("xadd %s: %w", c.dead, err))
		return
	}
	c.log.Error("events: gave up on event; moved to dead-letter stream",
		"entry_id", m.ID, "stream", c.dead, "deliveries", deliveries, "error", cause)
	c.ack(ctx, m.ID)
}

func (c *Consumer) ack(ctx context.Context, id string) {
	if err := c.rdb.XAck(ctx, c.stream, c.opts.Group, id).Err(); err != nil {
		c.log.Error("events: ack", "entry_id", id, "error", fmt.Errorf("xack %s: %w", c.stream, err))
	}
}

// doneKey records that the group handled event id. It shares the topic's
// hash tag, so a batch's done keys and the stream go in one command.
func (c *Consumer) doneKey(id string) string {
	return c.ks.Key("topic:"+c.topic, "done", c.opts.Group, id)
}

// createGroup creates the group at the start of the stream, so a group
// that is new to an existing topic handles the events already there.
func (c *Consumer) createGroup(ctx context.Context) error {
	err := c.rdb.XGroupCreateMkStream(ctx, c.stream, c.opts.Group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("xgroup create %s %s: %w", c.stream, c.opts.Group, err)
	}
	return nil
}

// handBack marks the events this consumer left unfinished when it stopped
// as idle for a day, so that the next live consumer of the group (a
// replica, or this service once restarted) claims them at its next scan
// instead of after MinIdle: a rolling restart delays no event by MinIdle.
// An event whose handler failed before the stop is not handed back; it
// keeps its retry delay. JUSTID leaves the delivery count as it is.
func (c *Consumer) handBack() {
	var ids []any
	c.unfinished.Range(func(id, _ any) bool {
		ids = append(ids, id)
		c.unfinished.Delete(id)
		return true
	})
	if len(ids) == 0 {
		return
	}
	n := len(ids)
	args := append([]any{"XCLAIM", c.stream, c.opts.Group, c.opts.Name, 0}, ids...)
	args = append(args, "IDLE", handBackIdle.Milliseconds(), "JUSTID")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.rdb.Do(ctx, args...).Err(); err != nil {
		c.log.Warn("events: hand back unfinished events; they are claimed after MinIdle", "events", n, "error", err)
		return
	}
	c.log.Info("events: handed back unfinished events", "events", n)
}

// handBackIdle is the idle time handBack gives an unfinished event: more
// than any consumer's MinIdle.
const handBackIdle = 24 * time.Hour

// retire removes this consumer from the group when it leaves nothing
// pending, so that names of stopped processes do not pile up. A consumer
// with pending events stays until others have claimed them: deleting it
// would drop them.
func (c *Consumer) retire() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	pending, err := c.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{
		Stream: c.stream, Group: c.opts.Group, Start: "-", End: "+", Count: 1, Consumer: c.opts.Name,
	}).Result()
	if err != nil || len(pending) > 0 {
		return
	}
	if err := c.rdb.XGroupDelConsumer(ctx, c.stream, c.opts.Group, c.opts.Name).Err(); err != nil {
		c.log.Warn("events: remove consumer from group", "error", err)
	}
}

// Lag is how many of the topic's events the group has not yet received,
// from XINFO GROUPS. When Redis cannot tell (entries were deleted from the
// middle of the stream), it is the count of events delivered but not yet
// acknowledged instead. A group that has been delivered the stream's newest
// entry has lag zero whatever XINFO says: an emulated Redis such as the
// embedded one reports the stream's length as every group's lag, which
// would otherwise never fall.
func (c *Consumer) Lag(ctx context.Context) (int64, error) {
	var groupsCmd *redis.XInfoGroupsCmd
	var newestCmd *redis.XMessageSliceCmd
	// One key, so the pipeline goes to one node of a cluster.
	_, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		groupsCmd = p.XInfoGroups(ctx, c.stream)
		newestCmd = p.XRevRangeN(ctx, c.stream, "+", "-", 1)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("events: lag of %s on %s: %w", c.opts.Group, c.stream, err)
	}
	for _, g := range groupsCmd.Val() {
		if g.Name != c.opts.Group {
			continue
		}
		if newest := newestCmd.Val(); len(newest) == 0 || !streamIDAfter(newest[0].ID, g.LastDeliveredID) {
			return 0, nil
		}
		if g.Lag >= 0 {
			return g.Lag, nil
		}
		return g.Pending, nil
	}
	return 0, fmt.Errorf("events: lag: stream %s has no group %s", c.stream, c.opts.Group)
}

// streamIDAfter reports whether stream entry ID a ("ms-seq") comes after b.
// An ID that does not parse counts as coming after, so that Lag then trusts
// what Redis reports.
func streamIDAfter(a, b string) bool {
	am, as, okA := parseStreamID(a)
	bm, bs, okB := parseStreamID(b)
	if !okA || !okB {
		return true
	}
	return am > bm || am == bm && as > bs
}

func parseStreamID(id string) (ms, seq uint64, ok bool) {
	msPart, seqPart, found := strings.Cut(id, "-")
	if !found {
		return 0, 0, false
	}
	ms, err := strconv.ParseUint(msPart, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	seq, err = strconv.ParseUint(seqPart, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return ms, seq, true
}

// registerLag reports Lag on the LagMetric gauge while the consumer runs.
func (c *Consumer) registerLag() (metric.Registration, error) {
	meter := c.opts.MeterProvider.Meter(instrumentationScope)
	gauge, err := meter.Int64ObservableGauge(LagMetric,
		metric.WithDescription("Events of the topic not yet delivered to the consumer group."),
		metric.WithUnit("{event}"))
	if err != nil {
		return nil, fmt.Errorf("events: lag gauge: %w", err)
	}
	attrs := metric.WithAttributeSet(attribute.NewSet(
		attribute.String("topic", c.topic), attribute.String("group", c.opts.Group)))
	reg, err := meter.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		n, err := c.Lag(ctx)
		if err != nil {
			return err
		}
		o.ObserveInt64(gauge, n, attrs)
		return nil
	}, gauge)
	if err != nil {
		return nil, fmt.Errorf("events: lag gauge callback: %w", err)
	}
	return reg, nil
}

// logError logs err unless the consumer is stopping, when errors from
// cancelled commands say nothing new.
func (c *Consumer) logError(ctx context.Context, msg string, err error) {
	if ctx.Err() == nil {
		c.log.ErrorContext(ctx, msg, "error", err)
	}
}

type publisherKey struct{}

func withPublisher(ctx context.Context, sc trace.SpanContext) context.Context {
	return context.WithValue(ctx, publisherKey{}, sc)
}

// PublisherSpanContext returns, inside a Handler, the span context of the
// request that published the event; the consumer span links to it. It is
// invalid when the publisher was not tracing or ctx is not a handler's.
func PublisherSpanContext(ctx context.Context) trace.SpanContext {
	sc, _ := ctx.Value(publisherKey{}).(trace.SpanContext)
	return sc
}

func isNoGroup(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "NOGROUP")
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
