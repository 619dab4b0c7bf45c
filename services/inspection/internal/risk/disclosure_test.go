package risk

import (
	"math"
	"strings"
	"testing"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicator"
	"github.com/turnaround-sli/turnaround/services/platform/disclosure"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// lowerDisclosureThreshold lets a test compare a council with a handful of
// others; the tests below cover the default threshold.
func lowerDisclosureThreshold(t *testing.T) {
	t.Helper()
	disclosure.SetMinCouncils(1)
	t.Cleanup(func() { disclosure.SetMinCouncils(disclosure.DefaultMinCouncils) })
}

// fullSet is a complete set of gss whose every value is typical shifted by
// shift spreads, so the councils of a test differ from one another.
func fullSet(gss string, shift float64) indicator.Set {
	s := indicator.Set{GSSCode: gss, Period: period}
	for _, ind := range indicator.All() {
		s.Values = append(s.Values, indicator.Value{Indicator: ind, Value: typical[ind] + spread[ind]*shift})
	}
	return s
}

// TestTwoCouncilsGiveNothingAway is the attack on risk explanations: with
// two councils in a period, the England median, mean and spread of each
// indicator are the other council's figures in disguise, so one council's
// assessment must show none of them: it is not scored at all. From the
// threshold on, the same council is scored and explained against England.
func TestTwoCouncilsGiveNothingAway(t *testing.T) {
	m := Default()
	ne := rpctest.CouncilsIn(t, reference.NorthEast, 10)
	mine, other := fullSet(ne[0], 0.5), fullSet(ne[1], -0.75)
	b := indicator.ComputeBenchmarks(period, []indicator.Set{mine, other})
	a := m.Assess(reference.NorthEast, &mine, &b)
	if a.Band != InsufficientData || a.Score != 0 || len(a.Factors) != 0 || a.MinCouncils != disclosure.DefaultMinCouncils ||
		!strings.Contains(a.InsufficientDataReason, "fewer than 10 councils (the disclosure threshold)") ||
		!strings.Contains(a.InsufficientDataReason, "compared with England on 0 indicators") {
		t.Fatalf("two councils: %+v", a)
	}

	// Nine councils: still one short.
	sets := []indicator.Set{mine, other}
	for i, gss := range ne[2:9] {
		sets = append(sets, fullSet(gss, float64(i)/4-1))
	}
	b = indicator.ComputeBenchmarks(period, sets)
	if a := m.Assess(reference.NorthEast, &mine, &b); a.Band != InsufficientData || len(a.Factors) != 0 {
		t.Fatalf("nine councils: %+v", a)
	}

	// Ten councils, all of one region: England and region medians are
	// given, and they are the true medians of the ten.
	sets = append(sets, fullSet(ne[9], 1.25))
	b = indicator.ComputeBenchmarks(period, sets)
	a = m.Assess(reference.NorthEast, &mine, &b)
	if a.Band == InsufficientData || len(a.Factors) != indicator.Count {
		t.Fatalf("ten councils: %+v", a)
	}
	for _, f := range a.Factors {
		want := b.England[f.Indicator].Median
		if f.EnglandMedianWithheld != "" || f.RegionMedianWithheld != "" || f.EnglandMedian != want || f.RegionMedian != want {
			t.Errorf("ten councils, %s: medians %v %q, %v %q; want %v", f.Indicator, f.EnglandMedian, f.EnglandMedianWithheld, f.RegionMedian, f.RegionMedianWithheld, want)
		}
		spec, _ := f.Indicator.Spec()
		if !strings.Contains(f.Explanation, "against the England median of "+spec.Format(want)+" and the North East median of "+spec.Format(want)) {
			t.Errorf("ten councils, %s: %q", f.Indicator, f.Explanation)
		}
	}
}

// TestIndicatorOfFewCouncils: when most indicators are reported widely
// but one by two councils only, that one is shown without medians, not
// compared with England and kept out of the score, and its explanation
// names neither the other council's value nor any benchmark of it; the
// score is what it would be without the indicator.
func TestIndicatorOfFewCouncils(t *testing.T) {
	m := Default()
	ne := rpctest.CouncilsIn(t, reference.NorthEast, 12)
	var sets []indicator.Set
	for i, gss := range ne {
		s := fullSet(gss, float64(i)/4-1.5)
		if i >= 2 {
			// Only the first two report the agency rate.
			s.Values = dropIndicator(s.Values, indicator.AgencyRate)
		}
		sets = append(sets, s)
	}
	// The other council's agency rate, which must not leak.
	otherAgency, _ := sets[1].Value(indicator.AgencyRate)
	b := indicator.ComputeBenchmarks(period, sets)
	a := m.Assess(reference.NorthEast, &sets[0], &b)
	if a.Band == InsufficientData || len(a.Factors) != indicator.Count {
		t.Fatalf("assessment: %+v", a)
	}
	sum := 0.0
	for _, f := range a.Factors {
		sum += f.Contribution
		if f.Indicator != indicator.AgencyRate {
			continue
		}
		if f.EnglandMedian != 0 || f.RegionMedian != 0 || f.Standardised != 0 || f.Contribution != 0 ||
			f.EnglandMedianWithheld != disclosure.ReasonTooFewCouncils || f.RegionMedianWithheld != disclosure.ReasonTooFewCouncils {
			t.Errorf("agency factor over two councils: %+v", f)
		}
		spec, _ := f.Indicator.Spec()
		if strings.Contains(f.Explanation, spec.Format(otherAgency)) || strings.Contains(f.Explanation, "median of") ||
			!strings.Contains(f.Explanation, "fewer than 10 councils reported it for 2015") ||
			!strings.Contains(f.Explanation, "not compared with England on it: it does not move the score.") {
			t.Errorf("agency explanation %q", f.Explanation)
		}
	}
	if math.Abs(sum-(a.Score-a.Baseline)) > 1e-9 {
		t.Errorf("contributions sum to %v; score %v", sum, a.Score)
	}
	// The same council without the agency rate at all scores the same.
	without := sets[0]
	without.Values = dropIndicator(without.Values, indicator.AgencyRate)
	if b := m.Assess(reference.NorthEast, &without, &b); math.Abs(b.Score-a.Score) > 1e-9 {
		t.Errorf("score %v with an uncompared agency rate, %v without it", a.Score, b.Score)
	}
}

func dropIndicator(vals []indicator.Value, ind indicator.Indicator) []indicator.Value {
	var out []indicator.Value
	for _, v := range vals {
		if v.Indicator != ind {
			out = append(out, v)
		}
	}
	return out
}

// TestSmallRegionWithholdsOnlyItsMedian: the East Midlands has nine
// councils, fewer than the threshold, so with every council reporting its
// councils see the England median but never their region's.
func TestSmallRegionWithholdsOnlyItsMedian(t *testing.T) {
	m := Default()
	var sets []indicator.Set
	for i, c := range reference.Councils() {
		sets = append(sets, fullSet(c.GSSCode, float64(i%9)/4-1))
	}
	b := indicator.ComputeBenchmarks(period, sets)
	em := rpctest.CouncilsIn(t, reference.EastMidlands, 1)[0]
	var mine indicator.Set
	for _, s := range sets {
		if s.GSSCode == em {
			mine = s
		}
	}
	a := m.Assess(reference.EastMidlands, &mine, &b)
	if a.Band == InsufficientData || len(a.Factors) != indicator.Count {
		t.Fatalf("assessment: %+v", a)
	}
	for _, f := range a.Factors {
		spec, _ := f.Indicator.Spec()
		if f.EnglandMedianWithheld != "" || f.EnglandMedian != b.England[f.Indicator].Median ||
			f.RegionMedianWithheld != disclosure.ReasonTooFewCouncils || f.RegionMedian != 0 {
			t.Errorf("%s: %+v", f.Indicator, f)
		}
		if !strings.Contains(f.Explanation, "against the England median of "+spec.Format(f.EnglandMedian)+" (the East Midlands median is withheld: fewer than 10 of the region's councils reported it for 2015)") {
			t.Errorf("%s: %q", f.Indicator, f.Explanation)
		}
	}
}

// TestWithholdMedians is what a caller that may read a council's risk but
// not its indicators gets: the score and its attribution, no median in a
// field or in words.
func TestWithholdMedians(t *testing.T) {
	m := Default()
	sets, b := population()
	full := m.Assess(reference.NorthEast, &sets[3], &b)
	got := m.WithholdMedians(reference.NorthEast, full, disclosure.ReasonNotPermitted)
	if got.Score != full.Score || got.Band != full.Band || len(got.Factors) != len(full.Factors) {
		t.Fatalf("withheld %+v, full %+v", got, full)
	}
	for i, f := range got.Factors {
		spec, _ := f.Indicator.Spec()
		if f.EnglandMedian != 0 || f.RegionMedian != 0 || f.EnglandMedianWithheld != disclosure.ReasonNotPermitted ||
			f.RegionMedianWithheld != disclosure.ReasonNotPermitted || f.Contribution != full.Factors[i].Contribution {
			t.Errorf("%s: %+v", f.Indicator, f)
		}
		if strings.Contains(f.Explanation, "median of") || !strings.Contains(f.Explanation, "medians are not shown to this caller") ||
			!strings.HasPrefix(f.Explanation, strings.ToUpper(spec.Label[:1])+spec.Label[1:]+": "+spec.Format(f.Value)) {
			t.Errorf("%s: %q", f.Indicator, f.Explanation)
		}
	}
	// The full assessment is left as it was.
	if full.Factors[0].EnglandMedianWithheld != "" {
		t.Errorf("WithholdMedians changed its argument: %+v", full.Factors[0])
	}
}
