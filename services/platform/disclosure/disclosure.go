// Package disclosure is statistical disclosure control for the aggregates the
// API returns. An aggregate over few councils can give a council's
// confidential figure away: with two councils in a period, a caller that
// knows one value solves the other from the median. So an aggregate is
// published only when at least MinCouncils councils contribute to it;
// otherwise it is withheld with a reason the caller can read.
//
// Counts by group need one more step (Breakdowns): a group too small to
// show is folded into a group of the rest, and when the rest is still too
// small the next smallest groups join it, since otherwise the total minus
// the groups shown would give the small group away.
package disclosure

import (
	"cmp"
	"slices"
	"strings"
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

// Record is one record an aggregate counts: its council, and its group in
// each breakdown (Groups[i] in breakdown i).
type Record struct {
	Council string
	Groups  []string
}

// Breakdowns decides which groups of several breakdowns of the same records
// (by region and by grade, say) may be shown on their own, so that no
// combination of the figures shown covers fewer than min councils. It
// returns, per breakdown, the groups to withhold with the reason for each
// (ReasonTooFewCouncils or ReasonComplementary); the caller folds each
// breakdown's withheld groups into one group of the rest.
//
// Groups are withheld smallest first (fewest councils, then breakdown, then
// name) until every group shown and every group of the rest covers at least
// min councils, and so does every non-empty cell of the breakdowns crossed
// (a region's records of one grade). That last check is what makes several
// breakdowns safe together: whatever a caller adds and subtracts of the
// figures shown, the records it isolates are whole cells, so it cannot
// isolate fewer than min councils; without it, a grade group minus a region
// group could leave the one council they do not share. Because the order
// does not depend on min, the groups withheld at one threshold are withheld
// at every higher one: asking at two thresholds and subtracting isolates
// nothing smaller either. When all records together cover fewer than min
// councils, everything is withheld.
func Breakdowns(records []Record, breakdowns, min int) []map[string]string {
	type group struct {
		breakdown int
		name      string
		councils  int
	}
	members := make([]map[string]map[string]bool, breakdowns)
	for i := range members {
		members[i] = map[string]map[string]bool{}
	}
	for _, r := range records {
		for i := range breakdowns {
			g := r.Groups[i]
			if members[i][g] == nil {
				members[i][g] = map[string]bool{}
			}
			members[i][g][r.Council] = true
		}
	}
	var order []group
	for i, gs := range members {
		for name, cs := range gs {
			order = append(order, group{i, name, len(cs)})
		}
	}
	slices.SortFunc(order, func(a, b group) int {
		if c := cmp.Compare(a.councils, b.councils); c != 0 {
			return c
		}
		if c := cmp.Compare(a.breakdown, b.breakdown); c != 0 {
			return c
		}
		return cmp.Compare(a.name, b.name)
	})
	withheld := make([]map[string]bool, breakdowns)
	for i := range withheld {
		withheld[i] = map[string]bool{}
	}
	for k := 0; k < len(order) && !safe(records, withheld, min); k++ {
		withheld[order[k].breakdown][order[k].name] = true
	}
	out := make([]map[string]string, breakdowns)
	for i := range out {
		out[i] = map[string]string{}
		for g := range withheld[i] {
			out[i][g] = ReasonComplementary
			if len(members[i][g]) < min {
				out[i][g] = ReasonTooFewCouncils
			}
		}
	}
	return out
}

// safe reports whether, with the groups in withheld folded into one group
// of the rest per breakdown, every cell of the breakdowns crossed covers at
// least min councils. The cells include each breakdown's groups as the
// breakdowns' common refinement, so with one breakdown the check is that
// every group shown and the rest cover min councils.
func safe(records []Record, withheld []map[string]bool, min int) bool {
	cells := map[string]map[string]bool{}
	for _, r := range records {
		var key strings.Builder
		for i, g := range r.Groups[:len(withheld)] {
			if withheld[i][g] {
				g = "\x01" // the rest: no group's name
			}
			key.WriteString(g)
			key.WriteByte(0)
		}
		k := key.String()
		if cells[k] == nil {
			cells[k] = map[string]bool{}
		}
		cells[k][r.Council] = true
	}
	for _, cs := range cells {
		if len(cs) < min {
			return false
		}
	}
	return true
}
