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
	"encoding/binary"
	"fmt"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

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
		return zero, fmt.Errorf("replaystore: the replay holds no version")
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
