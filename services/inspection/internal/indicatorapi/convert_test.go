package indicatorapi

import (
	"testing"

	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicator"
)

func TestIndicatorEnumsRoundTrip(t *testing.T) {
	for _, ind := range indicator.All() {
		back, ok := IndicatorFrom(IndicatorProto(ind))
		if !ok || back != ind || IndicatorProto(ind) == typev1.Indicator_INDICATOR_UNSPECIFIED {
			t.Errorf("%s → %v → %s, %v", ind, IndicatorProto(ind), back, ok)
		}
	}
	for _, bad := range []typev1.Indicator{typev1.Indicator_INDICATOR_UNSPECIFIED, 99} {
		if _, ok := IndicatorFrom(bad); ok {
			t.Errorf("%v accepted", bad)
		}
	}
	if len(typev1.Indicator_name) != indicator.Count+1 {
		t.Errorf("the proto has %d indicators, the domain %d", len(typev1.Indicator_name)-1, indicator.Count)
	}
}
