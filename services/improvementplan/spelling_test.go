package improvementplan

import (
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/intervention"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
)

// TestFiltersSpellEnumsAsResponsesDo: every enum a list filters on takes the
// names responses print.
func TestFiltersSpellEnumsAsResponsesDo(t *testing.T) {
	type enums = map[string]protoreflect.EnumDescriptor
	region := typev1.Region(0).Descriptor()
	rpctest.FilterSpellings(t, plan.FilterSchema, enums{"state": improvementplanv1.PlanState(0).Descriptor(), "region": region})
	rpctest.FilterSpellings(t, intervention.FilterSchema, enums{
		"kind": improvementplanv1.InterventionKind(0).Descriptor(), "state": improvementplanv1.InterventionState(0).Descriptor(),
		"region": region,
	})
}
