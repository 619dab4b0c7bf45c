package priority

import (
	"slices"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/reference"
)

var now = time.Date(2015, time.December, 14, 9, 0, 0, 0, time.UTC)

func assessment(gss string, score float64, band Band) Assessment {
	return Assessment{
		Council: gss, DisplayName: gss, Score: score, Band: band, ModelVersion: "risk-2015.1",
		Factors: []Factor{{Contribution: 12, Explanation: "agency rate high"}},
	}
}

func councils(ps []Priority) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Council)
	}
	return out
}

func TestRankFiltersAndOrders(t *testing.T) {
	const (
		barnsley  = "E08000016"
		bradford  = "E08000032"
		calderdal = "E08000033"
		leeds     = "E08000035"
		wakefield = "E08000036"
		kirklees  = "E08000034"
	)
	sif := assessment(kirklees, 90, BandSevere)
	sif.InspectedUnderSIF = true
	cases := []struct {
		name        string
		assessments []Assessment
		reviews     []Review
		want        []string
	}{
		{
			name: "bands medium, high and severe only, highest score first",
			assessments: []Assessment{
				assessment(barnsley, 40, BandMedium),
				assessment(bradford, 10, BandLow),
				assessment(calderdal, 0, BandInsufficientData),
				assessment(leeds, 80, BandSevere),
				assessment(wakefield, 60, BandHigh),
			},
			want: []string{leeds, wakefield, barnsley},
		},
		{
			name:        "councils inspected under SIF are left out",
			assessments: []Assessment{sif, assessment(leeds, 30, BandMedium)},
			want:        []string{leeds},
		},
		{
			name:        "equal scores order by GSS code",
			assessments: []Assessment{assessment(wakefield, 50, BandHigh), assessment(barnsley, 50, BandHigh)},
			want:        []string{barnsley, wakefield},
		},
		{
			name: "each state under way excludes; cancelled does not",
			assessments: []Assessment{
				assessment(barnsley, 70, BandHigh), assessment(bradford, 69, BandHigh),
				assessment(calderdal, 68, BandHigh), assessment(leeds, 67, BandHigh),
				assessment(wakefield, 66, BandHigh),
			},
			reviews: []Review{
				{Council: barnsley, State: review.Requested}, {Council: bradford, State: review.Scheduled},
				{Council: calderdal, State: review.OnSite}, {Council: leeds, State: review.Reporting},
				{Council: wakefield, State: review.Cancelled},
			},
			want: []string{wakefield},
		},
		{
			name: "completed within twelve months excludes, thirteen months ago does not",
			assessments: []Assessment{
				assessment(barnsley, 70, BandHigh), assessment(bradford, 60, BandHigh), assessment(leeds, 50, BandHigh),
			},
			reviews: []Review{
				{Council: barnsley, State: review.Completed, Completed: now.AddDate(0, -11, 0)},
				{Council: bradford, State: review.Completed, Completed: now.AddDate(0, -13, 0)},
				{Council: leeds, State: review.Completed, Completed: now.AddDate(0, -12, 0)},
			},
			want: []string{bradford},
		},
		{
			name:        "an old completed review does not hide a new one under way",
			assessments: []Assessment{assessment(leeds, 50, BandHigh)},
			reviews: []Review{
				{Council: leeds, State: review.Completed, Completed: now.AddDate(-3, 0, 0)},
				{Council: leeds, State: review.Requested},
			},
			want: nil,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := councils(Rank(tc.assessments, tc.reviews, now))
			if !slices.Equal(got, tc.want) {
				t.Errorf("Rank = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRankCarriesTheAssessment(t *testing.T) {
	a := assessment("E08000035", 55.5, BandHigh)
	got := Rank([]Assessment{a}, nil, now)
	if len(got) != 1 {
		t.Fatalf("Rank = %v, want one priority", got)
	}
	p := got[0]
	if p.DisplayName != a.DisplayName || p.Score != 55.5 || p.Band != BandHigh || p.ModelVersion != "risk-2015.1" ||
		p.Region != reference.YorkshireAndTheHumber || !slices.Equal(p.Reasons, []string{"agency rate high"}) {
		t.Errorf("priority = %+v", p)
	}
}

func TestReasons(t *testing.T) {
	cases := []struct {
		name    string
		factors []Factor
		want    []string
	}{
		{"none", nil, nil},
		{
			"top three by contribution, whatever the input order",
			[]Factor{{5, "e"}, {20, "a"}, {1, "f"}, {15, "b"}, {10, "c"}},
			[]string{"a", "b", "c"},
		},
		{
			"factors that lower the score are not reasons",
			[]Factor{{8, "a"}, {0, "zero"}, {-4, "protective"}},
			[]string{"a"},
		},
		{"fewer than three", []Factor{{3, "a"}, {2, "b"}}, []string{"a", "b"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Reasons(tc.factors); !slices.Equal(got, tc.want) {
				t.Errorf("Reasons = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestBandAndState(t *testing.T) {
	for b, want := range map[Band]bool{
		BandInsufficientData: false, BandLow: false, BandMedium: true, BandHigh: true, BandSevere: true, "": false,
	} {
		if b.Prioritised() != want {
			t.Errorf("%q.Prioritised() = %v", b, !want)
		}
	}
	for s, want := range map[ReviewState]bool{
		review.Requested: true, review.Scheduled: true, review.OnSite: true, review.Reporting: true,
		review.Completed: false, review.Cancelled: false,
	} {
		if s.UnderWay() != want {
			t.Errorf("%q.UnderWay() = %v", s, !want)
		}
	}
}
