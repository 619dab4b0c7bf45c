// Package deliverystore keeps webhook deliveries and their schedule in
// Redis. It implements delivery.Storer.
//
// Every key shares one hash tag, so each step (queue an event, claim a
// lane, record an attempt) is one Lua script, atomic in one Cluster slot:
//
//	{webhooks:deliveries}:d:SUB:EVENT   a delivery (JSON)
//	{webhooks:deliveries}:q:SUB:COUNCIL a lane: a list of event ids, head first
//	{webhooks:deliveries}:due           a sorted set of lanes ("SUB|COUNCIL") by due time (ms)
//	{webhooks:deliveries}:lanes:SUB     a set of SUB's lanes' councils
//	{webhooks:deliveries}:parked:SUB    a set of SUB's lanes waiting for it to be enabled
//	{webhooks:deliveries}:log:SUB       a sorted set of SUB's event ids by queue time, for listing;
//	                                    finished deliveries older than the retention are forgotten
//	{webhooks:deliveries}:fail:SUB      SUB's failed attempts in a row
//	{webhooks:deliveries}:dead          a stream of dead-lettered deliveries
//
// A lane is on the due set while it has events, at the time its head is
// next to be sent; a worker claiming it moves it a lease ahead, so a worker
// that dies leaves it to be claimed again. One tag keeps the steps atomic
// at the cost of one slot for all deliveries, which a single partner
// integration's volume does not strain.
package deliverystore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/partner/internal/delivery"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Tag is the hash tag of every delivery key.
const Tag = "webhooks:deliveries"

// Deliveries implements delivery.Storer.
type Deliveries struct {
	st *store.Store
}

var _ delivery.Storer = (*Deliveries)(nil)

// New returns the store over st.
func New(st *store.Store) *Deliveries { return &Deliveries{st: st} }

func (s *Deliveries) key(parts ...string) string { return s.st.Keyspace().Key(Tag, parts...) }
func (s *Deliveries) rec(sub, ev string) string  { return s.key("d", sub, ev) }
func (s *Deliveries) queue(l delivery.Lane) string {
	return s.key("q", l.Subscription, l.Council)
}
func (s *Deliveries) due() string              { return s.key("due") }
func (s *Deliveries) lanes(sub string) string  { return s.key("lanes", sub) }
func (s *Deliveries) parked(sub string) string { return s.key("parked", sub) }
func (s *Deliveries) log(sub string) string    { return s.key("log", sub) }
func (s *Deliveries) fail(sub string) string   { return s.key("fail", sub) }

// DeadLetters is the stream of dead-lettered deliveries.
func (s *Deliveries) DeadLetters() string { return s.key("dead") }

func member(l delivery.Lane) string { return l.Subscription + "|" + l.Council }

func ms(t time.Time) int64 { return t.UnixMilli() }

// enqueueScript queues a delivery, then forgets up to ten of the
// subscription's deliveries queued before the retention cutoff (ARGV[6])
// that have finished (succeeded or dead-lettered); ARGV[7] is the key
// prefix of the subscription's delivery records.
var enqueueScript = redis.NewScript(`
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], 'NX', ARGV[4], ARGV[3])
redis.call('SADD', KEYS[4], ARGV[5])
redis.call('ZADD', KEYS[5], ARGV[4], ARGV[2])
local old = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', ARGV[6], 'LIMIT', 0, 10)
for _, id in ipairs(old) do
  local k = ARGV[7] .. id
  local v = redis.call('GET', k)
  if not v then
    redis.call('ZREM', KEYS[5], id)
  else
    local st = cjson.decode(v).state
    if st == 'SUCCEEDED' or st == 'DEAD_LETTERED' then
      redis.call('DEL', k)
      redis.call('ZREM', KEYS[5], id)
    end
  end
end
return 1`)

// Enqueue implements delivery.Storer.
func (s *Deliveries) Enqueue(ctx context.Context, d delivery.Delivery, now time.Time, keepSince time.Time) (bool, error) {
	data, err := json.Marshal(d)
	if err != nil {
		return false, err
	}
	l := delivery.Lane{Subscription: d.Subscription, Council: d.Council}
	n, err := enqueueScript.Run(ctx, s.st.Client(),
		[]string{s.rec(d.Subscription, d.EventID), s.queue(l), s.due(), s.lanes(d.Subscription), s.log(d.Subscription)},
		data, d.EventID, member(l), ms(now), d.Council, ms(keepSince), s.key("d", d.Subscription, "")).Int()
	if err != nil {
		return false, fmt.Errorf("queue delivery %s: %w", d.Name(), err)
	}
	return n == 1, nil
}

// Due implements delivery.Storer.
func (s *Deliveries) Due(ctx context.Context, now time.Time, limit int) ([]delivery.Lane, error) {
	ms, err := s.st.Client().ZRangeArgs(ctx, redis.ZRangeArgs{
		Key: s.due(), Start: "-inf", Stop: fmt.Sprint(ms(now)), ByScore: true, Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("read the delivery schedule: %w", err)
	}
	out := make([]delivery.Lane, 0, len(ms))
	for _, m := range ms {
		sub, council, ok := strings.Cut(m, "|")
		if ok {
			out = append(out, delivery.Lane{Subscription: sub, Council: council})
		}
	}
	return out, nil
}

var claimScript = redis.NewScript(`
local due = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not due or tonumber(due) > tonumber(ARGV[2]) then return false end
local head = redis.call('LINDEX', KEYS[2], 0)
if not head then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return false
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return head`)

// Claim implements delivery.Storer.
func (s *Deliveries) Claim(ctx context.Context, l delivery.Lane, now, leaseUntil time.Time) (string, bool, error) {
	head, err := claimScript.Run(ctx, s.st.Client(), []string{s.due(), s.queue(l)}, member(l), ms(now), ms(leaseUntil)).Text()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("claim lane %s: %w", member(l), err)
	}
	return head, true, nil
}

// Get implements delivery.Storer.
func (s *Deliveries) Get(ctx context.Context, sub, eventID string) (delivery.Delivery, error) {
	data, err := s.st.Client().Get(ctx, s.rec(sub, eventID)).Bytes()
	if errors.Is(err, redis.Nil) {
		return delivery.Delivery{}, delivery.ErrNotFound
	}
	if err != nil {
		return delivery.Delivery{}, fmt.Errorf("read delivery %s/%s: %w", sub, eventID, err)
	}
	var d delivery.Delivery
	if err := json.Unmarshal(data, &d); err != nil {
		return delivery.Delivery{}, fmt.Errorf("decode delivery %s/%s: %w", sub, eventID, err)
	}
	return d, nil
}

// finishScript: KEYS rec, queue, due, dead, fail; ARGV json, eventID,
// member, mode (advance|retry), next ms, now ms, dead-letter reason (""
// for none), subscription, "ok" for a success. It returns the
// subscription's failed attempts in a row: a failure is counted, a success
// (of a delivery still stored) resets the count.
var finishScript = redis.NewScript(`
local fails = 0
if ARGV[9] ~= 'ok' then fails = redis.call('INCR', KEYS[5]) end
if redis.call('EXISTS', KEYS[1]) == 0 then return fails end
redis.call('SET', KEYS[1], ARGV[1])
if ARGV[9] == 'ok' then redis.call('DEL', KEYS[5]) end
if ARGV[4] == 'retry' then
  redis.call('ZADD', KEYS[3], ARGV[5], ARGV[3])
  return fails
end
if redis.call('LINDEX', KEYS[2], 0) == ARGV[2] then redis.call('LPOP', KEYS[2]) end
if redis.call('LLEN', KEYS[2]) > 0 then
  redis.call('ZADD', KEYS[3], ARGV[6], ARGV[3])
else
  redis.call('ZREM', KEYS[3], ARGV[3])
end
if ARGV[7] ~= '' then
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', 100000, '*', 'subscription', ARGV[8], 'event_id', ARGV[2], 'reason', ARGV[7])
end
return fails`)

// Finish implements delivery.Storer.
func (s *Deliveries) Finish(ctx context.Context, d delivery.Delivery, now time.Time) (int64, error) {
	data, err := json.Marshal(d)
	if err != nil {
		return 0, err
	}
	l := delivery.Lane{Subscription: d.Subscription, Council: d.Council}
	mode, next, reason, ok := "advance", int64(0), "", ""
	switch d.State {
	case delivery.Succeeded:
		ok = "ok"
	case delivery.Retrying:
		mode, next = "retry", ms(d.NextAttempt)
	case delivery.DeadLettered:
		reason = "retried for the maximum age without success"
		if n := len(d.Attempts); n > 0 {
			reason += "; the last attempt: " + d.Attempts[n-1].Describe()
		}
	}
	fails, err := finishScript.Run(ctx, s.st.Client(), []string{s.rec(d.Subscription, d.EventID), s.queue(l), s.due(), s.DeadLetters(), s.fail(d.Subscription)},
		data, d.EventID, member(l), mode, next, ms(now), reason, d.Subscription, ok).Int64()
	if err != nil {
		return 0, fmt.Errorf("record delivery %s: %w", d.Name(), err)
	}
	return fails, nil
}

var skipScript = redis.NewScript(`
if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] then redis.call('LPOP', KEYS[1]) end
if redis.call('LLEN', KEYS[1]) > 0 then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
else
  redis.call('ZREM', KEYS[2], ARGV[2])
end
return 1`)

// Skip implements delivery.Storer.
func (s *Deliveries) Skip(ctx context.Context, l delivery.Lane, eventID string, now time.Time) error {
	return skipScript.Run(ctx, s.st.Client(), []string{s.queue(l), s.due()}, eventID, member(l), ms(now)).Err()
}

var parkScript = redis.NewScript(`
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
return 1`)

// Park implements delivery.Storer.
func (s *Deliveries) Park(ctx context.Context, l delivery.Lane) error {
	return parkScript.Run(ctx, s.st.Client(), []string{s.due(), s.parked(l.Subscription)}, member(l), l.Council).Err()
}

var resumeScript = redis.NewScript(`
local councils = redis.call('SMEMBERS', KEYS[2])
for _, c in ipairs(councils) do
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1] .. '|' .. c)
end
redis.call('DEL', KEYS[2], KEYS[3])
return #councils`)

// Resume implements delivery.Storer: it puts the parked lanes back on the
// schedule and resets the failures in a row, in one step.
func (s *Deliveries) Resume(ctx context.Context, sub string, now time.Time) error {
	if err := resumeScript.Run(ctx, s.st.Client(), []string{s.due(), s.parked(sub), s.fail(sub)}, sub, ms(now)).Err(); err != nil {
		return fmt.Errorf("resume deliveries of %s: %w", sub, err)
	}
	return nil
}

// forgetScript drops every key of a subscription: its lanes, records and
// indexes. KEYS: due, lanes, parked, log, fail; ARGV: sub, key prefix of
// records ("...:d:SUB:"), key prefix of lanes ("...:q:SUB:").
var forgetScript = redis.NewScript(`
local councils = redis.call('SMEMBERS', KEYS[2])
for _, c in ipairs(councils) do
  redis.call('ZREM', KEYS[1], ARGV[1] .. '|' .. c)
  redis.call('DEL', ARGV[3] .. c)
end
local events = redis.call('ZRANGE', KEYS[4], 0, -1)
for _, e in ipairs(events) do redis.call('DEL', ARGV[2] .. e) end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
return #events`)

// Forget implements delivery.Storer.
func (s *Deliveries) Forget(ctx context.Context, sub string) error {
	err := forgetScript.Run(ctx, s.st.Client(),
		[]string{s.due(), s.lanes(sub), s.parked(sub), s.log(sub), s.fail(sub)},
		sub, s.key("d", sub, ""), s.key("q", sub, "")).Err()
	if err != nil {
		return fmt.Errorf("drop deliveries of %s: %w", sub, err)
	}
	return nil
}

var requeueScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], 'NX', ARGV[4], ARGV[3])
redis.call('SADD', KEYS[4], ARGV[5])
return 1`)

// Requeue implements delivery.Storer.
func (s *Deliveries) Requeue(ctx context.Context, d delivery.Delivery, now time.Time) error {
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	l := delivery.Lane{Subscription: d.Subscription, Council: d.Council}
	n, err := requeueScript.Run(ctx, s.st.Client(),
		[]string{s.rec(d.Subscription, d.EventID), s.queue(l), s.due(), s.lanes(d.Subscription)},
		data, d.EventID, member(l), ms(now), d.Council).Int()
	if err != nil {
		return fmt.Errorf("requeue delivery %s: %w", d.Name(), err)
	}
	if n == 0 {
		return delivery.ErrNotFound
	}
	return nil
}

// List implements delivery.Storer.
func (s *Deliveries) List(ctx context.Context, sub string, offset int64, size int32) ([]delivery.Delivery, int, error) {
	// The count and the page's ids in one round trip.
	pipe := s.st.Client().Pipeline()
	card := pipe.ZCard(ctx, s.log(sub))
	rng := pipe.ZRevRange(ctx, s.log(sub), offset, offset+int64(size)-1)
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, 0, fmt.Errorf("list deliveries of %s: %w", sub, err)
	}
	total, ids := card.Val(), rng.Val()
	if len(ids) == 0 {
		return nil, int(total), nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.rec(sub, id)
	}
	vals, err := s.st.Client().MGet(ctx, keys...).Result()
	if err != nil {
		return nil, 0, fmt.Errorf("read deliveries of %s: %w", sub, err)
	}
	out := make([]delivery.Delivery, 0, len(vals))
	for _, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue
		}
		var d delivery.Delivery
		if err := json.Unmarshal([]byte(str), &d); err != nil {
			return nil, 0, fmt.Errorf("decode a delivery of %s: %w", sub, err)
		}
		out = append(out, d)
	}
	return out, int(total), nil
}
