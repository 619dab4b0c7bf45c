package match

import (
	"testing"

	"github.com/turnaround-sli/turnaround/services/reference"
)

// TestFactors checks each factor's value for one need and one sponsor,
// against the formula in the package documentation.
func TestFactors(t *testing.T) {
	tests := []struct {
		name   string
		need   func(*Need)
		sp     func(*Sponsor)
		factor Factor
		want   int
	}{
		{"expertise: one area at full strength", nil, nil, FactorExpertise, 1000},
		{"expertise: weighted mean of strengths over five",
			func(n *Need) {
				n.Areas = []AreaWeight{{"CHILD_PROTECTION_PRACTICE", 3}, {"LEADERSHIP", 1}}
			},
			func(s *Sponsor) {
				s.Expertise = []Expertise{{"CHILD_PROTECTION_PRACTICE", 2}, {"LEADERSHIP", 4}}
			},
			FactorExpertise, (3*2 + 1*4) * 1000 / (5 * 4)},
		{"expertise: an area the sponsor lacks counts as zero",
			func(n *Need) { n.Areas = []AreaWeight{{"CHILD_PROTECTION_PRACTICE", 3}, {"CARE_LEAVERS", 1}} },
			nil, FactorExpertise, 750},
		{"expertise: none", nil, func(s *Sponsor) { s.Expertise = []Expertise{{"CARE_LEAVERS", 5}} }, FactorExpertise, 0},
		{"geography: sponsor works in the need's region", nil, nil, FactorGeography, 1000},
		{"geography: adjacent region", nil, func(s *Sponsor) { s.Regions = []reference.Region{reference.NorthEast} }, FactorGeography, 500},
		{"geography: national sponsor", nil,
			func(s *Sponsor) {
				s.Kind, s.MemberCouncils, s.National, s.Regions = Charity, nil, true, []reference.Region{reference.London}
			},
			FactorGeography, 750},
		{"geography: national sponsor listing the region", nil,
			func(s *Sponsor) {
				s.Kind, s.MemberCouncils, s.National = Charity, nil, true
			},
			FactorGeography, 1000},
		{"geography: further", nil, func(s *Sponsor) { s.Regions = []reference.Region{reference.SouthWest} }, FactorGeography, 0},
		{"headroom: engagements left after taking the need", nil,
			func(s *Sponsor) { s.Capacity = Capacity{Engagements: 4, EngagementsInUse: 1} }, FactorHeadroom, 500},
		{"headroom: staff-days when they are tighter", nil,
			func(s *Sponsor) {
				s.Capacity = Capacity{Engagements: 10, StaffDays: 100, StaffDaysInUse: 20}
			},
			FactorHeadroom, 600},
		{"headroom: engagements when they are tighter", nil,
			func(s *Sponsor) {
				s.Capacity = Capacity{Engagements: 2, StaffDays: 1000}
			},
			FactorHeadroom, 500},
		{"headroom: the last engagement leaves none", nil,
			func(s *Sponsor) { s.Capacity = Capacity{Engagements: 3, EngagementsInUse: 2} }, FactorHeadroom, 0},
		{"continuity: the existing sponsor", func(n *Need) { n.ContinuitySponsor = "s" }, nil, FactorContinuity, 1000},
		{"continuity: another sponsor", func(n *Need) { n.ContinuitySponsor = "other" }, nil, FactorContinuity, 0},
		{"out of area: children placed into the council", nil,
			func(s *Sponsor) { s.OutOfArea = map[string]int{"E08000017": 5} }, FactorOutOfArea, 250},
		{"out of area: full at twenty children", nil,
			func(s *Sponsor) { s.OutOfArea = map[string]int{"E08000017": 45} }, FactorOutOfArea, 1000},
		{"out of area: placements elsewhere do not count", nil,
			func(s *Sponsor) { s.OutOfArea = map[string]int{"E08000016": 45} }, FactorOutOfArea, 0},
		{"urgency: a fifth per level", func(n *Need) { n.Urgency = 4 }, nil, FactorUrgency, 800},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, s := baseNeed("n"), baseSponsor("s")
			if tt.need != nil {
				tt.need(&n)
			}
			if tt.sp != nil {
				tt.sp(&s)
			}
			res := solve(t, Input{Needs: []Need{n}, Sponsors: []Sponsor{s}})
			c := candidate(t, res, "n", "s")
			if got := c.Score.Factors[tt.factor].Value; got != tt.want {
				t.Errorf("%s = %d, want %d", tt.factor, got, tt.want)
			}
		})
	}
}

// TestScoreIsWeightedSum checks that points are weight × value, the
// out-of-area penalty subtracts, and the total is their sum, for the
// default weights and for weights given in the input.
func TestScoreIsWeightedSum(t *testing.T) {
	n, s := baseNeed("n"), baseSponsor("s")
	n.ContinuitySponsor = "s"
	s.OutOfArea = map[string]int{"E08000017": 10}
	s.Regions = []reference.Region{reference.NorthWest}
	custom := Weights{Expertise: 7, Geography: 0, Headroom: 3, Continuity: 100, OutOfArea: 50, Urgency: 1, OutOfAreaFull: 40}
	for _, w := range []*Weights{nil, &custom} {
		res := solve(t, Input{Needs: []Need{n}, Sponsors: []Sponsor{s}, Weights: w})
		want := DefaultWeights()
		if w != nil {
			want = *w
		}
		if res.Weights != want {
			t.Errorf("result weights %+v, want %+v", res.Weights, want)
		}
		weights := [NumFactors]int{want.Expertise, want.Geography, want.Headroom, want.Continuity, -want.OutOfArea, want.Urgency}
		c := candidate(t, res, "n", "s")
		total := 0
		for f, con := range c.Score.Factors {
			if con.Points != weights[f]*con.Value {
				t.Errorf("%s: %d points for value %d at weight %d", Factor(f), con.Points, con.Value, weights[f])
			}
			total += con.Points
		}
		if c.Score.Total != total {
			t.Errorf("total %d, points sum to %d", c.Score.Total, total)
		}
		if c.Score.Factors[FactorOutOfArea].Value != 10*1000/want.OutOfAreaFull {
			t.Errorf("out-of-area value %d with %d children full", c.Score.Factors[FactorOutOfArea].Value, want.OutOfAreaFull)
		}
	}
	if got := Factor(NumFactors).String(); got != "UNKNOWN" {
		t.Errorf("String of an unknown factor = %q", got)
	}
	if got := FactorOutOfArea.String(); got != "OUT_OF_AREA" {
		t.Errorf("FactorOutOfArea = %q", got)
	}
}

// TestExpertisePicksTheBetterSponsor is the factors at work: the sponsor
// with the stronger expertise in the weighted areas wins, and continuity
// can outweigh a small expertise difference.
func TestExpertisePicksTheBetterSponsor(t *testing.T) {
	n := baseNeed("n")
	n.Areas = []AreaWeight{{"CHILD_PROTECTION_PRACTICE", 3}, {"LEADERSHIP", 1}}
	strong, weak := baseSponsor("strong"), baseSponsor("weak")
	weak.Expertise = []Expertise{{"CHILD_PROTECTION_PRACTICE", 4}}
	res := solve(t, Input{Needs: []Need{n}, Sponsors: []Sponsor{weak, strong}})
	if got := sponsorOf(res, "n"); got != "strong" {
		t.Errorf("assigned %q, want strong", got)
	}
	if c := candidate(t, res, "n", "weak"); c.Pass != PassLowerScore || c.Rank != 2 {
		t.Errorf("weak: pass %q rank %d", c.Pass, c.Rank)
	}
	n.ContinuitySponsor = "weak"
	res = solve(t, Input{Needs: []Need{n}, Sponsors: []Sponsor{weak, strong}})
	if got := sponsorOf(res, "n"); got != "weak" {
		t.Errorf("with continuity assigned %q, want weak", got)
	}
}
