package apierror

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/store"
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
		{"store refused", fmt.Errorf("store: read: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), codes.Unavailable, store.ReasonUnavailable, false, ""},
		{"store timeout", fmt.Errorf("store: read: %w", &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}), codes.Unavailable, store.ReasonUnavailable, false, ""},
		{"store dial deadline", &net.OpError{Op: "dial", Net: "tcp", Err: context.DeadlineExceeded}, codes.Unavailable, store.ReasonUnavailable, false, ""},
		{"store not replicated", fmt.Errorf("commit: %w", store.ErrNotReplicated), codes.Unavailable, store.ReasonUnavailable, false, ""},
		{"store pool timeout", fmt.Errorf("commit: %w", redis.ErrPoolTimeout), codes.Unavailable, store.ReasonUnavailable, false, ""},
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

// TestStoreUnavailableCarriesRetryInfo: an outage tells gRPC clients when to
// retry, and the gateway turns it into Retry-After.
func TestStoreUnavailableCarriesRetryInfo(t *testing.T) {
	st, internal := Convert(fmt.Errorf("x: %w", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}))
	if internal || st.Code() != codes.Unavailable {
		t.Fatalf("Convert = %v internal %v", st.Code(), internal)
	}
	var retry *errdetails.RetryInfo
	for _, d := range st.Details() {
		if r, ok := d.(*errdetails.RetryInfo); ok {
			retry = r
		}
	}
	if retry == nil || retry.GetRetryDelay().AsDuration() != time.Second {
		t.Fatalf("RetryInfo = %v, want 1s", retry)
	}
	if strings.Contains(st.Message(), "refused") {
		t.Fatalf("cause leaked: %q", st.Message())
	}
}
