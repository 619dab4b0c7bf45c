package api

import (
	"reflect"
	"testing"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/clockapi"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/interventionapi"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planapi"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/progressreviewapi"
)

func TestEveryMethodHasOnePolicy(t *testing.T) {
	ps, err := Policies()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(improvementplanv1.ImprovementPlanService_ServiceDesc.Methods); len(ps) != n || n != 18 {
		t.Fatalf("policies for %d methods; the service has %d, want 18", len(ps), n)
	}
}

// TestEveryMethodHasOneHandler: each method of the service is implemented
// by exactly one handler set, so none falls back to UNIMPLEMENTED.
func TestEveryMethodHasOneHandler(t *testing.T) {
	sets := []reflect.Type{
		reflect.TypeFor[*planapi.Plans](), reflect.TypeFor[*progressreviewapi.Reviews](), reflect.TypeFor[*interventionapi.Interventions](),
		reflect.TypeFor[*clockapi.Clock](),
	}
	for _, m := range improvementplanv1.ImprovementPlanService_ServiceDesc.Methods {
		var by []string
		for _, set := range sets {
			if _, ok := set.MethodByName(m.MethodName); ok {
				by = append(by, set.String())
			}
		}
		if len(by) != 1 {
			t.Errorf("%s is implemented by %v, want exactly one handler set", m.MethodName, by)
		}
	}
}
