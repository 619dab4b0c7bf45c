// Package disclosure is statistical disclosure control for the aggregates the
// API returns. An aggregate over few councils can give a council's
// confidential figure away: with two councils in a period, a caller that
// knows one value solves the other from the median. So an aggregate is
// published only when at least MinCouncils councils contribute to it;
// otherwise it is withheld with a reason the caller can read.
package disclosure

import "sync/atomic"

// DefaultMinCouncils is the fewest councils an aggregate may be computed
// over, following the usual small-number suppression of official statistics.
const DefaultMinCouncils = 10

// Reasons an aggregate is withheld.
const (
	// ReasonTooFewCouncils: fewer than MinCouncils councils contribute.
	ReasonTooFewCouncils = "FEWER_THAN_MIN_COUNCILS"
	// ReasonNotPermitted: the caller may not read the underlying figures,
	// so no aggregate of them is returned either.
	ReasonNotPermitted = "NOT_PERMITTED"
)

var minCouncils atomic.Int64

func init() { minCouncils.Store(DefaultMinCouncils) }

// SetMinCouncils sets the threshold for the whole process; values below 1
// restore DefaultMinCouncils. The binary sets it once from its flags.
func SetMinCouncils(n int) {
	if n < 1 {
		n = DefaultMinCouncils
	}
	minCouncils.Store(int64(n))
}

// MinCouncils is the current threshold.
func MinCouncils() int { return int(minCouncils.Load()) }

// Withheld returns why an aggregate over councils councils may not be
// published, or "" when it may.
func Withheld(councils int) string {
	if councils < MinCouncils() {
		return ReasonTooFewCouncils
	}
	return ""
}

// Value returns v and "" when an aggregate over councils councils may be
// published, else 0 and the reason it is withheld.
func Value(v float64, councils int) (float64, string) {
	if reason := Withheld(councils); reason != "" {
		return 0, reason
	}
	return v, ""
}
