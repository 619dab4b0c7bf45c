package api

import (
	"testing"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
)

func TestEveryMethodHasOnePolicy(t *testing.T) {
	ps := rpctest.ServicePolicies(t, inspectionv1.InspectionService_ServiceDesc, Policies)
	if len(ps) != 21 {
		t.Fatalf("policies for %d methods, want 21", len(ps))
	}
}
