package refproto

import (
	"testing"

	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/reference"
)

func TestRoundTrips(t *testing.T) {
	for _, r := range reference.Regions {
		p := Region(r)
		if p == typev1.Region_REGION_UNSPECIFIED {
			t.Errorf("region %s has no enum", r)
		}
		if back, ok := RegionFrom(p); !ok || back != r {
			t.Errorf("region %s round trip = %s, %v", r, back, ok)
		}
	}
	for _, ct := range reference.CouncilTypes {
		p := CouncilType(ct)
		if p == typev1.CouncilType_COUNCIL_TYPE_UNSPECIFIED {
			t.Errorf("type %s has no enum", ct)
		}
		if back, ok := CouncilTypeFrom(p); !ok || back != ct {
			t.Errorf("type %s round trip = %s, %v", ct, back, ok)
		}
	}
	if _, ok := RegionFrom(typev1.Region_REGION_UNSPECIFIED); ok {
		t.Error("unspecified region accepted")
	}
	if _, ok := CouncilTypeFrom(typev1.CouncilType(99)); ok {
		t.Error("unknown council type accepted")
	}
}
