// Package replaystore is the form in which the sponsor service's stores
// keep the response an idempotency record replays (AIP-155): the version
// the first request produced, then the aggregate's stored form. The stored
// form carries no version (the version lives beside a record's data), so
// the replay has to carry it for a retry to answer with the first call's
// etag.
package replaystore

import (
	"encoding/binary"
	"errors"

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
