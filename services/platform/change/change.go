// Package change describes a request to change state, in the terms the
// domain and the store share: who asks (for the audit trail), through which
// method, with which request_id (for AIP-155 idempotency), and against which
// etag (for AIP-154 concurrency).
//
// It is pure Go, so domain packages take a Request and an Etag from their
// handlers and hand them on to their stores unchanged. Handlers build both
// with the rpc package.
package change

import (
	"strconv"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// SystemSubject is the subject of changes the suite makes itself, such as a
// plan opened from a published judgement or a deadline falling due.
const SystemSubject = "system:turnaround"

// Request is one caller's request to change state.
type Request struct {
	// Subject and Roles are the caller's, as its token names them.
	Subject string
	Roles   []string
	// Method is the full gRPC method name the change was made through.
	// Changes made from events name the method whose effect they have.
	Method string
	// RequestID is the request_id; empty when the caller asked for no
	// idempotency. For a change made from an event, the event ID.
	RequestID string
	// RequestHash fingerprints what the request asks for, so a request_id
	// reused for a different request is refused rather than replayed.
	RequestHash []byte
}

// System is the Request of a change the suite makes itself through method,
// on behalf of the event eventID.
func System(method, eventID string) Request {
	return Request{Subject: SystemSubject, Method: method, RequestID: eventID}
}

// Caller is r without its request_id when r is a change the suite makes
// itself (an event id and no request hash): such a change is made once by
// its consumer's dedupe, and an event that moves several records must not
// have their answers collide under one id. A caller's request is returned
// as it is.
func (r Request) Caller() Request {
	if r.RequestHash == nil {
		r.RequestID = ""
	}
	return r
}

// Scope keeps request IDs of different methods and callers apart.
func (r Request) Scope() string { return r.Method + " " + r.Subject }

// WithMethod returns r naming method, when r names none.
func (r Request) WithMethod(method string) Request {
	if r.Method == "" {
		r.Method = method
	}
	return r
}

// ReasonEtagMismatch is the reason of the conflict a stale etag gives.
const ReasonEtagMismatch = "ETAG_MISMATCH"

// ErrConflict is the fault a stale etag gives: ABORTED, reason
// ETAG_MISMATCH. The caller reads the resource again and retries. It is the
// same fault the store gives when a concurrent write wins.
var ErrConflict = fault.Conflict(ReasonEtagMismatch, "the resource was changed concurrently; read it again and retry")

// StaleEtag is the fault a stale etag of the resource called what (such as
// "the sponsor") gives: ABORTED, reason ETAG_MISMATCH, telling the caller
// to read it again and retry. A domain declares its ErrConflict with it, so
// every resource words the conflict alike.
func StaleEtag(what string) *fault.Error {
	return fault.Conflict(ReasonEtagMismatch, "%s has changed since its etag was read; read it again and retry", what)
}

// Etag is the version a caller says it last read (AIP-154). The zero Etag
// means the caller sent none: Check then lets the change through, and
// handlers of methods where an etag is required refuse an empty one when
// they parse it.
type Etag struct {
	version int64
}

// At is the Etag of version v (v >= 1).
func At(v int64) Etag { return Etag{version: v} }

// Given reports whether the caller sent an etag.
func (e Etag) Given() bool { return e.version > 0 }

// Version is the version the etag names; 0 when none was given.
func (e Etag) Version() int64 { return e.version }

// Check compares the etag with the resource's current version: a given etag
// that differs is a stale etag, which matches ErrConflict (and every
// domain's conflict) under errors.Is and which Retry does not attempt
// again: reading the resource once more cannot make the caller's etag
// current.
func (e Etag) Check(current int64) error {
	if e.Given() && e.version != current {
		return staleEtag{}
	}
	return nil
}

// staleEtag is Check's refusal: ErrConflict, from the caller's etag rather
// than from a concurrent write.
type staleEtag struct{}

func (staleEtag) Error() string { return ErrConflict.Error() }

// Unwrap makes a stale etag ErrConflict to errors.Is and fault.As.
func (staleEtag) Unwrap() error { return ErrConflict }

// String renders the etag as Format does.
func (e Etag) String() string { return Format(e.version) }

// Format renders a version as an opaque, quoted etag (`"7"`), the form HTTP
// uses. Versions below 1 mean "no record" and render as "".
func Format(version int64) string {
	if version < 1 {
		return ""
	}
	return strconv.Quote(strconv.FormatInt(version, 10))
}

// ReasonInvalidEtag is the reason of the violation an unreadable etag gives.
const ReasonInvalidEtag = "INVALID_ETAG"

// ParseEtag reads an etag that Format produced, carried in the request field
// field. An empty etag is the zero Etag when required is false, and a field
// violation when it is true. A weak prefix (W/) is accepted, as HTTP
// intermediaries may add one.
func ParseEtag(field, s string, required bool) (Etag, error) {
	if s == "" {
		if required {
			var vs fault.Violations
			vs.Add(field, "is required: send the etag of the resource as last read, so that no change made since is overwritten")
			return Etag{}, vs.Err()
		}
		return Etag{}, nil
	}
	bad := fault.Invalid(ReasonInvalidEtag, fault.Violation{Field: field, Description: "is not an etag this service issued"})
	if len(s) > 2 && s[:2] == "W/" {
		s = s[2:]
	}
	if len(s) < 3 || s[0] != '"' || s[len(s)-1] != '"' {
		return Etag{}, bad
	}
	unq := s[1 : len(s)-1]
	v, err := strconv.ParseInt(unq, 10, 64)
	if err != nil || v < 1 || strconv.FormatInt(v, 10) != unq {
		return Etag{}, bad
	}
	return Etag{version: v}, nil
}
