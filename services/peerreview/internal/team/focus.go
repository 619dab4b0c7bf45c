package team

import (
	"cmp"
	"slices"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// MaxFocus bounds the focus themes FocusThemes returns: a team of a lead
// and a few practitioners cannot bring depth in more weaknesses than this,
// and a short list keeps the rank weights meaningful.
const MaxFocus = 5

// areaThemes maps the judgement areas of the inspection service (the
// JudgementArea enum names without prefix) to the themes that describe the
// practice each one grades. Overall effectiveness summarises the others and
// maps to nothing.
var areaThemes = []struct {
	area   string
	themes []reviewer.Theme
}{
	{"HELP_AND_PROTECTION", []reviewer.Theme{reviewer.ChildProtectionPractice, reviewer.FrontDoorAndReferrals, reviewer.AssessmentTimeliness}},
	{"LOOKED_AFTER_AND_PERMANENCE", []reviewer.Theme{reviewer.LookedAfterPlacements, reviewer.Permanence}},
	{"ADOPTION_PERFORMANCE", []reviewer.Theme{reviewer.Permanence}},
	{"CARE_LEAVERS", []reviewer.Theme{reviewer.CareLeavers}},
	{"LEADERSHIP_MANAGEMENT_GOVERNANCE", []reviewer.Theme{reviewer.Leadership, reviewer.QualityAssurance, reviewer.DataAndPerformance}},
	{"LSCB", []reviewer.Theme{reviewer.PartnershipAndLSCB}},
}

// indicatorThemes maps the risk model's indicators (the inspection
// service's indicator names) to the theme whose practice moves them.
// Deprivation is context a council cannot change through practice, so it
// maps to no theme.
var indicatorThemes = map[string]reviewer.Theme{
	"AGENCY_RATE":                reviewer.WorkforceStability,
	"VACANCY_RATE":               reviewer.WorkforceStability,
	"TURNOVER_RATE":              reviewer.WorkforceStability,
	"CASELOAD":                   reviewer.Caseloads,
	"DCS_CHANGES":                reviewer.Leadership,
	"SPEND_PER_CHILD_IN_NEED":    reviewer.Leadership,
	"ASSESSMENTS_WITHIN_45_DAYS": reviewer.AssessmentTimeliness,
	"RE_REFERRAL_RATE":           reviewer.FrontDoorAndReferrals,
	"REFERRAL_RATE_PER_10K":      reviewer.FrontDoorAndReferrals,
	"SECOND_CP_PLANS":            reviewer.ChildProtectionPractice,
	"PLACEMENT_INSTABILITY":      reviewer.LookedAfterPlacements,
}

// FocusThemes returns a council's focus themes, weakest first, at most
// MaxFocus of them, from its latest judgement's grades by area and its
// risk factors, biggest contribution first.
//
// Graded areas come first, as a judgement is direct evidence while risk
// indicators only predict one: areas graded inadequate, then those graded
// requires improvement, each group in the order of the judgement
// (help and protection, looked after and permanence, adoption performance,
// care leavers, leadership management and governance, LSCB), each area
// giving its themes in turn:
//
//	HELP_AND_PROTECTION               CHILD_PROTECTION_PRACTICE, FRONT_DOOR_AND_REFERRALS, ASSESSMENT_TIMELINESS
//	LOOKED_AFTER_AND_PERMANENCE       LOOKED_AFTER_PLACEMENTS, PERMANENCE
//	ADOPTION_PERFORMANCE              PERMANENCE
//	CARE_LEAVERS                      CARE_LEAVERS
//	LEADERSHIP_MANAGEMENT_GOVERNANCE  LEADERSHIP, QUALITY_ASSURANCE, DATA_AND_PERFORMANCE
//	LSCB                              PARTNERSHIP_AND_LSCB
//
// Areas graded good or outstanding are no weakness and add nothing;
// OVERALL_EFFECTIVENESS summarises the others and adds nothing. Then each
// risk indicator, in the order given, adds its theme:
//
//	AGENCY_RATE, VACANCY_RATE, TURNOVER_RATE            WORKFORCE_STABILITY
//	CASELOAD                                            CASELOADS
//	DCS_CHANGES, SPEND_PER_CHILD_IN_NEED                LEADERSHIP
//	ASSESSMENTS_WITHIN_45_DAYS                          ASSESSMENT_TIMELINESS
//	RE_REFERRAL_RATE, REFERRAL_RATE_PER_10K             FRONT_DOOR_AND_REFERRALS
//	SECOND_CP_PLANS                                     CHILD_PROTECTION_PRACTICE
//	PLACEMENT_INSTABILITY                               LOOKED_AFTER_PLACEMENTS
//	DEPRIVATION_DECILE                                  none: context, not practice
//
// A theme already listed keeps its first place. Unknown areas, grades and
// indicators are skipped, so a newer inspection service cannot break a
// proposal. VOICE_OF_THE_CHILD comes from findings only.
func FocusThemes(grades map[string]reference.Grade, riskIndicators []string) []reviewer.Theme {
	var out []reviewer.Theme
	add := func(t reviewer.Theme) {
		if len(out) < MaxFocus && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	type weak struct {
		order int
		rank  int
		areas []reviewer.Theme
	}
	var weakAreas []weak
	for i, a := range areaThemes {
		g, ok := grades[a.area]
		if !ok || (g != reference.Inadequate && g != reference.RequiresImprovement) {
			continue
		}
		weakAreas = append(weakAreas, weak{order: i, rank: g.Rank(), areas: a.themes})
	}
	slices.SortFunc(weakAreas, func(a, b weak) int {
		if c := cmp.Compare(b.rank, a.rank); c != 0 {
			return c
		}
		return cmp.Compare(a.order, b.order)
	})
	for _, w := range weakAreas {
		for _, t := range w.areas {
			add(t)
		}
	}
	for _, ind := range riskIndicators {
		if t, ok := indicatorThemes[ind]; ok {
			add(t)
		}
	}
	return out
}
