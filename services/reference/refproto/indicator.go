package refproto

import typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"

// Enum name prefixes of the shared indicator and risk band enums; the
// domains name their values without them (AGENCY_RATE, MEDIUM).
const (
	IndicatorPrefix = "INDICATOR_"
	RiskBandPrefix  = "RISK_BAND_"
)

// Indicator returns the proto enum of an indicator named as the domains
// name it, with or without the prefix; INDICATOR_UNSPECIFIED when it names
// none.
func Indicator(name string) typev1.Indicator {
	return typev1.Indicator(enumFrom(typev1.Indicator_value, IndicatorPrefix, name))
}

// IndicatorName is the domain name of an indicator: the enum value name
// without prefix, "" when unset, the number for one the enum does not
// define (see EnumName).
func IndicatorName(i typev1.Indicator) string { return EnumName(i, IndicatorPrefix) }

// RiskBand returns the proto enum of a risk band named as the domains name
// it, with or without the prefix; RISK_BAND_UNSPECIFIED when it names none.
func RiskBand(name string) typev1.RiskBand {
	return typev1.RiskBand(enumFrom(typev1.RiskBand_value, RiskBandPrefix, name))
}

// RiskBandName is the domain name of a risk band: the enum value name
// without prefix, "" when unset, the number for one the enum does not
// define (see EnumName).
func RiskBandName(b typev1.RiskBand) string { return EnumName(b, RiskBandPrefix) }
