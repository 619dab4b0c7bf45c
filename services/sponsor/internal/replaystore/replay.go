// Package replaystore is the form in which the sponsor service's stores
// keep the response an idempotency record replays (AIP-155): the version
// the first request produced, then the aggregate's stored form. The stored
// form carries no version (the version lives beside a record's data), so
// the replay has to carry it for a retry to answer with the first call's
// etag.
package replaystore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/turnaround-sli/turnaround/services/platform/change"

	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// errShort reports a replay record too short to hold its version.
var errShort = errors.New("replaystore: record holds no version")

// Encode is the replay of v at version, in the stored form codec gives it.
func Encode[T any](codec store.Codec[T], v T, version int64) ([]byte, error) {
	b, err := codec.Encode(v)
	if err != nil {
		return nil, err
	}
	return append(binary.BigEndian.AppendUint64(nil, uint64(version)), b...), nil
}

// Decode reads a replay that Encode wrote.
func Decode[T any](codec store.Codec[T], b []byte) (T, error) {
	if len(b) < 8 {
		var zero T
		return zero, errShort
	}
	return codec.Decode(b[8:], int64(binary.BigEndian.Uint64(b)))
}

// Record is the idempotency record that makes a retry of r replay v at
// version, or nil for a request that carries no request ID and hash.
func Record[T any](codec store.Codec[T], v T, version int64, r change.Request) (*store.IdempotencyRecord, error) {
	if r.RequestID == "" || len(r.RequestHash) == 0 {
		return nil, nil
	}
	resp, err := Encode(codec, v, version)
	if err != nil {
		return nil, err
	}
	return &store.IdempotencyRecord{Scope: r.Scope(), RequestID: r.RequestID, RequestHash: r.RequestHash, Response: resp}, nil
}

// Read returns what an earlier request with r's request ID left to replay
// under tag, if anything. A request ID reused for another request is
// store.ErrRequestIDReused.
func Read[T any](ctx context.Context, st *store.Store, codec store.Codec[T], tag string, r change.Request) (T, bool, error) {
	var zero T
	b, ok, err := st.Replay(ctx, tag, r.Scope(), r.RequestID, r.RequestHash)
	if err != nil || !ok {
		return zero, false, err
	}
	v, err := Decode(codec, b)
	if err != nil {
		return zero, false, fmt.Errorf("replay under %s: %w", tag, err)
	}
	return v, true, nil
}
