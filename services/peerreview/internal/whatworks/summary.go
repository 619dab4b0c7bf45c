// Package whatworks is the LGA's What Works network: what completed peer
// reviews found, theme by theme, summarised so that no council can be
// identified, and curated lessons of good practice that councils agreed to
// share. It is pure Go: reviews come from reviewstore, councils' later
// grades from the inspection service and lessons from whatworksstore, all
// fetched by the caller.
//
// # Anonymity
//
// Summaries never name a council. Counts are grouped three ways: overall,
// by the reviewed council's region, and by the council's later grade (the
// overall grade of its latest published judgement when that was published
// after the review was completed, NOT_YET_INSPECTED otherwise). A group
// holding fewer completed reviews than the minimum group size could point
// at one council, so it is suppressed: its counts are folded into a group
// named OTHER. When the suppressed groups together still hold fewer reviews
// than the minimum, the next smallest groups are folded in as well, until
// OTHER reaches the minimum; otherwise subtracting the published groups
// from the overall counts would reveal the small group anyway. When all
// completed reviews together are fewer than the minimum, nothing is
// summarised at all.
package whatworks

import (
	"cmp"
	"slices"
	"time"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Group names besides regions and grades.
const (
	// GroupAll is the group of every completed review.
	GroupAll = "ALL"
	// GroupOther holds the suppressed groups' counts.
	GroupOther = "OTHER"
	// NotYetInspected is the later grade of a council with no judgement
	// published after its review.
	NotYetInspected = "NOT_YET_INSPECTED"
)

// DefaultMinGroupSize is the smallest group of reviews a summary shows. It
// is also the least a caller may ask for: a smaller group could describe a
// single council.
const DefaultMinGroupSize = 3

// MaxMinGroupSize bounds the minimum group size a caller may ask for.
const MaxMinGroupSize = 1000

// Judgement is a council's latest published graded judgement.
type Judgement struct {
	Grade reference.Grade
	// Published is the publication day, midnight UTC.
	Published time.Time
}

// LaterGrade is the group of a review completed at completed in a council
// whose latest judgement is latest (nil for none): the judgement's grade
// when it was published on a day after the day of completion, and
// NotYetInspected otherwise.
func LaterGrade(completed time.Time, latest *Judgement) string {
	if latest == nil || !latest.Grade.Valid() {
		return NotYetInspected
	}
	c := completed.UTC()
	day := time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, time.UTC)
	if !latest.Published.After(day) {
		return NotYetInspected
	}
	return string(latest.Grade)
}

// Count is one group's counts for one theme.
type Count struct {
	Group               string
	Strengths           int
	AreasForImprovement int
	Severe              int
	// Reviews is the number of completed reviews in the group, whether or
	// not they found anything on the theme.
	Reviews int
}

// Summary is one theme's counts overall and per group.
type Summary struct {
	Theme        reviewer.Theme
	Overall      Count
	ByRegion     []Count
	ByLaterGrade []Count
}

// Summaries is the What Works summary of the completed reviews.
type Summaries struct {
	// Themes holds one summary per theme with any finding, in taxonomy
	// order; empty when the completed reviews are fewer than the minimum
	// group size.
	Themes []Summary
	// CompletedReviews is the number of completed reviews counted.
	CompletedReviews int
}

// Summarise counts the findings of the completed reviews among reviews per
// theme, overall, by region and by later grade, suppressing groups smaller
// than minGroupSize (see the package comment). latest maps a council's GSS
// code to its latest published judgement; councils missing from it have
// none. Reviews in other states are ignored.
func Summarise(reviews []review.Review, latest map[string]Judgement, minGroupSize int) Summaries {
	var done []review.Review
	for _, rv := range reviews {
		if rv.State == review.Completed {
			done = append(done, rv)
		}
	}
	out := Summaries{CompletedReviews: len(done)}
	if len(done) == 0 || len(done) < minGroupSize {
		return out
	}
	regions := make([]string, len(done))
	grades := make([]string, len(done))
	for i, rv := range done {
		c, _ := reference.CouncilByCode(rv.GSSCode)
		regions[i] = string(c.Region)
		var j *Judgement
		if l, ok := latest[rv.GSSCode]; ok {
			j = &l
		}
		grades[i] = LaterGrade(rv.CompleteTime, j)
	}
	regions = publishAs(regions, minGroupSize)
	grades = publishAs(grades, minGroupSize)
	regionOrder := append(names(reference.Regions), GroupOther)
	gradeOrder := append(names(reference.Grades), NotYetInspected, GroupOther)

	for _, theme := range reviewer.Themes {
		found := false
		s := Summary{Theme: theme, Overall: Count{Group: GroupAll}}
		byRegion := map[string]*Count{}
		byGrade := map[string]*Count{}
		for i, rv := range done {
			r := group(byRegion, regions[i])
			g := group(byGrade, grades[i])
			for _, c := range []*Count{&s.Overall, r, g} {
				c.Reviews++
			}
			for _, f := range rv.Findings {
				if f.Theme != theme {
					continue
				}
				found = true
				for _, c := range []*Count{&s.Overall, r, g} {
					tally(c, f)
				}
			}
		}
		if !found {
			continue
		}
		s.ByRegion = ordered(byRegion, regionOrder)
		s.ByLaterGrade = ordered(byGrade, gradeOrder)
		out.Themes = append(out.Themes, s)
	}
	return out
}

// publishAs returns, for each review's group in groups, the group it is
// published under: its own, or GroupOther when suppressed. Groups with
// fewer than min reviews are suppressed first; then, while the suppressed
// groups hold fewer than min reviews together, the smallest remaining group
// joins them (ties by name, so the choice is deterministic). The caller
// guarantees len(groups) >= min, so OTHER always ends up with at least min
// reviews when it exists.
func publishAs(groups []string, min int) []string {
	size := map[string]int{}
	for _, g := range groups {
		size[g]++
	}
	type sized struct {
		name string
		n    int
	}
	var all []sized
	for g, n := range size {
		all = append(all, sized{g, n})
	}
	slices.SortFunc(all, func(a, b sized) int {
		if c := cmp.Compare(a.n, b.n); c != 0 {
			return c
		}
		return cmp.Compare(a.name, b.name)
	})
	suppressed := map[string]bool{}
	total := 0
	for _, g := range all {
		if g.n < min {
			suppressed[g.name] = true
			total += g.n
		}
	}
	for _, g := range all {
		if total == 0 || total >= min {
			break
		}
		if !suppressed[g.name] {
			suppressed[g.name] = true
			total += g.n
		}
	}
	out := make([]string, len(groups))
	for i, g := range groups {
		out[i] = g
		if suppressed[g] {
			out[i] = GroupOther
		}
	}
	return out
}

func group(m map[string]*Count, name string) *Count {
	c, ok := m[name]
	if !ok {
		c = &Count{Group: name}
		m[name] = c
	}
	return c
}

func tally(c *Count, f review.Finding) {
	switch f.Kind {
	case review.Strength:
		c.Strengths++
	case review.AreaForImprovement:
		c.AreasForImprovement++
		if f.Severity == review.Severe {
			c.Severe++
		}
	}
}

// ordered lists the groups of m in the order of order.
func ordered(m map[string]*Count, order []string) []Count {
	out := make([]Count, 0, len(m))
	for _, name := range order {
		if c, ok := m[name]; ok {
			out = append(out, *c)
		}
	}
	return out
}

func names[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}
