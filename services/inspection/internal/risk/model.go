// Package risk is the explainable model of how likely a council is to be
// judged inadequate at its next inspection, from its public indicators. It
// is pure Go: a Model turns one council's indicator set and the period's
// benchmarks into an Assessment whose every point of score is attributed to
// an indicator, with a plain-language explanation.
//
// The model, in full:
//
//  1. Standardise. For each indicator the council reports, z = d·(x − mean)/sd,
//     where mean and sd are the England mean and population standard
//     deviation of that indicator over every council's set for the period,
//     and d is +1 when a higher value is riskier and −1 when a lower one is
//     (assessment timeliness, spend per child in need, deprivation decile).
//     So z > 0 always means riskier than the England average. z is capped at
//     ±Cap so that one extreme figure cannot decide a score alone. An
//     indicator with no spread across England (fewer than two councils, or
//     all equal) has z = 0. An indicator fewer councils reported than the
//     disclosure threshold (services/platform/disclosure, 10 by default)
//     is not compared at all: its medians, mean and spread are withheld,
//     since they would tell a council where the few others lie, and it is
//     left out of the sums below like an indicator not reported.
//  2. Combine. L = Σ w·z / Σ w over the indicators present: the weighted
//     average distance from England, in standard deviations. An indicator
//     the council does not report is left out of both sums rather than
//     assumed average or bad.
//  3. Score. score = 100·logistic(α + k·L), with α = logit(Baseline/100)
//     and k the Steepness. An England-average council (L = 0) scores
//     exactly Baseline; the default 25 is the LGA's observed rate of
//     inadequate judgements among councils inspected (20 of 80), so a score
//     reads as a modelled chance, in percent, of an inadequate judgement.
//  4. Attribute. Each factor's contribution is its share of score − Baseline
//     in proportion to its weighted standardised value:
//     contribution = (w·z/Σ w)·(score − Baseline)/L, and, at L = 0, the limit
//     (w·z/Σ w)·100·k·p·(1 − p) with p = Baseline/100. The contributions
//     therefore add up to score − Baseline exactly, each has the sign of its
//     z, and they rank the indicators as w·z does.
//  5. Band. INSUFFICIENT_DATA (score 0) when the council has no set, or its
//     newest set holds fewer than MinIndicators of the twelve indicators,
//     or fewer than MinIndicators of them can be compared with England;
//     otherwise LOW below 25, MEDIUM from 25, HIGH from 50, SEVERE from 75.
//
// The model's version is "risk-v1+" and the first 12 hex digits of the
// SHA-256 of its parameters, so any change of weights or constants gives a
// new version and every score can be reproduced.
package risk

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicator"
)

// VersionPrefix starts every model version; it changes only when the formula
// itself changes.
const VersionPrefix = "risk-v1+"

// Config holds a model's parameters, as JSON configures them.
type Config struct {
	// Weights is each indicator's relative importance, at least 0; a weight
	// of 0 leaves the indicator out of the score (it still counts towards
	// MinIndicators and is still shown). Only ratios matter: doubling every
	// weight gives the same scores.
	Weights map[indicator.Indicator]float64
	// Steepness k is how many log-odds one standard deviation of weighted
	// average distance from England adds.
	Steepness float64
	// BaselineScore is the score of an England-average council, strictly
	// between 0 and 100.
	BaselineScore float64
	// MinIndicators is how many of the twelve indicators a set needs to be
	// scored, 1 to 12.
	MinIndicators int
	// Cap bounds each standardised value to [−Cap, Cap], in standard
	// deviations.
	Cap float64
}

// DefaultConfig is the model the service runs unless configured otherwise.
// Its weights follow the research summarised in the domain brief:
// deprivation, the strongest single predictor, weighs most; then the
// workforce (agency rate, with about 27% in inadequate councils against 6%
// in outstanding ones; caseload, with more than 10 children per social
// worker a risk factor; vacancies; turnover) and leadership instability
// (changes of director); then the practice indicators (re-referrals,
// assessment timeliness, repeat child protection plans, placement
// instability); and last referral rate and spend, whose link to judgements
// is weakest.
func DefaultConfig() Config {
	return Config{
		Weights: map[indicator.Indicator]float64{
			indicator.DeprivationDecile:       3,
			indicator.AgencyRate:              2.5,
			indicator.Caseload:                2,
			indicator.VacancyRate:             2,
			indicator.DCSChanges:              2,
			indicator.TurnoverRate:            1.5,
			indicator.ReReferralRate:          1,
			indicator.AssessmentsWithin45Days: 1,
			indicator.SecondCPPlans:           1,
			indicator.PlacementInstability:    1,
			indicator.ReferralRatePer10k:      0.5,
			indicator.SpendPerChildInNeed:     0.5,
		},
		Steepness:     2.5,
		BaselineScore: 25,
		MinIndicators: 8,
		Cap:           3,
	}
}

// Model is a validated risk model. The zero Model is not usable; build one
// with New, Default or ParseModel.
type Model struct {
	cfg       Config
	intercept float64
	version   string
	// explained keeps the explanations written (nil in a zero Model).
	explained *explanations
}

// Default returns the model of DefaultConfig.
func Default() Model {
	m, err := New(DefaultConfig())
	if err != nil {
		// DefaultConfig is a constant of this package, covered by tests.
		panic(fmt.Sprintf("risk: default model: %v", err))
	}
	return m
}

// New validates cfg and returns its model.
func New(cfg Config) (Model, error) {
	var errs []error
	if len(cfg.Weights) != indicator.Count {
		errs = append(errs, fmt.Errorf("weights: every one of the %d indicators needs a weight, got %d", indicator.Count, len(cfg.Weights)))
	}
	total := 0.0
	for ind, w := range cfg.Weights {
		switch {
		case !ind.Valid():
			errs = append(errs, fmt.Errorf("weights: unknown indicator %q", ind))
		case math.IsNaN(w) || w < 0 || w > 100:
			errs = append(errs, fmt.Errorf("weights: %s must be from 0 to 100, got %v", ind, w))
		default:
			total += w
		}
	}
	if total == 0 && len(errs) == 0 {
		errs = append(errs, errors.New("weights: at least one weight must be positive"))
	}
	if !(cfg.Steepness > 0 && cfg.Steepness <= 20) {
		errs = append(errs, fmt.Errorf("steepness must be above 0 and at most 20, got %v", cfg.Steepness))
	}
	if !(cfg.BaselineScore > 0 && cfg.BaselineScore < 100) {
		errs = append(errs, fmt.Errorf("baseline_score must be strictly between 0 and 100, got %v", cfg.BaselineScore))
	}
	if cfg.MinIndicators < 1 || cfg.MinIndicators > indicator.Count {
		errs = append(errs, fmt.Errorf("min_indicators must be from 1 to %d, got %d", indicator.Count, cfg.MinIndicators))
	}
	if !(cfg.Cap > 0 && cfg.Cap <= 10) {
		errs = append(errs, fmt.Errorf("standardised_cap must be above 0 and at most 10, got %v", cfg.Cap))
	}
	if err := errors.Join(errs...); err != nil {
		return Model{}, fmt.Errorf("risk model: %w", err)
	}
	weights := make(map[indicator.Indicator]float64, len(cfg.Weights))
	for k, v := range cfg.Weights {
		weights[k] = v
	}
	cfg.Weights = weights
	p := cfg.BaselineScore / 100
	return Model{cfg: cfg, intercept: math.Log(p / (1 - p)), version: version(cfg), explained: &explanations{}}, nil
}

// configJSON is the JSON form of a Config.
type configJSON struct {
	Weights       map[string]float64 `json:"weights"`
	Steepness     *float64           `json:"steepness"`
	BaselineScore *float64           `json:"baseline_score"`
	MinIndicators *int               `json:"min_indicators"`
	Cap           *float64           `json:"standardised_cap"`
}

// ParseModel reads a model from JSON such as
//
//	{"weights": {"DEPRIVATION_DECILE": 3, "AGENCY_RATE": 2.5, ...},
//	 "steepness": 2.5, "baseline_score": 25, "min_indicators": 8, "standardised_cap": 3}
//
// A field left out keeps its DefaultConfig value; "weights", when present,
// must weigh all twelve indicators (0 switches one off), so a configuration
// file always states the whole weighting. Unknown fields and indicators are
// errors.
func ParseModel(data []byte) (Model, error) {
	var raw configJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return Model{}, fmt.Errorf("risk model: %w", err)
	}
	if dec.More() {
		return Model{}, errors.New("risk model: trailing data after the JSON object")
	}
	cfg := DefaultConfig()
	if raw.Weights != nil {
		cfg.Weights = make(map[indicator.Indicator]float64, len(raw.Weights))
		for name, w := range raw.Weights {
			cfg.Weights[indicator.Indicator(name)] = w
		}
	}
	if raw.Steepness != nil {
		cfg.Steepness = *raw.Steepness
	}
	if raw.BaselineScore != nil {
		cfg.BaselineScore = *raw.BaselineScore
	}
	if raw.MinIndicators != nil {
		cfg.MinIndicators = *raw.MinIndicators
	}
	if raw.Cap != nil {
		cfg.Cap = *raw.Cap
	}
	return New(cfg)
}

// Version identifies the model's formula and parameters.
func (m Model) Version() string { return m.version }

// Config returns a copy of the model's parameters.
func (m Model) Config() Config {
	c := m.cfg
	c.Weights = make(map[indicator.Indicator]float64, len(m.cfg.Weights))
	for k, v := range m.cfg.Weights {
		c.Weights[k] = v
	}
	return c
}

// Weight returns the weight of ind.
func (m Model) Weight(ind indicator.Indicator) float64 { return m.cfg.Weights[ind] }

// version hashes the parameters in a fixed order, so equal models always
// share a version.
func version(cfg Config) string {
	var b strings.Builder
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, ind := range indicator.All() {
		fmt.Fprintf(&b, "%s=%s\n", ind, f(cfg.Weights[ind]))
	}
	fmt.Fprintf(&b, "steepness=%s\nbaseline=%s\nmin=%d\ncap=%s\n", f(cfg.Steepness), f(cfg.BaselineScore), cfg.MinIndicators, f(cfg.Cap))
	sum := sha256.Sum256([]byte(b.String()))
	return VersionPrefix + hex.EncodeToString(sum[:])[:12]
}
