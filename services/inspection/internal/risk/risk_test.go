package risk

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicator"
	"github.com/turnaround-sli/turnaround/services/platform/disclosure"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/reference"
)

const period indicator.Period = 2015

// typical is a plausible mid-table value of each indicator.
var typical = map[indicator.Indicator]float64{
	indicator.ReferralRatePer10k: 550, indicator.ReReferralRate: 22, indicator.AssessmentsWithin45Days: 82,
	indicator.SecondCPPlans: 16, indicator.Caseload: 16, indicator.AgencyRate: 15, indicator.VacancyRate: 17,
	indicator.TurnoverRate: 16, indicator.PlacementInstability: 10, indicator.SpendPerChildInNeed: 2300,
	indicator.DeprivationDecile: 5, indicator.DCSChanges: 1,
}

// spread is how far values vary across the synthetic population.
var spread = map[indicator.Indicator]float64{
	indicator.ReferralRatePer10k: 150, indicator.ReReferralRate: 6, indicator.AssessmentsWithin45Days: 10,
	indicator.SecondCPPlans: 5, indicator.Caseload: 5, indicator.AgencyRate: 8, indicator.VacancyRate: 7,
	indicator.TurnoverRate: 5, indicator.PlacementInstability: 3, indicator.SpendPerChildInNeed: 600,
	indicator.DeprivationDecile: 4, indicator.DCSChanges: 1,
}

// population returns 40 councils' complete sets whose values vary
// deterministically around typical, and their benchmarks.
func population() ([]indicator.Set, indicator.Benchmarks) {
	cs := reference.Councils()[:40]
	sets := make([]indicator.Set, len(cs))
	for i, c := range cs {
		s := indicator.Set{GSSCode: c.GSSCode, Period: period}
		for k, ind := range indicator.All() {
			// A different permutation per indicator, in [-1, 1].
			// 23 is prime, so every multiplier k+2 permutes the councils.
			u := float64((i*(k+2)+k)%23-11) / 11
			v := typical[ind] + spread[ind]*u
			if spec, _ := ind.Spec(); spec.Integer {
				v = math.Round(v)
			}
			s.Values = append(s.Values, indicator.Value{Indicator: ind, Value: v})
		}
		sets[i] = s
	}
	return sets, indicator.ComputeBenchmarks(period, sets)
}

// setOf builds a set from values, in enum order.
func setOf(vals map[indicator.Indicator]float64) *indicator.Set {
	s := &indicator.Set{GSSCode: "E06000001", Period: period}
	for _, ind := range indicator.All() {
		if v, ok := vals[ind]; ok {
			s.Values = append(s.Values, indicator.Value{Indicator: ind, Value: v})
		}
	}
	return s
}

// average is a council at the England mean of every indicator.
func average(b indicator.Benchmarks) map[indicator.Indicator]float64 {
	out := map[indicator.Indicator]float64{}
	for ind, st := range b.England {
		out[ind] = st.Mean
	}
	return out
}

func TestBandOf(t *testing.T) {
	tests := []struct {
		score float64
		want  Band
	}{
		{0, Low}, {24.999, Low}, {25, Medium}, {49.999, Medium}, {50, High},
		{74.999, High}, {75, Severe}, {100, Severe},
	}
	for _, tt := range tests {
		if got := BandOf(tt.score); got != tt.want {
			t.Errorf("BandOf(%v) = %s, want %s", tt.score, got, tt.want)
		}
	}
}

func TestAverageCouncilScoresTheBaseline(t *testing.T) {
	_, b := population()
	for _, tt := range []struct {
		baseline float64
		band     Band
	}{{25, Medium}, {24.9, Low}, {50, High}, {75, Severe}, {10, Low}} {
		cfg := DefaultConfig()
		cfg.BaselineScore = tt.baseline
		m, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		a := m.Assess(reference.NorthEast, setOf(average(b)), &b)
		if math.Abs(a.Score-tt.baseline) > 1e-9 || a.Band != tt.band || a.Baseline != tt.baseline {
			t.Errorf("baseline %v: score %v band %s, want %v %s", tt.baseline, a.Score, a.Band, tt.baseline, tt.band)
		}
		for _, f := range a.Factors {
			if math.Abs(f.Contribution) > 1e-9 || math.Abs(f.Standardised) > 1e-9 {
				t.Errorf("baseline %v: average council has factor %+v", tt.baseline, f)
			}
		}
	}
}

func TestInsufficientData(t *testing.T) {
	_, b := population()
	m := Default()
	withN := func(n int) *indicator.Set {
		vals := map[indicator.Indicator]float64{}
		for _, ind := range indicator.All()[:n] {
			vals[ind] = typical[ind]
		}
		return setOf(vals)
	}
	other := b
	other.Period = 2014
	tests := []struct {
		name   string
		set    *indicator.Set
		b      *indicator.Benchmarks
		reason string // "" means scored
	}{
		{"no set", nil, &b, "no indicator set"},
		{"no set, no benchmarks", nil, nil, "no indicator set"},
		{"empty set", withN(0), &b, "holds 0 of the 12"},
		{"seven indicators", withN(7), &b, "holds 7 of the 12 indicators and the model needs at least 8; missing: TURNOVER_RATE, PLACEMENT_INSTABILITY, SPEND_PER_CHILD_IN_NEED, DEPRIVATION_DECILE, DCS_CHANGES"},
		{"eight indicators", withN(8), &b, ""},
		{"twelve indicators", withN(12), &b, ""},
		{"no benchmarks", withN(12), nil, "no England benchmarks"},
		{"benchmarks of another period", withN(12), &other, "no England benchmarks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := m.Assess(reference.NorthEast, tt.set, tt.b)
			if a.ModelVersion != m.Version() {
				t.Errorf("version %q", a.ModelVersion)
			}
			if tt.reason == "" {
				if a.Band == InsufficientData || a.InsufficientDataReason != "" || len(a.Factors) != len(tt.set.Values) || a.Period != period {
					t.Fatalf("not scored: %+v", a)
				}
				return
			}
			if a.Band != InsufficientData || a.Score != 0 || len(a.Factors) != 0 || !strings.Contains(a.InsufficientDataReason, tt.reason) {
				t.Fatalf("got band %s score %v factors %d reason %q; want INSUFFICIENT_DATA, 0, none, %q",
					a.Band, a.Score, len(a.Factors), a.InsufficientDataReason, tt.reason)
			}
		})
	}

	// The threshold is configurable.
	cfg := DefaultConfig()
	cfg.MinIndicators = 12
	strict, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a := strict.Assess(reference.NorthEast, withN(11), &b); a.Band != InsufficientData {
		t.Errorf("min 12 scored a set of 11: %+v", a)
	}
}

func TestContributionsSumToScoreMinusBaseline(t *testing.T) {
	sets, b := population()
	models := []Model{Default()}
	for _, k := range []float64{0.5, 6} {
		cfg := DefaultConfig()
		cfg.Steepness = k
		cfg.BaselineScore = 40
		m, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		models = append(models, m)
	}
	for _, m := range models {
		for _, s := range sets {
			// Drop some indicators from some councils: still explained.
			s.Values = s.Values[:8+len(s.GSSCode)%5]
			a := m.Assess(reference.NorthEast, &s, &b)
			if a.Band == InsufficientData {
				t.Fatalf("%s not scored: %s", s.GSSCode, a.InsufficientDataReason)
			}
			sum := 0.0
			for i, f := range a.Factors {
				sum += f.Contribution
				if i > 0 && f.Contribution > a.Factors[i-1].Contribution {
					t.Errorf("%s: factors not ordered by contribution: %v after %v", s.GSSCode, f.Contribution, a.Factors[i-1].Contribution)
				}
				if f.Standardised*f.Contribution < 0 {
					t.Errorf("%s %s: z %v but contribution %v", s.GSSCode, f.Indicator, f.Standardised, f.Contribution)
				}
				if f.Weight != m.Weight(f.Indicator) {
					t.Errorf("%s: weight %v, want %v", f.Indicator, f.Weight, m.Weight(f.Indicator))
				}
			}
			if math.Abs(sum-(a.Score-a.Baseline)) > 1e-9 {
				t.Errorf("%s: contributions sum to %v, score %v − baseline %v = %v", s.GSSCode, sum, a.Score, a.Baseline, a.Score-a.Baseline)
			}
			if a.Score <= 0 || a.Score >= 100 || a.Band != BandOf(a.Score) {
				t.Errorf("%s: score %v band %s", s.GSSCode, a.Score, a.Band)
			}
		}
	}
}

func TestMonotonicInEveryIndicator(t *testing.T) {
	_, b := population()
	m := Default()
	for _, ind := range indicator.All() {
		t.Run(string(ind), func(t *testing.T) {
			spec, _ := ind.Spec()
			st := b.England[ind]
			base := average(b)
			prev := -1.0
			prevZ := math.Inf(-1)
			// Walk from 4 standard deviations safer to 4 riskier.
			for step := -8; step <= 8; step++ {
				vals := make(map[indicator.Indicator]float64, len(base))
				for k, v := range base {
					vals[k] = v
				}
				vals[ind] = st.Mean + float64(spec.Direction)*float64(step)/2*st.StdDev
				a := m.Assess(reference.NorthEast, setOf(vals), &b)
				var z float64
				for _, f := range a.Factors {
					if f.Indicator == ind {
						z = f.Standardised
					}
				}
				if a.Score < prev {
					t.Fatalf("step %d: score fell from %v to %v", step, prev, a.Score)
				}
				// Strictly riskier while the value is inside the cap.
				if z > prevZ+1e-9 && a.Score <= prev {
					t.Fatalf("step %d: z rose to %v but score stayed %v", step, z, a.Score)
				}
				if math.Abs(z) > m.Config().Cap+1e-12 {
					t.Fatalf("step %d: z %v beyond the cap", step, z)
				}
				prev, prevZ = a.Score, z
			}
		})
	}
}

func TestRankingFollowsRiskyIndicators(t *testing.T) {
	_, b := population()
	m := Default()
	base := average(b)
	// Each row makes one council riskier than the average one in one
	// indicator; the riskier council must rank first.
	for _, ind := range indicator.All() {
		spec, _ := ind.Spec()
		riskier := map[indicator.Indicator]float64{}
		for k, v := range base {
			riskier[k] = v
		}
		riskier[ind] += float64(spec.Direction) * b.England[ind].StdDev
		las := []council.LocalAuthority{la("E06000001", "Aaa"), la("E06000002", "Bbb")}
		latest := map[string]indicator.Set{"E06000001": *setOf(base), "E06000002": *setOf(riskier)}
		latest["E06000002"] = withCode(latest["E06000002"], "E06000002")
		got := m.AssessAll(las, latest, map[indicator.Period]indicator.Benchmarks{period: b}, nil)
		if got[0].GSSCode != "E06000002" || !(got[0].Assessment.Score > got[1].Assessment.Score) {
			t.Errorf("%s: riskier council ranked %s first with %v vs %v", ind, got[0].GSSCode, got[0].Assessment.Score, got[1].Assessment.Score)
		}
	}
}

func val(ind indicator.Indicator, v float64) indicator.Value {
	return indicator.Value{Indicator: ind, Value: v}
}

func withCode(s indicator.Set, gss string) indicator.Set {
	s.GSSCode = gss
	return s
}

func la(gss, name string) council.LocalAuthority {
	c, _ := reference.CouncilByCode(gss)
	c.Name = name
	return council.LocalAuthority{Council: c}
}

func TestStandardisation(t *testing.T) {
	lowerDisclosureThreshold(t)
	// Two councils make the benchmarks: agency 10 and 30 (mean 20, sd 10),
	// decile 2 and 8 (mean 5, sd 3), DCS changes 1 and 1 (no spread).
	b := indicator.ComputeBenchmarks(period, []indicator.Set{
		{GSSCode: "E06000002", Period: period, Values: []indicator.Value{val(indicator.AgencyRate, 10), val(indicator.DeprivationDecile, 2), val(indicator.DCSChanges, 1)}},
		{GSSCode: "E09000002", Period: period, Values: []indicator.Value{val(indicator.AgencyRate, 30), val(indicator.DeprivationDecile, 8), val(indicator.DCSChanges, 1)}},
	})
	cfg := DefaultConfig()
	cfg.MinIndicators = 3
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ind  indicator.Indicator
		v    float64
		want float64
	}{
		{indicator.AgencyRate, 35, 1.5},
		{indicator.AgencyRate, 5, -1.5},
		{indicator.AgencyRate, 100, 3},      // capped
		{indicator.DeprivationDecile, 2, 1}, // more deprived: riskier
		{indicator.DeprivationDecile, 8, -1},
		{indicator.DeprivationDecile, 1, 4.0 / 3},
		{indicator.DCSChanges, 5, 0}, // no spread across England
	}
	for _, tt := range tests {
		vals := map[indicator.Indicator]float64{indicator.AgencyRate: 20, indicator.DeprivationDecile: 5, indicator.DCSChanges: 1}
		vals[tt.ind] = tt.v
		a := m.Assess(reference.NorthEast, setOf(vals), &b)
		found := false
		for _, f := range a.Factors {
			if f.Indicator == tt.ind {
				found = true
				if math.Abs(f.Standardised-tt.want) > 1e-12 {
					t.Errorf("%s = %v: z %v, want %v", tt.ind, tt.v, f.Standardised, tt.want)
				}
			}
		}
		if !found {
			t.Errorf("%s = %v: no factor in %+v", tt.ind, tt.v, a)
		}
	}
}

func TestExplanations(t *testing.T) {
	lowerDisclosureThreshold(t)
	b := indicator.ComputeBenchmarks(period, []indicator.Set{
		{GSSCode: "E06000006", Period: period, Values: []indicator.Value{val(indicator.AgencyRate, 10), val(indicator.DCSChanges, 1)}}, // North West
		{GSSCode: "E06000007", Period: period, Values: []indicator.Value{val(indicator.AgencyRate, 24), val(indicator.DCSChanges, 1)}}, // North West
		{GSSCode: "E09000002", Period: period, Values: []indicator.Value{val(indicator.AgencyRate, 15), val(indicator.DCSChanges, 1)}}, // London
	})
	cfg := DefaultConfig()
	cfg.MinIndicators = 2
	cfg.Weights[indicator.DCSChanges] = 0
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a := m.Assess(reference.NorthWest, setOf(map[indicator.Indicator]float64{indicator.AgencyRate: 24, indicator.DCSChanges: 1}), &b)
	want := map[indicator.Indicator][]string{
		indicator.AgencyRate: {"Agency social worker rate: 24% against the England median of 15% and the North West median of 17%; ",
			"standard deviations riskier than the England average, adding ", " points."},
		indicator.DCSChanges: {"Changes of director of children's services in two years: 1 against the England median of 1 and the North West median of 1; ",
			"no spread across England"},
	}
	if len(a.Factors) != 2 {
		t.Fatalf("factors %+v", a.Factors)
	}
	for _, f := range a.Factors {
		for _, part := range want[f.Indicator] {
			if !strings.Contains(f.Explanation, part) {
				t.Errorf("%s: %q lacks %q", f.Indicator, f.Explanation, part)
			}
		}
	}
	// A safer value reads the other way; a weightless one says so.
	b2 := indicator.ComputeBenchmarks(period, []indicator.Set{
		{GSSCode: "E06000006", Period: period, Values: []indicator.Value{val(indicator.AgencyRate, 10), val(indicator.DCSChanges, 0)}},
		{GSSCode: "E09000002", Period: period, Values: []indicator.Value{val(indicator.AgencyRate, 30), val(indicator.DCSChanges, 2)}},
	})
	a = m.Assess(reference.London, setOf(map[indicator.Indicator]float64{indicator.AgencyRate: 10, indicator.DCSChanges: 2}), &b2)
	for _, f := range a.Factors {
		switch f.Indicator {
		case indicator.AgencyRate:
			if !strings.Contains(f.Explanation, "1.0 standard deviations less risky than the England average, taking ") {
				t.Errorf("safer agency: %q", f.Explanation)
			}
		case indicator.DCSChanges:
			if !strings.Contains(f.Explanation, "it has no weight in this model") || f.Contribution != 0 {
				t.Errorf("weightless DCS: %q, %v", f.Explanation, f.Contribution)
			}
		}
	}
}

func TestNewRejectsBadConfigs(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"missing weight", func(c *Config) { delete(c.Weights, indicator.Caseload) }, "every one of the 12"},
		{"unknown indicator", func(c *Config) { delete(c.Weights, indicator.Caseload); c.Weights["SHOE_SIZE"] = 1 }, `unknown indicator "SHOE_SIZE"`},
		{"negative weight", func(c *Config) { c.Weights[indicator.Caseload] = -1 }, "CASELOAD must be from 0 to 100"},
		{"NaN weight", func(c *Config) { c.Weights[indicator.Caseload] = math.NaN() }, "CASELOAD must be from 0 to 100"},
		{"all weights zero", func(c *Config) {
			for k := range c.Weights {
				c.Weights[k] = 0
			}
		}, "at least one weight"},
		{"zero steepness", func(c *Config) { c.Steepness = 0 }, "steepness"},
		{"baseline 0", func(c *Config) { c.BaselineScore = 0 }, "baseline_score"},
		{"baseline 100", func(c *Config) { c.BaselineScore = 100 }, "baseline_score"},
		{"min indicators 0", func(c *Config) { c.MinIndicators = 0 }, "min_indicators"},
		{"min indicators 13", func(c *Config) { c.MinIndicators = 13 }, "min_indicators"},
		{"cap 0", func(c *Config) { c.Cap = 0 }, "standardised_cap"},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		tt.mod(&cfg)
		if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, want an error mentioning %q", tt.name, err, tt.want)
		}
	}
}

func TestParseModel(t *testing.T) {
	allWeights := `{"REFERRAL_RATE_PER_10K":1,"RE_REFERRAL_RATE":1,"ASSESSMENTS_WITHIN_45_DAYS":1,"SECOND_CP_PLANS":1,` +
		`"CASELOAD":1,"AGENCY_RATE":1,"VACANCY_RATE":1,"TURNOVER_RATE":1,"PLACEMENT_INSTABILITY":1,` +
		`"SPEND_PER_CHILD_IN_NEED":1,"DEPRIVATION_DECILE":1,"DCS_CHANGES":7}`
	tests := []struct {
		name  string
		json  string
		check func(Config) bool
		err   string
	}{
		{name: "empty object keeps the defaults", json: `{}`, check: func(c Config) bool {
			return c.Steepness == 2.5 && c.BaselineScore == 25 && c.MinIndicators == 8 && c.Cap == 3 && c.Weights[indicator.DeprivationDecile] == 3
		}},
		{name: "constants", json: `{"steepness": 4, "baseline_score": 30, "min_indicators": 10, "standardised_cap": 2.5}`, check: func(c Config) bool {
			return c.Steepness == 4 && c.BaselineScore == 30 && c.MinIndicators == 10 && c.Cap == 2.5
		}},
		{name: "all weights", json: `{"weights":` + allWeights + `}`, check: func(c Config) bool {
			return c.Weights[indicator.DCSChanges] == 7 && c.Weights[indicator.DeprivationDecile] == 1
		}},
		{name: "some weights", json: `{"weights": {"AGENCY_RATE": 4}}`, err: "every one of the 12"},
		{name: "unknown indicator", json: `{"weights":` + strings.Replace(allWeights, "DCS_CHANGES", "DCS", 1) + `}`, err: `unknown indicator "DCS"`},
		{name: "unknown field", json: `{"steepnes": 3}`, err: "unknown field"},
		{name: "bad value", json: `{"baseline_score": 120}`, err: "baseline_score"},
		{name: "not JSON", json: `steepness: 3`, err: "invalid character"},
		{name: "trailing data", json: `{} {}`, err: "trailing data"},
	}
	for _, tt := range tests {
		m, err := ParseModel([]byte(tt.json))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: ParseModel = %v, want an error mentioning %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || !tt.check(m.Config()) {
			t.Errorf("%s: ParseModel = %+v, %v", tt.name, m.Config(), err)
		}
	}
}

func TestVersion(t *testing.T) {
	d := Default()
	if !strings.HasPrefix(d.Version(), VersionPrefix) || len(d.Version()) != len(VersionPrefix)+12 {
		t.Fatalf("version %q", d.Version())
	}
	if again, _ := New(DefaultConfig()); again.Version() != d.Version() {
		t.Errorf("equal models have versions %q and %q", again.Version(), d.Version())
	}
	seen := map[string]string{d.Version(): "default"}
	record := func(what string, cfg Config) {
		m, err := New(cfg)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if prev, dup := seen[m.Version()]; dup {
			t.Errorf("%s has the version of %s: %q", what, prev, m.Version())
		}
		seen[m.Version()] = what
	}
	for _, ind := range indicator.All() {
		cfg := DefaultConfig()
		cfg.Weights[ind] += 0.5
		record("weight of "+string(ind), cfg)
	}
	for what, mod := range map[string]func(*Config){
		"steepness": func(c *Config) { c.Steepness = 3 },
		"baseline":  func(c *Config) { c.BaselineScore = 20 },
		"minimum":   func(c *Config) { c.MinIndicators = 9 },
		"cap":       func(c *Config) { c.Cap = 2 },
	} {
		cfg := DefaultConfig()
		mod(&cfg)
		record(what, cfg)
	}
	// The model keeps its own copy of the weights.
	cfg := DefaultConfig()
	m, _ := New(cfg)
	cfg.Weights[indicator.AgencyRate] = 99
	m.Config().Weights[indicator.AgencyRate] = 99
	if m.Weight(indicator.AgencyRate) != 2.5 || m.Version() != d.Version() {
		t.Error("changing a config after New changed the model")
	}
}

func TestDefaultWeightsFollowTheResearch(t *testing.T) {
	w := Default().Config().Weights
	heavy := []indicator.Indicator{indicator.DeprivationDecile, indicator.AgencyRate, indicator.VacancyRate,
		indicator.TurnoverRate, indicator.Caseload, indicator.DCSChanges}
	for _, ind := range indicator.All() {
		for _, h := range heavy {
			if !slices.Contains(heavy, ind) && w[ind] >= w[h] {
				t.Errorf("%s (%v) weighs as much as %s (%v)", ind, w[ind], h, w[h])
			}
		}
		if ind != indicator.DeprivationDecile && w[ind] >= w[indicator.DeprivationDecile] {
			t.Errorf("%s weighs as much as deprivation", ind)
		}
	}
}

func TestAssessAllFiltersAndOrders(t *testing.T) {
	sets, b := population()
	latest := map[string]indicator.Set{}
	var las []council.LocalAuthority
	for i, s := range sets[:12] {
		c, _ := reference.CouncilByCode(s.GSSCode)
		las = append(las, council.LocalAuthority{Council: c, InspectedUnderSIF: i%2 == 0})
		if i < 9 {
			latest[s.GSSCode] = s
		}
	}
	bs := map[indicator.Period]indicator.Benchmarks{period: b}
	m := Default()
	all := m.AssessAll(las, latest, bs, nil)
	if len(all) != 12 {
		t.Fatalf("%d assessed", len(all))
	}
	// A list leaves explanations to the councils shown; explaining one
	// gives what Assess gives.
	first := all[0]
	for _, f := range first.Assessment.Factors {
		if f.Explanation != "" {
			t.Fatalf("AssessAll explained %s", f.Indicator)
		}
	}
	s := latest[first.GSSCode]
	want := m.Assess(first.Region, &s, &b)
	got := m.ExplainCouncil(first).Assessment
	if len(got.Factors) != len(want.Factors) || got.Score != want.Score {
		t.Fatalf("explained %+v, Assess %+v", got, want)
	}
	for i := range got.Factors {
		if got.Factors[i].Explanation == "" || got.Factors[i] != want.Factors[i] {
			t.Errorf("factor %d: explained %+v, Assess %+v", i, got.Factors[i], want.Factors[i])
		}
	}
	if all[0].Assessment.Factors[0].Explanation != "" {
		t.Error("ExplainCouncil changed the list's factors")
	}
	for i, c := range all {
		insufficient := c.Assessment.Band == InsufficientData
		if i < 9 == insufficient {
			t.Errorf("position %d: %s band %s", i, c.GSSCode, c.Assessment.Band)
		}
		if i > 0 && i < 9 && c.Assessment.Score > all[i-1].Assessment.Score {
			t.Errorf("position %d: score %v above %v", i, c.Assessment.Score, all[i-1].Assessment.Score)
		}
		if i > 9 && strings.ToLower(c.Name) < strings.ToLower(all[i-1].Name) {
			t.Errorf("insufficient data not ordered by name: %s after %s", c.Name, all[i-1].Name)
		}
	}

	tests := []struct {
		filter string
		keep   func(Council) bool
	}{
		{"inspected_under_sif = false", func(c Council) bool { return !c.InspectedUnderSIF }},
		{"region = NORTH_WEST", func(c Council) bool { return c.Region == reference.NorthWest }},
		{"band = INSUFFICIENT_DATA", func(c Council) bool { return c.Assessment.Band == InsufficientData }},
		{"band = HIGH OR band = SEVERE", func(c Council) bool { return c.Assessment.Score >= 50 }},
		{"inspected_under_sif = false AND band != INSUFFICIENT_DATA", func(c Council) bool {
			return !c.InspectedUnderSIF && c.Assessment.Band != InsufficientData
		}},
	}
	for _, tt := range tests {
		f, err := filter.Compile(tt.filter, FilterSchema)
		if err != nil {
			t.Fatalf("%s: %v", tt.filter, err)
		}
		var want []string
		for _, c := range all {
			if tt.keep(c) {
				want = append(want, c.GSSCode)
			}
		}
		var got []string
		for _, c := range m.AssessAll(las, latest, bs, f) {
			got = append(got, c.GSSCode)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", tt.filter, got, want)
		}
	}
	if _, err := filter.Compile("band = PURPLE", FilterSchema); err == nil {
		t.Error("an unknown band compiled")
	}
	if _, err := filter.Compile("score > 3", FilterSchema); err == nil {
		t.Error("an unknown field compiled")
	}
}

func TestParseName(t *testing.T) {
	tests := []struct {
		in, gss string
	}{
		{"localAuthorities/E08000035/riskAssessment", "E08000035"},
		{"localAuthorities/E08000035", ""},
		{"localAuthorities/E08000035/riskAssessment/x", ""},
		{"localAuthorities/X/riskAssessment", ""},
		{"localAuthorities/-/riskAssessment", ""},
		{"", ""},
	}
	for _, tt := range tests {
		gss, err := ParseName("name", tt.in)
		if gss != tt.gss || (err == nil) != (tt.gss != "") {
			t.Errorf("ParseName(%q) = %q, %v", tt.in, gss, err)
		}
		if err == nil && ResourceName(gss) != tt.in {
			t.Errorf("ResourceName(%q) = %q", gss, ResourceName(gss))
		}
	}
}

// TestKeptExplanationsAreTheOnesWritten: explanations a model keeps are
// the texts explain writes for the same factor and context, whether the
// factor is read again, its medians withheld, or it comes from another
// council or region; and the texts kept never pass maxExplanations.
func TestKeptExplanationsAreTheOnesWritten(t *testing.T) {
	m := Default()
	sets, b := population()
	check := func(step string, region reference.Region, a Assessment) {
		t.Helper()
		for _, f := range a.Factors {
			spec, _ := f.Indicator.Spec()
			if want := explain(region, a.Period, a.MinCouncils, spec, f, m.cfg.Cap); f.Explanation != want {
				t.Fatalf("%s: %s explained %q, want %q", step, f.Indicator, f.Explanation, want)
			}
		}
	}
	for round := range 2 { // the second round reads every text kept
		for i, s := range sets {
			region := reference.Regions[i%len(reference.Regions)]
			a := m.Assess(region, &s, &b)
			if len(a.Factors) == 0 {
				t.Fatalf("council %s has no factors", s.GSSCode)
			}
			check(fmt.Sprintf("round %d, %s", round, s.GSSCode), region, a)
			check(fmt.Sprintf("round %d, %s withheld", round, s.GSSCode), region, m.WithholdMedians(region, a, disclosure.ReasonNotPermitted))
		}
	}
	if n := len(m.explained.of); n == 0 {
		t.Fatal("no explanation was kept")
	}
	// Past the bound the texts start again.
	f := Factor{Indicator: indicator.AgencyRate}
	spec, _ := f.Indicator.Spec()
	for i := range maxExplanations + 10 {
		f.Value = float64(i)
		m.explained.text(explanationKey{region: reference.London, period: period, f: f}, spec)
	}
	if n := len(m.explained.of); n > maxExplanations {
		t.Fatalf("%d explanations kept, want at most %d", n, maxExplanations)
	}
}
