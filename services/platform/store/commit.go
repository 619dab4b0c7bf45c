package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/propagation"

	"github.com/turnaround-sli/turnaround/services/platform/events"
)

// Version expectations for Write.IfVersion. Any other value n >= 1 means the
// record must be at exactly version n.
const (
	// AnyVersion writes whatever version the record is at (last writer
	// wins, though the version still grows by one).
	AnyVersion int64 = -1
	// MustNotExist creates the record and fails if it exists. It is the
	// zero value, so a Write that names no expectation never overwrites.
	MustNotExist int64 = 0
)

// Attempts of Update's read-modify-write cycle before giving up on a
// contended key. Commit itself never retries: its script checks and writes
// in one atomic step, so it either commits or reports a real conflict.
const maxUpdateAttempts = 5

// ErrBadMutation marks a mutation that can never commit: keys outside its
// hash tag, duplicate writes, events without topic or type. It is a
// programming error, not a fault a caller could fix, so it reaches clients as
// INTERNAL.
var ErrBadMutation = errors.New("store: invalid mutation")

// Write sets or deletes one record.
type Write struct {
	Key  string
	Data []byte
	// IfVersion is the version the record must be at: AnyVersion,
	// MustNotExist or a version n >= 1 (usually from ParseEtag).
	IfVersion int64
	// Delete removes the record instead of writing Data.
	Delete bool
}

// IndexOpKind names a secondary-index command.
type IndexOpKind int

// The index commands a mutation can carry.
const (
	IndexZAdd IndexOpKind = iota + 1 // ZADD key score member
	IndexZRem                        // ZREM key member
	IndexSAdd                        // SADD key member
	IndexSRem                        // SREM key member
)

// IndexOp changes a sorted set or set that indexes records, in the same
// transaction as the records it indexes, so lists never disagree with state.
type IndexOp struct {
	Kind   IndexOpKind
	Key    string
	Member string
	Score  float64
}

// ZAdd adds member to the sorted set key with score.
func ZAdd(key string, score float64, member string) IndexOp {
	return IndexOp{Kind: IndexZAdd, Key: key, Member: member, Score: score}
}

// ZRem removes member from the sorted set key.
func ZRem(key, member string) IndexOp { return IndexOp{Kind: IndexZRem, Key: key, Member: member} }

// SAdd adds member to the set key.
func SAdd(key, member string) IndexOp { return IndexOp{Kind: IndexSAdd, Key: key, Member: member} }

// SRem removes member from the set key.
func SRem(key, member string) IndexOp { return IndexOp{Kind: IndexSRem, Key: key, Member: member} }

// Mutation is everything one request changes in one aggregate. All keys
// carry the hash tag Tag, so Commit runs as one script in one Redis Cluster
// slot.
type Mutation struct {
	// Tag is the aggregate's hash tag, e.g. keyspace.CouncilTag("E08000017").
	Tag    string
	Writes []Write
	Index  []IndexOp
	// Events go to the outbox stream ks.Outbox(Tag). Commit fills in a
	// missing ID, Time and trace context.
	Events []events.Event
	// Audit entries go to the same outbox with topic AuditTopic.
	Audit []AuditEntry
	// Idempotency, when set with a RequestID, stores the response so a
	// retry with the same request_id replays it (see Replay).
	Idempotency *IdempotencyRecord
	// Listings are additions (SAdd, ZAdd) to indexes outside Tag's slot,
	// such as a collection's set of every ID. Commit sends them before the
	// script, in one round trip with the outbox's registration, so a
	// committed record is always listed; an ID listed by a commit that then
	// fails names no record, and lists skip it.
	Listings []IndexOp
}

// Result reports what Commit wrote.
type Result struct {
	// Versions holds each written key's new version; 0 for a deleted record.
	Versions map[string]int64
	// OutboxIDs are the outbox stream entry IDs: events first, then audit
	// entries, in mutation order.
	OutboxIDs []string
}

// Etag is the etag of key after the commit, or "" if it was deleted or not
// written.
func (r Result) Etag(key string) string { return Etag(r.Versions[key]) }

// conflictError is a commit refused because state moved. It unwraps to
// ErrConflict; request says the cause was an idempotency record committed by
// a concurrent request with the same request_id, which no re-read can fix.
type conflictError struct {
	detail  string
	request bool
	// idemKey and replay are, when request is set, the idempotency record
	// and its request hash and response as the script read them.
	idemKey string
	replay  []any
}

func (e *conflictError) Error() string {
	return "store: commit: " + e.detail + ": " + ErrConflict.Error()
}

func (e *conflictError) Unwrap() error { return ErrConflict }

// plan is a validated mutation with its derived keys and stamped events,
// encoded as the commit script's KEYS and ARGV (script.go).
type plan struct {
	m       Mutation
	outbox  string
	idemKey string
	events  []events.Event // m.Events stamped, then one per audit entry
	// audit holds, per audit entry, its JSON payload split where the
	// script inserts the etags it learns (zero when nothing is filled in).
	audit []auditTemplate
	keys  []string
	args  []any
}

// Commit applies m atomically in one round trip: one Lua script (see
// commitScript) checks every write's IfVersion and that no concurrent
// request committed the same request_id, and only when all hold writes the
// records with their new versions, applies the index ops, appends the
// events and audit entries to the outbox and stores the idempotency record.
// Redis runs a script without interleaving other commands, so the check and
// the writes cannot be separated by another writer, which is what WATCH and
// MULTI/EXEC gave at the price of about six round trips on a held
// connection.
//
// A version that does not match gives an error wrapping ErrConflict, and
// nothing is written; so does an idempotency record that a concurrent request
// with the same request_id committed first (its retry then replays).
// AnyVersion writes never conflict: the script reads and bumps the version
// in the same step. Before the script the outbox is added to
// ks.OutboxRegistry() (once per process), so an outbox that holds entries is
// always findable by the relay. The hint ks.OutboxPending() that wakes the
// relay is set by the script itself on a single server; on Redis Cluster,
// where the pending set lives in another slot, by a command after it.
func (s *Store) Commit(ctx context.Context, m Mutation) (Result, error) {
	_, cluster := s.c.(*redis.ClusterClient)
	pending := ""
	if !cluster {
		pending = s.ks.OutboxPending()
	}
	p, err := s.plan(ctx, m, pending)
	if err != nil {
		return Result{}, err
	}
	if err := s.prepare(ctx, p, m.Listings); err != nil {
		return Result{}, err
	}
	var res Result
	if s.replication.Replicas > 0 {
		res, err = s.commitReplicated(ctx, p)
	} else {
		res, err = s.commitOnce(ctx, s.c, p, nil)
	}
	if err != nil {
		return Result{}, err
	}
	if cluster && len(p.events) > 0 {
		// Only a hint for the relay, which also scans the registry: the
		// commit stands either way, so a failure is logged, not returned.
		if err := s.c.SAdd(ctx, s.ks.OutboxPending(), p.outbox).Err(); err != nil {
			slog.WarnContext(ctx, "store: mark outbox pending", "outbox", p.outbox, "err", err)
		}
	}
	return res, nil
}

// Update is the read-modify-write helper. It reads the record under key
// (version 0 when absent), calls fn with it and commits the mutation fn
// returns. A write to key that fn leaves at AnyVersion is pinned to the
// version read, so a concurrent change between the read and the commit is
// caught; Update then re-reads and calls fn again, up to a bounded number of
// attempts, and finally returns an error wrapping ErrConflict.
//
// fn may therefore run several times: it must build the mutation from cur
// alone, with no other side effects, and re-validate on every call (for
// example, compare the caller's etag with cur.Version and return ErrConflict
// itself on a mismatch). An error from fn is returned as is.
func (s *Store) Update(ctx context.Context, key string, fn func(cur Record) (Mutation, error)) (Result, error) {
	for range maxUpdateAttempts {
		cur, err := s.Get(ctx, key)
		switch {
		case errors.Is(err, ErrNotFound):
			cur = Record{Key: key}
		case err != nil:
			return Result{}, err
		}
		m, err := fn(cur)
		if err != nil {
			return Result{}, err
		}
		m.Writes = slices.Clone(m.Writes)
		for i := range m.Writes {
			if m.Writes[i].Key == key && m.Writes[i].IfVersion == AnyVersion {
				m.Writes[i].IfVersion = cur.Version
			}
		}
		res, err := s.Commit(ctx, m)
		var ce *conflictError
		if errors.As(err, &ce) && !ce.request && ctx.Err() == nil {
			continue
		}
		return res, err
	}
	return Result{}, fmt.Errorf("store: update %s: still contended after %d attempts: %w", key, maxUpdateAttempts, ErrConflict)
}

// plan validates m, stamps its events and encodes it for the commit script.
// pending is the relay's hint set when the script may write it (every key on
// one server), or "".
func (s *Store) plan(ctx context.Context, m Mutation, pending string) (*plan, error) {
	if m.Tag == "" {
		return nil, fmt.Errorf("%w: no hash tag", ErrBadMutation)
	}
	inTag := func(what, key string) error {
		if t, ok := hashTag(key); !ok || t != m.Tag {
			return fmt.Errorf("%w: %s %q is outside hash tag {%s}", ErrBadMutation, what, key, m.Tag)
		}
		return nil
	}
	p := &plan{m: m, outbox: s.ks.Outbox(m.Tag)}
	written := make(map[string]bool, len(m.Writes))
	for _, w := range m.Writes {
		if err := inTag("write key", w.Key); err != nil {
			return nil, err
		}
		if written[w.Key] {
			return nil, fmt.Errorf("%w: key %q written twice", ErrBadMutation, w.Key)
		}
		if w.IfVersion < AnyVersion {
			return nil, fmt.Errorf("%w: key %q: IfVersion %d", ErrBadMutation, w.Key, w.IfVersion)
		}
		written[w.Key] = true
	}
	for _, op := range m.Index {
		if err := inTag("index key", op.Key); err != nil {
			return nil, err
		}
		if op.Kind < IndexZAdd || op.Kind > IndexSRem {
			return nil, fmt.Errorf("%w: index key %q: unknown op %d", ErrBadMutation, op.Key, op.Kind)
		}
	}
	if id := m.Idempotency; id != nil && id.RequestID != "" {
		if id.Scope == "" {
			return nil, fmt.Errorf("%w: idempotency record without scope", ErrBadMutation)
		}
		p.idemKey = s.IdempotencyKey(m.Tag, id.Scope, id.RequestID)
	}
	trace := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(ctx, trace)
	now := time.Now().UTC()
	for _, e := range m.Events {
		if e.Topic == "" || e.Type == "" {
			return nil, fmt.Errorf("%w: event %q without topic or type", ErrBadMutation, e.ID)
		}
		p.events = append(p.events, stamp(e, now, trace))
	}
	for _, a := range m.Audit {
		if a.Key != "" && !written[a.Key] {
			return nil, fmt.Errorf("%w: audit entry for %q, which the mutation does not write", ErrBadMutation, a.Key)
		}
		e := stamp(events.Event{Topic: AuditTopic, Type: AuditType, Subject: a.Resource, Time: a.Time}, now, trace)
		if a.Time.IsZero() {
			a.Time = e.Time
		}
		// The etags a handler left for Commit to fill are known only
		// inside the script, which splices them into the payload.
		t, err := newAuditTemplate(a, slices.IndexFunc(p.m.Writes, func(w Write) bool { return w.Key == a.Key }))
		if err != nil {
			return nil, err
		}
		p.events = append(p.events, e)
		p.audit = append(p.audit, t)
	}
	p.encode(s.idempotencyTTL, pending)
	return p, nil
}

// stamp fills the envelope fields a caller may leave out.
func stamp(e events.Event, now time.Time, trace propagation.MapCarrier) events.Event {
	if e.ID == "" {
		e.ID = events.NewID()
	}
	if e.Time.IsZero() {
		e.Time = now
	}
	if e.TraceParent == "" {
		e.TraceParent, e.TraceState = trace.Get("traceparent"), trace.Get("tracestate")
	}
	return e
}

// prepare writes, in one round trip before the script, the mutation's
// listings and the outbox's registration, so an outbox that holds entries
// is always in the registry and a committed record always listed.
// Entries are never removed from the registry, so once this process has
// registered an outbox it leaves it out of later commits.
func (s *Store) prepare(ctx context.Context, p *plan, listings []IndexOp) error {
	for _, op := range listings {
		if op.Kind != IndexSAdd && op.Kind != IndexZAdd {
			return fmt.Errorf("store: commit: listing %s: only additions (SAdd, ZAdd) are sent before the commit", op.Key)
		}
	}
	register := len(p.events) > 0
	if register {
		_, done := s.registered.Load(p.outbox)
		register = !done
	}
	if !register && len(listings) == 0 {
		return nil
	}
	_, err := s.c.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		if register {
			pipe.SAdd(ctx, s.ks.OutboxRegistry(), p.outbox)
		}
		for _, op := range listings {
			if op.Kind == IndexZAdd {
				pipe.ZAdd(ctx, op.Key, redis.Z{Score: op.Score, Member: op.Member})
			} else {
				pipe.SAdd(ctx, op.Key, op.Member)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: commit: before the script (outbox %s registered: %v, %d listings): %w", p.outbox, register, len(listings), err)
	}
	if register {
		s.registered.Store(p.outbox, struct{}{})
	}
	return nil
}

// hashTag returns the part of key that Redis Cluster hashes: the text between
// the first "{" and the next "}", when that is not empty.
func hashTag(key string) (string, bool) {
	i := strings.IndexByte(key, '{')
	if i < 0 {
		return "", false
	}
	j := strings.IndexByte(key[i+1:], '}')
	if j <= 0 {
		return "", false
	}
	return key[i+1 : i+1+j], true
}
