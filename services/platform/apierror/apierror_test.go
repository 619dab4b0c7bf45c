package apierror

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

func TestConvert(t *testing.T) {
	for _, tc := range []struct {
		name     string
		err      error
		code     codes.Code
		reason   string
		internal bool
		hidden   string
	}{
		{"invalid", fault.Invalid("BAD", fault.Violation{Field: "page_size", Description: "negative"}), codes.InvalidArgument, "BAD", false, ""},
		{"not found", fault.NotFound("LOCAL_AUTHORITY_NOT_FOUND", "gone"), codes.NotFound, "LOCAL_AUTHORITY_NOT_FOUND", false, ""},
		{"conflict", fault.Conflict("ETAG_MISMATCH", "stale"), codes.Aborted, "ETAG_MISMATCH", false, ""},
		{"precondition", fault.FailedPrecondition("PUBLISHED", "published"), codes.FailedPrecondition, "PUBLISHED", false, ""},
		{"denied", fault.PermissionDenied("ROLE_NOT_ALLOWED", "no"), codes.PermissionDenied, "ROLE_NOT_ALLOWED", false, ""},
		{"unauthenticated", fault.Unauthenticated("TOKEN_MISSING", "no token"), codes.Unauthenticated, "TOKEN_MISSING", false, ""},
		{"unavailable", fault.Unavailable("UPSTREAM_DOWN", "down"), codes.Unavailable, "UPSTREAM_DOWN", false, ""},
		{"wrapped fault", fmt.Errorf("handler: %w", fault.NotFound("X_NOT_FOUND", "gone")), codes.NotFound, "X_NOT_FOUND", false, ""},
		{"grpc status without info", status.Error(codes.ResourceExhausted, "slow down"), codes.ResourceExhausted, "RESOURCE_EXHAUSTED", false, ""},
		{"cancelled", context.Canceled, codes.Canceled, "CANCELLED", false, ""},
		{"deadline", fmt.Errorf("read: %w", context.DeadlineExceeded), codes.DeadlineExceeded, "DEADLINE_EXCEEDED", false, ""},
		{"unknown error", errors.New("dial tcp 10.0.0.7:6379: connection refused"), codes.Internal, "INTERNAL", true, "10.0.0.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, internal := Convert(tc.err)
			if st.Code() != tc.code || internal != tc.internal {
				t.Fatalf("Convert = %v (internal %v), want %v (internal %v)", st.Code(), internal, tc.code, tc.internal)
			}
			info := Info(st)
			if info == nil || info.GetReason() != tc.reason || info.GetDomain() != Domain {
				t.Fatalf("ErrorInfo = %v, want reason %s domain %s", info, tc.reason, Domain)
			}
			if tc.hidden != "" && strings.Contains(st.Message(), tc.hidden) {
				t.Fatalf("internal detail leaked: %q", st.Message())
			}
		})
	}
}

func TestConvertCarriesViolationsAndMetadata(t *testing.T) {
	var vs fault.Violations
	vs.Add("page_size", "must not be negative")
	vs.Add("filter", "unknown field")
	st, _ := Convert(vs.Err())
	fv := FieldViolations(st)
	if len(fv) != 2 || fv[0].GetField() != "filter" || fv[1].GetField() != "page_size" {
		t.Fatalf("field violations = %v", fv)
	}
	st, _ = Convert(fault.NotFound("GONE", "gone").With("name", "localAuthorities/E08000035"))
	if Info(st).GetMetadata()["name"] != "localAuthorities/E08000035" {
		t.Fatalf("metadata = %v", Info(st).GetMetadata())
	}
	if st, _ := Convert(nil); st.Code() != codes.OK {
		t.Fatalf("nil = %v", st.Code())
	}
}
