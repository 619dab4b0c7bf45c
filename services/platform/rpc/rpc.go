// Package rpc is the toolkit every gRPC handler shares, so that the same
// request field means the same thing in every service: the caller, the
// request_id (its limit and its replay), the etag, page sizes and windows,
// update masks, and the NOT_FOUND of a named resource.
//
// Handlers decode and check a request with it, build a change.Request for
// the use case they call, and map the result; rules live in the domain.
package rpc

import (
	"context"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// MaxRequestIDLen bounds a request_id: room for a UUID in any spelling and
// a prefix, and short enough to keep idempotency records small.
const MaxRequestIDLen = 128

// Page sizes of every list (AIP-158): 0 asks for DefaultPageSize, and
// larger requests are lowered to MaxPageSize.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// Caller returns the authenticated principal of the call. A context without
// one was served without the authentication interceptor, which must never
// grant access: UNAUTHENTICATED.
func Caller(ctx context.Context) (auth.Principal, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return auth.Principal{}, fault.Unauthenticated(auth.ReasonTokenMissing, "the request is not authenticated")
	}
	return p, nil
}

// CheckRequestID adds a violation to vs when id is longer than
// MaxRequestIDLen.
func CheckRequestID(vs *fault.Violations, id string) {
	if len(id) > MaxRequestIDLen {
		vs.Add("request_id", "is %d bytes long; the limit is %d (a UUID is suggested)", len(id), MaxRequestIDLen)
	}
}

// RequestIDError is CheckRequestID for a handler with no other violations.
func RequestIDError(id string) error {
	var vs fault.Violations
	CheckRequestID(&vs, id)
	return vs.Err()
}

// NewRequest describes the call for the audit trail and idempotency: the
// caller, the method, the request_id and, when there is one, the hash of
// what req asks for.
func NewRequest(ctx context.Context, method, requestID string, req proto.Message) (change.Request, error) {
	p, err := Caller(ctx)
	if err != nil {
		return change.Request{}, err
	}
	r := change.Request{Subject: p.Subject, Method: method, RequestID: requestID}
	for _, role := range p.Roles {
		r.Roles = append(r.Roles, string(role))
	}
	if requestID != "" && req != nil {
		if r.RequestHash, err = store.RequestHash(req); err != nil {
			return change.Request{}, err
		}
	}
	return r, nil
}

// ParseEtag reads the etag in field; see change.ParseEtag.
func ParseEtag(field, s string, required bool) (change.Etag, error) {
	return change.ParseEtag(field, s, required)
}

// PageSize applies AIP-158's page_size rules with the suite's default and
// limit.
func PageSize(requested int32) (int32, error) {
	return paging.PageSize(requested, DefaultPageSize, MaxPageSize)
}

// MaskPaths returns the paths of an update mask, or, when the mask is empty,
// the top-level fields msg sets (AIP-134: a PATCH without a mask replaces
// what it sends). ignore lists paths that are never updated this way, such
// as name and etag, which the REST gateway puts in the mask it derives from
// a body.
func MaskPaths(paths []string, msg proto.Message, ignore ...string) []string {
	if len(paths) == 0 && msg != nil {
		msg.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
			paths = append(paths, string(fd.Name()))
			return true
		})
		slices.Sort(paths)
	}
	return slices.DeleteFunc(slices.Clone(paths), func(p string) bool {
		return slices.Contains(ignore, p) || slices.ContainsFunc(ignore, func(i string) bool { return strings.HasPrefix(p, i+".") })
	})
}

// Do runs the use case of a method that changes something, the same in
// every handler once the request reads well and the caller may make the
// change: the call is described for the audit trail and idempotency
// (NewRequest, with requestID, empty for a method without one), run gives
// that description to the use case, and render turns its result into the
// response. run's error comes back as it is, so run is where a use case's
// not-found error becomes the NOT_FOUND of the resource the request names.
func Do[T, P any](ctx context.Context, method, requestID string, req proto.Message, run func(change.Request) (T, error), render func(T) P) (P, error) {
	var zero P
	r, err := NewRequest(ctx, method, requestID, req)
	if err != nil {
		return zero, err
	}
	out, err := run(r)
	if err != nil {
		return zero, err
	}
	return render(out), nil
}
