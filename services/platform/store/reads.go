package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/platform/change"
)

// errReadsNotRun reports a result taken from Reads before Do ran (or after
// it failed): a programming error.
var errReadsNotRun = errors.New("store: reads taken before they ran")

// Reads are the reads a change makes before it commits, sent together in
// one pipelined round trip: records under one hash tag and, for a request
// with a request_id, the answer an earlier call with it left under that
// tag to replay. Every key shares the tag, so on Redis Cluster the
// pipeline goes to the one node that owns the slot, as the commit does.
//
// Queue the reads (Collection.In, Collection.ReplayIn), run Do once, then
// take each result from what queuing it returned.
type Reads struct {
	st   *Store
	tag  string
	keys []string
	// replay is the request whose answer to look up; its RequestID is
	// empty when there is none to look up.
	replay  change.Request
	idemKey string
	vals    [][]any
	idem    []any
	ran     bool
}

// Reads returns an empty set of reads under the hash tag tag.
func (s *Store) Reads(tag string) *Reads { return &Reads{st: s, tag: tag} }

// get queues the read of the record under key and returns its place.
func (rs *Reads) get(key string) int {
	rs.keys = append(rs.keys, key)
	return len(rs.keys) - 1
}

// lookUp queues the look-up of the answer a call with r's request_id
// committed under the tag; a request without one looks nothing up.
func (rs *Reads) lookUp(r change.Request) {
	rs.replay = r
	if r.RequestID != "" {
		rs.idemKey = rs.st.IdempotencyKey(rs.tag, r.Scope(), r.RequestID)
	}
}

// Do sends every queued read in one pipelined round trip. A key outside
// the tag is ErrBadMutation, and nothing is sent.
func (rs *Reads) Do(ctx context.Context) error {
	for _, k := range rs.keys {
		if t, ok := hashTag(k); !ok || t != rs.tag {
			return fmt.Errorf("%w: read key %q is outside hash tag {%s}", ErrBadMutation, k, rs.tag)
		}
	}
	var idem *redis.SliceCmd
	cmds := make([]*redis.SliceCmd, len(rs.keys))
	_, err := rs.st.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		if rs.idemKey != "" {
			idem = p.HMGet(ctx, rs.idemKey, idemFieldRequestHash, idemFieldResponse)
		}
		for i, k := range rs.keys {
			cmds[i] = p.HMGet(ctx, k, fieldData, fieldVersion)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: read %d records under {%s}: %w", len(rs.keys), rs.tag, err)
	}
	if idem != nil {
		rs.idem = idem.Val()
	}
	rs.vals = make([][]any, len(cmds))
	for i, c := range cmds {
		rs.vals[i] = c.Val()
	}
	rs.ran = true
	return nil
}

// record is the record read at place i (version 0 when key held nothing).
func (rs *Reads) record(i int) (Record, error) {
	if !rs.ran {
		return Record{}, errReadsNotRun
	}
	return recordFrom(rs.keys[i], rs.vals[i])
}

// answer is the answer to replay that Do found, as Replay gives it.
func (rs *Reads) answer(ctx context.Context) (*Answer, bool, error) {
	if rs.idemKey == "" {
		return nil, false, nil
	}
	if !rs.ran {
		return nil, false, errReadsNotRun
	}
	b, ok, err := rs.st.replayed(ctx, rs.idemKey, rs.replay.RequestID, rs.replay.RequestHash, rs.idem)
	if err != nil || !ok {
		return nil, false, err
	}
	return NewAnswer(b), true, nil
}

// Pending is an aggregate whose read is queued in Reads.
type Pending[T any] struct {
	c  *Collection[T]
	rs *Reads
	i  int
}

// In queues the read of the aggregate under key in rs.
func (c *Collection[T]) In(rs *Reads, key string) Pending[T] {
	return Pending[T]{c: c, rs: rs, i: rs.get(key)}
}

// Get is the aggregate read, once its Reads ran: the domain's not-found
// error when there was none.
func (p Pending[T]) Get() (T, error) {
	var zero T
	rec, err := p.rs.record(p.i)
	if err != nil {
		return zero, err
	}
	v, ok, err := p.c.decoded(rec)
	if err == nil && !ok {
		err = p.c.notFound
	}
	return v, err
}

// PendingReplay is the look-up, queued in Reads, of the aggregate an
// earlier call with a request's request_id left to replay.
type PendingReplay[T any] struct {
	c  *Collection[T]
	rs *Reads
}

// ReplayIn queues in rs the look-up of the aggregate an earlier call with
// r's request_id left to replay under rs's tag (see Replay). A Reads holds
// one such look-up.
func (c *Collection[T]) ReplayIn(rs *Reads, r change.Request) PendingReplay[T] {
	rs.lookUp(r)
	return PendingReplay[T]{c: c, rs: rs}
}

// Get is what Replay would have returned, once the Reads ran: the
// aggregate to replay and true, false when there is none, or an error
// wrapping ErrRequestIDReused when the request_id came with another
// request.
func (p PendingReplay[T]) Get(ctx context.Context) (T, bool, error) {
	var zero T
	a, ok, err := p.rs.answer(ctx)
	if err != nil || !ok {
		return zero, false, err
	}
	v, err := p.c.Next(a)
	if err != nil {
		return zero, false, fmt.Errorf("store: replay under %s: %w", p.rs.tag, err)
	}
	return v, true, nil
}
