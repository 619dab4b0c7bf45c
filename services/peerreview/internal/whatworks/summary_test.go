package whatworks

import (
	"fmt"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/platform/disclosure"
	"github.com/turnaround-sli/turnaround/services/reference"
)

var completeTime = time.Date(2015, time.June, 10, 15, 0, 0, 0, time.UTC)

// Councils by region, for building groups of known sizes.
var (
	london   = []string{"E09000002", "E09000003", "E09000004", "E09000005", "E09000006"} // Barking, Barnet, Bexley, Brent, Bromley
	yorks    = []string{"E08000016", "E08000032", "E08000033", "E08000034"}              // Barnsley, Bradford, Calderdale, Kirklees
	northEst = []string{"E06000047"}                                                     // County Durham
	southWst = []string{"E06000022"}                                                     // Bath and North East Somerset
)

func completed(gss string, fs ...review.Finding) review.Review {
	return review.Review{GSSCode: gss, ID: "r" + gss[1:], State: review.Completed, CompleteTime: completeTime, Findings: fs}
}

func strength(t reviewer.Theme) review.Finding {
	return review.Finding{Theme: t, Kind: review.Strength, Evidence: "good"}
}

func afi(t reviewer.Theme, s review.Severity) review.Finding {
	return review.Finding{Theme: t, Kind: review.AreaForImprovement, Severity: s, Evidence: "weak"}
}

func TestLaterGrade(t *testing.T) {
	cases := []struct {
		name   string
		latest *Judgement
		want   string
	}{
		{"no judgement", nil, NotYetInspected},
		{"published before completion", &Judgement{reference.Good, completeTime.AddDate(0, -2, 0)}, NotYetInspected},
		{"published the day of completion", &Judgement{reference.Good, day(completeTime)}, NotYetInspected},
		{"published the day after", &Judgement{reference.Inadequate, day(completeTime).AddDate(0, 0, 1)}, "INADEQUATE"},
		{"published a year after", &Judgement{reference.RequiresImprovement, completeTime.AddDate(1, 0, 0)}, "REQUIRES_IMPROVEMENT"},
		{"no grade", &Judgement{"", completeTime.AddDate(1, 0, 0)}, NotYetInspected},
	}
	for _, tc := range cases {
		if got := LaterGrade(completeTime, tc.latest); got != tc.want {
			t.Errorf("%s: LaterGrade = %s, want %s", tc.name, got, tc.want)
		}
	}
}

func day(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }

func TestSummariseCounts(t *testing.T) {
	var reviews []review.Review
	for _, gss := range london[:3] {
		reviews = append(reviews, completed(gss, strength(reviewer.Leadership), afi(reviewer.Caseloads, review.Severe)))
	}
	for _, gss := range yorks[:3] {
		reviews = append(reviews, completed(gss, afi(reviewer.Leadership, review.Minor), afi(reviewer.Leadership, review.Severe)))
	}
	// Not completed: never counted.
	reviews = append(reviews, review.Review{GSSCode: london[3], State: review.Reporting,
		Findings: []review.Finding{strength(reviewer.Permanence)}})
	later := completeTime.AddDate(0, 6, 0)
	latest := map[string]Judgement{
		london[0]: {reference.Good, later}, london[1]: {reference.Good, later}, london[2]: {reference.Good, later},
		yorks[0]: {reference.Good, completeTime.AddDate(-1, 0, 0)}, // before the review: not a later grade
	}
	got := Summarise(reviews, latest, 3)
	if got.CompletedReviews != 6 {
		t.Errorf("CompletedReviews = %d, want 6", got.CompletedReviews)
	}
	if len(got.Themes) != 2 || got.Themes[0].Theme != reviewer.Leadership || got.Themes[1].Theme != reviewer.Caseloads {
		t.Fatalf("themes = %+v, want LEADERSHIP then CASELOADS", got.Themes)
	}
	lead := got.Themes[0]
	want := Count{Group: GroupAll, Strengths: 3, AreasForImprovement: 6, Severe: 3, Reviews: 6, Councils: 6}
	if lead.Overall != want {
		t.Errorf("leadership overall = %+v, want %+v", lead.Overall, want)
	}
	wantRegions := []Count{
		{Group: "YORKSHIRE_AND_THE_HUMBER", AreasForImprovement: 6, Severe: 3, Reviews: 3, Councils: 3},
		{Group: "LONDON", Strengths: 3, Reviews: 3, Councils: 3},
	}
	if fmt.Sprint(lead.ByRegion) != fmt.Sprint(wantRegions) {
		t.Errorf("leadership by region = %+v, want %+v", lead.ByRegion, wantRegions)
	}
	wantGrades := []Count{
		{Group: "GOOD", Strengths: 3, Reviews: 3, Councils: 3},
		{Group: NotYetInspected, AreasForImprovement: 6, Severe: 3, Reviews: 3, Councils: 3},
	}
	if fmt.Sprint(lead.ByLaterGrade) != fmt.Sprint(wantGrades) {
		t.Errorf("leadership by later grade = %+v, want %+v", lead.ByLaterGrade, wantGrades)
	}
	// A group with no finding on the theme still shows its reviews.
	caseloads := got.Themes[1]
	wantRegions = []Count{
		{Group: "YORKSHIRE_AND_THE_HUMBER", Reviews: 3, Councils: 3},
		{Group: "LONDON", AreasForImprovement: 3, Severe: 3, Reviews: 3, Councils: 3},
	}
	if fmt.Sprint(caseloads.ByRegion) != fmt.Sprint(wantRegions) {
		t.Errorf("caseloads by region = %+v, want %+v", caseloads.ByRegion, wantRegions)
	}
}

func TestSummariseSuppression(t *testing.T) {
	many := func(codes ...[]string) []review.Review {
		var out []review.Review
		for _, cs := range codes {
			for _, c := range cs {
				out = append(out, completed(c, strength(reviewer.Leadership)))
			}
		}
		return out
	}
	cases := []struct {
		name    string
		reviews []review.Review
		min     int
		want    map[string]int // region group -> reviews
	}{
		{
			name:    "every group big enough",
			reviews: many(london[:3], yorks[:3]),
			min:     3,
			want:    map[string]int{"LONDON": 3, "YORKSHIRE_AND_THE_HUMBER": 3},
		},
		{
			name:    "two small groups fold into OTHER, which reaches the minimum",
			reviews: many(london[:3], yorks[:2], northEst),
			min:     3,
			want:    map[string]int{"LONDON": 3, GroupOther: 3},
		},
		{
			name:    "one small group alone would be revealed by subtraction: the next smallest joins it",
			reviews: many(london, yorks[:3], northEst),
			min:     3,
			want:    map[string]int{"LONDON": 5, GroupOther: 4},
		},
		{
			name:    "a larger minimum suppresses more",
			reviews: many(london, yorks, northEst, southWst),
			min:     5,
			want:    map[string]int{"LONDON": 5, GroupOther: 6},
		},
		{
			name:    "fewer completed reviews than the minimum: nothing is summarised",
			reviews: many(london[:2]),
			min:     3,
			want:    nil,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Summarise(tc.reviews, nil, tc.min)
			if tc.want == nil {
				// Withheld: not even the number of reviews is given.
				if len(got.Themes) != 0 || got.Withheld != disclosure.ReasonTooFewCouncils || got.MinCouncils != tc.min ||
					got.CompletedReviews != 0 || got.Councils != 0 {
					t.Errorf("got %+v, want nothing but the reason", got)
				}
				return
			}
			if got.CompletedReviews != len(tc.reviews) {
				t.Errorf("CompletedReviews = %d, want %d", got.CompletedReviews, len(tc.reviews))
			}
			if got.Withheld != "" {
				t.Errorf("withheld %q", got.Withheld)
			}
			if len(got.Themes) != 1 {
				t.Fatalf("themes = %+v, want one", got.Themes)
			}
			regions := map[string]int{}
			for _, c := range got.Themes[0].ByRegion {
				regions[c.Group] = c.Reviews
				if c.Councils < tc.min {
					t.Errorf("group %s shows %d councils, below the minimum %d", c.Group, c.Councils, tc.min)
				}
			}
			if fmt.Sprint(regions) != fmt.Sprint(tc.want) {
				t.Errorf("by region = %v, want %v", regions, tc.want)
			}
			for _, c := range got.Themes[0].ByLaterGrade {
				if c.Councils < tc.min {
					t.Errorf("grade group %s shows %d councils, below the minimum %d", c.Group, c.Councils, tc.min)
				}
			}
		})
	}
}

func TestSummariseIsDeterministic(t *testing.T) {
	var reviews []review.Review
	for _, gss := range append(append([]string{}, london...), yorks...) {
		reviews = append(reviews, completed(gss, strength(reviewer.VoiceOfTheChild), afi(reviewer.Caseloads, review.Significant)))
	}
	first := fmt.Sprint(Summarise(reviews, nil, 3))
	for range 20 {
		if got := fmt.Sprint(Summarise(reviews, nil, 3)); got != first {
			t.Fatalf("Summarise changed between calls:\n%s\n%s", first, got)
		}
	}
}
