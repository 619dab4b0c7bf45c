package refproto

import (
	"slices"
	"testing"

	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// TestIndicatorsAreTheEnum holds reference.Indicators to the shared enum:
// the same indicators in the same order, each round-tripping through
// either spelling.
func TestIndicatorsAreTheEnum(t *testing.T) {
	var fromEnum []string
	for v := int32(1); ; v++ {
		name := IndicatorName(typev1.Indicator(v))
		if _, ok := typev1.Indicator_name[v]; !ok {
			break
		}
		fromEnum = append(fromEnum, name)
	}
	if !slices.Equal(fromEnum, reference.Indicators) {
		t.Fatalf("enum indicators %v, reference.Indicators %v", fromEnum, reference.Indicators)
	}
	for _, name := range reference.Indicators {
		e := Indicator(name)
		if e == typev1.Indicator_INDICATOR_UNSPECIFIED || Indicator(IndicatorPrefix+name) != e || IndicatorName(e) != name {
			t.Errorf("%s: enum %v, full-name enum %v, back %q", name, e, Indicator(IndicatorPrefix+name), IndicatorName(e))
		}
	}
	if Indicator("agency rate") != typev1.Indicator_INDICATOR_UNSPECIFIED || Indicator("") != typev1.Indicator_INDICATOR_UNSPECIFIED {
		t.Error("a name that is no indicator gave one")
	}
	if got := IndicatorName(typev1.Indicator(99)); got != "99" {
		t.Errorf("undefined indicator named %q, want its number", got)
	}
}

func TestRiskBandNames(t *testing.T) {
	for _, name := range []string{"INSUFFICIENT_DATA", "LOW", "MEDIUM", "HIGH", "SEVERE"} {
		b := RiskBand(name)
		if b == typev1.RiskBand_RISK_BAND_UNSPECIFIED || RiskBand(RiskBandPrefix+name) != b || RiskBandName(b) != name {
			t.Errorf("%s: enum %v, back %q", name, b, RiskBandName(b))
		}
	}
	if RiskBand("") != typev1.RiskBand_RISK_BAND_UNSPECIFIED || RiskBandName(typev1.RiskBand_RISK_BAND_UNSPECIFIED) != "" {
		t.Error("unset band is not unspecified")
	}
}
