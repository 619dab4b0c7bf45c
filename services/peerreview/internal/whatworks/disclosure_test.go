package whatworks

import (
	"testing"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/platform/disclosure"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// reviewsOf gives each council one completed review whose findings differ
// from council to council: i strengths on leadership and one severe area
// for improvement on caseloads for every third council.
func reviewsOf(councils []string) []review.Review {
	var out []review.Review
	for i, gss := range councils {
		var fs []review.Finding
		for range i%4 + 1 {
			fs = append(fs, strength(reviewer.Leadership))
		}
		if i%3 == 0 {
			fs = append(fs, afi(reviewer.Caseloads, review.Severe))
		}
		out = append(out, completed(gss, fs...))
	}
	return out
}

// TestSummariesNeedTheDisclosureThreshold: at the suite's threshold of 10
// councils, two councils' reviews are not summarised at all, so a council
// that knows its own findings cannot subtract them from a total to read
// the other's; nor are nine councils' reviews, however many reviews they
// had. Ten councils are summarised.
func TestSummariesNeedTheDisclosureThreshold(t *testing.T) {
	min := disclosure.MinCouncils()
	if min != disclosure.DefaultMinCouncils {
		t.Fatalf("threshold %d", min)
	}
	nw := rpctest.CouncilsIn(t, reference.NorthWest, 10)

	two := Summarise(reviewsOf(nw[:2]), nil, min)
	if two.Withheld != disclosure.ReasonTooFewCouncils || len(two.Themes) != 0 || two.Councils != 0 ||
		two.CompletedReviews != 0 || two.MinCouncils != 10 || len(two.Suppressed) != 0 {
		t.Errorf("two councils: %+v", two)
	}

	// Nine councils, one of them reviewed twice: ten reviews, nine
	// councils, still withheld.
	nine := reviewsOf(nw[:9])
	again := completed(nw[0], strength(reviewer.Leadership))
	again.ID = "again"
	nine = append(nine, again)
	if got := Summarise(nine, nil, min); got.Withheld != disclosure.ReasonTooFewCouncils || len(got.Themes) != 0 || got.Councils != 0 || got.CompletedReviews != 0 {
		t.Errorf("nine councils, ten reviews: %+v", got)
	}

	ten := Summarise(reviewsOf(nw), nil, min)
	if ten.Withheld != "" || len(ten.Themes) != 2 || ten.Councils != 10 || ten.MinCouncils != 10 {
		t.Fatalf("ten councils: %+v", ten)
	}
	lead := ten.Themes[0]
	// Strengths 1+2+3+4+1+2+3+4+1+2 = 23.
	if lead.Theme != reviewer.Leadership || lead.Overall.Strengths != 23 || lead.Overall.Councils != 10 ||
		len(lead.ByRegion) != 1 || lead.ByRegion[0].Group != "NORTH_WEST" || lead.ByRegion[0].Councils != 10 {
		t.Errorf("ten councils, leadership: %+v", lead)
	}
}

// TestNoGroupCanBeSolvedFor is the subtraction attack: eleven councils, ten
// in the North West and one in London. London alone is too small, and
// showing the North West would give London's counts away as the total
// minus the North West, so both fold into OTHER and the summary says why.
// For every theme, the total minus the groups shown covers either no
// council or at least the threshold.
func TestNoGroupCanBeSolvedFor(t *testing.T) {
	min := disclosure.MinCouncils()
	councils := append(rpctest.CouncilsIn(t, reference.NorthWest, 10), rpctest.CouncilsIn(t, reference.London, 1)...)
	got := Summarise(reviewsOf(councils), nil, min)
	if got.Withheld != "" || got.Councils != 11 || len(got.Themes) == 0 {
		t.Fatalf("eleven councils: %+v", got)
	}
	wantHidden := map[string]string{
		GroupingRegion + " NORTH_WEST": disclosure.ReasonComplementary,
		GroupingRegion + " LONDON":     disclosure.ReasonTooFewCouncils,
	}
	hidden := map[string]string{}
	for _, s := range got.Suppressed {
		hidden[s.Grouping+" "+s.Group] = s.Reason
	}
	for k, v := range wantHidden {
		if hidden[k] != v {
			t.Errorf("suppressed %v, want %s %s", got.Suppressed, k, v)
		}
	}
	for _, s := range got.Themes {
		for name, groups := range map[string][]Count{"region": s.ByRegion, "later grade": s.ByLaterGrade} {
			rest := s.Overall
			for _, c := range groups {
				if c.Councils < min {
					t.Errorf("%s by %s: group %s of %d councils shown", s.Theme, name, c.Group, c.Councils)
				}
				if c.Group == GroupOther {
					continue
				}
				rest.Strengths -= c.Strengths
				rest.AreasForImprovement -= c.AreasForImprovement
				rest.Reviews -= c.Reviews
				rest.Councils -= c.Councils
			}
			if rest.Councils != 0 && rest.Councils < min {
				t.Errorf("%s by %s: the total minus the groups shown covers %d councils", s.Theme, name, rest.Councils)
			}
		}
		if len(s.ByRegion) != 1 || s.ByRegion[0].Group != GroupOther || s.ByRegion[0].Councils != 11 {
			t.Errorf("%s by region: %+v, want OTHER of 11 councils only", s.Theme, s.ByRegion)
		}
	}
}

// TestBreakdownsCannotBeSubtracted is the attack across the two
// breakdowns: 31 councils, one in the North East and ten in each of the
// East of England, the North West and the South East. The North East's
// council and the South East's ten were later judged inadequate, the rest
// good. Folding only the North East (with the East of England, to make
// OTHER big enough) would show the South East and INADEQUATE, each of ten
// councils or more, and INADEQUATE minus the South East would be the North
// East's one council. The cells of the breakdowns crossed must each cover
// ten councils, so one of the two is folded as well.
func TestBreakdownsCannotBeSubtracted(t *testing.T) {
	min := disclosure.MinCouncils()
	ne := rpctest.CouncilsIn(t, reference.NorthEast, 1)
	ee := rpctest.CouncilsIn(t, reference.EastOfEngland, 10)
	nw := rpctest.CouncilsIn(t, reference.NorthWest, 10)
	se := rpctest.CouncilsIn(t, reference.SouthEast, 10)
	later := Judgement{reference.Good, completeTime.AddDate(0, 6, 0)}
	inadequate := Judgement{reference.Inadequate, completeTime.AddDate(0, 6, 0)}
	latest := map[string]Judgement{}
	for _, gss := range append(append([]string{}, ne...), se...) {
		latest[gss] = inadequate
	}
	for _, gss := range append(append([]string{}, ee...), nw...) {
		latest[gss] = later
	}
	all := append(append(append(append([]string{}, ne...), ee...), nw...), se...)
	got := Summarise(reviewsOf(all), latest, min)
	if got.Withheld != "" || got.Councils != 31 || len(got.Themes) == 0 {
		t.Fatalf("31 councils: %+v", got)
	}
	region := map[string]string{}
	grade := map[string]string{}
	for _, c := range reference.Councils() {
		region[c.GSSCode] = string(c.Region)
	}
	for gss, j := range latest {
		grade[gss] = string(j.Grade)
	}
	for _, s := range got.Themes {
		shownRegions := map[string]bool{}
		for _, c := range s.ByRegion {
			shownRegions[c.Group] = true
		}
		shownGrades := map[string]bool{}
		for _, c := range s.ByLaterGrade {
			shownGrades[c.Group] = true
		}
		if shownRegions["SOUTH_EAST"] && shownGrades["INADEQUATE"] {
			t.Fatalf("%s: the South East and INADEQUATE are both shown, so their difference is the North East's council: %+v", s.Theme, s)
		}
		// Every cell of the published groups crossed covers ten councils.
		cells := map[string]map[string]bool{}
		for _, gss := range all {
			r, g := region[gss], grade[gss]
			if !shownRegions[r] {
				r = GroupOther
			}
			if !shownGrades[g] {
				g = GroupOther
			}
			if cells[r+" "+g] == nil {
				cells[r+" "+g] = map[string]bool{}
			}
			cells[r+" "+g][gss] = true
		}
		for k, cs := range cells {
			if len(cs) < min {
				t.Errorf("%s: cell %s covers %d councils", s.Theme, k, len(cs))
			}
		}
	}
}

// BenchmarkSummariseEngland summarises two completed reviews of each of
// the 152 councils, a third of them later judged, at the default
// threshold: the cost of folding groups until every cell of the two
// breakdowns crossed is large enough.
func BenchmarkSummariseEngland(b *testing.B) {
	var reviews []review.Review
	latest := map[string]Judgement{}
	for i, c := range reference.Councils() {
		for range 2 {
			reviews = append(reviews, reviewsOf([]string{c.GSSCode})...)
		}
		if i%3 == 0 {
			latest[c.GSSCode] = Judgement{reference.Grades[i%len(reference.Grades)], completeTime.AddDate(0, 6, 0)}
		}
	}
	for b.Loop() {
		if s := Summarise(reviews, latest, disclosure.DefaultMinCouncils); s.Withheld != "" {
			b.Fatal(s.Withheld)
		}
	}
}
