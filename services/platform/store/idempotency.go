package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// Idempotency record hash fields.
const (
	idemFieldScope       = "scope"
	idemFieldRequestID   = "request_id"
	idemFieldRequestHash = "request_hash"
	idemFieldResponse    = "response"
)

// requestIDField is the request field AIP-155 names for idempotency keys.
const requestIDField = "request_id"

// ErrRequestIDReused is returned by Replay when a request_id comes back with
// a different request: an INVALID_ARGUMENT fault on the field request_id.
var ErrRequestIDReused = fault.Invalid("REQUEST_ID_REUSED",
	fault.Violation{Field: requestIDField, Description: "was already used for a different request"})

// IdempotencyRecord remembers the response to a request that carried a
// request_id (AIP-155), so a retry gets the same response instead of acting
// twice. Commit stores it in the mutation's transaction, under the
// mutation's hash tag, for the Store's idempotency TTL.
type IdempotencyRecord struct {
	// Scope keeps request IDs of different methods and principals apart;
	// build it with IdempotencyScope.
	Scope     string
	RequestID string
	// RequestHash identifies the request's content (see RequestHash), so a
	// reused request_id with a different request is rejected.
	RequestHash []byte
	// Response is the encoded response to replay. When it holds the new
	// etag, the handler knows it: 1 for a create, the version read plus
	// one for a write pinned to that version.
	Response []byte
}

// IdempotencyScope is the scope of request IDs for method (the full gRPC
// method name) called by the principal subject.
func IdempotencyScope(method, subject string) string { return method + " " + subject }

// IdempotencyKey is where the record for requestID in scope lives under tag.
// Scope and request ID are client-influenced, so they are hashed into a key
// of fixed length with no separators to confuse.
func (s *Store) IdempotencyKey(tag, scope, requestID string) string {
	h := sha256.New()
	h.Write([]byte(scope))
	h.Write([]byte{0})
	h.Write([]byte(requestID))
	return s.ks.Key(tag, "idempotency", hex.EncodeToString(h.Sum(nil)))
}

// Replay looks up the response stored for requestID in scope under tag. ok is
// false when there is none (or requestID is empty: the client did not ask
// for idempotency). A stored record whose request hash differs from
// requestHash gives an error wrapping ErrRequestIDReused.
func (s *Store) Replay(ctx context.Context, tag, scope, requestID string, requestHash []byte) (resp []byte, ok bool, err error) {
	if requestID == "" {
		return nil, false, nil
	}
	key := s.IdempotencyKey(tag, scope, requestID)
	vals, err := s.c.HMGet(ctx, key, idemFieldRequestHash, idemFieldResponse).Result()
	if err != nil {
		return nil, false, fmt.Errorf("store: replay request %q: %w", requestID, err)
	}
	return s.replayed(ctx, key, requestID, requestHash, vals)
}

// replayed reads the reply of HMGET request_hash response on the
// idempotency record key: the response to replay when the record exists
// and was left by the same request (requestHash), an error wrapping
// ErrRequestIDReused when by another, nothing when there is none.
func (s *Store) replayed(ctx context.Context, key, requestID string, requestHash []byte, vals []any) ([]byte, bool, error) {
	if len(vals) != 2 {
		return nil, false, fmt.Errorf("store: replay request %q: unexpected reply %v", requestID, vals)
	}
	storedHash, found := vals[0].(string)
	if !found {
		return nil, false, nil
	}
	if !bytes.Equal([]byte(storedHash), requestHash) {
		return nil, false, fmt.Errorf("store: replay request %q: %w", requestID, ErrRequestIDReused)
	}
	stored, _ := vals[1].(string)
	if err := s.replayReplicated(ctx, key); err != nil {
		return nil, false, err
	}
	return []byte(stored), true, nil
}

// ReplayProto is Replay for handlers: it hashes req (see RequestHash) and, when
// a response is stored, unmarshals it into resp and returns true.
func (s *Store) ReplayProto(ctx context.Context, tag, scope, requestID string, req, resp proto.Message) (bool, error) {
	if requestID == "" {
		return false, nil
	}
	h, err := RequestHash(req)
	if err != nil {
		return false, err
	}
	b, ok, err := s.Replay(ctx, tag, scope, requestID, h)
	if err != nil || !ok {
		return false, err
	}
	if err := proto.Unmarshal(b, resp); err != nil {
		return false, fmt.Errorf("store: replay request %q: decode response: %w", requestID, err)
	}
	return true, nil
}

// NewIdempotency builds the record that makes a retry of req replay resp. It
// returns nil when requestID is empty, so handlers can set
// Mutation.Idempotency unconditionally.
func NewIdempotency(scope, requestID string, req, resp proto.Message) (*IdempotencyRecord, error) {
	if requestID == "" {
		return nil, nil
	}
	h, err := RequestHash(req)
	if err != nil {
		return nil, err
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(resp)
	if err != nil {
		return nil, fmt.Errorf("store: idempotency for request %q: encode response: %w", requestID, err)
	}
	return &IdempotencyRecord{Scope: scope, RequestID: requestID, RequestHash: h, Response: b}, nil
}

// RequestHash is the SHA-256 of req's message name and deterministic
// encoding with its top-level request_id field cleared, so the hash says what
// the request asks for, not how it is labelled. Any message works; one
// without a request_id field is hashed whole.
func RequestHash(req proto.Message) ([]byte, error) {
	m := proto.Clone(req).ProtoReflect()
	if fd := m.Descriptor().Fields().ByName(requestIDField); fd != nil {
		m.Clear(fd)
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m.Interface())
	if err != nil {
		return nil, fmt.Errorf("store: hash request %s: %w", m.Descriptor().FullName(), err)
	}
	h := sha256.New()
	h.Write([]byte(m.Descriptor().FullName()))
	h.Write([]byte{0})
	h.Write(b)
	return h.Sum(nil), nil
}
