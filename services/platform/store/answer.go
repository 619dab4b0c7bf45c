package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/turnaround-sli/turnaround/services/platform/change"
)

// errBadAnswer reports a replayed answer that Answer did not write.
var errBadAnswer = errors.New("store: replayed answer is malformed")

// Answer is what an idempotency record replays (AIP-155): one or more
// aggregates in their stored form, each with the version the first request
// left it at, so a retry answers with the first call's data and etag. A
// stored form carries no version (it lives beside a record's data), which is
// why the answer keeps it.
type Answer struct {
	data []byte
}

// NewAnswer reads an answer from the bytes an idempotency record holds.
func NewAnswer(b []byte) *Answer { return &Answer{data: b} }

// Add appends an aggregate's stored form b at version.
func (a *Answer) Add(b []byte, version int64) {
	a.data = binary.AppendVarint(a.data, version)
	a.data = binary.AppendUvarint(a.data, uint64(len(b)))
	a.data = append(a.data, b...)
}

// Record is the idempotency record that makes a retry of r replay the
// answer; nil when r carries no request_id.
func (a *Answer) Record(r change.Request) *IdempotencyRecord {
	return IdempotencyFor(r, a.data)
}

// More reports whether a replayed answer holds another aggregate.
func (a *Answer) More() bool { return len(a.data) > 0 }

// Next takes the next aggregate's stored form and version off a replayed
// answer.
func (a *Answer) Next() ([]byte, int64, error) {
	version, n := binary.Varint(a.data)
	if n <= 0 {
		return nil, 0, errBadAnswer
	}
	size, m := binary.Uvarint(a.data[n:])
	if m <= 0 || uint64(len(a.data)-n-m) < size {
		return nil, 0, errBadAnswer
	}
	start := n + m
	b := a.data[start : start+int(size)]
	a.data = a.data[start+int(size):]
	return b, version, nil
}

// ReplayAnswer returns the answer an earlier request with r's request_id
// left under tag, if any. A request_id reused for another request is
// ErrRequestIDReused.
func (s *Store) ReplayAnswer(ctx context.Context, tag string, r change.Request) (*Answer, bool, error) {
	b, ok, err := s.ReplayFor(ctx, tag, r)
	if err != nil || !ok {
		return nil, false, err
	}
	return &Answer{data: b}, true, nil
}

// AddTo appends v at version to the answer a, in the collection's stored
// form.
func (c *Collection[T]) AddTo(a *Answer, v T, version int64) error {
	b, err := c.codec.Encode(v)
	if err != nil {
		return err
	}
	a.Add(b, version)
	return nil
}

// Next decodes the next aggregate of a replayed answer.
func (c *Collection[T]) Next(a *Answer) (T, error) {
	b, version, err := a.Next()
	if err != nil {
		var zero T
		return zero, err
	}
	return c.codec.Decode(b, version)
}

// Idempotency is the record that makes a retry of r replay v at version;
// nil when r carries no request_id.
func (c *Collection[T]) Idempotency(r change.Request, v T, version int64) (*IdempotencyRecord, error) {
	if r.RequestID == "" {
		return nil, nil
	}
	var a Answer
	if err := c.AddTo(&a, v, version); err != nil {
		return nil, err
	}
	return a.Record(r), nil
}

// Saved says which record a change of one aggregate writes: its key and
// hash tag, its resource name for the audit entry, the version the change
// read (MustNotExist for a create) and the version it leaves the record at.
// Method is audited when the request names none.
type Saved struct {
	Tag, Key, Name string
	Read, Version  int64
	Method         string
}

// Change is the commit of v as s says: the record, its audit entry and, for
// a request with an ID, the idempotency record replaying v. The
// idempotency scope is computed from the request alone, as Replay computes
// it; only the audit entry falls back to s.Method.
func (c *Collection[T]) Change(v T, s Saved, r change.Request) (Mutation, error) {
	w, err := c.Put(s.Key, v, s.Read)
	if err != nil {
		return Mutation{}, err
	}
	m := Mutation{
		Tag:    s.Tag,
		Writes: []Write{w},
		Audit:  []AuditEntry{AuditFor(r.WithMethod(s.Method), s.Name, s.Key)},
	}
	if r.RequestID != "" {
		// The answer holds v in the stored form just encoded for the
		// record, so v is encoded once.
		var a Answer
		a.Add(w.Data, s.Version)
		m.Idempotency = a.Record(r)
	}
	return m, nil
}

// CommitOrReplay is Commit, except that when a call with the request_id of
// m's idempotency record committed first under m's tag, it returns the
// aggregate that call answered with (its replay), which the commit's own
// round trip read: a retry of a create costs no look-up before its commit.
// A request_id that came with another request is ErrRequestIDReused.
func (c *Collection[T]) CommitOrReplay(ctx context.Context, m Mutation, v T, what string) (T, error) {
	var zero T
	_, err := c.st.Commit(ctx, m)
	var ce *conflictError
	if !errors.As(err, &ce) || !ce.request || ce.idemKey == "" {
		if err != nil {
			return zero, fmt.Errorf("%s: %w", what, err)
		}
		return v, nil
	}
	id := m.Idempotency
	b, ok, err := c.st.replayed(ctx, ce.idemKey, id.RequestID, id.RequestHash, ce.replay)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", what, err)
	}
	if !ok {
		return zero, fmt.Errorf("%s: %w", what, ce)
	}
	prev, err := c.Next(NewAnswer(b))
	if err != nil {
		return zero, fmt.Errorf("%s: replay under %s: %w", what, m.Tag, err)
	}
	return prev, nil
}

// Replay returns the aggregate an earlier request with r's request_id left
// to replay under tag, if any.
func (c *Collection[T]) Replay(ctx context.Context, tag string, r change.Request) (T, bool, error) {
	var zero T
	a, ok, err := c.st.ReplayAnswer(ctx, tag, r)
	if err != nil || !ok {
		return zero, false, err
	}
	v, err := c.Next(a)
	if err != nil {
		return zero, false, fmt.Errorf("store: replay under %s: %w", tag, err)
	}
	return v, true, nil
}
