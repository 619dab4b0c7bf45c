package api

import (
	"testing"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/clockapi"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/interventionapi"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planapi"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/progressreviewapi"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
)

func TestEveryMethodHasOnePolicy(t *testing.T) {
	ps := rpctest.ServicePolicies(t, improvementplanv1.ImprovementPlanService_ServiceDesc, Policies)
	if n := len(improvementplanv1.ImprovementPlanService_ServiceDesc.Methods); len(ps) != n || n != 18 {
		t.Fatalf("policies for %d methods; the service has %d, want 18", len(ps), n)
	}
}

// TestEveryMethodHasOneHandler: each method of the service is implemented
// by exactly one handler set, so none falls back to UNIMPLEMENTED.
func TestEveryMethodHasOneHandler(t *testing.T) {
	rpctest.OneHandlerEach(t, improvementplanv1.ImprovementPlanService_ServiceDesc,
		(*planapi.Plans)(nil), (*progressreviewapi.Reviews)(nil), (*interventionapi.Interventions)(nil), (*clockapi.Clock)(nil))
}
