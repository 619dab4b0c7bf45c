package indicatorapi

import (
	"testing"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/platform/disclosure"
)

// lowerDisclosureThreshold lets a test see medians of a handful of councils;
// TestSmallGroupsAreWithheld covers the default threshold.
func lowerDisclosureThreshold(t *testing.T) {
	t.Helper()
	disclosure.SetMinCouncils(1)
	t.Cleanup(func() { disclosure.SetMinCouncils(disclosure.DefaultMinCouncils) })
}

// northEast are ten of the North East's twelve councils.
var northEast = []string{
	"E06000001", "E06000002", "E06000003", "E06000004", "E06000005",
	"E06000047", "E06000057", "E08000021", "E08000022", "E08000023",
}

// TestSmallGroupsAreWithheld is the attack of the issue: with two councils
// in a period, a median gives the other council's value away, so it is
// withheld; from ten councils on it is given, but only to callers that may
// read the councils' indicators.
func TestSmallGroupsAreWithheld(t *testing.T) {
	h := newHarness(t)
	resp, err := h.client.BatchImportIndicatorSets(h.as("dfe"), &inspectionv1.BatchImportIndicatorSetsRequest{
		IndicatorSets: []*inspectionv1.IndicatorSet{small(northEast[0], 10, 2), small(northEast[1], 30, 1)},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range resp.GetIndicatorSets()[0].GetValues() {
		if v.GetEnglandMedian() != 0 || v.GetRegionMedian() != 0 ||
			v.GetEnglandMedianWithheld() != disclosure.ReasonTooFewCouncils || v.GetRegionMedianWithheld() != disclosure.ReasonTooFewCouncils {
			t.Fatalf("two councils: %v", v)
		}
	}

	var sets []*inspectionv1.IndicatorSet
	for i, gss := range northEast[2:] {
		sets = append(sets, small(gss, float64(10+i), float64(1+i%10)))
	}
	resp, err = h.client.BatchImportIndicatorSets(h.as("dfe"), &inspectionv1.BatchImportIndicatorSetsRequest{IndicatorSets: sets})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range resp.GetIndicatorSets()[0].GetValues() {
		if v.GetEnglandMedian() == 0 || v.GetRegionMedian() == 0 || v.GetEnglandMedianWithheld() != "" || v.GetRegionMedianWithheld() != "" {
			t.Fatalf("ten councils, to DfE: %v", v)
		}
	}
	got, err := h.client.GetIndicatorSet(h.as("hartlepool"), &inspectionv1.GetIndicatorSetRequest{Name: "localAuthorities/" + hartlepool + "/indicatorSets/2015"})
	if err != nil || got.GetValues()[0].GetEnglandMedian() == 0 {
		t.Fatalf("ten councils, to the council's own officer: %v, %v", got, err)
	}

	// A partner system may import but not read indicators: it gets its own
	// figures back and no aggregate of anyone's.
	resp, err = h.client.BatchImportIndicatorSets(h.as("partner"), &inspectionv1.BatchImportIndicatorSetsRequest{
		IndicatorSets: []*inspectionv1.IndicatorSet{small("E08000024", 25, 5)},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range resp.GetIndicatorSets()[0].GetValues() {
		if v.GetValue() == 0 || v.GetEnglandMedian() != 0 || v.GetRegionMedian() != 0 ||
			v.GetEnglandMedianWithheld() != disclosure.ReasonNotPermitted || v.GetRegionMedianWithheld() != disclosure.ReasonNotPermitted {
			t.Fatalf("partner import: %v", v)
		}
	}
}
