// Package apierror turns any error into a gRPC status that follows AIP-193:
// a canonical code, a google.rpc.ErrorInfo with an UPPER_SNAKE reason and the
// domain "turnaround" on every error, and google.rpc.BadRequest field
// violations for invalid input. Internal error text never reaches callers.
package apierror

import (
	"context"
	"errors"
	"strconv"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Domain is the ErrorInfo domain of every Turnaround error.
const Domain = "turnaround"

var kindCodes = map[fault.Kind]codes.Code{
	fault.KindInvalid:            codes.InvalidArgument,
	fault.KindNotFound:           codes.NotFound,
	fault.KindAlreadyExists:      codes.AlreadyExists,
	fault.KindFailedPrecondition: codes.FailedPrecondition,
	fault.KindConflict:           codes.Aborted,
	fault.KindPermissionDenied:   codes.PermissionDenied,
	fault.KindUnauthenticated:    codes.Unauthenticated,
	fault.KindUnavailable:        codes.Unavailable,
	fault.KindResourceExhausted:  codes.ResourceExhausted,
}

// Convert maps err to a status. internal is true when err was not a known
// fault or status and its text was withheld: the caller should log err.
func Convert(err error) (st *status.Status, internal bool) {
	if err == nil {
		return status.New(codes.OK, ""), false
	}
	if f, ok := fault.As(err); ok {
		return fromFault(f), false
	}
	if s, ok := status.FromError(err); ok && s.Code() != codes.Unknown {
		return ensureInfo(s), false
	}
	switch {
	case errors.Is(err, context.Canceled):
		return build(codes.Canceled, "CANCELLED", "the request was cancelled", nil), false
	case store.Unavailable(err):
		// Checked before DeadlineExceeded: a dial timeout wraps it too.
		return unavailable(), false
	case errors.Is(err, context.DeadlineExceeded):
		return build(codes.DeadlineExceeded, "DEADLINE_EXCEEDED", "the request deadline was exceeded", nil), false
	}
	return build(codes.Internal, "INTERNAL", "internal error", nil), true
}

// unavailable is the status of a request that failed because the store
// could not serve it for now: UNAVAILABLE with reason STORE_UNAVAILABLE and
// a google.rpc.RetryInfo, which the gateway turns into Retry-After.
func unavailable() *status.Status {
	st := build(codes.Unavailable, store.ReasonUnavailable, "the data store is unavailable; retry later",
		map[string]string{"retry_after_seconds": strconv.Itoa(int(store.RetryAfter / time.Second))})
	withRetry, err := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(store.RetryAfter)})
	if err != nil {
		return st
	}
	return withRetry
}

// Error is Convert(err).Err(), for returning from a handler.
func Error(err error) error {
	st, _ := Convert(err)
	return st.Err()
}

func fromFault(f *fault.Error) *status.Status {
	code, ok := kindCodes[f.Kind]
	if !ok {
		code = codes.Internal
	}
	st := build(code, f.Reason, f.Message, f.Metadata)
	if len(f.Violations) == 0 {
		return st
	}
	br := &errdetails.BadRequest{}
	for _, v := range f.Violations {
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
			Field: v.Field, Description: v.Description,
		})
	}
	withBR, err := st.WithDetails(br)
	if err != nil {
		return st
	}
	return withBR
}

func build(code codes.Code, reason, msg string, md map[string]string) *status.Status {
	if reason == "" {
		reason = code.String()
	}
	st := status.New(code, msg)
	withInfo, err := st.WithDetails(&errdetails.ErrorInfo{Reason: reason, Domain: Domain, Metadata: md})
	if err != nil {
		return st
	}
	return withInfo
}

// ensureInfo adds an ErrorInfo to a status that lacks one, such as the ones
// gRPC itself produces.
func ensureInfo(s *status.Status) *status.Status {
	if Info(s) != nil {
		return s
	}
	withInfo, err := s.WithDetails(&errdetails.ErrorInfo{Reason: upperSnake(s.Code()), Domain: Domain})
	if err != nil {
		return s
	}
	return withInfo
}

// Info returns the status's ErrorInfo, or nil.
func Info(s *status.Status) *errdetails.ErrorInfo {
	for _, d := range s.Details() {
		if ei, ok := d.(*errdetails.ErrorInfo); ok {
			return ei
		}
	}
	return nil
}

// FieldViolations returns the status's BadRequest field violations.
func FieldViolations(s *status.Status) []*errdetails.BadRequest_FieldViolation {
	for _, d := range s.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			return br.GetFieldViolations()
		}
	}
	return nil
}

func upperSnake(c codes.Code) string {
	names := map[codes.Code]string{
		codes.Canceled: "CANCELLED", codes.Unknown: "UNKNOWN", codes.InvalidArgument: "INVALID_ARGUMENT",
		codes.DeadlineExceeded: "DEADLINE_EXCEEDED", codes.NotFound: "NOT_FOUND", codes.AlreadyExists: "ALREADY_EXISTS",
		codes.PermissionDenied: "PERMISSION_DENIED", codes.ResourceExhausted: "RESOURCE_EXHAUSTED",
		codes.FailedPrecondition: "FAILED_PRECONDITION", codes.Aborted: "ABORTED", codes.OutOfRange: "OUT_OF_RANGE",
		codes.Unimplemented: "UNIMPLEMENTED", codes.Internal: "INTERNAL", codes.Unavailable: "UNAVAILABLE",
		codes.DataLoss: "DATA_LOSS", codes.Unauthenticated: "UNAUTHENTICATED",
	}
	if n, ok := names[c]; ok {
		return n
	}
	return "UNKNOWN"
}
