// Package fault holds the errors that domain rules return. It is plain Go with
// no transport imports, so domain packages can use it; the serving edge maps a
// fault's Kind to a gRPC code (see package apierror).
package fault

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Kind classifies a fault the way a caller needs to react to it.
type Kind int

// The kinds of fault. Each maps to exactly one canonical gRPC code.
const (
	KindInvalid            Kind = iota + 1 // INVALID_ARGUMENT: the request is malformed.
	KindNotFound                           // NOT_FOUND
	KindAlreadyExists                      // ALREADY_EXISTS
	KindFailedPrecondition                 // FAILED_PRECONDITION: valid request, wrong state.
	KindConflict                           // ABORTED: stale etag or concurrent change.
	KindPermissionDenied                   // PERMISSION_DENIED
	KindUnauthenticated                    // UNAUTHENTICATED
	KindUnavailable                        // UNAVAILABLE: a dependency is down; retry later.
	KindResourceExhausted                  // RESOURCE_EXHAUSTED
)

// Violation names one invalid field of a request and why it is invalid.
type Violation struct {
	Field       string
	Description string
}

// Error is a domain error with a machine-readable reason (UPPER_SNAKE_CASE).
type Error struct {
	Kind       Kind
	Reason     string
	Message    string
	Violations []Violation
	Metadata   map[string]string
	Err        error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for _, v := range e.Violations {
		fmt.Fprintf(&b, "; %s: %s", v.Field, v.Description)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap returns the wrapped cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// Is reports a match when target is a *Error with the same Kind and Reason, so
// sentinel faults can be compared with errors.Is.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Reason == e.Reason
}

// With returns a copy of e with metadata key set to value.
func (e *Error) With(key, value string) *Error {
	c := *e
	c.Metadata = make(map[string]string, len(e.Metadata)+1)
	for k, v := range e.Metadata {
		c.Metadata[k] = v
	}
	c.Metadata[key] = value
	return &c
}

// As returns the *Error in err's chain, if there is one.
func As(err error) (*Error, bool) {
	var f *Error
	ok := errors.As(err, &f)
	return f, ok
}

// IsKind reports whether err is a fault of kind k.
func IsKind(err error, k Kind) bool {
	f, ok := As(err)
	return ok && f.Kind == k
}

func newf(k Kind, reason, format string, args ...any) *Error {
	return &Error{Kind: k, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports a malformed request with its field violations.
func Invalid(reason string, vs ...Violation) *Error {
	return &Error{Kind: KindInvalid, Reason: reason, Message: "the request has invalid fields", Violations: vs}
}

// NotFound reports that a resource does not exist.
func NotFound(reason, format string, args ...any) *Error {
	return newf(KindNotFound, reason, format, args...)
}

// AlreadyExists reports that a resource to be created exists already.
func AlreadyExists(reason, format string, args ...any) *Error {
	return newf(KindAlreadyExists, reason, format, args...)
}

// FailedPrecondition reports a request that the resource's state forbids.
func FailedPrecondition(reason, format string, args ...any) *Error {
	return newf(KindFailedPrecondition, reason, format, args...)
}

// Conflict reports a stale etag or a concurrent change; the caller should
// re-read and retry.
func Conflict(reason, format string, args ...any) *Error {
	return newf(KindConflict, reason, format, args...)
}

// PermissionDenied reports an authenticated caller acting beyond its role.
func PermissionDenied(reason, format string, args ...any) *Error {
	return newf(KindPermissionDenied, reason, format, args...)
}

// Unauthenticated reports a missing or unacceptable credential.
func Unauthenticated(reason, format string, args ...any) *Error {
	return newf(KindUnauthenticated, reason, format, args...)
}

// Unavailable reports that a dependency cannot be reached.
func Unavailable(reason, format string, args ...any) *Error {
	return newf(KindUnavailable, reason, format, args...)
}

// Violations collects field violations so that every problem in a request is
// reported at once.
type Violations []Violation

// Add records that field is invalid for the stated reason.
func (vs *Violations) Add(field, format string, args ...any) {
	*vs = append(*vs, Violation{Field: field, Description: fmt.Sprintf(format, args...)})
}

// Merge adds the field violations err carries, when it is a fault; nil
// and any other error add nothing. It gathers the findings of a parser
// such as resource.ParseCouncil into a request's violations.
func (vs *Violations) Merge(err error) {
	if f, ok := As(err); ok {
		*vs = append(*vs, f.Violations...)
	}
}

// Err returns nil when nothing was recorded, or an INVALID_ARGUMENT fault with
// every violation, sorted by field for stable output.
func (vs Violations) Err() error {
	if len(vs) == 0 {
		return nil
	}
	sorted := append(Violations(nil), vs...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Field < sorted[j].Field })
	return Invalid("INVALID_ARGUMENT", sorted...)
}

// Field is the INVALID_ARGUMENT of a request with one invalid field, for
// the stated reason.
func Field(field, format string, args ...any) error {
	var vs Violations
	vs.Add(field, format, args...)
	return vs.Err()
}

// Join combines the results of several independent validations so that a
// caller sees every invalid field at once. Nil errors are skipped; when any
// error is not an INVALID_ARGUMENT fault it is returned as it is, since it is
// not about the request's shape.
func Join(errs ...error) error {
	var vs Violations
	for _, err := range errs {
		if err == nil {
			continue
		}
		f, ok := As(err)
		if !ok || f.Kind != KindInvalid {
			return err
		}
		if len(f.Violations) == 0 {
			vs = append(vs, Violation{Field: "", Description: f.Message})
			continue
		}
		vs = append(vs, f.Violations...)
	}
	return vs.Err()
}

// Collect is Join, except that a lone error comes back as it is, with its
// own reason and message.
func Collect(errs ...error) error {
	var only error
	n := 0
	for _, err := range errs {
		if err != nil {
			only, n = err, n+1
		}
	}
	if n <= 1 {
		return only
	}
	return Join(errs...)
}

// JoinFields is Join for a request whose own violations vs come first: a
// violation in errs on a field vs already reports is left out, so a field
// is described once, by the check closest to the request.
func JoinFields(vs Violations, errs ...error) error {
	reported := make(map[string]bool, len(vs))
	for _, v := range vs {
		reported[v.Field] = true
	}
	all := []error{vs.Err()}
	for _, err := range errs {
		if f, ok := As(err); ok && f.Kind == KindInvalid && len(f.Violations) > 0 {
			var rest Violations
			for _, v := range f.Violations {
				if !reported[v.Field] {
					rest = append(rest, v)
				}
			}
			err = rest.Err()
		}
		all = append(all, err)
	}
	return Join(all...)
}

// Names are the values of a string enum as strings, in order: what a
// filter schema or a message lists.
func Names[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// EnumMessage is the violation text of an invalid value of a string enum:
// unset, or not one of allowed.
func EnumMessage[T ~string](got string, allowed []T) string {
	list := strings.Join(Names(allowed), ", ")
	if got == "" {
		return "is required: one of " + list
	}
	return "must be one of " + list + ", got " + got
}
