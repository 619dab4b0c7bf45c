package indicatorapi

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicator"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/risk"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/disclosure"
)

// riskREST renders a risk assessment as the REST gateway does.
func riskREST(t *testing.T, m *inspectionv1.RiskAssessment) string {
	t.Helper()
	b, err := protojson.MarshalOptions{UseProtoNames: true, EmitDefaultValues: true}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRiskOfTwoCouncilsGivesNothingAway is the attack on risk
// explanations: with two councils in a period, Hartlepool's officer would
// read the other council's figures from the medians, means and spreads its
// own risk factors are measured against. The assessment is not scored and
// names no benchmark; from ten councils on it is scored against medians the
// officer may see, and every factor says which medians it gives.
func TestRiskOfTwoCouncilsGivesNothingAway(t *testing.T) {
	h := newHarness(t)
	other := northEast[1]
	if _, err := h.client.BatchImportIndicatorSets(h.as("dfe"), &inspectionv1.BatchImportIndicatorSetsRequest{
		IndicatorSets: []*inspectionv1.IndicatorSet{
			{Name: indicator.Name(hartlepool, 2015), Values: synthetic(0)},
			{Name: indicator.Name(other, 2015), Values: synthetic(1)},
		},
	}); err != nil {
		t.Fatal(err)
	}
	got, err := h.client.GetRiskAssessment(h.as("hartlepool"), &inspectionv1.GetRiskAssessmentRequest{Name: risk.ResourceName(hartlepool)})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetBand() != typev1.RiskBand_RISK_BAND_INSUFFICIENT_DATA || got.GetScore() != 0 || len(got.GetFactors()) != 0 ||
		got.GetMinCouncils() != 10 || !strings.Contains(got.GetInsufficientDataReason(), "fewer than 10 councils (the disclosure threshold)") {
		t.Fatalf("two councils: %v", got)
	}
	// None of the other council's figures appears anywhere in the answer
	// (a one-digit figure such as a count of 0 would match the score).
	rest := riskREST(t, got)
	for _, v := range synthetic(1) {
		spec, _ := IndicatorFrom(v.GetIndicator())
		s, _ := spec.Spec()
		if f := s.Format(v.GetValue()); len(f) > 1 && strings.Contains(rest, f) {
			t.Errorf("the answer holds the other council's %s (%s): %s", spec, s.Format(v.GetValue()), rest)
		}
	}
	if !strings.Contains(rest, `"min_councils":10`) {
		t.Errorf("REST body lacks the threshold: %s", rest)
	}

	// Eight more North East councils make ten.
	var sets []*inspectionv1.IndicatorSet
	for i, gss := range northEast[2:] {
		sets = append(sets, &inspectionv1.IndicatorSet{Name: indicator.Name(gss, 2015), Values: synthetic(i + 2)})
	}
	if _, err := h.client.BatchImportIndicatorSets(h.as("dfe"), &inspectionv1.BatchImportIndicatorSetsRequest{IndicatorSets: sets}); err != nil {
		t.Fatal(err)
	}
	got, err = h.client.GetRiskAssessment(h.as("hartlepool"), &inspectionv1.GetRiskAssessmentRequest{Name: risk.ResourceName(hartlepool)})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetBand() == typev1.RiskBand_RISK_BAND_INSUFFICIENT_DATA || len(got.GetFactors()) != indicator.Count {
		t.Fatalf("ten councils: %v", got)
	}
	for _, f := range got.GetFactors() {
		if f.GetEnglandMedianWithheld() != "" || f.GetRegionMedianWithheld() != "" || f.GetEnglandMedian() == 0 ||
			!strings.Contains(f.GetExplanation(), "against the England median of ") {
			t.Errorf("ten councils: factor %v", f)
		}
	}
	rest = riskREST(t, got)
	for _, field := range []string{`"england_median_withheld":""`, `"region_median_withheld":""`, `"min_councils":10`} {
		if !strings.Contains(rest, field) {
			t.Errorf("REST body lacks %s: %s", field, rest)
		}
	}
}

// TestRiskMediansFollowTheMatrix holds every role to the rule, whatever
// the access matrix says now: a caller that reads a council's risk sees
// its factors' medians only if it may also read that council's
// indicators, and otherwise every median is withheld as NOT_PERMITTED.
// The list and the single assessment agree.
func TestRiskMediansFollowTheMatrix(t *testing.T) {
	h := newHarness(t)
	h.seedSets(t, nil)
	for name, p := range principals {
		got, err := h.client.GetRiskAssessment(h.as(name), &inspectionv1.GetRiskAssessmentRequest{Name: risk.ResourceName(hartlepool)})
		if err != nil {
			continue // refused: nothing returned
		}
		list, err := h.client.ListRiskAssessments(h.as(name), &inspectionv1.ListRiskAssessmentsRequest{Filter: "region = NORTH_EAST", PageSize: 200})
		if err != nil {
			t.Fatalf("%s lists risk: %v", name, err)
		}
		for _, a := range append(list.GetRiskAssessments(), got) {
			gss := strings.TrimSuffix(strings.TrimPrefix(a.GetName(), "localAuthorities/"), "/riskAssessment")
			reads := canRead(p, access.IndicatorSet, gss)
			for _, f := range a.GetFactors() {
				if reads && (f.GetEnglandMedianWithheld() != "" || f.GetEnglandMedian() == 0) {
					t.Errorf("%s on %s: may read indicators, yet %v", name, gss, f)
				}
				if !reads && (f.GetEnglandMedianWithheld() != disclosure.ReasonNotPermitted || f.GetEnglandMedian() != 0 ||
					f.GetRegionMedian() != 0 || strings.Contains(f.GetExplanation(), "median of")) {
					t.Errorf("%s on %s: may not read indicators, yet %v", name, gss, f)
				}
			}
		}
	}
}

// TestRiskWithheldRegionalMedian: the East Midlands has nine councils, so
// even with every council reporting its councils' factors give the
// England median and withhold the region's, in the field and in words.
func TestRiskWithheldRegionalMedian(t *testing.T) {
	h := newHarness(t)
	h.seedSets(t, nil)
	const derby = "E06000015" // East Midlands
	got, err := h.client.GetRiskAssessment(h.as("lga"), &inspectionv1.GetRiskAssessmentRequest{Name: risk.ResourceName(derby)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.GetFactors()) != indicator.Count {
		t.Fatalf("Derby: %v", got)
	}
	for _, f := range got.GetFactors() {
		if f.GetEnglandMedianWithheld() != "" || f.GetEnglandMedian() == 0 ||
			f.GetRegionMedianWithheld() != disclosure.ReasonTooFewCouncils || f.GetRegionMedian() != 0 ||
			!strings.Contains(f.GetExplanation(), "(the East Midlands median is withheld: fewer than "+strconv.Itoa(disclosure.MinCouncils())+" of the region's councils reported it for 2015)") {
			t.Errorf("Derby factor %v", f)
		}
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(riskREST(t, got)), &body); err != nil {
		t.Fatal(err)
	}
	f := body["factors"].([]any)[0].(map[string]any)
	if f["region_median_withheld"] != "FEWER_THAN_MIN_COUNCILS" || f["region_median"] != 0.0 {
		t.Errorf("REST factor %v", f)
	}
}
