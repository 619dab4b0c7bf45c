// Package whatworks is the LGA's What Works network: what completed peer
// reviews found, theme by theme, summarised so that no council can be
// identified, and curated lessons of good practice that councils agreed to
// share. It is pure Go: reviews come from reviewstore, councils' later
// grades from the inspection service and lessons from whatworksstore, all
// fetched by the caller.
//
// # Disclosure control
//
// Summaries never name a council, and every count is computed over at least
// a minimum number of councils: the suite's disclosure threshold
// (services/platform/disclosure, 10 councils unless configured otherwise),
// or more when the caller asks. Councils, not reviews, are counted: a
// council reviewed twice is still one council whose findings a caller might
// recover.
//
// When the completed reviews come from fewer councils than the minimum,
// nothing is summarised at all, not even how many reviews there were, and
// the summaries say why (FEWER_THAN_MIN_COUNCILS). Otherwise counts are grouped three ways:
// overall, by the reviewed council's region, and by the council's later
// grade (the overall grade of its latest published judgement when that was
// published after the review was completed, NOT_YET_INSPECTED otherwise).
// A group of fewer councils than the minimum could point at one council, so
// it is suppressed: its counts are folded into a group named OTHER. When
// the suppressed groups together still cover fewer councils than the
// minimum, the next smallest groups are folded in as well, until OTHER
// reaches the minimum; otherwise subtracting the published groups from the
// overall counts would reveal the small group anyway. And because the two
// breakdowns count the same reviews, groups are folded until every region's
// reviews of one later grade (every cell of the two crossed) cover the
// minimum too: otherwise a grade group minus a region group could leave the
// one council they do not share (disclosure.Breakdowns). Every suppressed
// group is listed with its reason, so a missing group is never mistaken for
// a zero.
package whatworks

import (
	"time"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/platform/disclosure"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
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

// The groupings of a summary, as a suppressed group names them.
const (
	GroupingRegion     = "region"
	GroupingLaterGrade = "later_grade"
)

// MaxMinCouncils bounds the minimum group size a caller may ask for: no
// group can hold more councils than England has.
const MaxMinCouncils = 152

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
	// Councils is the number of councils those reviews are of.
	Councils int
}

// Suppressed is a group folded into OTHER, and why (a disclosure reason:
// too few councils, or complementary suppression).
type Suppressed struct {
	Grouping string
	Group    string
	Reason   string
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
	// order; empty when Withheld is set.
	Themes []Summary
	// CompletedReviews is the number of completed reviews counted, and
	// Councils the number of councils they are of; both are counts over
	// councils too, so both are 0 when Withheld is set.
	CompletedReviews int
	Councils         int
	// MinCouncils is the fewest councils any count is computed over.
	MinCouncils int
	// Withheld is "" when the reviews are summarised, and
	// disclosure.ReasonTooFewCouncils when they come from fewer than
	// MinCouncils councils.
	Withheld string
	// Suppressed lists the groups folded into OTHER, regions first, each
	// grouping in its display order.
	Suppressed []Suppressed
}

// Summarise counts the findings of the completed reviews among reviews per
// theme, overall, by region and by later grade, over at least minCouncils
// councils each (see the package comment). latest maps a council's GSS
// code to its latest published judgement; councils missing from it have
// none. Reviews in other states are ignored.
func Summarise(reviews []review.Review, latest map[string]Judgement, minCouncils int) Summaries {
	var done []review.Review
	for _, rv := range reviews {
		if rv.State == review.Completed {
			done = append(done, rv)
		}
	}
	out := Summaries{CompletedReviews: len(done), Councils: councilsOf(done), MinCouncils: minCouncils}
	if out.Councils == 0 || out.Councils < minCouncils {
		return Summaries{MinCouncils: minCouncils, Withheld: disclosure.ReasonTooFewCouncils}
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
	regionOrder := append(fault.Names(reference.Regions), GroupOther)
	gradeOrder := append(fault.Names(reference.Grades), NotYetInspected, GroupOther)
	records := make([]disclosure.Record, len(done))
	for i, rv := range done {
		records[i] = disclosure.Record{Council: rv.GSSCode, Groups: []string{regions[i], grades[i]}}
	}
	hidden := disclosure.Breakdowns(records, 2, minCouncils)
	regions, grades = publishAs(regions, hidden[0]), publishAs(grades, hidden[1])
	out.Suppressed = append(suppressedIn(GroupingRegion, hidden[0], regionOrder),
		suppressedIn(GroupingLaterGrade, hidden[1], gradeOrder)...)

	// Every theme shares the groups, so their review and council counts
	// are counted once.
	overall := Count{Group: GroupAll, Reviews: len(done), Councils: out.Councils}
	regionSizes := sizes(done, regions)
	gradeSizes := sizes(done, grades)
	for _, theme := range reviewer.Themes {
		found := false
		s := Summary{Theme: theme, Overall: overall}
		byRegion := map[string]*Count{}
		byGrade := map[string]*Count{}
		for i, rv := range done {
			r := group(byRegion, regionSizes, regions[i])
			g := group(byGrade, gradeSizes, grades[i])
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

// councilsOf counts the distinct councils of reviews.
func councilsOf(reviews []review.Review) int {
	seen := map[string]bool{}
	for _, rv := range reviews {
		seen[rv.GSSCode] = true
	}
	return len(seen)
}

// publishAs returns, for each review's group in groups, the group it is
// published under: its own, or GroupOther when hidden withholds it.
func publishAs(groups []string, hidden map[string]string) []string {
	out := make([]string, len(groups))
	for i, g := range groups {
		out[i] = g
		if _, ok := hidden[g]; ok {
			out[i] = GroupOther
		}
	}
	return out
}

// suppressedIn lists the hidden groups of grouping in the order of order.
func suppressedIn(grouping string, hidden map[string]string, order []string) []Suppressed {
	var out []Suppressed
	for _, g := range order {
		if reason, ok := hidden[g]; ok {
			out = append(out, Suppressed{Grouping: grouping, Group: g, Reason: reason})
		}
	}
	return out
}

// sizes counts each published group's reviews and councils.
func sizes(reviews []review.Review, groups []string) map[string]Count {
	councils := map[string]map[string]bool{}
	out := map[string]Count{}
	for i, g := range groups {
		if councils[g] == nil {
			councils[g] = map[string]bool{}
		}
		councils[g][reviews[i].GSSCode] = true
		c := out[g]
		c.Group, c.Reviews, c.Councils = g, c.Reviews+1, len(councils[g])
		out[g] = c
	}
	return out
}

func group(m map[string]*Count, sizes map[string]Count, name string) *Count {
	c, ok := m[name]
	if !ok {
		sized := sizes[name]
		c = &sized
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
