package sponsor

import (
	"slices"
	"strings"

	"github.com/turnaround-sli/turnaround/services/reference"
)

// The areas of practice a council needs help with and a sponsor is good
// at. They are one vocabulary drawn from two others: the inspection
// service's JudgementArea names (without prefix), so that a need opened
// from an intervention carries its areas over unchanged, and the
// peer-review service's Theme names (without prefix), so that a peer
// review's findings can be matched to the sponsors that are strong where
// the council is weak. CARE_LEAVERS is in both and listed once. Overall
// effectiveness is the sum of the other judgements, not an area anyone
// can work on, so it is not among them. The judgement areas are
// reference's (reference.JudgementAreas); the themes that are not are here.
const (
	AreaLeadership              = "LEADERSHIP"
	AreaWorkforceStability      = "WORKFORCE_STABILITY"
	AreaCaseloads               = "CASELOADS"
	AreaFrontDoorAndReferrals   = "FRONT_DOOR_AND_REFERRALS"
	AreaAssessmentTimeliness    = "ASSESSMENT_TIMELINESS"
	AreaChildProtectionPractice = "CHILD_PROTECTION_PRACTICE"
	AreaLookedAfterPlacements   = "LOOKED_AFTER_PLACEMENTS"
	AreaPermanence              = "PERMANENCE"
	AreaPartnershipAndLSCB      = "PARTNERSHIP_AND_LSCB"
	AreaQualityAssurance        = "QUALITY_ASSURANCE"
	AreaDataAndPerformance      = "DATA_AND_PERFORMANCE"
	AreaVoiceOfTheChild         = "VOICE_OF_THE_CHILD"
)

// ThemeAreas are the areas named as the peer-review Theme enum names them,
// in that enum's order.
var ThemeAreas = []string{
	AreaLeadership, AreaWorkforceStability, AreaCaseloads, AreaFrontDoorAndReferrals,
	AreaAssessmentTimeliness, AreaChildProtectionPractice, AreaLookedAfterPlacements,
	AreaPermanence, reference.AreaCareLeavers, AreaPartnershipAndLSCB, AreaQualityAssurance,
	AreaDataAndPerformance, AreaVoiceOfTheChild,
}

// Areas is the whole vocabulary: the judgement areas, then the themes that
// are not judgement areas too.
var Areas = func() []string {
	out := slices.Clone(reference.JudgementAreas)
	for _, t := range ThemeAreas {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}()

// ValidArea reports whether a is one of Areas.
func ValidArea(a string) bool { return slices.Contains(Areas, a) }

// AreaMessage describes an invalid area value, for a field violation.
func AreaMessage(got string) string {
	if got == "" {
		return "is required: one of " + strings.Join(Areas, ", ")
	}
	return "must be one of " + strings.Join(Areas, ", ") + ", got " + got
}
