// Package inspectionclient is the peer-review service's side of the inspection
// service's API: it reads every page of councils and risk assessments
// through the generated gRPC client, acting for the caller (the caller's
// context carries its trace, its deadline and, through the connection's
// auth.ForwardAuthorization interceptor, its token), and turns an
// unreachable inspection service into UNAVAILABLE, never into an empty
// answer.
package inspectionclient

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// ReasonUnavailable is the reason of the UNAVAILABLE fault returned when
// the inspection service cannot answer.
const ReasonUnavailable = "INSPECTION_UNAVAILABLE"

const (
	// pageSize is the inspection service's largest page, so the 152
	// councils come in one call.
	pageSize = 200
	// maxPages stops a misbehaving server from paging us forever.
	maxPages = 50
	// timeout bounds the whole read when the caller set no earlier
	// deadline, so a hung inspection service cannot hold a request open.
	timeout = 10 * time.Second
)

// RiskAssessments returns every risk assessment that filter (AIP-160, as
// ListRiskAssessments takes it) selects, reading every page.
func RiskAssessments(ctx context.Context, c inspectionv1.InspectionServiceClient, filter string) ([]*inspectionv1.RiskAssessment, error) {
	return readAll(ctx, func(ctx context.Context, token string) ([]*inspectionv1.RiskAssessment, string, error) {
		resp, err := c.ListRiskAssessments(ctx, &inspectionv1.ListRiskAssessmentsRequest{PageSize: pageSize, PageToken: token, Filter: filter})
		return resp.GetRiskAssessments(), resp.GetNextPageToken(), err
	})
}

// LocalAuthorities returns every council that filter (AIP-160, as
// ListLocalAuthorities takes it) selects, reading every page.
func LocalAuthorities(ctx context.Context, c inspectionv1.InspectionServiceClient, filter string) ([]*inspectionv1.LocalAuthority, error) {
	return readAll(ctx, func(ctx context.Context, token string) ([]*inspectionv1.LocalAuthority, string, error) {
		resp, err := c.ListLocalAuthorities(ctx, &inspectionv1.ListLocalAuthoritiesRequest{PageSize: pageSize, PageToken: token, Filter: filter})
		return resp.GetLocalAuthorities(), resp.GetNextPageToken(), err
	})
}

// readAll follows next-page tokens from the first page to the last.
func readAll[T any](ctx context.Context, page func(ctx context.Context, token string) ([]T, string, error)) ([]T, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var out []T
	token := ""
	for range maxPages {
		items, next, err := page(ctx, token)
		if err != nil {
			return nil, Error(err)
		}
		out = append(out, items...)
		if next == "" {
			return out, nil
		}
		token = next
	}
	return nil, fmt.Errorf("inspection service: still paging after %d pages", maxPages)
}

// Error maps an error from the inspection service's client to what the
// peer-review service's caller sees. Unavailable, deadline exceeded and
// resource exhausted mean "try again later": an UNAVAILABLE fault with
// reason ReasonUnavailable. A cancellation (the caller gave up) and a
// refusal of the caller (PERMISSION_DENIED: the caller's own token was
// forwarded) pass through as they are. Anything else is this service's
// problem, not the caller's, and becomes an internal error.
func Error(err error) error {
	st, ok := status.FromError(err)
	if !ok {
		return fmt.Errorf("inspection service: %w", err)
	}
	switch st.Code() {
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted:
		f := fault.Unavailable(ReasonUnavailable,
			"the inspection service, which holds councils' judgements and risk, cannot be reached; try again later").
			With("service", inspectionv1.InspectionService_ServiceDesc.ServiceName)
		f.Err = err
		return f
	case codes.Canceled, codes.PermissionDenied:
		return err
	}
	// Formatted, not wrapped: a wrapped status would reach the caller with
	// the inspection service's code, as if the caller's request were at
	// fault. The text is logged and withheld as an internal error.
	return fmt.Errorf("inspection service answered %s: %s", st.Code(), st.Message())
}
