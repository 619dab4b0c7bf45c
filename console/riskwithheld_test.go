package console

import (
	"strings"
	"testing"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
)

// TestRiskFactorSaysWithheld: a median withheld by the disclosure rule is
// shown as withheld, never as the 0 the API sends beside the reason.
func TestRiskFactorSaysWithheld(t *testing.T) {
	html := renderPage(t, "council", &councilData{
		Council:    &inspectionv1.LocalAuthority{DisplayName: "Derby", GssCode: "E06000015"},
		Region:     "East Midlands",
		Inspection: &inspectionv1.Inspection{},
		Risk: &inspectionv1.RiskAssessment{Band: typev1.RiskBand_RISK_BAND_LOW, Score: 20, Factors: []*inspectionv1.RiskFactor{{
			Indicator: typev1.Indicator_INDICATOR_AGENCY_RATE, Value: 14.5, EnglandMedian: 15.5,
			RegionMedianWithheld: "FEWER_THAN_MIN_COUNCILS", Explanation: "the East Midlands median is withheld",
		}}},
	})
	if !strings.Contains(html, `data-label="Region median">withheld</td>`) || !strings.Contains(html, `data-label="England median">15.5</td>`) {
		t.Errorf("risk factor row:\n%s", html[strings.Index(html, "Risk factors"):])
	}
}
