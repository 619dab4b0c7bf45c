package change

import "time"

// Audit is one entry of the audit trail as it travels on the wire (JSON
// events of type turnaround.audit.v1.AuditEntry): who made a change, through
// which method, on which resource, with which request_id, the etags before
// and after, and when. The store writes it when a mutation commits, and the
// oversight service reads it back into its audit trail, so both share this
// one definition of the record.
type Audit struct {
	// Actor is the principal's subject.
	Actor string `json:"actor"`
	// Roles are the principal's roles when it acted.
	Roles []string `json:"roles,omitempty"`
	// Method is the full gRPC method name.
	Method string `json:"method"`
	// Resource is the resource name (AIP-122) the mutation changed.
	Resource string `json:"resource"`
	// RequestID is the request_id the caller sent, "" when it sent none.
	RequestID string `json:"request_id,omitempty"`
	// EtagBefore is "" for a create, EtagAfter "" for a delete.
	EtagBefore string `json:"etag_before,omitempty"`
	EtagAfter  string `json:"etag_after,omitempty"`
	// Time is when the change happened.
	Time time.Time `json:"time"`
}
