package inspection_test

import (
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concern"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/inspection"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/risk"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
)

type enums = map[string]protoreflect.EnumDescriptor

// TestFiltersSpellEnumsAsResponsesDo: every enum a list filters on takes the
// names responses print.
func TestFiltersSpellEnumsAsResponsesDo(t *testing.T) {
	rpctest.FilterSpellings(t, council.FilterSchema, enums{
		"region": typev1.Region(0).Descriptor(), "council_type": typev1.CouncilType(0).Descriptor(), "latest_grade": typev1.Grade(0).Descriptor(),
	})
	rpctest.FilterSpellings(t, inspection.FilterSchema, enums{
		"framework": inspectionv1.Framework(0).Descriptor(), "state": inspectionv1.InspectionState(0).Descriptor(), "overall_grade": typev1.Grade(0).Descriptor(),
	})
	rpctest.FilterSpellings(t, concern.ConcernFilterSchema, enums{
		"kind": inspectionv1.ConcernKind(0).Descriptor(), "severity": inspectionv1.Severity(0).Descriptor(),
	})
	rpctest.FilterSpellings(t, concern.RecommendationFilterSchema, enums{"state": inspectionv1.RecommendationState(0).Descriptor()})
	rpctest.FilterSpellings(t, risk.FilterSchema, enums{"region": typev1.Region(0).Descriptor(), "band": typev1.RiskBand(0).Descriptor()})
}
