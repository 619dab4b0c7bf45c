// Package disclosure is statistical disclosure control for the aggregates the
// API returns. An aggregate over few councils can give a council's
// confidential figure away: with two councils in a period, a caller that
// knows one value solves the other from the median. So an aggregate is
// published only when at least MinCouncils councils contribute to it;
// otherwise it is withheld with a reason the caller can read.
//
// Counts by group need one more step (Groups): a group too small to show is
// folded into a group of the rest, and when the rest is still too small the
// next smallest groups join it, since otherwise the total minus the groups
// shown would give the small group away.
package disclosure

import (
	"cmp"
	"slices"
	"sync/atomic"
)

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
	// ReasonComplementary: a group of enough councils, withheld because
	// showing it would let a caller subtract the groups shown from the
	// total and recover a smaller withheld group.
	ReasonComplementary = "COMPLEMENTARY"
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

// Groups decides which groups of a breakdown may be shown on their own.
// members maps each group to the councils its figures are computed over (a
// council may sit in more than one group, and may be listed more than
// once). It returns the groups to withhold, with the reason for each; the
// caller folds them into one group of the rest, which then covers at least
// min councils, or withholds everything when all groups together cover
// fewer.
//
// A group of fewer than min councils is withheld (ReasonTooFewCouncils).
// While the withheld groups together cover more than none but fewer than
// min councils, the smallest group still shown joins them (fewest councils
// first, ties by name, ReasonComplementary). Because groups are always
// taken smallest first, the groups withheld at a threshold are a subset of
// those withheld at any higher one, so asking at two thresholds and
// subtracting shows nothing that either answer did not.
func Groups(members map[string][]string, min int) map[string]string {
	type group struct {
		name     string
		councils map[string]bool
	}
	all := make([]group, 0, len(members))
	for name, cs := range members {
		g := group{name: name, councils: map[string]bool{}}
		for _, c := range cs {
			g.councils[c] = true
		}
		all = append(all, g)
	}
	slices.SortFunc(all, func(a, b group) int {
		if c := cmp.Compare(len(a.councils), len(b.councils)); c != 0 {
			return c
		}
		return cmp.Compare(a.name, b.name)
	})
	out := map[string]string{}
	covered := map[string]bool{}
	for _, g := range all {
		if len(g.councils) < min {
			out[g.name] = ReasonTooFewCouncils
			for c := range g.councils {
				covered[c] = true
			}
		}
	}
	for _, g := range all {
		if len(covered) == 0 || len(covered) >= min {
			break
		}
		if _, withheld := out[g.name]; withheld {
			continue
		}
		out[g.name] = ReasonComplementary
		for c := range g.councils {
			covered[c] = true
		}
	}
	return out
}
