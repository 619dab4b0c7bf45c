// Package watch is the partner-events stream: a watcher names topics, a
// filter and a cursor, and receives first the entries after the cursor (the
// backlog), then live ones, each with the cursor to resume after it. A
// watcher that reconnects with its last cursor misses nothing and sees
// nothing twice: positions are stream entry ids, which only grow.
//
// One Hub per process reads each topic stream once and fans its entries
// out to every live watcher through a bounded buffer. A watcher that falls
// a whole buffer behind is cut off (ErrSlowConsumer) rather than buffered
// without bound, and each caller may hold a limited number of streams at
// once (ErrTooManyStreams).
//
// It is pure Go: the Source (package streamstore) reads the streams, and
// the handler decides which entries a caller may see with its Filter.
package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// Item is one entry of a topic stream.
type Item struct {
	Topic string
	// ID is the stream entry id, the item's position.
	ID string
	// Event is what the Source decoded from the entry; nil for an entry
	// that is no event anyone may watch.
	Event any
}

// Source reads topic streams.
type Source interface {
	// Range returns up to count entries of topic after the entry id after,
	// oldest first.
	Range(ctx context.Context, topic, after string, count int64) ([]Item, error)
	// Tail waits up to block for entries of topic after after, and returns
	// up to count of them (none when block passes).
	Tail(ctx context.Context, topic, after string, count int64, block time.Duration) ([]Item, error)
	// Last is the id of topic's newest entry, "0-0" when it has none.
	Last(ctx context.Context, topic string) (string, error)
	// Kept reports what topic still holds: the id of its oldest entry
	// ("" when it is empty) and of the newest entry deleted from it ("0-0"
	// when none was).
	Kept(ctx context.Context, topic string) (oldest, deleted string, err error)
}

// Filter says whether a watcher receives an item.
type Filter func(Item) bool

// Reasons of the faults a watch ends with.
const (
	ReasonSlowConsumer   = "SLOW_CONSUMER"
	ReasonTooManyStreams = "TOO_MANY_STREAMS"
	ReasonCursorExpired  = "CURSOR_EXPIRED"
)

// ErrCursorExpired refuses a cursor older than what a topic stream still
// holds: events after it were trimmed away, so resuming from it would miss
// them.
var ErrCursorExpired = fault.FailedPrecondition(ReasonCursorExpired,
	"events after this cursor are no longer kept; start again without a cursor and catch up from the lists")

// ErrSlowConsumer ends a watch whose caller does not read fast enough.
var ErrSlowConsumer = &fault.Error{Kind: fault.KindResourceExhausted, Reason: ReasonSlowConsumer,
	Message: "the stream was cut off because the client fell too far behind; reconnect with the cursor of the last event received"}

// ErrTooManyStreams refuses a watch beyond the caller's limit.
var ErrTooManyStreams = &fault.Error{Kind: fault.KindResourceExhausted, Reason: ReasonTooManyStreams,
	Message: "the caller has as many event streams open as it may; close one first"}

// Options tune the service. Zero values select the defaults.
type Options struct {
	// Buffer is how many items a live watcher may have undelivered before
	// it is cut off; default 256.
	Buffer int
	// MaxStreams is how many streams one caller (token subject) may hold
	// open at once; default 5.
	MaxStreams int
	// Batch bounds the entries read at once; default 500.
	Batch int64
	// Block is how long a hub read waits for new entries; default 2s.
	Block  time.Duration
	Logger *slog.Logger
	// MeterProvider holds the stream metrics; default the global one.
	MeterProvider metric.MeterProvider
}

func (o Options) withDefaults() Options {
	if o.Buffer <= 0 {
		o.Buffer = 256
	}
	if o.MaxStreams <= 0 {
		o.MaxStreams = 5
	}
	if o.Batch <= 0 {
		o.Batch = 500
	}
	if o.Block <= 0 {
		o.Block = 2 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Service runs watches over a Source.
type Service struct {
	src    Source
	opts   Options
	topics []string
	hub    *hub

	mu      sync.Mutex
	streams map[string]int
	metrics metrics
}

// NewService returns the watch service over src for the topics that may be
// watched.
func NewService(src Source, topics []string, opts Options) *Service {
	opts = opts.withDefaults()
	return &Service{src: src, opts: opts, topics: topics, hub: newHub(src, topics, opts), streams: map[string]int{},
		metrics: newMetrics(opts.MeterProvider)}
}

// Topics are the topics that may be watched.
func (s *Service) Topics() []string { return s.topics }

// Run reads every topic for the live watchers until ctx ends. Watches
// started while it does not run get their backlog and then wait.
func (s *Service) Run(ctx context.Context) error { return s.hub.run(ctx) }

// Request is one watch.
type Request struct {
	// Caller identifies the caller for the stream limit.
	Caller string
	// Topics to read; each must be one of the service's.
	Topics []string
	// From is where to resume; a topic it does not name starts live.
	From Cursor
	// Filter picks the items the caller receives.
	Filter Filter
}

// Emit hands one item and the cursor after it to the caller. It may wait
// for the caller, but must give up when ctx ends, returning
// context.Cause(ctx).
type Emit func(ctx context.Context, it Item, cursor Cursor) error

// Watch runs one watch until ctx ends or emit fails: the backlog after
// req.From, pulled at the caller's pace, then live items. It returns
// ErrTooManyStreams when the caller holds its limit of streams, and
// ErrSlowConsumer when a live watcher falls a whole buffer behind.
func (s *Service) Watch(ctx context.Context, req Request, emit Emit) error {
	if !s.acquire(req.Caller) {
		s.metrics.refuse(ctx, ReasonTooManyStreams)
		return ErrTooManyStreams
	}
	defer s.release(req.Caller)
	s.metrics.streams.Add(ctx, 1)
	defer s.metrics.streams.Add(context.WithoutCancel(ctx), -1)
	counted := func(ctx context.Context, it Item, cur Cursor) error {
		if err := emit(ctx, it, cur); err != nil {
			return err
		}
		s.metrics.events.Add(ctx, 1)
		return nil
	}
	err := s.watch(ctx, req, counted)
	if errors.Is(err, ErrSlowConsumer) {
		s.metrics.refuse(context.WithoutCancel(ctx), ReasonSlowConsumer)
	}
	return err
}

// watch is Watch once the stream is admitted.
func (s *Service) watch(ctx context.Context, req Request, emit Emit) error {
	pos := Cursor{}
	for _, t := range req.Topics {
		if id, ok := req.From[t]; ok {
			expired, err := s.expired(ctx, t, id)
			if err != nil {
				s.opts.Logger.WarnContext(ctx, "watch: cannot tell whether the cursor is still covered", "topic", t, "error", err)
			} else if expired {
				return ErrCursorExpired.With("topic", t)
			}
			pos[t] = id
			continue
		}
		last, err := s.src.Last(ctx, t)
		if err != nil {
			return err
		}
		pos[t] = last
	}
	w := &watcher{src: s.src, batch: s.opts.Batch, pos: pos, filter: req.Filter, emit: emit}
	if err := w.catchUp(ctx, req.Topics); err != nil {
		return ended(ctx, err)
	}
	// Then live: register, read once more what arrived meanwhile, and take
	// the rest from the hub. Items seen twice are skipped by position.
	sub, err := s.hub.subscribe(ctx, req.Topics, s.opts.Buffer)
	if err != nil {
		return ended(ctx, err)
	}
	defer s.hub.unsubscribe(sub)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		select {
		case <-sub.lost:
			cancel(ErrSlowConsumer)
		case <-ctx.Done():
		}
	}()
	if err := w.catchUp(ctx, req.Topics); err != nil {
		return ended(ctx, err)
	}
	for {
		select {
		case <-ctx.Done():
			return ended(ctx, nil)
		case it := <-sub.ch:
			if err := w.deliver(ctx, it); err != nil {
				return ended(ctx, err)
			}
		}
	}
}

// ended is how a watch ends: cut off when the hub gave up on it, else
// with err, or quietly when the caller went away.
func ended(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); errors.Is(cause, ErrSlowConsumer) {
		return ErrSlowConsumer
	}
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// expired reports whether events after position id of topic may have been
// removed: an entry after it was deleted, or the stream no longer holds
// the entry at id itself (trimming removes the oldest entries, so the ones
// that followed it may be gone too; refusing then is the safe answer).
// "0-0", the start of the stream, is never expired: it means "from the
// oldest entry kept".
func (s *Service) expired(ctx context.Context, topic, id string) (bool, error) {
	if id == "0-0" {
		return false, nil
	}
	oldest, deleted, err := s.src.Kept(ctx, topic)
	if err != nil {
		return false, err
	}
	return After(deleted, id) || After(oldest, id), nil
}

func (s *Service) acquire(caller string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.streams[caller] >= s.opts.MaxStreams {
		return false
	}
	s.streams[caller]++
	return true
}

func (s *Service) release(caller string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.streams[caller]--; s.streams[caller] <= 0 {
		delete(s.streams, caller)
	}
}

// watcher is one watch's position and delivery.
type watcher struct {
	src    Source
	batch  int64
	pos    Cursor
	filter Filter
	emit   Emit
}

// catchUp pulls every topic from its position to its end.
func (w *watcher) catchUp(ctx context.Context, topics []string) error {
	for _, t := range topics {
		for {
			items, err := w.src.Range(ctx, t, w.pos[t], w.batch)
			if err != nil {
				return err
			}
			for _, it := range items {
				if err := w.deliver(ctx, it); err != nil {
					return err
				}
			}
			if int64(len(items)) < w.batch {
				break
			}
		}
	}
	return nil
}

// deliver moves past it and emits it when the filter lets it through; an
// item at or before the position has been handled already.
func (w *watcher) deliver(ctx context.Context, it Item) error {
	cur, ok := w.pos[it.Topic]
	if !ok || !After(it.ID, cur) {
		return nil
	}
	w.pos[it.Topic] = it.ID
	if it.Event == nil || (w.filter != nil && !w.filter(it)) {
		return nil
	}
	return w.emit(ctx, it, w.pos.Clone())
}

// hub reads each topic once and fans its items out to the subscribers.
type hub struct {
	src    Source
	topics []string
	opts   Options

	mu    sync.Mutex
	subs  map[*subscriber]struct{}
	ready map[string]chan struct{}
}

type subscriber struct {
	topics map[string]bool
	ch     chan Item
	lost   chan struct{}
	gone   bool
}

func newHub(src Source, topics []string, opts Options) *hub {
	h := &hub{src: src, topics: topics, opts: opts, subs: map[*subscriber]struct{}{}, ready: map[string]chan struct{}{}}
	for _, t := range topics {
		h.ready[t] = make(chan struct{})
	}
	return h
}

// subscribe registers a subscriber once the readers of its topics have
// their starting positions, so that everything after those positions
// reaches it live and everything before is in the streams for catchUp.
func (h *hub) subscribe(ctx context.Context, topics []string, buffer int) (*subscriber, error) {
	for _, t := range topics {
		ready, ok := h.ready[t]
		if !ok {
			return nil, fmt.Errorf("watch: unknown topic %q", t)
		}
		select {
		case <-ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	sub := &subscriber{topics: map[string]bool{}, ch: make(chan Item, buffer), lost: make(chan struct{})}
	for _, t := range topics {
		sub.topics[t] = true
	}
	h.mu.Lock()
	h.subs[sub] = struct{}{}
	h.mu.Unlock()
	return sub, nil
}

func (h *hub) unsubscribe(sub *subscriber) {
	h.mu.Lock()
	delete(h.subs, sub)
	h.mu.Unlock()
}

// broadcast hands items to every subscriber of their topic without
// waiting: a subscriber whose buffer is full is marked lost and gets no
// more.
func (h *hub) broadcast(items []Item) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs {
		if sub.gone {
			continue
		}
		for _, it := range items {
			if !sub.topics[it.Topic] {
				continue
			}
			select {
			case sub.ch <- it:
			default:
				sub.gone = true
				close(sub.lost)
			}
			if sub.gone {
				break
			}
		}
	}
}

func (h *hub) run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, t := range h.topics {
		wg.Go(func() { h.read(ctx, t) })
	}
	wg.Wait()
	return nil
}

// read follows topic from its newest entry at start.
func (h *hub) read(ctx context.Context, topic string) {
	var last string
	for ctx.Err() == nil {
		id, err := h.src.Last(ctx, topic)
		if err == nil {
			last = id
			break
		}
		h.opts.Logger.WarnContext(ctx, "watch: read the stream's end", "topic", topic, "error", err)
		pause(ctx, 500*time.Millisecond)
	}
	if ctx.Err() != nil {
		return
	}
	close(h.ready[topic])
	for ctx.Err() == nil {
		items, err := h.src.Tail(ctx, topic, last, h.opts.Batch, h.opts.Block)
		if err != nil {
			if ctx.Err() == nil {
				h.opts.Logger.WarnContext(ctx, "watch: read the stream", "topic", topic, "error", err)
				pause(ctx, 500*time.Millisecond)
			}
			continue
		}
		if len(items) == 0 {
			continue
		}
		last = items[len(items)-1].ID
		h.broadcast(items)
	}
}

func pause(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
