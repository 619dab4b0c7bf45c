package reference

import "slices"

// Indicators are the twelve public indicators that research links to
// inspection judgements, named as the enum values of
// turnaround.type.v1.Indicator without their INDICATOR_ prefix and in its
// order. The inspection service keeps councils' values of them; an
// improvement plan action can be measured by one.
var Indicators = []string{
	"REFERRAL_RATE_PER_10K", "RE_REFERRAL_RATE", "ASSESSMENTS_WITHIN_45_DAYS", "SECOND_CP_PLANS", "CASELOAD",
	"AGENCY_RATE", "VACANCY_RATE", "TURNOVER_RATE", "PLACEMENT_INSTABILITY", "SPEND_PER_CHILD_IN_NEED",
	"DEPRIVATION_DECILE", "DCS_CHANGES",
}

// ValidIndicator reports whether name is one of Indicators.
func ValidIndicator(name string) bool { return slices.Contains(Indicators, name) }
