// Package schedule runs time-based rules durably: a job scheduled for a
// moment is handled once that moment has passed, by one replica at a time,
// and completes once in effect, however many replicas run and however often
// they restart.
//
// All state lives in Redis, under one hash tag per schedule name, so every
// script touches one Redis Cluster slot:
//
//	{schedule:NAME}:due       sorted set: job id scored by its due time (Unix ms)
//	{schedule:NAME}:leases    sorted set: claimed job id scored by its lease expiry
//	{schedule:NAME}:payloads  hash: job id → payload
//	{schedule:NAME}:times     hash: job id → due time (Unix ms), kept while claimed
//	{schedule:NAME}:claims    hash: claimed job id → claim token
//	{schedule:NAME}:attempts  hash: job id → claims since it was last scheduled
//	{schedule:NAME}:seq       counter the claim tokens come from
//
// A tick claims due jobs atomically in one Lua script: it moves each from
// due to leases, scored by now plus the lease, and hands out a fresh claim
// token. No other replica can claim a job while its lease runs. The handler
// then runs, and on success the job is removed, but only if the claim token
// still matches: a job rescheduled or cancelled meanwhile, or one whose lease
// lapsed and was claimed again, is left to its new owner. A job whose handler
// fails, panics or never returns (the replica died) keeps its claim until the
// lease lapses; the next tick after that claims it again.
//
// Delivery is therefore at least once, and exactly once in effect only if
// the handler is idempotent: a replica can finish a job's work and die before
// removing it, or overrun its lease while another replica takes over. A
// handler must check the state it is about to change (a plan already past its
// deadline, for example) and do nothing when its work is already done.
//
// Time comes from an injected clock, so tests drive the schedule with a fake
// clock through Tick, and due times and lease expiries are compared with the
// clock of whichever replica ticks: replicas' clocks should agree to well
// within the lease.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
)

// instrumentationScope names this package's tracer.
const instrumentationScope = "github.com/turnaround-sli/turnaround/services/platform/schedule"

// Job is one scheduled job as its handler sees it.
type Job struct {
	// ID names the job within its schedule; scheduling an ID again moves it.
	ID string
	// Due is when the job was due.
	Due time.Time
	// Payload is what Schedule stored with the job.
	Payload []byte
	// Attempt counts the claims of the job since it was last scheduled: 1
	// the first time it is handled, more after a failure or a lapsed lease.
	Attempt int64
}

// Handler handles one due job. It returns nil once the job's effects are
// durable; an error (or a panic, or a context that ends first) leaves the
// job claimed until its lease lapses, and it is handled again after that.
// Handlers must be idempotent: see the package documentation.
type Handler func(ctx context.Context, j Job) error

// Options configure a Scheduler. Name and Handler are required; zero values
// of the rest select the defaults.
type Options struct {
	// Name names the schedule. Replicas of a service use the same name and
	// share its jobs. It may not contain braces, which would move the hash tag.
	Name string
	// Handler handles due jobs.
	Handler Handler
	// Now is the clock due times are compared with; default time.Now.
	Now func() time.Time
	// Interval is the wall-clock pause between ticks in Run when the last
	// tick found fewer due jobs than BatchSize; default 1s.
	Interval time.Duration
	// Lease is how long a claim lasts, on the Now clock: the time a replica
	// has to handle a claimed batch before another may claim it, and so the
	// delay before a failed job is retried. It should comfortably exceed the
	// time a batch of handlers takes; default 1 minute.
	Lease time.Duration
	// BatchSize bounds the jobs claimed by one tick; default 10.
	BatchSize int
	// Logger receives handler failures and Redis errors in Run; default
	// slog.Default().
	Logger *slog.Logger
	// TracerProvider makes a span per handled job; default the global
	// provider.
	TracerProvider trace.TracerProvider
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.Lease <= 0 {
		o.Lease = time.Minute
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 10
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.TracerProvider == nil {
		o.TracerProvider = otel.GetTracerProvider()
	}
	return o
}

// Scheduler schedules jobs of one named schedule and, in Run or Tick,
// handles those that are due. It is safe for concurrent use; any number of
// Schedulers, in any number of processes, may share a schedule.
type Scheduler struct {
	rdb     redis.UniversalClient
	opts    Options
	keys    []string // due, leases, payloads, times, claims, attempts, seq
	tracer  trace.Tracer
	log     *slog.Logger
	running atomic.Bool
}

// Indexes into Scheduler.keys, mirrored by KEYS[n] (1-based) in the scripts.
const (
	keyDue = iota
	keyLeases
	keyPayloads
	keyTimes
	keyClaims
	keyAttempts
	keySeq
)

// Tag returns the hash tag of the schedule named name: every key of the
// schedule carries it.
func Tag(name string) string { return "schedule:" + name }

// New returns a Scheduler of the schedule opts.Name whose keys live in ks.
// Nothing runs until Run or Tick.
func New(rdb redis.UniversalClient, ks keyspace.Keyspace, opts Options) (*Scheduler, error) {
	if opts.Name == "" || strings.ContainsAny(opts.Name, "{}") {
		return nil, fmt.Errorf("schedule: name %q must be non-empty and free of braces", opts.Name)
	}
	if opts.Handler == nil {
		return nil, errors.New("schedule: nil handler")
	}
	opts = opts.withDefaults()
	tag := Tag(opts.Name)
	return &Scheduler{
		rdb:  rdb,
		opts: opts,
		keys: []string{
			keyDue:      ks.Key(tag, "due"),
			keyLeases:   ks.Key(tag, "leases"),
			keyPayloads: ks.Key(tag, "payloads"),
			keyTimes:    ks.Key(tag, "times"),
			keyClaims:   ks.Key(tag, "claims"),
			keyAttempts: ks.Key(tag, "attempts"),
			keySeq:      ks.Key(tag, "seq"),
		},
		tracer: opts.TracerProvider.Tracer(instrumentationScope),
		log:    opts.Logger.With("schedule", opts.Name),
	}, nil
}

// scheduleScript stores the job and puts it in the due set. A claim on it is
// dropped, so a handler still running on the old schedule cannot remove the
// new one when it finishes.
var scheduleScript = redis.NewScript(`
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
redis.call('HDEL', KEYS[6], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
return 1
`)

// Schedule makes the job id due at due with payload. It is idempotent on id:
// scheduling an id that is pending moves it to the new due time and payload,
// which is how a deadline is extended. Scheduling an id whose handler is
// running makes that run's completion a no-op, so the job is handled again
// at its new due time.
func (s *Scheduler) Schedule(ctx context.Context, id string, due time.Time, payload []byte) error {
	if id == "" {
		return errors.New("schedule: empty job id")
	}
	if err := scheduleScript.Run(ctx, s.rdb, s.keys, id, due.UnixMilli(), payload).Err(); err != nil {
		return fmt.Errorf("schedule: schedule %s/%s: %w", s.opts.Name, id, err)
	}
	return nil
}

// cancelScript removes every trace of the job and reports whether it existed.
var cancelScript = redis.NewScript(`
local n = redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
redis.call('HDEL', KEYS[6], ARGV[1])
return n
`)

// Cancel removes the job id, pending or claimed, and reports whether there
// was one. A handler already running on it may still finish its work, but
// the job is not handled again.
func (s *Scheduler) Cancel(ctx context.Context, id string) (bool, error) {
	n, err := cancelScript.Run(ctx, s.rdb, s.keys, id).Int64()
	if err != nil {
		return false, fmt.Errorf("schedule: cancel %s/%s: %w", s.opts.Name, id, err)
	}
	return n == 1, nil
}

// Lookup returns the job id as stored, pending or claimed, and whether there
// is one. Attempt is the number of claims so far.
func (s *Scheduler) Lookup(ctx context.Context, id string) (Job, bool, error) {
	var payload, due, attempts *redis.StringCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		payload = p.HGet(ctx, s.keys[keyPayloads], id)
		due = p.HGet(ctx, s.keys[keyTimes], id)
		attempts = p.HGet(ctx, s.keys[keyAttempts], id)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return Job{}, false, fmt.Errorf("schedule: look up %s/%s: %w", s.opts.Name, id, err)
	}
	data, err := payload.Bytes()
	if errors.Is(err, redis.Nil) {
		return Job{}, false, nil
	}
	if err != nil {
		return Job{}, false, fmt.Errorf("schedule: look up %s/%s: %w", s.opts.Name, id, err)
	}
	j := Job{ID: id, Payload: data}
	if ms, err := due.Int64(); err == nil {
		j.Due = time.UnixMilli(ms).UTC()
	}
	if n, err := attempts.Int64(); err == nil {
		j.Attempt = n
	}
	return j, true, nil
}

// Scheduled returns the due times of those of ids that are scheduled,
// pending or claimed, in one round trip: a reconciler compares them with
// what they should be.
func (s *Scheduler) Scheduled(ctx context.Context, ids ...string) (map[string]time.Time, error) {
	out := make(map[string]time.Time, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	vals, err := s.rdb.HMGet(ctx, s.keys[keyTimes], ids...).Result()
	if err != nil {
		return nil, fmt.Errorf("schedule: due times in %s: %w", s.opts.Name, err)
	}
	for i, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue
		}
		ms, err := strconv.ParseInt(str, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("schedule: due time of %s/%s: %w", s.opts.Name, ids[i], err)
		}
		out[ids[i]] = time.UnixMilli(ms).UTC()
	}
	return out, nil
}

// claimScript first returns jobs whose lease has lapsed to the due set, then
// claims up to ARGV[3] jobs due at ARGV[1], leasing them until ARGV[2]. It
// returns, per job: id, claim token, attempt, due time, payload.
var claimScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[3])
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, limit)
for _, id in ipairs(lapsed) do
  redis.call('ZREM', KEYS[2], id)
  redis.call('HDEL', KEYS[5], id)
  redis.call('ZADD', KEYS[1], redis.call('HGET', KEYS[4], id) or now, id)
end
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, limit)
local out = {}
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZADD', KEYS[2], ARGV[2], id)
  local token = redis.call('INCR', KEYS[7])
  redis.call('HSET', KEYS[5], id, token)
  local attempt = redis.call('HINCRBY', KEYS[6], id, 1)
  out[#out + 1] = {id, tostring(token), tostring(attempt),
    redis.call('HGET', KEYS[4], id) or tostring(now), redis.call('HGET', KEYS[3], id) or ''}
end
return out
`)

// ackScript removes a handled job if the claim token still matches.
var ackScript = redis.NewScript(`
if redis.call('HGET', KEYS[5], ARGV[1]) ~= ARGV[2] then
  return 0
end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
redis.call('HDEL', KEYS[6], ARGV[1])
return 1
`)

// claim is one claimed job and its token.
type claim struct {
	job   Job
	token string
}

// Result reports what one Tick did.
type Result struct {
	// Claimed is how many due jobs the tick claimed.
	Claimed int
	// Done is how many of them were handled and removed.
	Done int
	// Failed is how many handlers returned an error, panicked or ran out of
	// time; those jobs are retried once their lease lapses.
	Failed int
}

// Tick claims up to BatchSize jobs due at Now, hands each to the handler in
// turn, and removes those handled successfully. It returns an error only if
// Redis failed; handler failures are logged and counted in the Result. Run
// calls Tick in a loop; tests call it directly with a fake clock.
func (s *Scheduler) Tick(ctx context.Context) (Result, error) {
	claims, err := s.claim(ctx)
	if err != nil {
		return Result{}, err
	}
	res := Result{Claimed: len(claims)}
	// Completions must be recorded even while stopping, or the work would be
	// done again after the lease.
	after := context.WithoutCancel(ctx)
	for _, c := range claims {
		if err := s.handle(ctx, c.job); err != nil {
			res.Failed++
			s.log.WarnContext(ctx, "schedule: job failed; it is retried when its lease lapses",
				"job", c.job.ID, "attempt", c.job.Attempt, "error", err)
			continue
		}
		removed, err := ackScript.Run(after, s.rdb, s.keys, c.job.ID, c.token).Int64()
		if err != nil {
			return res, fmt.Errorf("schedule: complete %s/%s: %w", s.opts.Name, c.job.ID, err)
		}
		if removed == 1 {
			res.Done++
		}
	}
	return res, nil
}

// claim runs claimScript at the current time.
func (s *Scheduler) claim(ctx context.Context) ([]claim, error) {
	now := s.opts.Now()
	raw, err := claimScript.Run(ctx, s.rdb, s.keys,
		now.UnixMilli(), now.Add(s.opts.Lease).UnixMilli(), s.opts.BatchSize).Slice()
	if err != nil {
		return nil, fmt.Errorf("schedule: claim due jobs of %s: %w", s.opts.Name, err)
	}
	out := make([]claim, 0, len(raw))
	for _, r := range raw {
		f, ok := r.([]any)
		if !ok || len(f) != 5 {
			return nil, fmt.Errorf("schedule: claim due jobs of %s: unexpected reply %v", s.opts.Name, r)
		}
		str := func(i int) string { v, _ := f[i].(string); return v }
		attempt, err := strconv.ParseInt(str(2), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("schedule: claim %s/%s: attempt: %w", s.opts.Name, str(0), err)
		}
		due, err := strconv.ParseInt(str(3), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("schedule: claim %s/%s: due time: %w", s.opts.Name, str(0), err)
		}
		out = append(out, claim{
			job:   Job{ID: str(0), Due: time.UnixMilli(due).UTC(), Payload: []byte(str(4)), Attempt: attempt},
			token: str(1),
		})
	}
	return out, nil
}

// handle runs the handler on j in a span, with a context that ends when the
// lease would, so a slow handler gives up before another replica takes over.
// A handler that finishes late anyway is harmless: completion checks the
// claim token, which a replica that claimed the job since has replaced.
func (s *Scheduler) handle(ctx context.Context, j Job) (err error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Lease)
	defer cancel()
	ctx, span := s.tracer.Start(ctx, "schedule "+s.opts.Name,
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(
			attribute.String("turnaround.schedule.name", s.opts.Name),
			attribute.String("turnaround.schedule.job", j.ID),
			attribute.Int64("turnaround.schedule.attempt", j.Attempt),
		))
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
	return s.opts.Handler(ctx, j)
}

// Run ticks until ctx is done, then returns nil: at once after a tick that
// claimed a full batch (more may be due), otherwise after Interval. Redis
// errors are logged and retried, so a schedule outlives a failover. Run may
// be called once.
func (s *Scheduler) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("schedule: scheduler is already running")
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		res, err := s.Tick(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "schedule: tick", "error", err)
		}
		wait := s.opts.Interval
		if err == nil && res.Claimed == s.opts.BatchSize {
			wait = 0
		}
		t.Reset(wait)
	}
}
