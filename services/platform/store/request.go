package store

import (
	"context"

	"github.com/turnaround-sli/turnaround/services/platform/change"
)

// AuditFor is the audit entry of r's change to the resource named resource,
// whose record lives under key (Commit fills the etags before and after
// from the versions it checks and writes). An empty key records a change
// with no record of its own.
func AuditFor(r change.Request, resource, key string) AuditEntry {
	return AuditEntry{
		Audit: change.Audit{
			Actor: r.Subject, Roles: r.Roles, Method: r.Method,
			Resource: resource, RequestID: r.RequestID,
		},
		Key: key,
	}
}

// IdempotencyFor is the record that makes a retry of r replay response, the
// stored bytes of the answer; nil when r carries no request_id, so stores
// can set Mutation.Idempotency unconditionally.
func IdempotencyFor(r change.Request, response []byte) *IdempotencyRecord {
	if r.RequestID == "" {
		return nil
	}
	return &IdempotencyRecord{Scope: r.Scope(), RequestID: r.RequestID, RequestHash: r.RequestHash, Response: response}
}

// ReplayFor looks up the answer stored for a retry of r under tag: see
// Replay.
func (s *Store) ReplayFor(ctx context.Context, tag string, r change.Request) ([]byte, bool, error) {
	return s.Replay(ctx, tag, r.Scope(), r.RequestID, r.RequestHash)
}
