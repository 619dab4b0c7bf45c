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
	desc := improvementplanv1.ImprovementPlanService_ServiceDesc
	rpctest.ServicePolicies(t, desc, Policies)
	if n := len(desc.Methods); n != 18 {
		t.Fatalf("the service has %d methods, want 18", n)
	}
}

// TestEveryMethodHasOneHandler: each method of the service is implemented
// by exactly one handler set, so none falls back to UNIMPLEMENTED.
func TestEveryMethodHasOneHandler(t *testing.T) {
	rpctest.OneHandlerEach(t, improvementplanv1.ImprovementPlanService_ServiceDesc,
		(*planapi.Plans)(nil), (*progressreviewapi.Reviews)(nil), (*interventionapi.Interventions)(nil), (*clockapi.Clock)(nil))
}
