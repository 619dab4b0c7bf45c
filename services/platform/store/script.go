package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// commitScript is the whole of Commit on the server: it checks every
// write's version and the idempotency record first, and only when all hold
// writes, so a refused commit changes nothing. One script serves every
// commit shape: ARGV says how many writes, index ops and events follow, so
// the server compiles and caches it once (scripts stay in its cache until
// SCRIPT FLUSH), where a script generated per shape would fill that cache.
// Every key is in KEYS and, apart from the relay's pending set (passed only
// when the client is not a Cluster client), carries the mutation's hash tag,
// so on Redis Cluster the script runs on the one node that owns the slot.
//
// KEYS: the written records, the index keys, the outbox (when there are
// events), the idempotency record (when set), the pending set (when set).
//
// ARGV: [1] writes [2] index ops [3] events [4] idempotency 1|0
// [5] idempotency TTL in ms [6] pending 1|0, then per write: IfVersion,
// delete 1|0, data; per index op: kind, member, score; per event: n, n
// field/value pairs, data, w and, when w > 0 (the 1-based write whose
// etags an audit payload takes), fill-before 1|0, fill-after 1|0, middle,
// tail (data is then the payload's head); and for the idempotency record:
// scope, request ID, request hash, response.
//
// It returns {1, version before each write..., outbox entry IDs...} when it
// committed, {-1, request hash, response} when the idempotency record
// exists already (checked first: a request that committed is answered by
// its replay whatever has changed since), and {0, i, version} when write i
// is not at the version it expects.
var commitScript = redis.NewScript(strings.NewReplacer(
	"{{data}}", fieldData,
	"{{version}}", fieldVersion,
	"{{eventData}}", eventDataField,
	"{{etagBefore}}", auditEtagBeforeField,
	"{{etagAfter}}", auditEtagAfterField,
	"{{scope}}", idemFieldScope,
	"{{requestID}}", idemFieldRequestID,
	"{{requestHash}}", idemFieldRequestHash,
	"{{response}}", idemFieldResponse,
).Replace(`
local nw, ni, ne = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local k = nw + ni + 1
local outbox, idem, pending
if ne > 0 then outbox = KEYS[k]; k = k + 1 end
if ARGV[4] == '1' then idem = KEYS[k]; k = k + 1 end
if ARGV[6] == '1' then pending = KEYS[k] end

if idem then
  local done = redis.call('HMGET', idem, '{{requestHash}}', '{{response}}')
  if done[1] then return {-1, done[1], done[2]} end
end

local before, after = {}, {}
local a = 7
for i = 1, nw do
  local v = redis.call('HGET', KEYS[i], '{{version}}')
  local have = 0
  if v then have = tonumber(v) end
  local want = tonumber(ARGV[a])
  if want ~= -1 and want ~= have then return {0, i, have} end
  before[i] = have
  a = a + 3
end

local reply = {1}
a = 7
for i = 1, nw do
  if ARGV[a + 1] == '1' then
    redis.call('DEL', KEYS[i])
    after[i] = 0
  else
    after[i] = before[i] + 1
    redis.call('HSET', KEYS[i], '{{data}}', ARGV[a + 2], '{{version}}', string.format('%d', after[i]))
  end
  reply[#reply + 1] = before[i]
  a = a + 3
end
for i = 1, ni do
  local key, kind, member = KEYS[nw + i], ARGV[a], ARGV[a + 1]
  if kind == '1' then redis.call('ZADD', key, ARGV[a + 2], member)
  elseif kind == '2' then redis.call('ZREM', key, member)
  elseif kind == '3' then redis.call('SADD', key, member)
  else redis.call('SREM', key, member) end
  a = a + 3
end

local function etag(field, v)
  if v < 1 then return '' end
  return field .. '"\\"' .. string.format('%d', v) .. '\\""'
end
for e = 1, ne do
  local n = tonumber(ARGV[a])
  local fields = {}
  for j = 1, 2 * n do fields[j] = ARGV[a + j] end
  a = a + 2 * n + 1
  local data, w = ARGV[a], tonumber(ARGV[a + 1])
  a = a + 2
  if w > 0 then
    if ARGV[a] == '1' then data = data .. etag('{{etagBefore}}', before[w]) end
    data = data .. ARGV[a + 2]
    if ARGV[a + 1] == '1' then data = data .. etag('{{etagAfter}}', after[w]) end
    data = data .. ARGV[a + 3]
    a = a + 4
  end
  fields[2 * n + 1] = '{{eventData}}'
  fields[2 * n + 2] = data
  reply[#reply + 1] = redis.call('XADD', outbox, '*', unpack(fields))
end

if idem then
  redis.call('HSET', idem, '{{scope}}', ARGV[a], '{{requestID}}', ARGV[a + 1],
    '{{requestHash}}', ARGV[a + 2], '{{response}}', ARGV[a + 3])
  redis.call('PEXPIRE', idem, ARGV[5])
end
if pending then redis.call('SADD', pending, outbox) end
return reply
`))

// The script's replies, as its first element.
const (
	scriptCommitted        = 1
	scriptVersionMismatch  = 0
	scriptRequestCommitted = -1
)

// eventDataField is the stream entry field of an event's payload (see
// events.Event.Values), which the script appends itself because an audit
// payload is only complete once it knows the versions.
const eventDataField = "data"

// The JSON fields of AuditEntry's etags as json.Marshal writes them after
// another field, which the script inserts when it fills them.
const (
	auditEtagBeforeField = `,"etag_before":`
	auditEtagAfterField  = `,"etag_after":`
)

// auditTemplate is an audit entry's JSON payload with holes where the
// script writes the etags before and after of write (1-based; 0 when the
// payload is complete and held whole in head).
type auditTemplate struct {
	write                 int
	fillBefore, fillAfter bool
	head, mid, tail       string
}

// newAuditTemplate encodes a, leaving holes for the etags Commit fills: those
// a leaves empty when it names a written key (write is its index in the
// mutation's writes, or -1). Go encodes the entry, so the payload is exactly
// what json.Marshal gives once the holes are filled (a field whose etag is
// empty is omitted, as omitempty does).
func newAuditTemplate(a AuditEntry, write int) (auditTemplate, error) {
	t := auditTemplate{fillBefore: write >= 0 && a.EtagBefore == "", fillAfter: write >= 0 && a.EtagAfter == ""}
	// Placeholders that json.Marshal writes verbatim; in the encoding an
	// unescaped `,"` only ever starts a field, so the match is exact.
	const before, after = "B", "A"
	if t.fillBefore {
		a.EtagBefore = before
	}
	if t.fillAfter {
		a.EtagAfter = after
	}
	b, err := a.encode()
	if err != nil {
		return auditTemplate{}, err
	}
	rest := string(b)
	if !t.fillBefore && !t.fillAfter {
		t.head = rest
		return t, nil
	}
	t.write = write + 1
	cut := func(field string) (string, error) {
		mark := field + strconv.Quote(before)
		if field == auditEtagAfterField {
			mark = field + strconv.Quote(after)
		}
		i := strings.Index(rest, mark)
		if i < 0 {
			return "", fmt.Errorf("store: audit entry for %s: %q not in its encoding", a.Resource, mark)
		}
		head := rest[:i]
		rest = rest[i+len(mark):]
		return head, nil
	}
	if t.fillBefore {
		if t.head, err = cut(auditEtagBeforeField); err != nil {
			return auditTemplate{}, err
		}
	}
	if t.fillAfter {
		head, err := cut(auditEtagAfterField)
		if err != nil {
			return auditTemplate{}, err
		}
		if t.fillBefore {
			t.mid = head
		} else {
			t.head = head
		}
	}
	t.tail = rest
	return t, nil
}

// flag is a script boolean.
func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// encode lays p out as the script's KEYS and ARGV (see commitScript).
func (p *plan) encode(idempotencyTTL time.Duration, pending string) {
	m := p.m
	hasEvents := len(p.events) > 0
	p.keys = make([]string, 0, len(m.Writes)+len(m.Index)+3)
	p.args = make([]any, 0, 6+3*len(m.Writes)+3*len(m.Index)+20*len(p.events)+4)
	p.args = append(p.args, len(m.Writes), len(m.Index), len(p.events), flag(p.idemKey != ""),
		idempotencyTTL.Milliseconds(), flag(hasEvents && pending != ""))
	for _, w := range m.Writes {
		p.keys = append(p.keys, w.Key)
		p.args = append(p.args, w.IfVersion, flag(w.Delete), w.Data)
	}
	for _, op := range m.Index {
		p.keys = append(p.keys, op.Key)
		p.args = append(p.args, int(op.Kind), op.Member, op.Score)
	}
	if hasEvents {
		p.keys = append(p.keys, p.outbox)
	}
	if p.idemKey != "" {
		p.keys = append(p.keys, p.idemKey)
	}
	if hasEvents && pending != "" {
		p.keys = append(p.keys, pending)
	}
	for i, e := range p.events {
		vals := e.Values()
		delete(vals, eventDataField)
		names := make([]string, 0, len(vals))
		for name := range vals {
			names = append(names, name)
		}
		slices.Sort(names)
		p.args = append(p.args, len(names))
		for _, name := range names {
			p.args = append(p.args, name, vals[name])
		}
		if i < len(m.Events) {
			p.args = append(p.args, e.Data, 0)
			continue
		}
		t := p.audit[i-len(m.Events)]
		p.args = append(p.args, t.head, t.write)
		if t.write > 0 {
			p.args = append(p.args, flag(t.fillBefore), flag(t.fillAfter), t.mid, t.tail)
		}
	}
	if id := m.Idempotency; p.idemKey != "" {
		p.args = append(p.args, id.Scope, id.RequestID, id.RequestHash, id.Response)
	}
}

// pipeliner is where the commit script runs: the client, or one pinned
// connection when WAIT must follow on it.
type pipeliner interface {
	Pipelined(ctx context.Context, fn func(redis.Pipeliner) error) ([]redis.Cmder, error)
}

// commitOnce runs the commit script in one round trip: alone on the
// store's client when then is nil, else on c with then queued behind it on
// the same connection. It sends the script by
// its SHA1 (EVALSHA) and the source (EVAL) only when the server does not
// know it yet, after a restart or a failover to a server that never ran it.
func (s *Store) commitOnce(ctx context.Context, c pipeliner, p *plan, then func(redis.Pipeliner)) (Result, error) {
	var cmd *redis.Cmd
	send := func(sha bool) error {
		if then == nil {
			// The script alone goes as one command, not as a pipeline of
			// one: the client's tracing renders every argument of a
			// pipeline (records, events, the answer) into a string that
			// nothing reads, but not those of a command.
			if sha {
				cmd = commitScript.EvalSha(ctx, s.c, p.keys, p.args...)
			} else {
				cmd = commitScript.Eval(ctx, s.c, p.keys, p.args...)
			}
			return cmd.Err()
		}
		_, err := c.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			if sha {
				cmd = commitScript.EvalSha(ctx, pipe, p.keys, p.args...)
			} else {
				cmd = commitScript.Eval(ctx, pipe, p.keys, p.args...)
			}
			then(pipe)
			return nil
		})
		return err
	}
	err := send(true)
	if redis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
		err = send(false)
	}
	if cmd.Err() != nil {
		return Result{}, fmt.Errorf("store: commit tag %s: %w", p.m.Tag, cmd.Err())
	}
	res, rerr := p.result(cmd)
	if rerr != nil {
		return Result{}, rerr
	}
	if err != nil {
		// The script committed but a command queued behind it failed.
		return res, fmt.Errorf("store: commit tag %s: %w", p.m.Tag, err)
	}
	return res, nil
}

// result reads the script's reply: the new versions and outbox entry IDs
// of a commit, or the conflict that refused it.
func (p *plan) result(cmd *redis.Cmd) (Result, error) {
	reply, err := cmd.Slice()
	if err != nil {
		return Result{}, fmt.Errorf("store: commit tag %s: %w", p.m.Tag, err)
	}
	malformed := fmt.Errorf("store: commit tag %s: unexpected script reply %v", p.m.Tag, reply)
	status, _ := reply[0].(int64)
	switch status {
	case scriptVersionMismatch:
		i, _ := reply[1].(int64)
		have, _ := reply[2].(int64)
		if len(reply) != 3 || i < 1 || int(i) > len(p.m.Writes) {
			return Result{}, malformed
		}
		w := p.m.Writes[i-1]
		return Result{}, &conflictError{detail: fmt.Sprintf("%s is at version %d, not %d", w.Key, have, w.IfVersion)}
	case scriptRequestCommitted:
		if len(reply) != 3 {
			return Result{}, malformed
		}
		return Result{}, &conflictError{
			detail:  fmt.Sprintf("request_id %q was committed by a concurrent request", p.m.Idempotency.RequestID),
			request: true,
			idemKey: p.idemKey,
			replay:  reply[1:],
		}
	case scriptCommitted:
	default:
		return Result{}, malformed
	}
	nw := len(p.m.Writes)
	if len(reply) != 1+nw+len(p.events) {
		return Result{}, malformed
	}
	res := Result{Versions: make(map[string]int64, nw)}
	for i, w := range p.m.Writes {
		before, ok := reply[1+i].(int64)
		if !ok {
			return Result{}, malformed
		}
		if w.Delete {
			res.Versions[w.Key] = 0
		} else {
			res.Versions[w.Key] = before + 1
		}
	}
	for _, v := range reply[1+nw:] {
		id, ok := v.(string)
		if !ok {
			return Result{}, malformed
		}
		res.OutboxIDs = append(res.OutboxIDs, id)
	}
	return res, nil
}
