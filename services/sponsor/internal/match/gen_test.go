package match

import (
	"fmt"
	"math/rand/v2"

	"github.com/turnaround-sli/turnaround/services/reference"
)

// themes are the areas random instances draw from.
var themes = []Area{
	"CHILD_PROTECTION_PRACTICE", "FRONT_DOOR_AND_REFERRALS", "ASSESSMENT_TIMELINESS", "LOOKED_AFTER_PLACEMENTS",
	"PERMANENCE", "CARE_LEAVERS", "LEADERSHIP", "QUALITY_ASSURANCE", "DATA_AND_PERFORMANCE", "PARTNERSHIP_AND_LSCB",
	"WORKFORCE_STABILITY", "CASELOADS",
}

// gen describes a family of random instances.
type gen struct {
	needs, sponsors int
	// budgets gives sponsors staff-day budgets; without, only counts bind.
	budgets bool
	// tight is total free engagements over needs: below 1 some needs must
	// go unmatched.
	tight float64
	// rules sprinkles hard rules: conflicts, exclusions, trust, pauses.
	rules bool
}

// input draws one instance from g with the given seed.
func (g gen) input(seed uint64) Input {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	councils := reference.Councils()
	pick := func() reference.Council { return councils[r.IntN(len(councils))] }
	var in Input
	for i := range g.sponsors {
		s := Sponsor{ID: fmt.Sprintf("s%03d", i), CanLeadTrust: r.IntN(2) == 0}
		switch r.IntN(3) {
		case 0, 1:
			s.Kind = Council
			if r.IntN(2) == 0 {
				s.Kind = CouncilPartnership
			}
			home := pick()
			s.MemberCouncils = []string{home.GSSCode}
			if s.Kind == CouncilPartnership {
				s.MemberCouncils = append(s.MemberCouncils, pick().GSSCode)
			}
			s.Regions = []reference.Region{home.Region}
		default:
			s.Kind = Charity
			s.National = r.IntN(2) == 0
			if !s.National {
				s.Regions = []reference.Region{reference.Regions[r.IntN(9)], reference.Regions[r.IntN(9)]}
			}
		}
		for _, k := range r.Perm(len(themes))[:2+r.IntN(4)] {
			s.Expertise = append(s.Expertise, Expertise{Area: themes[k], Strength: 1 + r.IntN(MaxStrength)})
		}
		capacity := max(1, int(g.tight*float64(g.needs)/float64(g.sponsors)*(0.5+r.Float64())+0.5))
		inUse := r.IntN(capacity/3 + 1)
		s.Capacity = Capacity{Engagements: capacity + inUse, EngagementsInUse: inUse}
		if g.budgets {
			// About 20 staff-days per engagement against needs of 5 to 40
			// days: the budget, not the count, binds for most sponsors.
			days := int(float64(capacity) * 20 * (0.6 + 0.5*r.Float64()))
			used := r.IntN(20)
			s.Capacity.StaffDays, s.Capacity.StaffDaysInUse = days+used, used
		}
		if g.rules {
			if r.IntN(5) == 0 {
				s.Conflicts = []string{pick().GSSCode}
			}
			s.Paused = r.IntN(20) == 0
		}
		s.OutOfArea = map[string]int{}
		for range r.IntN(4) {
			s.OutOfArea[pick().GSSCode] = r.IntN(30)
		}
		in.Sponsors = append(in.Sponsors, s)
	}
	for i := range g.needs {
		c := pick()
		n := Need{
			ID: fmt.Sprintf("n%05d", i), Council: c.GSSCode, Region: c.Region,
			Urgency: 1 + r.IntN(MaxUrgency), StaffDays: 5 + r.IntN(36),
		}
		for _, k := range r.Perm(len(themes))[:1+r.IntN(3)] {
			n.Areas = append(n.Areas, AreaWeight{Area: themes[k], Weight: 1 + r.IntN(10)})
		}
		if g.sponsors > 0 && r.IntN(10) == 0 {
			n.ContinuitySponsor = in.Sponsors[r.IntN(g.sponsors)].ID
		}
		if g.rules && g.sponsors > 0 {
			n.RequiresTrust = r.IntN(8) == 0
			if r.IntN(10) == 0 {
				n.ExcludedSponsors = []string{in.Sponsors[r.IntN(g.sponsors)].ID}
			}
			// Some needs come from a sponsor's own area, to exercise conflicts.
			if r.IntN(10) == 0 && len(in.Sponsors[r.IntN(g.sponsors)].MemberCouncils) > 0 {
				s := in.Sponsors[r.IntN(g.sponsors)]
				if len(s.MemberCouncils) > 0 {
					home, _ := reference.CouncilByCode(s.MemberCouncils[0])
					n.Council, n.Region = home.GSSCode, home.Region
				}
			}
		}
		in.Needs = append(in.Needs, n)
	}
	return in
}
