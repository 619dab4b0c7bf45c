// Package clock is the suite's clock: a base clock (the wall clock, or the
// -clock-start clock of a rehearsal) plus an offset that DfE can move
// forward in non-production modes, so a training session can walk from a
// judgement to its six-month deadline and DfE's decision without waiting.
//
// The offset lives in Redis (one record, {clock}:offset), so every process
// of a split deployment agrees on the time; each process reads it again at
// most once a CacheFor (default one second). Moving the clock is audited
// (the audit trail's ClockAdvanced entry) and idempotent per request_id,
// committed in one store.Commit. A clock that is not Movable (production)
// refuses to move with ErrNotMovable, and never reads Redis: its time is
// the base clock's.
package clock

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Tag is the hash tag of the clock's record.
const Tag = "clock"

// Resource is the resource name the audit trail records moves under.
const Resource = "clock"

// MaxAdvance bounds one move: far enough for any plan's deadline, near
// enough that a typo does not throw the suite into another decade.
const MaxAdvance = 400 * 24 * time.Hour

// ReasonNotMovable is the FAILED_PRECONDITION reason of ErrNotMovable.
const ReasonNotMovable = "CLOCK_NOT_MOVABLE"

// ErrNotMovable is the answer of Advance on a production clock.
var ErrNotMovable = fault.FailedPrecondition(ReasonNotMovable,
	"the suite's clock moves only in non-production modes (the embedded Redis, -demo or -clock-start); this deployment runs on real time")

// Options configure a Clock.
type Options struct {
	// Base is the clock the offset is added to; nil means time.Now.
	Base func() time.Time
	// Movable allows Advance: true in non-production modes.
	Movable bool
	// CacheFor is how long a process keeps the offset it read before
	// reading it again; zero means one second.
	CacheFor time.Duration
	// Logger records a failure to read the offset; nil means
	// slog.Default().
	Logger *slog.Logger
}

// Clock is the suite's clock. Its methods are safe for concurrent use.
type Clock struct {
	st   *store.Store
	opts Options

	mu     sync.Mutex
	offset time.Duration
	readAt time.Time // wall-clock time of the last read; zero: never read
	// reading is closed when the read of the offset under way ends; nil
	// when none is.
	reading chan struct{}
}

// refreshWait is how long Now waits for a new read of the offset once one
// has been read before: far longer than a read takes, far shorter than
// the command timeout a hung Redis makes a read wait out, so that a
// request never spends that timeout on the clock before its own first
// command spends it again.
const refreshWait = 100 * time.Millisecond

// New returns the suite's clock over st.
func New(st *store.Store, opts Options) *Clock {
	if opts.Base == nil {
		opts.Base = time.Now
	}
	if opts.CacheFor <= 0 {
		opts.CacheFor = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Clock{st: st, opts: opts}
}

// Movable reports whether Advance may move the clock.
func (c *Clock) Movable() bool { return c.opts.Movable }

func (c *Clock) key() string { return c.st.Keyspace().Key(Tag, "offset") }

// Now is the suite's time: the base clock plus the offset. On a movable
// clock the offset is read again from Redis once CacheFor has passed, by
// one read at a time however many callers want it; a caller waits for
// that read, but once an offset has been read, for refreshWait at most:
// when Redis is slow or does not answer, the last offset read stands (and
// a failed read is logged).
func (c *Clock) Now() time.Time {
	if !c.opts.Movable {
		return c.opts.Base()
	}
	c.mu.Lock()
	offset := c.offset
	never := c.readAt.IsZero()
	var reading chan struct{}
	if never || time.Since(c.readAt) >= c.opts.CacheFor {
		if c.reading == nil {
			c.reading = make(chan struct{})
			go c.read(c.reading, offset)
		}
		reading = c.reading
	}
	c.mu.Unlock()
	if reading == nil {
		return c.opts.Base().Add(offset)
	}
	var wait <-chan time.Time
	if !never {
		timer := time.NewTimer(refreshWait)
		defer timer.Stop()
		wait = timer.C
	}
	select {
	case <-reading:
		c.mu.Lock()
		offset = c.offset
		c.mu.Unlock()
	case <-wait:
	}
	return c.opts.Base().Add(offset)
}

// read reads the offset for Now and closes done; last is the offset that
// stands when the read fails.
func (c *Clock) read(done chan struct{}, last time.Duration) {
	defer close(done)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	_, err := c.Offset(ctx)
	cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reading = nil
	if err != nil {
		c.opts.Logger.Warn("the suite's clock offset could not be read; the last one stands", "error", err, "offset", last)
		c.readAt = time.Now()
	}
}

// Offset reads how far the suite's clock runs ahead of its base clock, and
// caches it for Now.
func (c *Clock) Offset(ctx context.Context) (time.Duration, error) {
	if !c.opts.Movable {
		return 0, nil
	}
	offset, _, err := c.stored(ctx)
	if err != nil {
		return 0, err
	}
	c.remember(offset)
	return offset, nil
}

// stored reads the offset in Redis and its record's version: zero and
// store.MustNotExist while the clock has never moved.
func (c *Clock) stored(ctx context.Context) (time.Duration, int64, error) {
	rec, err := c.st.Get(ctx, c.key())
	if errors.Is(err, store.ErrNotFound) {
		return 0, store.MustNotExist, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("clock: read the offset: %w", err)
	}
	offset, err := decode(rec.Data)
	return offset, rec.Version, err
}

func (c *Clock) remember(offset time.Duration) {
	c.mu.Lock()
	c.offset, c.readAt = offset, time.Now()
	c.mu.Unlock()
}

// Advance moves the suite's clock forward by by, on behalf of r, and
// returns the offset after the move. The move, its audit entry and the
// idempotency record of r commit together; a retry of r's request_id
// returns the offset the first call left without moving the clock again.
// A production clock answers ErrNotMovable; by must be more than zero and
// at most MaxAdvance (a violation on field otherwise).
func (c *Clock) Advance(ctx context.Context, field string, by time.Duration, r change.Request) (time.Duration, error) {
	if !c.opts.Movable {
		return 0, ErrNotMovable
	}
	if by <= 0 || by > MaxAdvance {
		var vs fault.Violations
		vs.Add(field, "must be more than zero and at most %s, got %s", MaxAdvance, by)
		return 0, vs.Err()
	}
	replay := func(ctx context.Context) (time.Duration, bool, error) {
		prev, ok, err := c.st.ReplayFor(ctx, Tag, r)
		if err != nil || !ok {
			return 0, false, err
		}
		offset, err := decode(prev)
		return offset, true, err
	}
	if prev, ok, err := replay(ctx); err != nil || ok {
		return prev, err
	}
	moved := false
	next, err := change.Retry(ctx, "clock: advance", replay, func(ctx context.Context) (time.Duration, error) {
		offset, version, err := c.stored(ctx)
		if err != nil {
			return 0, err
		}
		next := offset + by
		data := encode(next)
		if _, err := c.st.Commit(ctx, store.Mutation{
			Tag:         Tag,
			Writes:      []store.Write{{Key: c.key(), Data: data, IfVersion: version}},
			Audit:       []store.AuditEntry{store.AuditFor(r, Resource, c.key())},
			Idempotency: store.IdempotencyFor(r, data),
		}); err != nil {
			return 0, err
		}
		moved = true
		return next, nil
	})
	if err != nil {
		return 0, err
	}
	if moved {
		c.remember(next)
	}
	return next, nil
}

func encode(d time.Duration) []byte { return []byte(strconv.FormatInt(int64(d), 10)) }

func decode(b []byte) (time.Duration, error) {
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("clock: the stored offset %q is not a number of nanoseconds", b)
	}
	return time.Duration(n), nil
}
