package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
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

// Attempts before giving up on a contended key. Commit retries only when
// WATCH fired although the versions it checks still hold (an AnyVersion
// write racing another writer); Update retries whole read-modify-write
// cycles.
const (
	maxCommitAttempts = 5
	maxUpdateAttempts = 5
)

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
// carry the hash tag Tag, so Commit runs as one MULTI/EXEC in one Redis
// Cluster slot.
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
}

func (e *conflictError) Error() string {
	return "store: commit: " + e.detail + ": " + ErrConflict.Error()
}

func (e *conflictError) Unwrap() error { return ErrConflict }

// plan is a validated mutation with its derived keys and stamped events.
type plan struct {
	m         Mutation
	outbox    string
	idemKey   string
	events    []events.Event // m.Events stamped, then one per audit entry
	watchKeys []string
}

// Commit applies m atomically: WATCH the written keys (and the idempotency
// key), check every write's IfVersion, then one MULTI/EXEC writes the
// records with their new versions, applies the index ops, appends the events
// and audit entries to the outbox and stores the idempotency record.
//
// A version that does not match gives an error wrapping ErrConflict, and
// nothing is written; so does an idempotency record that a concurrent request
// with the same request_id committed first (its retry then replays). When
// WATCH fires between the check and EXEC, Commit checks again: a pinned
// version that moved is a conflict, while AnyVersion writes are retried a
// bounded number of times. Before the transaction the outbox is added to
// ks.OutboxRegistry() (so a crash after EXEC still leaves it findable by the
// relay); after it, to ks.OutboxPending() to wake the relay.
func (s *Store) Commit(ctx context.Context, m Mutation) (Result, error) {
	p, err := s.plan(ctx, m)
	if err != nil {
		return Result{}, err
	}
	for range maxCommitAttempts {
		res, err := s.commitOnce(ctx, p)
		if errors.Is(err, redis.TxFailedErr) {
			// A watched key changed between our check and EXEC. The next
			// attempt re-reads the versions and reports a conflict if an
			// expectation no longer holds.
			continue
		}
		return res, err
	}
	return Result{}, &conflictError{detail: fmt.Sprintf("tag %s stayed contended for %d attempts", m.Tag, maxCommitAttempts)}
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

// plan validates m and derives what every commit attempt needs.
func (s *Store) plan(ctx context.Context, m Mutation) (*plan, error) {
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
		p.watchKeys = append(p.watchKeys, w.Key)
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
		p.watchKeys = append(p.watchKeys, p.idemKey)
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
		// Data is filled per attempt, once the versions are known.
		p.events = append(p.events, stamp(events.Event{Topic: AuditTopic, Type: AuditType, Subject: a.Resource, Time: a.Time}, now, trace))
	}
	return p, nil
}

// stamp fills the envelope fields a caller may leave out.
func stamp(e events.Event, now time.Time, trace propagation.MapCarrier) events.Event {
	if e.ID == "" {
		e.ID = newEventID()
	}
	if e.Time.IsZero() {
		e.Time = now
	}
	if e.TraceParent == "" {
		e.TraceParent, e.TraceState = trace.Get("traceparent"), trace.Get("tracestate")
	}
	return e
}

// commitOnce is one WATCH ... EXEC attempt. It returns redis.TxFailedErr
// (wrapped) when a watched key changed after the check.
func (s *Store) commitOnce(ctx context.Context, p *plan) (Result, error) {
	var res Result
	if len(p.watchKeys) == 0 {
		// Only appends and index ops: nothing to check, so no WATCH.
		if err := s.register(ctx, p); err != nil {
			return Result{}, err
		}
		var err error
		if res, err = s.execReplicated(ctx, s.c, p, versions{}); err != nil {
			return Result{}, err
		}
	} else {
		// Registering before WATCH keeps each commit to one pooled
		// connection at a time: taking a second one while the WATCH
		// connection is held deadlocks once every connection is watching.
		if err := s.register(ctx, p); err != nil {
			return Result{}, err
		}
		err := s.c.Watch(ctx, func(tx *redis.Tx) error {
			cur, err := s.readVersions(ctx, tx, p)
			if err != nil {
				return err
			}
			if err := p.check(cur); err != nil {
				return err
			}
			res, err = s.execReplicated(ctx, tx, p, cur)
			return err
		}, p.watchKeys...)
		if err != nil {
			var ce *conflictError
			if errors.As(err, &ce) {
				return Result{}, err
			}
			return Result{}, fmt.Errorf("store: commit tag %s: %w", p.m.Tag, err)
		}
	}
	if len(p.events) > 0 {
		// Only a hint for the relay, which also scans the registry: the
		// commit stands either way, so a failure is logged, not returned.
		if err := s.c.SAdd(ctx, s.ks.OutboxPending(), p.outbox).Err(); err != nil {
			slog.WarnContext(ctx, "store: mark outbox pending", "outbox", p.outbox, "err", err)
		}
	}
	return res, nil
}

// versions holds the current version of each written key, and whether the
// idempotency key exists.
type versions struct {
	of          map[string]int64
	idempotency bool
}

// readVersions reads, on the watching connection, what Commit checks.
func (s *Store) readVersions(ctx context.Context, tx *redis.Tx, p *plan) (versions, error) {
	cmds := make([]*redis.StringCmd, len(p.m.Writes))
	var idem *redis.IntCmd
	// Pipelined reports redis.Nil for absent fields as its error; each
	// command is inspected below instead.
	_, _ = tx.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, w := range p.m.Writes {
			cmds[i] = pipe.HGet(ctx, w.Key, fieldVersion)
		}
		if p.idemKey != "" {
			idem = pipe.Exists(ctx, p.idemKey)
		}
		return nil
	})
	v := versions{of: make(map[string]int64, len(cmds))}
	for i, cmd := range cmds {
		key := p.m.Writes[i].Key
		raw, err := cmd.Result()
		switch {
		case isNil(err):
			v.of[key] = 0
		case err != nil:
			return versions{}, fmt.Errorf("store: commit: read version of %s: %w", key, err)
		default:
			n, err := strconv.ParseInt(raw, 10, 64)
			if err != nil {
				return versions{}, fmt.Errorf("store: commit: version of %s: %w", key, err)
			}
			v.of[key] = n
		}
	}
	if idem != nil {
		n, err := idem.Result()
		if err != nil {
			return versions{}, fmt.Errorf("store: commit: read idempotency record: %w", err)
		}
		v.idempotency = n > 0
	}
	return v, nil
}

// check compares the current versions with the writes' expectations.
func (p *plan) check(cur versions) error {
	for _, w := range p.m.Writes {
		have := cur.of[w.Key]
		if w.IfVersion != AnyVersion && w.IfVersion != have {
			return &conflictError{detail: fmt.Sprintf("%s is at version %d, not %d", w.Key, have, w.IfVersion)}
		}
	}
	if cur.idempotency {
		return &conflictError{
			detail:  fmt.Sprintf("request_id %q was committed by a concurrent request", p.m.Idempotency.RequestID),
			request: true,
		}
	}
	return nil
}

// register adds the outbox to the registry before the transaction, so an
// outbox that holds entries is always listed there.
// Entries are never removed from the registry, so once this process has
// registered an outbox it skips the round trip for later commits.
func (s *Store) register(ctx context.Context, p *plan) error {
	if len(p.events) == 0 {
		return nil
	}
	if _, done := s.registered.Load(p.outbox); done {
		return nil
	}
	if err := s.c.SAdd(ctx, s.ks.OutboxRegistry(), p.outbox).Err(); err != nil {
		return fmt.Errorf("store: commit: register outbox %s: %w", p.outbox, err)
	}
	s.registered.Store(p.outbox, struct{}{})
	return nil
}

// txPipeliner is what exec needs: a client or a watching transaction.
type txPipeliner interface {
	TxPipelined(ctx context.Context, fn func(redis.Pipeliner) error) ([]redis.Cmder, error)
}

// exec runs the MULTI/EXEC. cur is the zero value when nothing was watched.
func (s *Store) exec(ctx context.Context, c txPipeliner, p *plan, cur versions) (Result, error) {
	res := Result{Versions: make(map[string]int64, len(p.m.Writes))}
	before := make(map[string]int64, len(p.m.Writes))
	for _, w := range p.m.Writes {
		before[w.Key] = cur.of[w.Key]
		if w.Delete {
			res.Versions[w.Key] = 0
		} else {
			res.Versions[w.Key] = cur.of[w.Key] + 1
		}
	}
	evs := slices.Clone(p.events)
	for i, a := range p.m.Audit {
		if a.Key != "" {
			if a.EtagBefore == "" {
				a.EtagBefore = Etag(before[a.Key])
			}
			if a.EtagAfter == "" {
				a.EtagAfter = Etag(res.Versions[a.Key])
			}
		}
		e := &evs[len(p.m.Events)+i]
		if a.Time.IsZero() {
			a.Time = e.Time
		}
		data, err := a.encode()
		if err != nil {
			return Result{}, err
		}
		e.Data = data
	}
	adds := make([]*redis.StringCmd, len(evs))
	_, err := c.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		for _, w := range p.m.Writes {
			if w.Delete {
				pipe.Del(ctx, w.Key)
				continue
			}
			pipe.HSet(ctx, w.Key, fieldData, w.Data, fieldVersion, res.Versions[w.Key])
		}
		for _, op := range p.m.Index {
			switch op.Kind {
			case IndexZAdd:
				pipe.ZAdd(ctx, op.Key, redis.Z{Score: op.Score, Member: op.Member})
			case IndexZRem:
				pipe.ZRem(ctx, op.Key, op.Member)
			case IndexSAdd:
				pipe.SAdd(ctx, op.Key, op.Member)
			case IndexSRem:
				pipe.SRem(ctx, op.Key, op.Member)
			}
		}
		for i, e := range evs {
			adds[i] = pipe.XAdd(ctx, &redis.XAddArgs{Stream: p.outbox, Values: e.Values()})
		}
		if p.idemKey != "" {
			id := p.m.Idempotency
			pipe.HSet(ctx, p.idemKey,
				idemFieldScope, id.Scope, idemFieldRequestID, id.RequestID,
				idemFieldRequestHash, id.RequestHash, idemFieldResponse, id.Response)
			pipe.PExpire(ctx, p.idemKey, s.idempotencyTTL)
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	for _, a := range adds {
		res.OutboxIDs = append(res.OutboxIDs, a.Val())
	}
	return res, nil
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

// newEventID returns a random (version 4) UUID.
func newEventID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms.
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
