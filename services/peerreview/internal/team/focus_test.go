package team

import (
	"slices"
	"testing"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/reference"
)

func TestFocusThemes(t *testing.T) {
	const (
		inadequate = reference.Inadequate
		ri         = reference.RequiresImprovement
		good       = reference.Good
	)
	tests := []struct {
		name       string
		grades     map[string]reference.Grade
		indicators []string
		want       []reviewer.Theme
	}{
		{"nothing known", nil, nil, nil},
		{"good and outstanding areas are no weakness",
			map[string]reference.Grade{"HELP_AND_PROTECTION": good, "LSCB": reference.Outstanding}, nil, nil},
		{"one inadequate area gives its themes in order",
			map[string]reference.Grade{"HELP_AND_PROTECTION": inadequate},
			nil,
			[]reviewer.Theme{reviewer.ChildProtectionPractice, reviewer.FrontDoorAndReferrals, reviewer.AssessmentTimeliness}},
		{"inadequate areas come before requires improvement, whatever the area order",
			map[string]reference.Grade{"HELP_AND_PROTECTION": ri, "LSCB": inadequate, "CARE_LEAVERS": inadequate},
			nil,
			[]reviewer.Theme{reviewer.CareLeavers, reviewer.PartnershipAndLSCB, reviewer.ChildProtectionPractice, reviewer.FrontDoorAndReferrals, reviewer.AssessmentTimeliness}},
		{"overall effectiveness adds nothing",
			map[string]reference.Grade{"OVERALL_EFFECTIVENESS": inadequate, "ADOPTION_PERFORMANCE": ri},
			nil,
			[]reviewer.Theme{reviewer.Permanence}},
		{"a theme keeps its first place",
			map[string]reference.Grade{"LOOKED_AFTER_AND_PERMANENCE": inadequate, "ADOPTION_PERFORMANCE": inadequate},
			[]string{"PLACEMENT_INSTABILITY"},
			[]reviewer.Theme{reviewer.LookedAfterPlacements, reviewer.Permanence}},
		{"risk factors follow the grades in their order",
			map[string]reference.Grade{"LEADERSHIP_MANAGEMENT_GOVERNANCE": ri},
			[]string{"CASELOAD", "AGENCY_RATE", "DCS_CHANGES"},
			[]reviewer.Theme{reviewer.Leadership, reviewer.QualityAssurance, reviewer.DataAndPerformance, reviewer.Caseloads, reviewer.WorkforceStability}},
		{"risk factors alone for a council never inspected",
			nil,
			[]string{"AGENCY_RATE", "VACANCY_RATE", "ASSESSMENTS_WITHIN_45_DAYS", "SECOND_CP_PLANS"},
			[]reviewer.Theme{reviewer.WorkforceStability, reviewer.AssessmentTimeliness, reviewer.ChildProtectionPractice}},
		{"deprivation and unknown names add nothing",
			map[string]reference.Grade{"NEW_AREA": inadequate, "CARE_LEAVERS": "TERRIBLE"},
			[]string{"DEPRIVATION_DECILE", "NEW_INDICATOR", "RE_REFERRAL_RATE"},
			[]reviewer.Theme{reviewer.FrontDoorAndReferrals}},
		{"at most MaxFocus themes",
			map[string]reference.Grade{"HELP_AND_PROTECTION": inadequate, "LEADERSHIP_MANAGEMENT_GOVERNANCE": inadequate},
			[]string{"CASELOAD"},
			[]reviewer.Theme{reviewer.ChildProtectionPractice, reviewer.FrontDoorAndReferrals, reviewer.AssessmentTimeliness, reviewer.Leadership, reviewer.QualityAssurance}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FocusThemes(tt.grades, tt.indicators)
			if !slices.Equal(got, tt.want) {
				t.Errorf("FocusThemes = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestFocusMappingCoversEveryName guards the documented mapping: every
// judgement area but the overall grade, and every risk indicator but
// deprivation, gives a theme of the taxonomy.
func TestFocusMappingCoversEveryName(t *testing.T) {
	areas := []string{"HELP_AND_PROTECTION", "LOOKED_AFTER_AND_PERMANENCE", "ADOPTION_PERFORMANCE", "CARE_LEAVERS",
		"LEADERSHIP_MANAGEMENT_GOVERNANCE", "LSCB"}
	for _, a := range areas {
		got := FocusThemes(map[string]reference.Grade{a: reference.Inadequate}, nil)
		if len(got) == 0 {
			t.Errorf("area %s maps to no theme", a)
		}
		for _, th := range got {
			if !th.Valid() {
				t.Errorf("area %s maps to %q, outside the taxonomy", a, th)
			}
		}
	}
	indicators := []string{"AGENCY_RATE", "CASELOAD", "VACANCY_RATE", "TURNOVER_RATE", "DCS_CHANGES",
		"ASSESSMENTS_WITHIN_45_DAYS", "RE_REFERRAL_RATE", "SECOND_CP_PLANS", "PLACEMENT_INSTABILITY",
		"REFERRAL_RATE_PER_10K", "SPEND_PER_CHILD_IN_NEED"}
	for _, ind := range indicators {
		got := FocusThemes(nil, []string{ind})
		if len(got) != 1 || !got[0].Valid() {
			t.Errorf("indicator %s maps to %v, want one theme of the taxonomy", ind, got)
		}
	}
	if got := FocusThemes(nil, []string{"DEPRIVATION_DECILE"}); len(got) != 0 {
		t.Errorf("deprivation maps to %v, want nothing", got)
	}
}
