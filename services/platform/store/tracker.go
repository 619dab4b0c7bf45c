package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// invalidationChannel is where Redis publishes the keys that changed to a
// connection that tracks keys over RESP2.
const invalidationChannel = "__redis__:invalidate"

// Tracker learns from Redis which keys change, so that a Memo can answer a
// read it made before (a list across councils, a record, a council's risk
// inputs) from memory, with one PING instead of reading Redis again.
//
// It holds one connection of its own that asks Redis to track every key
// under the keyspace's prefix (CLIENT TRACKING … BCAST, the invalidations
// redirected to itself) and subscribes to the invalidation channel. Redis
// sends a key's invalidation before it acknowledges the write that changed
// it, and answers a PING on that connection after everything queued for it
// before, so once the PING sent after a read began is answered, every write
// acknowledged before that read began has been seen. That is what Sync
// proves, and why a read answered from memory is never older than the last
// write a caller saw, whichever replica made it: each replica has its own
// Tracker.
//
// The connection is the proof, so anything that may have lost an
// invalidation counts as every key changing: a dropped connection, a
// resubscription and a flush. While the connection is down Sync says so,
// and caches read Redis as they do without a Tracker. Tracking needs Redis
// 6 or later on one server; on Sentinel and Cluster, where a write may be
// acknowledged by a server this connection does not watch, the suite does
// not use a Tracker.
type Tracker struct {
	client *redis.Client
	prefix string
	// timeout bounds a Sync: a PING not answered within it fails the read as
	// a command would on a hung server.
	timeout time.Duration

	// watches is what the caches depend on; its lock is its own, so that
	// counting an invalidation never waits on a Sync.
	watches watchRegistry

	mu   sync.Mutex
	live bool
	// PINGs are numbered; sent is the last one sent, answered the last one
	// answered. inFlight says one is unanswered; again that a Sync began
	// after it was sent and needs the next.
	sent, answered  uint64
	inFlight, again bool
	sentAt          time.Time
	// session counts subscriptions lost; a Sync that began in an earlier
	// one proves nothing.
	session uint64
	wake    chan struct{}

	ps     atomic.Pointer[redis.PubSub]
	cancel context.CancelFunc
	done   chan struct{}
}

// OpenTracker connects a Tracker to the standalone Redis rawURL names, for
// keys under prefix. It returns nil and no error when the server cannot
// track keys (before Redis 6, or a server that is not Redis), so the caller
// runs without one.
func OpenTracker(ctx context.Context, rawURL, prefix string) (*Tracker, error) {
	opts, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if opts.MasterName != "" || opts.IsClusterMode || len(opts.Addrs) != 1 {
		return nil, nil
	}
	o := opts.Simple()
	o.Protocol = 2 // invalidations arrive as messages of the channel
	o.PoolSize = 1
	o.DisableIdentity = true
	o.ClientName = TrackerClientName(prefix)
	t := &Tracker{prefix: prefix, timeout: o.ReadTimeout, wake: make(chan struct{}), done: make(chan struct{})}
	if t.timeout <= 0 {
		t.timeout = DefaultCommandTimeout
	}
	o.OnConnect = t.onConnect
	t.client = redis.NewClient(o)

	// Probe: a server that refuses CLIENT TRACKING (onConnect fails) gets
	// no Tracker.
	probe := t.client.Conn()
	err = probe.Ping(ctx).Err()
	_ = probe.Close()
	if err != nil {
		_ = t.client.Close()
		if Unavailable(err) {
			return nil, fmt.Errorf("store: tracker: %w", err)
		}
		return nil, nil
	}
	runCtx, cancel := context.WithCancel(context.Background())
	t.cancel = cancel
	go t.run(runCtx)
	// Wait (a command timeout at most) for the subscription, so reads are
	// answered from memory from the start; until it is live they read Redis.
	deadline := time.Now().Add(t.timeout)
	for !t.isLive() && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	return t, nil
}

func (t *Tracker) isLive() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.live
}

// TrackerClientName is the name the tracker's connection for keys under
// prefix gives itself (CLIENT LIST shows it).
func TrackerClientName(prefix string) string {
	name := "turnaround-tracker"
	if prefix != "" {
		name += ":" + strings.Map(func(r rune) rune {
			if r <= ' ' || r > '~' {
				return '_'
			}
			return r
		}, prefix)
	}
	return name
}

// onConnect asks Redis to send the tracker's connection an invalidation for
// every key under the prefix that changes.
func (t *Tracker) onConnect(ctx context.Context, cn *redis.Conn) error {
	id, err := cn.ClientID(ctx).Result()
	if err != nil {
		return err
	}
	args := []any{"CLIENT", "TRACKING", "ON", "REDIRECT", id, "BCAST"}
	if t.prefix != "" {
		args = append(args, "PREFIX", t.prefix)
	}
	return cn.Do(ctx, args...).Err()
}

// Close stops the tracker and closes its connection.
func (t *Tracker) Close() error {
	if t == nil {
		return nil
	}
	t.cancel()
	if ps := t.ps.Load(); ps != nil {
		_ = ps.Close()
	}
	<-t.done
	return t.client.Close()
}

// run keeps the subscription: it reads invalidations and PING answers, and
// subscribes again after any failure, counting each time as every key
// changing.
func (t *Tracker) run(ctx context.Context) {
	defer close(t.done)
	for ctx.Err() == nil {
		ps := t.client.Subscribe(ctx, invalidationChannel)
		t.ps.Store(ps)
		t.receive(ctx, ps)
		_ = ps.Close()
		t.down()
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// receive handles one subscription's messages until it fails.
func (t *Tracker) receive(ctx context.Context, ps *redis.PubSub) {
	for ctx.Err() == nil {
		msg, err := ps.ReceiveTimeout(ctx, t.timeout)
		if err != nil {
			var netErr interface{ Timeout() bool }
			if errors.As(err, &netErr) && netErr.Timeout() && !t.overdue() {
				continue // idle, and no PING waits longer than the timeout
			}
			return
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				t.up()
			}
		case *redis.Message:
			t.invalidate(m.PayloadSlice, m.Payload == "" && m.PayloadSlice == nil)
		case *redis.Pong:
			n, err := strconv.ParseUint(m.Payload, 10, 64)
			if err == nil {
				t.pong(n)
			}
		}
	}
}

// overdue reports whether a PING has waited longer than the timeout, which
// means the connection is not answering.
func (t *Tracker) overdue() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.inFlight && time.Since(t.sentAt) > t.timeout
}

// up marks the subscription live: whatever changed while it was being made
// may have been missed, so every watch counts a change.
func (t *Tracker) up() {
	t.mu.Lock()
	t.live = true
	t.mu.Unlock()
	t.watches.invalidateAll()
}

// down marks the subscription lost and wakes every Sync, which then fails.
func (t *Tracker) down() {
	t.mu.Lock()
	t.live = false
	t.session++
	// A PING sent on the lost connection is never answered.
	t.answered, t.inFlight, t.again = t.sent, false, false
	t.watches.invalidateAll()
	close(t.wake)
	t.wake = make(chan struct{})
	t.mu.Unlock()
}

// invalidate counts a change in every watch a key matches, or in all of
// them for a flush (all true).
func (t *Tracker) invalidate(keys []string, all bool) {
	if all {
		t.watches.invalidateAll()
		return
	}
	t.watches.invalidate(keys)
}

// pong records the answer to PING n, wakes the Syncs waiting for it and
// sends the next PING if a Sync began after n was sent.
func (t *Tracker) pong(n uint64) {
	t.mu.Lock()
	if n > t.answered {
		t.answered = n
	}
	next := uint64(0)
	if n == t.sent {
		t.inFlight = false
		if t.again {
			t.again = false
			t.sent++
			t.inFlight = true
			t.sentAt = time.Now()
			next = t.sent
		}
	}
	close(t.wake)
	t.wake = make(chan struct{})
	t.mu.Unlock()
	if next != 0 {
		t.ping(next)
	}
}

// ping sends PING n on the subscription.
func (t *Tracker) ping(n uint64) {
	if ps := t.ps.Load(); ps != nil {
		if err := ps.Ping(context.Background(), strconv.FormatUint(n, 10)); err != nil {
			_ = ps.Close() // run subscribes again, and down wakes the waiters
		}
	}
}

// watchFor registers the keys a cached read depends on: each of keys is
// a key, or a key shape with Any standing for any text.
func (t *Tracker) watchFor(keys ...string) *watch { return t.watches.add(keys) }

// unwatch unregisters w, which watchFor returned for keys.
func (t *Tracker) unwatch(w *watch, keys []string) { t.watches.remove(w, keys) }

// errTrackerDown says Sync could not prove anything: the caller reads Redis.
var errTrackerDown = errors.New("store: tracker not subscribed")

// Sync waits until every invalidation Redis sent before the call has been
// counted in every watch: a read kept at a watch's count then is as new as
// anything acknowledged before the call. It fails with
// errTrackerDown when the subscription is not live (read Redis instead),
// and with an outage error when the PING is not answered within the
// command timeout, as a command to a hung server fails, or when the
// subscription is lost after the caller has waited a quarter of that
// timeout for the answer: that is Redis hanging, which a read made then
// would wait out again, so the request fails in about one command timeout,
// not two. A subscription lost sooner (its connection killed, Redis up) is
// errTrackerDown, and the caller reads Redis.
func (t *Tracker) Sync(ctx context.Context) error {
	t.mu.Lock()
	if !t.live {
		t.mu.Unlock()
		return errTrackerDown
	}
	target, session := t.sent+1, t.session
	send := uint64(0)
	if t.inFlight {
		t.again = true
	} else {
		t.sent++
		t.inFlight = true
		t.sentAt = time.Now()
		send = t.sent
	}
	t.mu.Unlock()
	if send != 0 {
		t.ping(send)
	}
	began := time.Now()
	timer := time.NewTimer(t.timeout)
	defer timer.Stop()
	for {
		t.mu.Lock()
		live, answered, wake := t.live && t.session == session, t.answered, t.wake
		t.mu.Unlock()
		if !live {
			if waited := time.Since(began); waited >= t.timeout/4 {
				return fmt.Errorf("store: tracker: subscription lost after waiting %s for an answer to PING: %w",
					waited.Round(time.Millisecond), os.ErrDeadlineExceeded)
			}
			return errTrackerDown
		}
		if answered >= target {
			return nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			// As a command to a hung server times out: an outage.
			return fmt.Errorf("store: tracker: no answer to PING within %s: %w", t.timeout, os.ErrDeadlineExceeded)
		}
	}
}

// keyPattern is a key shape: literal parts with one wildcard between each
// two, e.g. the records of every council {"p{la:", "}:need:", ""}.
type keyPattern []string

// Any stands for any text in a key shape given to a Memo: the key built
// with Any in place of each part that varies, e.g. every council's plan
// records as planKey(Any, Any).
const Any = "\x00"

// patternOf is the shape of sample, a key built with Any in place of each
// part that varies.
func patternOf(sample string) keyPattern { return strings.Split(sample, Any) }

// matches reports whether key has the shape: its literal parts in order,
// the first at the start and the last at the end, with anything between.
func (p keyPattern) matches(key string) bool {
	if len(p) == 1 {
		return key == p[0]
	}
	first, last := p[0], p[len(p)-1]
	if len(key) < len(first)+len(last) || !strings.HasPrefix(key, first) || !strings.HasSuffix(key, last) {
		return false
	}
	rest := key[len(first) : len(key)-len(last)]
	for _, part := range p[1 : len(p)-1] {
		i := strings.Index(rest, part)
		if i < 0 {
			return false
		}
		rest = rest[i+len(part):]
	}
	return true
}
