// Package indicator holds the rules for councils' indicator sets: the twelve
// public indicators that research links to poor inspection judgements, the
// plausible range of each, one council's set for one period, batches of sets
// to import, and the England and region benchmarks a period's sets give. It
// is pure Go: the store and the transport live elsewhere.
package indicator

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// Indicator names one public indicator, spelled as the proto enum value
// without its INDICATOR_ prefix.
type Indicator string

// The twelve indicators, in the order of the proto enum.
const (
	ReferralRatePer10k      Indicator = "REFERRAL_RATE_PER_10K"
	ReReferralRate          Indicator = "RE_REFERRAL_RATE"
	AssessmentsWithin45Days Indicator = "ASSESSMENTS_WITHIN_45_DAYS"
	SecondCPPlans           Indicator = "SECOND_CP_PLANS"
	Caseload                Indicator = "CASELOAD"
	AgencyRate              Indicator = "AGENCY_RATE"
	VacancyRate             Indicator = "VACANCY_RATE"
	TurnoverRate            Indicator = "TURNOVER_RATE"
	PlacementInstability    Indicator = "PLACEMENT_INSTABILITY"
	SpendPerChildInNeed     Indicator = "SPEND_PER_CHILD_IN_NEED"
	DeprivationDecile       Indicator = "DEPRIVATION_DECILE"
	DCSChanges              Indicator = "DCS_CHANGES"
)

// Count is the number of indicators.
const Count = 12

var all = []Indicator{
	ReferralRatePer10k, ReReferralRate, AssessmentsWithin45Days, SecondCPPlans, Caseload, AgencyRate,
	VacancyRate, TurnoverRate, PlacementInstability, SpendPerChildInNeed, DeprivationDecile, DCSChanges,
}

// All returns the twelve indicators in the order of the proto enum. The
// slice is the caller's.
func All() []Indicator { return slices.Clone(all) }

// Direction says which way an indicator moves risk.
type Direction int

// The two directions. A value further in an indicator's risky direction than
// the England average makes a council riskier.
const (
	HigherIsRiskier Direction = 1
	LowerIsRiskier  Direction = -1
)

// Unit is how an indicator's value reads.
type Unit int

// The units of the twelve indicators.
const (
	Percent           Unit = iota + 1 // 0 to 100
	PerTenThousand                    // per 10,000 children
	ChildrenPerWorker                 // children in need per social worker
	Pounds                            // pounds sterling
	Decile                            // 1 to 10
	Changes                           // a count of changes
)

// Spec describes one indicator: what it measures, its plausible range and
// the direction in which it signals risk.
type Spec struct {
	// Label names the indicator in plain language, lower case, for
	// explanations: "agency social worker rate".
	Label string
	Unit  Unit
	// Min and Max bound a plausible value, inclusive. Max is +Inf for an
	// indicator with no upper bound.
	Min, Max float64
	// Integer values only (a decile, a count).
	Integer bool
	// Direction is the way the indicator signals risk, from the research
	// summarised in the domain brief.
	Direction Direction
}

// specs holds the rules of each indicator. Percentages run 0–100; the
// referral rate is per 10,000 children, so 10,000 would mean one referral
// per child, beyond anything plausible; caseload above 100 children per
// social worker is a data error, not a council; spend has no ceiling.
var specs = map[Indicator]Spec{
	ReferralRatePer10k: {Label: "referral rate", Unit: PerTenThousand, Min: 0, Max: 10000,
		// High demand at the front door stretches the service.
		Direction: HigherIsRiskier},
	ReReferralRate: percent("re-referral rate",
		// Children coming back suggests the first response did not hold.
		HigherIsRiskier),
	AssessmentsWithin45Days: percent("assessments completed within 45 working days",
		// Late assessments leave children waiting: lower is riskier.
		LowerIsRiskier),
	SecondCPPlans: percent("second or subsequent child protection plans", HigherIsRiskier),
	Caseload: {Label: "caseload", Unit: ChildrenPerWorker, Min: 0, Max: 100,
		// More than 10 children in need per social worker is a risk factor.
		Direction: HigherIsRiskier},
	AgencyRate: percent("agency social worker rate",
		// About 27% in inadequate councils against about 6% in outstanding ones.
		HigherIsRiskier),
	VacancyRate:          percent("social worker vacancy rate", HigherIsRiskier),
	TurnoverRate:         percent("social worker turnover rate", HigherIsRiskier),
	PlacementInstability: percent("looked-after children with three or more placements", HigherIsRiskier),
	SpendPerChildInNeed: {Label: "spend per child in need", Unit: Pounds, Min: 0, Max: math.Inf(1),
		// Read as resourcing against need: a service spending less than
		// England per child is the stretched one. The evidence is weak,
		// which is why the risk model weighs it least.
		Direction: LowerIsRiskier},
	DeprivationDecile: {Label: "deprivation (IDACI decile, 1 most deprived)", Unit: Decile, Min: 1, Max: 10, Integer: true,
		// Decile 1 is the most deprived, and deprivation is the strongest
		// single predictor: lower is riskier.
		Direction: LowerIsRiskier},
	DCSChanges: {Label: "changes of director of children's services in two years", Unit: Changes, Min: 0, Max: 20, Integer: true,
		// Leadership instability.
		Direction: HigherIsRiskier},
}

// percent is the spec of an indicator measured as a percentage, 0 to 100.
func percent(label string, d Direction) Spec {
	return Spec{Label: label, Unit: Percent, Min: 0, Max: 100, Direction: d}
}

// Valid reports whether i is one of the twelve indicators.
func (i Indicator) Valid() bool {
	_, ok := specs[i]
	return ok
}

// Spec returns the indicator's rules, and false for an unknown indicator.
func (i Indicator) Spec() (Spec, bool) {
	s, ok := specs[i]
	return s, ok
}

// Rank is the indicator's position in the proto enum, 1 to 12, and 0 for an
// unknown indicator; it gives sets and explanations a stable order.
func (i Indicator) Rank() int {
	return slices.Index(all, i) + 1
}

// Check returns "" when v is a plausible value of the indicator, or why not.
func (s Spec) Check(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "must be a finite number"
	case v < s.Min || v > s.Max:
		if math.IsInf(s.Max, 1) {
			return "must be at least " + formatPlain(s.Min) + ", got " + formatPlain(v)
		}
		return "must be between " + formatPlain(s.Min) + " and " + formatPlain(s.Max) + ", got " + formatPlain(v)
	case s.Integer && v != math.Trunc(v):
		return "must be a whole number, got " + formatPlain(v)
	}
	return ""
}

// Format renders v in the indicator's unit, for explanations: "24%",
// "18.5 children in need per social worker", "£2,350", "decile 2".
func (s Spec) Format(v float64) string {
	switch s.Unit {
	case Percent:
		return formatNumber(v, 1) + "%"
	case PerTenThousand:
		return formatNumber(v, 1) + " per 10,000 children"
	case ChildrenPerWorker:
		return formatNumber(v, 1) + " children in need per social worker"
	case Pounds:
		return "£" + formatNumber(v, 0)
	case Decile:
		return "decile " + formatNumber(v, 1)
	default:
		return formatNumber(v, 1)
	}
}

// formatPlain renders a bound or an offending value without grouping.
func formatPlain(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// formatNumber renders v rounded to at most decimals places, without
// trailing zeros, and with thousands separators: 2350.4 → "2,350.4".
func formatNumber(v float64, decimals int) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	b.WriteString(sign)
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}
