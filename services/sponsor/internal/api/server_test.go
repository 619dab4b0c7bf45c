package api

import (
	"context"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagementapi"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/matchrunapi"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/needapi"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsorapi"
)

// matchRunMethods are the match-run methods, DfE officials' alone.
var matchRunMethods = []string{"RunMatching", "GetMatchRun", "ListMatchRuns", "CompareMatchRuns", "ApproveMatchRun", "RejectMatchRun"}

func TestEveryMethodHasOnePolicy(t *testing.T) {
	desc := sponsorv1.SponsorService_ServiceDesc
	ps := rpctest.ServicePolicies(t, desc, Policies)
	if n := len(desc.Methods); n != 19 {
		t.Fatalf("the service has %d methods, want 19", n)
	}
	for _, m := range matchRunMethods {
		p := ps["/"+desc.ServiceName+"/"+m]
		if !slices.Equal(p.Roles, []auth.Role{auth.RoleDfEOfficial}) {
			t.Errorf("%s admits %v, want DfE officials only", m, p.Roles)
		}
	}
}

// TestEveryMethodHasOneHandler: each method of the service is implemented
// by exactly one handler set, so none falls back to UNIMPLEMENTED.
func TestEveryMethodHasOneHandler(t *testing.T) {
	rpctest.OneHandlerEach(t, sponsorv1.SponsorService_ServiceDesc,
		(*sponsorapi.Sponsors)(nil), (*needapi.Needs)(nil), (*engagementapi.Engagements)(nil), (*matchrunapi.MatchRuns)(nil))
}

// TestMatchRunsAreForDfEOfficialsOnly: through the real interceptor chain,
// every role but DfE officials is denied the match-run methods.
func TestMatchRunsAreForDfEOfficialsOnly(t *testing.T) {
	ps := rpctest.ServicePolicies(t, sponsorv1.SponsorService_ServiceDesc, Policies)
	// Every caller here is refused by the interceptor before any handler
	// runs, so the handler sets can be empty.
	client := rpctest.Client(t, ps, &sponsorv1.SponsorService_ServiceDesc,
		NewServer(Handlers{}), sponsorv1.NewSponsorServiceClient)
	as := func(p auth.Principal) context.Context { return rpctest.As(t, p) }
	for _, tc := range []struct {
		p    auth.Principal
		want codes.Code
	}{
		{auth.Principal{Subject: "sponsor", Roles: []auth.Role{auth.RoleSponsorOfficer}, Sponsor: "leeds"}, codes.PermissionDenied},
		{auth.Principal{Subject: "officer", Roles: []auth.Role{auth.RoleCouncilOfficer}, Authority: "E08000035"}, codes.PermissionDenied},
		{auth.Principal{Subject: "adviser", Roles: []auth.Role{auth.RoleLGAAdviser}}, codes.PermissionDenied},
		{auth.Principal{Subject: "inspector", Roles: []auth.Role{auth.RoleOfstedInspector}}, codes.PermissionDenied},
		{auth.Principal{Subject: "partner", Roles: []auth.Role{auth.RolePartnerSystem}}, codes.PermissionDenied},
	} {
		_, err := client.RunMatching(as(tc.p), &sponsorv1.RunMatchingRequest{Algorithm: sponsorv1.Algorithm_ALGORITHM_OPTIMAL})
		if got := status.Code(err); got != tc.want {
			t.Errorf("%s runs matching: %v (%v), want %v", tc.p.Subject, got, err, tc.want)
		}
		_, err = client.ApproveMatchRun(as(tc.p), &sponsorv1.ApproveMatchRunRequest{Name: "matchRuns/x", Etag: `"1"`})
		if got := status.Code(err); got != tc.want {
			t.Errorf("%s approves a run: %v (%v), want %v", tc.p.Subject, got, err, tc.want)
		}
	}
}
