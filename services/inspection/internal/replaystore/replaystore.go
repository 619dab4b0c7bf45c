// Package replaystore keeps a use case's answer to a request_id (AIP-155)
// as the aggregates it returned, each in its collection's stored form with
// its version, so that a retry gets the same aggregates back and the
// handler renders them exactly as it rendered the first answer. The store
// packages use it beside their commits; use cases see only their own types.
//
// The platform store keeps a response as opaque bytes; this is the typed
// layer over it that every store of the service shares. It belongs beside
// store.Collection, and lives here until the platform has it.
package replaystore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Answer is an answer being built, one aggregate after another.
type Answer struct {
	data []byte
	err  error
}

// Add appends v, encoded with codec, at version to a.
func Add[T any](a *Answer, codec store.Codec[T], v T, version int64) {
	if a.err != nil {
		return
	}
	b, err := codec.Encode(v)
	if err != nil {
		a.err = err
		return
	}
	a.AddBytes(b, version)
}

// AddBytes appends a part the store encodes itself, such as a derived
// figure that is no aggregate.
func (a *Answer) AddBytes(b []byte, version int64) {
	a.data = binary.AppendVarint(a.data, version)
	a.data = binary.AppendUvarint(a.data, uint64(len(b)))
	a.data = append(a.data, b...)
}

// Record is the idempotency record that makes a retry of r replay a; nil
// when r carries no request_id.
func (a *Answer) Record(r change.Request) (*store.IdempotencyRecord, error) {
	if a.err != nil || r.RequestID == "" {
		return nil, a.err
	}
	return &store.IdempotencyRecord{Scope: r.Scope(), RequestID: r.RequestID, RequestHash: r.RequestHash, Response: a.data}, nil
}

// Replayed is an answer read back, to be taken apart in the order it was
// built.
type Replayed struct {
	data []byte
}

// Replay reads the answer stored under tag for r's request_id. ok is false
// when there is none or r carries no request_id; a request_id reused for
// another request is store.ErrRequestIDReused.
func Replay(ctx context.Context, st *store.Store, tag string, r change.Request) (*Replayed, bool, error) {
	if r.RequestID == "" {
		return nil, false, nil
	}
	b, ok, err := st.Replay(ctx, tag, r.Scope(), r.RequestID, r.RequestHash)
	if err != nil || !ok {
		return nil, false, err
	}
	return &Replayed{data: b}, true, nil
}

// errTruncated is a stored answer that ends inside a part.
var errTruncated = errors.New("replaystore: stored answer is truncated")

// More reports whether parts remain.
func (rp *Replayed) More() bool { return len(rp.data) > 0 }

// NextBytes returns the next part and its version.
func (rp *Replayed) NextBytes() ([]byte, int64, error) {
	version, n := binary.Varint(rp.data)
	if n <= 0 {
		return nil, 0, errTruncated
	}
	size, m := binary.Uvarint(rp.data[n:])
	if m <= 0 || uint64(len(rp.data)-n-m) < size {
		return nil, 0, errTruncated
	}
	start := n + m
	b := rp.data[start : start+int(size)]
	rp.data = rp.data[start+int(size):]
	return b, version, nil
}

// Next decodes the next part of rp with codec.
func Next[T any](rp *Replayed, codec store.Codec[T]) (T, error) {
	b, version, err := rp.NextBytes()
	if err != nil {
		var zero T
		return zero, err
	}
	v, err := codec.Decode(b, version)
	if err != nil {
		return v, fmt.Errorf("replaystore: replayed answer: %w", err)
	}
	return v, nil
}
