package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
)

// AuditTopic is the topic of audit entries. Its stream is the append-only
// audit trail, so the relay never trims it unless RelayOptions.TopicMaxLen
// says otherwise.
const AuditTopic = "audit"

// NoTrim as a maximum length leaves a topic stream untrimmed.
const NoTrim int64 = -1

// RelayOptions tune a Relay. Zero values select the defaults.
type RelayOptions struct {
	// Owner names this replica in the lease; default host name, process id
	// and a random suffix.
	Owner string
	// LeaseTTL is how long the lease lasts without renewal, and so how long
	// relaying stalls after the leader dies; default 10s. It is renewed every
	// third of it.
	LeaseTTL time.Duration
	// PollInterval is the wait between looks at the pending hints when there
	// were none; default 50ms.
	PollInterval time.Duration
	// SweepInterval is the period of the full pass over every registered
	// outbox, which catches outboxes whose hint was lost; default 5s.
	SweepInterval time.Duration
	// BatchSize bounds the entries read from an outbox, and the hints popped,
	// at once; default 100.
	BatchSize int64
	// MaxLen is the approximate length that topic streams are trimmed to;
	// default 1,000,000. NoTrim disables trimming.
	MaxLen int64
	// TopicMaxLen overrides MaxLen per topic. AuditTopic is untrimmed unless
	// it appears here.
	TopicMaxLen map[string]int64
	// Logger receives Redis errors, which the relay retries; default
	// slog.Default().
	Logger *slog.Logger
}

func (o RelayOptions) withDefaults() RelayOptions {
	if o.Owner == "" {
		o.Owner = replicaName()
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = 10 * time.Second
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 50 * time.Millisecond
	}
	if o.SweepInterval <= 0 {
		o.SweepInterval = 5 * time.Second
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 100
	}
	if o.MaxLen == 0 {
		o.MaxLen = 1_000_000
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Relay moves events from outbox streams onto topic streams. Every replica
// runs one; a lease in Redis lets one of them relay at a time, so topic
// streams keep each outbox's order, and another replica takes over when the
// leader's lease lapses.
//
// Relaying is at least once: a crash between the XADD to the topic and the
// XDEL from the outbox relays the entry again, so consumers deduplicate by
// event ID. Every command touches one key, so the relay runs unchanged on
// Redis Cluster, where outboxes, topics and the lease live in different slots.
type Relay struct {
	rdb     redis.UniversalClient
	ks      keyspace.Keyspace
	opts    RelayOptions
	lease   string
	running atomic.Bool
	leading atomic.Bool

	// Owned by the Run goroutine.
	leaseUntil time.Time // when the lease lapses, as far as this replica knows
	nextRenew  time.Time
	nextSweep  time.Time
}

// errStoodDown ends a drain when this replica stops leading part-way.
var errStoodDown = errors.New("no longer leading")

// NewRelay returns a relay over the outboxes of keyspace ks.
func NewRelay(rdb redis.UniversalClient, ks keyspace.Keyspace, opts RelayOptions) *Relay {
	return &Relay{rdb: rdb, ks: ks, opts: opts.withDefaults(), lease: ks.Key("outbox", "relay", "lease")}
}

// Leading reports whether this replica holds the lease and relays.
func (r *Relay) Leading() bool { return r.leading.Load() }

// Run relays until ctx is done, then gives up the lease so another replica
// can take over at once, and returns nil. Redis errors are logged and
// retried: a relay must outlive a failover. Run may be called once.
func (r *Relay) Run(ctx context.Context) error {
	if !r.running.CompareAndSwap(false, true) {
		return errors.New("events: relay is already running")
	}
	defer r.release()
	for {
		wait := r.opts.LeaseTTL / 3
		if r.holdLease(ctx) {
			wait = r.opts.PollInterval
			full, err := r.drainPending(ctx)
			r.logError(ctx, "events relay: pending outboxes", err)
			if full {
				wait = 0 // more hints are likely waiting
			}
			if r.leading.Load() && !time.Now().Before(r.nextSweep) {
				r.logError(ctx, "events relay: sweep", r.sweep(ctx))
				r.nextSweep = time.Now().Add(r.opts.SweepInterval)
			}
		}
		wait = max(min(wait, time.Until(r.nextRenew)), 0)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// holdLease takes or renews the lease when that is due, and reports whether
// this replica may relay now. The relay calls it between batches too, so a
// long drain neither outlives the lease nor lets it lapse.
func (r *Relay) holdLease(ctx context.Context) bool {
	if now := time.Now(); !r.leading.Load() || !now.Before(r.nextRenew) {
		r.nextRenew = now.Add(r.opts.LeaseTTL / 3)
		held, err := r.acquire(ctx)
		switch {
		case err != nil:
			r.logError(ctx, "events relay: lease", err)
		case held:
			if !r.leading.Load() {
				r.opts.Logger.InfoContext(ctx, "events relay: leading", "owner", r.opts.Owner)
				r.nextSweep = now // at once: hints may have been lost while no one led
			}
			r.leading.Store(true)
			// Measured from before the command, so never later than Redis's
			// own expiry.
			r.leaseUntil = now.Add(r.opts.LeaseTTL)
		default:
			if r.leading.Load() {
				r.opts.Logger.WarnContext(ctx, "events relay: lost the lease", "owner", r.opts.Owner)
			}
			r.leading.Store(false)
		}
	}
	// While renewals fail, stop well before the lease could lapse and another
	// replica could start relaying alongside this one.
	if r.leading.Load() && !time.Now().Before(r.leaseUntil.Add(-r.opts.LeaseTTL/3)) {
		r.opts.Logger.WarnContext(ctx, "events relay: lease not renewed; standing down", "owner", r.opts.Owner)
		r.leading.Store(false)
	}
	return r.leading.Load()
}

// logError logs err unless it is nil or the relay is stopping, when errors
// from cancelled commands say nothing new.
func (r *Relay) logError(ctx context.Context, msg string, err error) {
	if err != nil && ctx.Err() == nil {
		r.opts.Logger.ErrorContext(ctx, msg, "error", err)
	}
}

var (
	// renewScript extends the lease only if this replica still holds it.
	renewScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0`)
	// releaseScript deletes the lease only if this replica still holds it.
	releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0`)
)

// acquire takes the lease if it is free, or renews it if this replica holds
// it, and reports whether this replica holds it now.
func (r *Relay) acquire(ctx context.Context) (bool, error) {
	if r.leading.Load() {
		n, err := renewScript.Run(ctx, r.rdb, []string{r.lease}, r.opts.Owner, r.opts.LeaseTTL.Milliseconds()).Int64()
		if err != nil {
			return false, fmt.Errorf("renew %s: %w", r.lease, err)
		}
		if n == 1 {
			return true, nil
		}
	}
	ok, err := r.rdb.SetNX(ctx, r.lease, r.opts.Owner, r.opts.LeaseTTL).Result()
	if err != nil {
		return false, fmt.Errorf("take %s: %w", r.lease, err)
	}
	return ok, nil
}

// release gives up the lease if this replica holds it.
func (r *Relay) release() {
	if !r.leading.Swap(false) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := releaseScript.Run(ctx, r.rdb, []string{r.lease}, r.opts.Owner).Err(); err != nil {
		r.opts.Logger.Warn("events relay: release lease", "error", err)
	}
}

// drainPending pops a batch of hints and drains those outboxes. It reports
// whether the batch was full. An outbox not fully drained gets its hint back.
func (r *Relay) drainPending(ctx context.Context) (bool, error) {
	pending := r.ks.OutboxPending()
	keys, err := r.rdb.SPopN(ctx, pending, r.opts.BatchSize).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return false, fmt.Errorf("spop %s: %w", pending, err)
	}
	var (
		errs    []error
		restore []any
	)
	for i, key := range keys {
		err := r.drain(ctx, key)
		if errors.Is(err, errStoodDown) {
			for _, k := range keys[i:] {
				restore = append(restore, k)
			}
			break
		}
		if err != nil {
			errs = append(errs, err)
			restore = append(restore, key)
		}
	}
	if len(restore) > 0 {
		if err := r.rdb.SAdd(context.WithoutCancel(ctx), pending, restore...).Err(); err != nil {
			errs = append(errs, fmt.Errorf("restore hints to %s: %w", pending, err))
		}
	}
	return int64(len(keys)) == r.opts.BatchSize, errors.Join(errs...)
}

// sweep drains every registered outbox.
func (r *Relay) sweep(ctx context.Context) error {
	registry := r.ks.OutboxRegistry()
	var errs []error
	iter := r.rdb.SScan(ctx, registry, 0, "", r.opts.BatchSize).Iterator()
	for iter.Next(ctx) {
		err := r.drain(ctx, iter.Val())
		if errors.Is(err, errStoodDown) {
			return nil
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := iter.Err(); err != nil {
		errs = append(errs, fmt.Errorf("sscan %s: %w", registry, err))
	}
	return errors.Join(errs...)
}

// drain relays the entries of one outbox stream, oldest first, in batches,
// until it is empty. It returns errStoodDown if this replica stops leading
// first.
func (r *Relay) drain(ctx context.Context, outbox string) error {
	for {
		if !r.holdLease(ctx) {
			return errStoodDown
		}
		msgs, err := r.rdb.XRangeN(ctx, outbox, "-", "+", r.opts.BatchSize).Result()
		if err != nil {
			return fmt.Errorf("xrange %s: %w", outbox, err)
		}
		if len(msgs) == 0 {
			return nil
		}
		if err := r.relayBatch(ctx, outbox, msgs); err != nil {
			return err
		}
		if int64(len(msgs)) < r.opts.BatchSize {
			return nil
		}
	}
}

// relayBatch appends msgs to their topic streams in one pipeline, then
// deletes from the outbox the longest prefix that was appended, so a failure
// part-way never lets a later entry overtake an earlier one for good.
func (r *Relay) relayBatch(ctx context.Context, outbox string, msgs []redis.XMessage) error {
	cmds := make([]*redis.StringCmd, len(msgs))
	_, _ = r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, m := range msgs {
			args := &redis.XAddArgs{Values: m.Values}
			e, err := Decode(m.Values)
			if err != nil {
				// An entry no topic can carry would block nothing but would
				// be retried forever; park it where an operator can see it.
				args.Stream = RelayDeadLetterStream(r.ks)
				args.Values = deadValues(m, err, outbox)
			} else {
				args.Stream = r.ks.Topic(e.Topic)
				if n := r.maxLen(e.Topic); n > 0 {
					args.MaxLen, args.Approx = n, true
				}
			}
			cmds[i] = p.XAdd(ctx, args)
		}
		return nil
	})
	done := make([]string, 0, len(msgs))
	var failed error
	for i, c := range cmds {
		if err := c.Err(); err != nil {
			failed = fmt.Errorf("relay %s entry %s: %w", outbox, msgs[i].ID, err)
			break
		}
		done = append(done, msgs[i].ID)
	}
	if len(done) > 0 {
		// A relay that dies before this XDEL relays these entries again,
		// which consumers absorb by deduplicating on event ID.
		if err := r.rdb.XDel(context.WithoutCancel(ctx), outbox, done...).Err(); err != nil {
			return errors.Join(failed, fmt.Errorf("xdel %s: %w", outbox, err))
		}
	}
	return failed
}

// RelayDeadLetterStream is where the relay puts outbox entries that are not
// events, with the reason in the "error" field: no topic could carry them.
func RelayDeadLetterStream(ks keyspace.Keyspace) string { return ks.Key("outbox", "dead") }

// deadValues copies an entry's fields and adds why it could not be handled.
func deadValues(m redis.XMessage, cause error, source string) map[string]any {
	v := make(map[string]any, len(m.Values)+3)
	for k, x := range m.Values {
		v[k] = x
	}
	v["error"] = cause.Error()
	v["source"] = source
	v["source_id"] = m.ID
	return v
}

func (r *Relay) maxLen(topic string) int64 {
	if n, ok := r.opts.TopicMaxLen[topic]; ok {
		return n
	}
	if topic == AuditTopic {
		return NoTrim
	}
	return r.opts.MaxLen
}

// replicaName identifies this process among the replicas, and stays unique
// when several run on one host.
func replicaName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}
