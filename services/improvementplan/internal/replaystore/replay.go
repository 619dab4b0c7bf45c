// Package replaystore is the form in which the improvement-plan stores keep
// what an idempotency record replays (AIP-155): the version the first
// request committed, then the aggregate in its stored form, so that a
// retry answers with the first call's etag although a stored form carries
// no version (the version lives beside a record's data).
//
// It belongs with the platform store's typed collections; it lives here
// until the platform offers it.
package replaystore

import (
	"context"
	"encoding/binary"
	"errors"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// errNoVersion reports a replay too short to hold its version.
var errNoVersion = errors.New("replaystore: the replay holds no version")

// Encode is the replay of v at version, in the stored form codec gives it.
func Encode[T any](codec store.Codec[T], v T, version int64) ([]byte, error) {
	data, err := codec.Encode(v)
	if err != nil {
		return nil, err
	}
	return append(binary.AppendVarint(nil, version), data...), nil
}

// Decode reads what Encode wrote.
func Decode[T any](codec store.Codec[T], b []byte) (T, error) {
	version, n := binary.Varint(b)
	if n <= 0 {
		var zero T
		return zero, errNoVersion
	}
	return codec.Decode(b[n:], version)
}

// Record is the idempotency record that replays response to a retry of
// r; nil when r asks for none (no request ID, or a change the suite makes
// itself), so a store can set Mutation.Idempotency unconditionally.
func Record(r change.Request, response []byte) *store.IdempotencyRecord {
	if r.RequestID == "" || r.RequestHash == nil {
		return nil
	}
	return &store.IdempotencyRecord{Scope: r.Scope(), RequestID: r.RequestID, RequestHash: r.RequestHash, Response: response}
}

// Of is Record of the replay of v at version (see Encode).
func Of[T any](codec store.Codec[T], v T, version int64, r change.Request) (*store.IdempotencyRecord, error) {
	if r.RequestID == "" || r.RequestHash == nil {
		return nil, nil
	}
	b, err := Encode(codec, v, version)
	if err != nil {
		return nil, err
	}
	return Record(r, b), nil
}

// Replay returns what a call with r's request ID committed under tag, read
// with decode, and whether there was one. A reused request ID with another
// request hash is an error wrapping store.ErrRequestIDReused.
func Replay[T any](ctx context.Context, st *store.Store, tag string, r change.Request, decode func([]byte) (T, error)) (T, bool, error) {
	var zero T
	b, ok, err := st.Replay(ctx, tag, r.Scope(), r.RequestID, r.RequestHash)
	if err != nil || !ok {
		return zero, false, err
	}
	v, err := decode(b)
	if err != nil {
		return zero, false, err
	}
	return v, true, nil
}
