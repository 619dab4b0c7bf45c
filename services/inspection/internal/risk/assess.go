package risk

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicator"
	"github.com/turnaround-sli/turnaround/services/platform/disclosure"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Band groups scores, named as the proto enum value without its RISK_BAND_
// prefix.
type Band string

// The bands. InsufficientData is never a score's band: it marks a council
// the model could not score.
const (
	InsufficientData Band = "INSUFFICIENT_DATA"
	Low              Band = "LOW"
	Medium           Band = "MEDIUM"
	High             Band = "HIGH"
	Severe           Band = "SEVERE"
)

// Bands lists every band, least risk first, insufficient data first of all.
var Bands = []Band{InsufficientData, Low, Medium, High, Severe}

// The lower bounds of the scored bands.
const (
	MediumFrom = 25.0
	HighFrom   = 50.0
	SevereFrom = 75.0
)

// BandOf returns the band of a score: LOW below 25, MEDIUM from 25, HIGH
// from 50, SEVERE from 75.
func BandOf(score float64) Band {
	switch {
	case score >= SevereFrom:
		return Severe
	case score >= HighFrom:
		return High
	case score >= MediumFrom:
		return Medium
	default:
		return Low
	}
}

// Factor is one indicator's part in a score.
type Factor struct {
	Indicator     indicator.Indicator
	Value         float64
	EnglandMedian float64
	RegionMedian  float64
	// EnglandMedianWithheld and RegionMedianWithheld are "" when the
	// median is given, else why it is withheld (a disclosure reason) and
	// the median is 0.
	EnglandMedianWithheld string
	RegionMedianWithheld  string
	// Standardised is z: distance from the England mean in England
	// standard deviations, positive when riskier, after the cap.
	Standardised float64
	Weight       float64
	// Contribution is the points this indicator adds to the score (or,
	// when negative, removes from it) relative to the baseline.
	Contribution float64
	Explanation  string

	// capped and flat record how z came about, for the explanation: cut
	// to the cap, or 0 because England shows no spread. uncompared marks
	// an indicator fewer councils than the disclosure threshold reported:
	// its England benchmark is withheld, so z is not computed and it is
	// left out of the score.
	capped, flat, uncompared bool
}

// Assessment is the explained risk of one council.
type Assessment struct {
	// Score is 0 to 100; 0 when Band is InsufficientData.
	Score float64
	Band  Band
	// Baseline is the score of an England-average council; the factors'
	// contributions add up to Score − Baseline.
	Baseline float64
	// Period is the period of the set scored; 0 when the council has none.
	Period indicator.Period
	// Factors are the indicators scored, largest contribution first.
	Factors      []Factor
	ModelVersion string
	// InsufficientDataReason says why a council was not scored.
	InsufficientDataReason string
	// MinCouncils is the disclosure threshold the assessment was made
	// under: no median or benchmark it uses covers fewer councils.
	MinCouncils int
}

// Assess scores a council of region from its newest indicator set (nil when
// it has none) against the benchmarks of that set's period (nil when none
// are stored), and explains every factor.
func (m Model) Assess(region reference.Region, set *indicator.Set, b *indicator.Benchmarks) Assessment {
	return m.Explain(region, m.score(region, set, b))
}

// score is Assess without the explanations, which cost more than the
// arithmetic: a list scores every council but explains only one page.
func (m Model) score(region reference.Region, set *indicator.Set, b *indicator.Benchmarks) Assessment {
	a := Assessment{Baseline: m.cfg.BaselineScore, ModelVersion: m.version, MinCouncils: disclosure.MinCouncils()}
	if set == nil {
		a.Band = InsufficientData
		a.InsufficientDataReason = "no indicator set has been imported for this council"
		return a
	}
	a.Period = set.Period
	if have := known(set); have < m.cfg.MinIndicators {
		a.Band = InsufficientData
		a.InsufficientDataReason = fmt.Sprintf("the %s indicator set holds %d of the %d indicators and the model needs at least %d; missing: %s",
			set.Period, have, indicator.Count, m.cfg.MinIndicators, strings.Join(missing(set), ", "))
		return a
	}
	if b == nil || b.Period != set.Period {
		a.Band = InsufficientData
		a.InsufficientDataReason = fmt.Sprintf("no England benchmarks are available for %s", set.Period)
		return a
	}

	a.Factors = make([]Factor, 0, len(set.Values))
	var sumW, sumWZ float64
	var uncompared []string
	for _, v := range set.Values {
		spec, ok := v.Indicator.Spec()
		if !ok {
			continue
		}
		eng := b.England[v.Indicator]
		f := Factor{Indicator: v.Indicator, Value: v.Value, Weight: m.cfg.Weights[v.Indicator]}
		f.EnglandMedian, f.RegionMedian = b.Medians(region, v.Indicator)
		f.EnglandMedian, f.EnglandMedianWithheld = disclosure.Value(f.EnglandMedian, eng.Count)
		f.RegionMedian, f.RegionMedianWithheld = disclosure.Value(f.RegionMedian, b.Regions[region][v.Indicator].Count)
		if f.EnglandMedianWithheld != "" {
			// The mean and spread of too few councils are benchmarks
			// too: a z against them would tell a council where the
			// others lie.
			f.uncompared = true
			uncompared = append(uncompared, string(v.Indicator))
			a.Factors = append(a.Factors, f)
			continue
		}
		if eng.Count >= 2 && eng.StdDev > 0 {
			z := float64(spec.Direction) * (v.Value - eng.Mean) / eng.StdDev
			if math.Abs(z) > m.cfg.Cap {
				z, f.capped = math.Copysign(m.cfg.Cap, z), true
			}
			f.Standardised = z
		} else {
			f.flat = true
		}
		sumW += f.Weight
		sumWZ += f.Weight * f.Standardised
		a.Factors = append(a.Factors, f)
	}
	if compared := len(a.Factors) - len(uncompared); compared < m.cfg.MinIndicators {
		a.Band, a.Factors = InsufficientData, nil
		a.InsufficientDataReason = fmt.Sprintf("fewer than %d councils (the disclosure threshold) reported %s for %s, so the council can be compared with England on %d indicators and the model needs at least %d",
			a.MinCouncils, strings.Join(uncompared, ", "), set.Period, compared, m.cfg.MinIndicators)
		return a
	}
	var l float64
	if sumW > 0 {
		l = sumWZ / sumW
	}
	a.Score = 100 * logistic(m.intercept+m.cfg.Steepness*l)
	if l == 0 {
		// Exactly the baseline, not its floating-point round trip through
		// the logit, so an average council sits in the baseline's band.
		a.Score = a.Baseline
	}
	a.Band = BandOf(a.Score)

	// scale turns a term's share of L into points: (score − baseline)/L,
	// or its limit as L goes to 0, so the contributions sum exactly.
	p := m.cfg.BaselineScore / 100
	scale := 100 * m.cfg.Steepness * p * (1 - p)
	if math.Abs(l) > 1e-9 {
		scale = (a.Score - a.Baseline) / l
	}
	if sumW > 0 {
		for i := range a.Factors {
			f := &a.Factors[i]
			f.Contribution = f.Weight * f.Standardised / sumW * scale
		}
	}
	slices.SortStableFunc(a.Factors, func(x, y Factor) int {
		if c := cmp.Compare(y.Contribution, x.Contribution); c != 0 {
			return c
		}
		return x.Indicator.Rank() - y.Indicator.Rank()
	})
	return a
}

// Explain returns a with a plain-language explanation on every factor,
// naming the benchmarks of region. Assess explains already; AssessAll leaves
// it to the caller, for the councils it shows.
func (m Model) Explain(region reference.Region, a Assessment) Assessment {
	if len(a.Factors) == 0 {
		return a
	}
	a.Factors = slices.Clone(a.Factors)
	for i := range a.Factors {
		f := &a.Factors[i]
		spec, _ := f.Indicator.Spec()
		f.Explanation = m.explained.text(explanationKey{region: region, period: a.Period, minCouncils: a.MinCouncils, f: *f, limit: m.cfg.Cap}, spec)
	}
	return a
}

// WithholdMedians returns a with every factor's medians withheld for
// reason (disclosure.ReasonNotPermitted for a caller that may not read the
// council's indicators) and the explanations rewritten without them. The
// score and the standardised values, the council's own figures, stay.
func (m Model) WithholdMedians(region reference.Region, a Assessment, reason string) Assessment {
	if len(a.Factors) == 0 {
		return a
	}
	a.Factors = slices.Clone(a.Factors)
	for i := range a.Factors {
		f := &a.Factors[i]
		f.EnglandMedian, f.EnglandMedianWithheld = 0, reason
		f.RegionMedian, f.RegionMedianWithheld = 0, reason
	}
	return m.Explain(region, a)
}

// known counts the indicators set holds.
func known(set *indicator.Set) int {
	n := 0
	for _, v := range set.Values {
		if v.Indicator.Valid() {
			n++
		}
	}
	return n
}

// missing lists the indicators set lacks, in enum order.
func missing(set *indicator.Set) []string {
	var out []string
	for _, ind := range indicator.All() {
		if _, ok := set.Value(ind); !ok {
			out = append(out, string(ind))
		}
	}
	return out
}

func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// explain writes a factor's plain-language explanation, for example
// "Agency social worker rate: 24% against the England median of 15% and the
// North West median of 17%; 1.3 standard deviations riskier than the
// England average, adding 6.2 points."
//
// A withheld median is never named: the explanation says it is withheld
// and why instead, and an indicator too few councils reported says it is
// not compared with England.
func explain(region reference.Region, period indicator.Period, minCouncils int, spec indicator.Spec, f Factor, limit float64) string {
	var b strings.Builder
	label := spec.Label
	b.WriteString(strings.ToUpper(label[:1]) + label[1:])
	b.WriteString(": " + spec.Format(f.Value))
	switch {
	case f.EnglandMedianWithheld == disclosure.ReasonNotPermitted:
		b.WriteString(" (its England and regional medians are not shown to this caller)")
	case f.EnglandMedianWithheld != "":
	case f.RegionMedianWithheld != "":
		fmt.Fprintf(&b, " against the England median of %s (the %s median is withheld: fewer than %d of the region's councils reported it for %s)",
			spec.Format(f.EnglandMedian), RegionLabel(region), minCouncils, period)
	default:
		fmt.Fprintf(&b, " against the England median of %s and the %s median of %s",
			spec.Format(f.EnglandMedian), RegionLabel(region), spec.Format(f.RegionMedian))
	}
	if f.uncompared {
		fmt.Fprintf(&b, "; fewer than %d councils reported it for %s, so its medians are withheld and the council is not compared with England on it: it does not move the score.",
			minCouncils, period)
		return b.String()
	}
	b.WriteString("; ")
	switch {
	case f.flat:
		b.WriteString("no spread across England in this period, so it does not move the score.")
		return b.String()
	case math.Abs(f.Standardised) < 0.05:
		b.WriteString("about the England average")
	default:
		side := "riskier"
		if f.Standardised < 0 {
			side = "less risky"
		}
		fmt.Fprintf(&b, "%s standard deviations %s than the England average", one(math.Abs(f.Standardised)), side)
		if f.capped {
			fmt.Fprintf(&b, " (capped at %s)", one(limit))
		}
	}
	switch {
	case f.Weight == 0:
		b.WriteString("; it has no weight in this model, so it does not move the score.")
	case f.Contribution >= 0.05:
		fmt.Fprintf(&b, ", adding %s points.", one(f.Contribution))
	case f.Contribution <= -0.05:
		fmt.Fprintf(&b, ", taking %s points off.", one(-f.Contribution))
	default:
		b.WriteString(", moving the score by less than 0.1 points.")
	}
	return b.String()
}

// one renders v with one decimal place.
func one(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

var regionLabels = map[reference.Region]string{
	reference.NorthEast: "North East", reference.NorthWest: "North West",
	reference.YorkshireAndTheHumber: "Yorkshire and the Humber", reference.EastMidlands: "East Midlands",
	reference.WestMidlands: "West Midlands", reference.EastOfEngland: "East of England",
	reference.London: "London", reference.SouthEast: "South East", reference.SouthWest: "South West",
}

// RegionLabel names a region as people write it: "North West".
func RegionLabel(r reference.Region) string {
	if l, ok := regionLabels[r]; ok {
		return l
	}
	return "regional"
}

// ResourceName is the name of a council's risk assessment,
// localAuthorities/{gss_code}/riskAssessment.
func ResourceName(gss string) string { return resource.CouncilName(gss) + "/" + singleton }

const singleton = "riskAssessment"

// ParseName validates a risk assessment's name and returns the council's
// GSS code. field names the request field for the violation.
func ParseName(field, name string) (string, error) {
	parent, ok := strings.CutSuffix(name, "/"+singleton)
	if ok {
		if gss, err := resource.ParseCouncil(field, parent); err == nil {
			return gss, nil
		}
	}
	return "", fault.Field(field, "must be localAuthorities/{gss_code}/riskAssessment with a GSS code such as E08000035, got %q", name)
}
