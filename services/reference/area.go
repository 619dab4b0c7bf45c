package reference

// The areas of an inspection judgement, named as the enum values of
// turnaround.type.v1.JudgementArea without their prefix. The services that
// learn areas from events or requests (plans, needs, sponsors) keep them as
// these strings.
const (
	AreaOverallEffectiveness           = "OVERALL_EFFECTIVENESS"
	AreaHelpAndProtection              = "HELP_AND_PROTECTION"
	AreaLookedAfterAndPermanence       = "LOOKED_AFTER_AND_PERMANENCE"
	AreaAdoptionPerformance            = "ADOPTION_PERFORMANCE"
	AreaCareLeavers                    = "CARE_LEAVERS"
	AreaLeadershipManagementGovernance = "LEADERSHIP_MANAGEMENT_GOVERNANCE"
	AreaLSCB                           = "LSCB"
)

// JudgementAreas lists the areas a council can act on, in the order of the
// JudgementArea enum. Overall effectiveness is the sum of the others, not an
// area anyone can work on, so it is not among them.
var JudgementAreas = []string{
	AreaHelpAndProtection, AreaLookedAfterAndPermanence, AreaAdoptionPerformance,
	AreaCareLeavers, AreaLeadershipManagementGovernance, AreaLSCB,
}
