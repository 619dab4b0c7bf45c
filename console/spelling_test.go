package console

import (
	"bytes"
	"strings"
	"testing"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
)

func renderPage(t *testing.T, template string, data any) string {
	t.Helper()
	pages, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := pages[template].ExecuteTemplate(&buf, "layout", layout{view: &view{Template: template, Data: data}, BasePath: BasePath}); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestPriorityBandInWords: a review priority's band, the RiskBand enum,
// reads in words as a risk assessment's band does on the council page.
func TestPriorityBandInWords(t *testing.T) {
	html := renderPage(t, "reviews", prioritiesData{Total: 1, Priorities: []*peerreviewv1.ReviewPriority{{
		LocalAuthority: "localAuthorities/E08000016", DisplayName: "Barnsley", Region: typev1.Region_REGION_YORKSHIRE_AND_THE_HUMBER,
		RiskScore: 82, RiskBand: typev1.RiskBand_RISK_BAND_SEVERE,
	}}})
	if !strings.Contains(html, `<strong class="govuk-tag">Severe</strong>`) || strings.Contains(html, "RISK_BAND") {
		t.Errorf("band cell:\n%s", html[strings.Index(html, "Barnsley"):])
	}
}

// TestActionIndicatorInWords: an action measured by an indicator names it
// in words, and one whose indicator is unset (a plan stored with text that
// named none) says so rather than "Unspecified".
func TestActionIndicatorInWords(t *testing.T) {
	measured := func(i typev1.Indicator) *improvementplanv1.Action {
		return &improvementplanv1.Action{Id: "a1", Title: "t", Measure: &improvementplanv1.Action_Indicator{
			Indicator: &improvementplanv1.IndicatorMeasure{Indicator: i, Baseline: 27, Target: 15}}}
	}
	for _, tt := range []struct {
		indicator typev1.Indicator
		want      string
	}{
		{typev1.Indicator_INDICATOR_AGENCY_RATE, "Agency rate from 27 to 15"},
		{typev1.Indicator_INDICATOR_UNSPECIFIED, "Indicator not set from 27 to 15"},
	} {
		p := &improvementplanv1.ImprovementPlan{
			Name:  "localAuthorities/E08000035/improvementPlans/p1",
			State: improvementplanv1.PlanState_PLAN_STATE_DRAFT,
			Priorities: []*improvementplanv1.Priority{{Id: "p1", Area: typev1.JudgementArea_JUDGEMENT_AREA_HELP_AND_PROTECTION,
				Actions: []*improvementplanv1.Action{measured(tt.indicator)}}},
		}
		html := renderPage(t, "plan", planData{Plan: p, Council: "Leeds", Check: &improvementplanv1.CheckPlanResponse{}, Late: map[string]bool{}})
		if !strings.Contains(html, tt.want) {
			t.Errorf("%v: the measure does not read %q:\n%s", tt.indicator, tt.want, html[strings.Index(html, "Measure"):])
		}
	}
}
