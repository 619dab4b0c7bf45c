package sponsor

import (
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/matchrun"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

// TestFiltersSpellEnumsAsResponsesDo: every enum a list filters on takes the
// names responses print.
func TestFiltersSpellEnumsAsResponsesDo(t *testing.T) {
	type enums = map[string]protoreflect.EnumDescriptor
	rpctest.FilterSpellings(t, need.FilterSchema, enums{"state": sponsorv1.NeedState(0).Descriptor()})
	rpctest.FilterSpellings(t, sponsor.FilterSchema, enums{"kind": sponsorv1.SponsorKind(0).Descriptor()})
	rpctest.FilterSpellings(t, engagement.FilterSchema, enums{"state": sponsorv1.EngagementState(0).Descriptor()})
	rpctest.FilterSpellings(t, matchrun.NeedFilterSchema, enums{"region": typev1.Region(0).Descriptor()})
	rpctest.FilterSpellings(t, matchrun.RunFilterSchema, enums{
		"state": sponsorv1.RunState(0).Descriptor(), "algorithm": sponsorv1.Algorithm(0).Descriptor(),
	})
}
