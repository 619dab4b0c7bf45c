package demo

import (
	"math"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/concern"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/projection"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// sponsorCodes are the sponsor councils of the domain brief, written out
// again so the test does not trust the generator's own table.
var sponsorCodes = []string{
	"E10000023", "E10000014", "E09000033", "E09000013", "E09000020",
	"E08000035", "E06000047", "E09000027", "E09000021",
}

// latestGrades maps each inspected council to its overall grade.
func latestGrades(d DataSet) map[string]reference.Grade {
	out := make(map[string]reference.Grade)
	for _, in := range d.Inspections {
		out[in.Council] = in.Overall()
	}
	return out
}

func TestSyntheticAndDeterministic(t *testing.T) {
	if !Synthetic {
		t.Fatal("the demo data set must be marked synthetic")
	}
	a, b := Generate(), Generate()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two calls of Generate differ")
	}
	if !a.AsOf.Equal(time.Date(2015, time.December, 14, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("as of %s, want 2015-12-14", a.AsOf)
	}
	for _, s := range a.IndicatorSets {
		if !strings.Contains(strings.ToLower(s.Source), "synthetic") {
			t.Fatalf("indicator set of %s has source %q, not labelled synthetic", s.Council, s.Source)
		}
	}
}

func TestInspectedCouncilsAndGrades(t *testing.T) {
	d := Generate()
	grades := latestGrades(d)
	if len(d.Inspections) != 80 || len(grades) != 80 {
		t.Fatalf("%d inspections of %d councils, want 80 of 80", len(d.Inspections), len(grades))
	}
	count := map[reference.Grade]int{}
	for code, g := range grades {
		if _, ok := reference.CouncilByCode(code); !ok {
			t.Errorf("inspection of unknown council %s", code)
		}
		count[g]++
	}
	checks := []struct {
		grade  reference.Grade
		lo, hi int
	}{
		{reference.Inadequate, 20, 20},
		{reference.Outstanding, 2, 6},
		{reference.Good, 20, 25},
		{reference.RequiresImprovement, 80 - 20 - 6 - 25, 80 - 20 - 2 - 20},
	}
	for _, c := range checks {
		if n := count[c.grade]; n < c.lo || n > c.hi {
			t.Errorf("%d councils %s, want %d to %d", n, c.grade, c.lo, c.hi)
		}
	}
	for _, code := range sponsorCodes {
		if g := grades[code]; g != reference.Good && g != reference.Outstanding {
			t.Errorf("sponsor council %s graded %q, want good or outstanding", code, g)
		}
	}
}

var idPattern = regexp.MustCompile(`^[a-z2-7]{12}$`)

func TestInspectionDetails(t *testing.T) {
	d := Generate()
	ids := map[string]bool{}
	first := time.Date(2014, time.January, 1, 0, 0, 0, 0, time.UTC)
	for i, in := range d.Inspections {
		if in.Framework != "SIF" {
			t.Errorf("%s: framework %q", in.Council, in.Framework)
		}
		if !idPattern.MatchString(in.ID) || ids[in.ID] {
			t.Errorf("%s: id %q is malformed or repeated", in.Council, in.ID)
		}
		ids[in.ID] = true
		if in.LeadInspector == "" {
			t.Errorf("%s: no lead inspector", in.Council)
		}
		// Dates: four weeks of fieldwork, publication six to eight weeks
		// later on a weekday, between January 2014 and as_of, in order.
		if got := in.EndDate.Sub(in.StartDate); got != 25*24*time.Hour || in.StartDate.Weekday() != time.Monday {
			t.Errorf("%s: fieldwork %s to %s", in.Council, in.StartDate, in.EndDate)
		}
		if gap := in.PublishDate.Sub(in.EndDate) / (24 * time.Hour); gap < 42 || gap > 58 {
			t.Errorf("%s: published %d days after fieldwork", in.Council, gap)
		}
		if wd := in.PublishDate.Weekday(); wd == time.Saturday || wd == time.Sunday {
			t.Errorf("%s: published on a %s", in.Council, wd)
		}
		if in.PublishDate.Before(first) || in.PublishDate.After(d.AsOf) {
			t.Errorf("%s: published %s, outside 2014-01-01 to %s", in.Council, in.PublishDate, d.AsOf)
		}
		if i > 0 && in.PublishDate.Before(d.Inspections[i-1].PublishDate) {
			t.Errorf("inspections out of publication order at %d", i)
		}
		checkJudgements(t, in)
		checkRecommendations(t, in)
	}
}

// checkJudgements asserts the SIF pattern: seven graded parts in order, each
// with its narrative; the overall grade equals the worst key judgement; no
// part is worse than the overall grade.
func checkJudgements(t *testing.T, in Inspection) {
	t.Helper()
	if len(in.Judgements) != len(Areas) {
		t.Errorf("%s: %d graded parts, want %d", in.Council, len(in.Judgements), len(Areas))
		return
	}
	for i, j := range in.Judgements {
		if j.Area != Areas[i] || !j.Grade.Valid() || j.Narrative == "" {
			t.Errorf("%s: part %d is %+v", in.Council, i, j)
		}
	}
	overall := in.Overall()
	worstKey := 0
	for _, a := range []Area{HelpAndProtection, LookedAfterAndPermanence, LeadershipManagementGovernance} {
		worstKey = max(worstKey, in.Grade(a).Rank())
	}
	if overall.Rank() != worstKey {
		t.Errorf("%s: overall %s but the worst key judgement ranks %d", in.Council, overall, worstKey)
	}
	for _, j := range in.Judgements {
		if j.Grade.Rank() > overall.Rank() {
			t.Errorf("%s: %s graded %s, worse than overall %s", in.Council, j.Area, j.Grade, overall)
		}
	}
}

func checkRecommendations(t *testing.T, in Inspection) {
	t.Helper()
	if n := len(in.Recommendations); n < 2 || n > 4 {
		t.Errorf("%s: %d recommendations, want 2 to 4", in.Council, n)
	}
	seen := map[Area]bool{}
	for _, r := range in.Recommendations {
		if !slices.Contains(Areas, r.Area) || r.Text == "" || seen[r.Area] {
			t.Errorf("%s: recommendation %+v is untagged, empty or repeats an area", in.Council, r)
		}
		seen[r.Area] = true
	}
}

// indicatorRange is the range each indicator's values must fall in, and
// whether they are whole numbers.
var indicatorRange = map[Indicator]struct {
	lo, hi  float64
	integer bool
}{
	ReferralRatePer10K:      {400, 900, false},
	ReReferralRate:          {15, 30, false},
	AssessmentsWithin45Days: {60, 95, false},
	SecondCPPlans:           {10, 25, false},
	Caseload:                {12, 25, false},
	AgencyRate:              {3, 35, false},
	VacancyRate:             {5, 30, false},
	TurnoverRate:            {10, 30, false},
	PlacementInstability:    {6, 14, false},
	SpendPerChildInNeed:     {2000, 6000, false},
	DeprivationDecile:       {1, 10, true},
	DCSChanges:              {0, 4, true},
}

func TestIndicatorSets(t *testing.T) {
	d := Generate()
	councils := reference.Councils()
	if len(d.IndicatorSets) != 152 || len(councils) != 152 {
		t.Fatalf("%d indicator sets for %d councils, want 152", len(d.IndicatorSets), len(councils))
	}
	grades := latestGrades(d)
	var partial []string
	for i, s := range d.IndicatorSets {
		if s.Council != councils[i].GSSCode || s.Period != "2015" {
			t.Errorf("set %d is %s for %q, want %s for 2015", i, s.Council, s.Period, councils[i].GSSCode)
		}
		want := Indicators
		if len(s.Values) != len(Indicators) {
			partial = append(partial, s.Council)
			want = PartialIndicators
		}
		var got []Indicator
		for _, v := range s.Values {
			got = append(got, v.Indicator)
			r := indicatorRange[v.Indicator]
			if v.Value < r.lo || v.Value > r.hi || r.integer && v.Value != math.Trunc(v.Value) {
				t.Errorf("%s: %s = %v, want %v to %v", s.Council, v.Indicator, v.Value, r.lo, r.hi)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: indicators %v, want %v", s.Council, got, want)
		}
	}
	if !slices.Equal(partial, d.Story.InsufficientData) || len(partial) != 3 {
		t.Fatalf("councils with partial sets %v, want the story's three %v", partial, d.Story.InsufficientData)
	}
	for _, code := range partial {
		if g, ok := grades[code]; ok {
			t.Errorf("council %s with insufficient data is inspected (%s)", code, g)
		}
	}
}

func TestIndicatorsTellTheRiskStory(t *testing.T) {
	d := Generate()
	grades := latestGrades(d)
	byCouncil := map[string]IndicatorSet{}
	for _, s := range d.IndicatorSets {
		byCouncil[s.Council] = s
	}

	// Agency use follows the grade: about 6% in outstanding councils and
	// 27% in inadequate ones.
	sum, n := map[reference.Grade]float64{}, map[reference.Grade]float64{}
	for code, g := range grades {
		v, _ := byCouncil[code].Value(AgencyRate)
		sum[g] += v
		n[g]++
	}
	mean := func(g reference.Grade) float64 { return sum[g] / n[g] }
	for i := 1; i < len(reference.Grades); i++ {
		better, worse := reference.Grades[i-1], reference.Grades[i]
		if mean(better) >= mean(worse) {
			t.Errorf("mean agency rate %s %.1f is not below %s %.1f", better, mean(better), worse, mean(worse))
		}
	}
	if m := mean(reference.Outstanding); m < 3 || m > 10 {
		t.Errorf("mean agency rate of outstanding councils %.1f, want about 6", m)
	}
	if m := mean(reference.Inadequate); m < 23 || m > 31 {
		t.Errorf("mean agency rate of inadequate councils %.1f, want about 27", m)
	}

	// A transparent model, the mean of standardised indicators signed so
	// that higher is worse, ranks the story's high-risk councils first among
	// the uninspected ones it can score.
	worseWhenLower := map[Indicator]bool{AssessmentsWithin45Days: true, DeprivationDecile: true}
	stats := map[Indicator][2]float64{}
	for _, ind := range Indicators {
		var vs []float64
		for _, s := range d.IndicatorSets {
			if v, ok := s.Value(ind); ok {
				vs = append(vs, v)
			}
		}
		stats[ind] = meanSD(vs)
	}
	type scored struct {
		council string
		score   float64
	}
	var uninspected []scored
	for _, s := range d.IndicatorSets {
		if _, ok := grades[s.Council]; ok || len(s.Values) < len(Indicators) {
			continue
		}
		score := 0.0
		for _, v := range s.Values {
			z := (v.Value - stats[v.Indicator][0]) / stats[v.Indicator][1]
			if worseWhenLower[v.Indicator] {
				z = -z
			}
			score += z / float64(len(Indicators))
		}
		uninspected = append(uninspected, scored{s.Council, score})
	}
	sort.Slice(uninspected, func(i, j int) bool { return uninspected[i].score > uninspected[j].score })
	var top []string
	for _, s := range uninspected[:len(d.Story.HighRisk)] {
		top = append(top, s.council)
	}
	slices.Sort(top)
	want := slices.Sorted(slices.Values(d.Story.HighRisk))
	if !slices.Equal(top, want) {
		t.Errorf("the highest-scoring uninspected councils are %v, want the story's high-risk %v", top, want)
	}
	if gap := uninspected[len(want)-1].score - uninspected[len(want)].score; gap < 0.25 {
		t.Errorf("the high-risk councils stand only %.2f above the rest, want them clearly apart", gap)
	}
	for _, code := range d.Story.HighRisk {
		if _, ok := grades[code]; ok {
			t.Errorf("high-risk council %s is already inspected", code)
		}
	}
}

func meanSD(vs []float64) [2]float64 {
	var m float64
	for _, v := range vs {
		m += v
	}
	m /= float64(len(vs))
	var ss float64
	for _, v := range vs {
		ss += (v - m) * (v - m)
	}
	return [2]float64{m, math.Sqrt(ss / float64(len(vs)))}
}

func within(a, b time.Time, days int) bool {
	d := a.Sub(b)
	if d < 0 {
		d = -d
	}
	return d <= time.Duration(days)*24*time.Hour
}

func TestConcernsFireExactlyOneTrigger(t *testing.T) {
	d := Generate()
	if n := len(d.Concerns); n < 6 || n > 10 {
		t.Fatalf("%d concerns, want 6 to 10", n)
	}
	grades := latestGrades(d)
	autumn := time.Date(2015, time.September, 1, 0, 0, 0, 0, time.UTC)
	byCouncil := map[string][]Concern{}
	ids := map[string]bool{}
	for i, c := range d.Concerns {
		if _, ok := reference.CouncilByCode(c.Council); !ok {
			t.Errorf("concern about unknown council %q", c.Council)
		}
		if c.ReceivedDate.Before(autumn) || c.ReceivedDate.After(d.AsOf) {
			t.Errorf("concern %s received %s, outside autumn 2015", c.ID, c.ReceivedDate)
		}
		if i > 0 && c.ReceivedDate.Before(d.Concerns[i-1].ReceivedDate) {
			t.Errorf("concerns out of order at %d", i)
		}
		if c.Narrative == "" || c.Source == "" || !idPattern.MatchString(c.ID) || ids[c.ID] {
			t.Errorf("concern %+v lacks a narrative, a source or a unique id", c)
		}
		ids[c.ID] = true
		if c.Severity == concern.Critical {
			t.Errorf("concern %s is critical", c.ID)
		}
		if c.Kind == concern.LeadershipInstability {
			if g := grades[c.Council]; g == reference.RequiresImprovement || g == reference.Inadequate {
				t.Errorf("leadership instability at %s, graded %s", c.Council, g)
			}
		}
		byCouncil[c.Council] = append(byCouncil[c.Council], c)
	}
	var fired []string
	for council, cs := range byCouncil {
		pair := false
		for _, a := range cs {
			for _, b := range cs {
				if a.Kind == concern.SeriousIncident && b.Kind == concern.Whistleblowing && within(a.ReceivedDate, b.ReceivedDate, 90) {
					pair = true
				}
			}
		}
		if pair {
			fired = append(fired, council)
		}
		for _, a := range cs {
			high := 0
			for _, b := range cs {
				if (b.Severity == concern.High || b.Severity == concern.Critical) && !b.ReceivedDate.Before(a.ReceivedDate) && within(a.ReceivedDate, b.ReceivedDate, 180) {
					high++
				}
			}
			if high >= 3 {
				t.Errorf("%s has %d high-severity concerns within 180 days", council, high)
			}
		}
	}
	if len(fired) != 1 || fired[0] != d.Story.TriggerCouncil {
		t.Fatalf("serious incident with whistleblowing within 90 days at %v, want only %s", fired, d.Story.TriggerCouncil)
	}
}

func TestProjectionOverTheDemoReads38(t *testing.T) {
	d := Generate()
	var js []projection.Judgement
	for _, in := range d.Inspections {
		js = append(js, projection.Judgement{
			Council: in.Council, Framework: in.Framework, OverallGrade: in.Overall(), PublishDate: in.PublishDate,
		})
	}
	p, err := projection.Project(js, d.AsOf, projection.DefaultTarget, len(reference.Councils()))
	if err != nil {
		t.Fatal(err)
	}
	if p.Inspected != 80 || p.Inadequate != 20 || p.ProjectedWhenAllInspected != 38 {
		t.Fatalf("%d of %d inadequate, projected %d; want 20 of 80 and 38", p.Inadequate, p.Inspected, p.ProjectedWhenAllInspected)
	}
	if p.ProjectedInspectedByTarget <= p.Inspected || p.ProjectedInspectedByTarget > 152 {
		t.Fatalf("projected %d inspected by April 2017", p.ProjectedInspectedByTarget)
	}
}
