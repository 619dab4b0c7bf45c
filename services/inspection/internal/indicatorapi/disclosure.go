package indicatorapi

import (
	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/disclosure"
)

// suppressSmallGroups withholds a median computed over fewer councils than
// the disclosure threshold (england and region are the numbers of councils
// behind each), so nobody can solve a council's value from it.
func suppressSmallGroups(v *inspectionv1.IndicatorValue, england, region int) {
	v.EnglandMedian, v.EnglandMedianWithheld = disclosure.Value(v.GetEnglandMedian(), england)
	v.RegionMedian, v.RegionMedianWithheld = disclosure.Value(v.GetRegionMedian(), region)
}

// withholdMediansFrom removes every median from sets unless p may read
// other councils' indicators: an importer such as a partner system gets
// back its own figures, never aggregates of figures it may not read.
func withholdMediansFrom(p auth.Principal, sets []*inspectionv1.IndicatorSet) {
	if readsEvery(p, access.IndicatorSet) {
		return
	}
	for _, s := range sets {
		for _, v := range s.GetValues() {
			v.EnglandMedian, v.EnglandMedianWithheld = 0, disclosure.ReasonNotPermitted
			v.RegionMedian, v.RegionMedianWithheld = 0, disclosure.ReasonNotPermitted
		}
	}
}
