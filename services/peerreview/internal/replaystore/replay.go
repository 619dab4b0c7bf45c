// Package replaystore is how the peer-review stores keep the answer a
// retried request replays (AIP-155). A record's stored form carries no
// version (the version lives beside its data), yet a retry must answer
// with the etag the first call produced, so the replay is the version, as
// a varint, followed by the aggregate in its stored form.
package replaystore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// errNoVersion reports a replay that does not start with a version.
var errNoVersion = errors.New("replay holds no version")

// Record is the idempotency record that makes a retry of r answer v at
// version, in the stored form codec gives it; nil when r carries no
// request ID.
func Record[T any](codec store.Codec[T], r change.Request, v T, version int64) (*store.IdempotencyRecord, error) {
	if r.RequestID == "" {
		return nil, nil
	}
	b, err := codec.Encode(v)
	if err != nil {
		return nil, err
	}
	return store.IdempotencyFor(r, append(binary.AppendUvarint(nil, uint64(version)), b...)), nil
}

// Read returns the answer an earlier request with r's request ID left
// under tag, if any. A request ID reused for another request is
// store.ErrRequestIDReused.
func Read[T any](ctx context.Context, st *store.Store, codec store.Codec[T], tag string, r change.Request) (T, bool, error) {
	var zero T
	if r.RequestID == "" {
		return zero, false, nil
	}
	b, ok, err := st.ReplayFor(ctx, tag, r)
	if err != nil || !ok {
		return zero, false, err
	}
	version, n := binary.Uvarint(b)
	if n <= 0 || version < 1 {
		return zero, false, fmt.Errorf("replay of request %q: %w", r.RequestID, errNoVersion)
	}
	v, err := codec.Decode(b[n:], int64(version))
	if err != nil {
		return zero, false, fmt.Errorf("replay of request %q: %w", r.RequestID, err)
	}
	return v, true, nil
}
