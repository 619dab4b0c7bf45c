package match

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Fixed factor values, in thousandths.
const (
	full           = 1000 // a perfect factor value
	geoServed      = 1000 // the sponsor works in the need's region
	geoNational    = 750  // a national sponsor that does not list the region
	geoAdjacent    = 500  // the sponsor works in a region bordering it
	geoFurther     = 0    // anything further
	unlimited      = -1   // a staff-day budget that does not bind
	urgencyPerStep = full / MaxUrgency
)

// prepared is a canonical input with every pair scored and checked, pins
// applied: what both algorithms and the report work from. Needs and
// sponsors keep the canonical (id) order; pair p = need*nS + sponsor.
type prepared struct {
	in       Input
	w        Weights
	needs    []Need
	sponsors []Sponsor // capacity overrides applied
	nN, nS   int
	sc       *scorer
	views    []needView
	// total is each pair's score; Score recomputes the breakdown, so that
	// a large run holds one integer per pair rather than a whole Score.
	total   []int64
	reasons []reasonSet
	// pin is the pinned sponsor of each need, or -1.
	pin []int32
	// freeCnt and freeDays are each sponsor's room once pins are placed;
	// freeDays is unlimited (-1) without a staff-day budget.
	freeCnt  []int64
	freeDays []int64
}

// prepare scores and checks every pair of a valid, canonical input. It
// fails only when a pin breaks a hard rule or its sponsor's capacity.
func prepare(c Input, raw Overrides) (*prepared, error) {
	pr := &prepared{in: c, w: *c.Weights, needs: c.Needs, nN: len(c.Needs), nS: len(c.Sponsors)}
	pr.sponsors = slices.Clone(c.Sponsors)
	sIdx := make(map[string]int, pr.nS)
	for i, s := range pr.sponsors {
		sIdx[s.ID] = i
	}
	nIdx := make(map[string]int, pr.nN)
	for i, n := range pr.needs {
		nIdx[n.ID] = i
	}
	for _, o := range c.Overrides.Capacities {
		s := &pr.sponsors[sIdx[o.Sponsor]]
		s.Capacity.Engagements, s.Capacity.StaffDays = o.Engagements, o.StaffDays
	}
	excluded := make([]bool, pr.nS)
	for _, id := range c.Overrides.ExcludeSponsors {
		excluded[sIdx[id]] = true
	}
	forbidden := make(map[[2]int]bool, len(c.Overrides.Forbid))
	for _, p := range c.Overrides.Forbid {
		forbidden[[2]int{nIdx[p.Need], sIdx[p.Sponsor]}] = true
	}
	pr.pin = make([]int32, pr.nN)
	for i := range pr.pin {
		pr.pin[i] = -1
	}
	for _, p := range c.Overrides.Pin {
		pr.pin[nIdx[p.Need]] = int32(sIdx[p.Sponsor])
	}

	pr.freeCnt = make([]int64, pr.nS)
	pr.freeDays = make([]int64, pr.nS)
	for s, sp := range pr.sponsors {
		pr.freeCnt[s] = max(0, int64(sp.Capacity.Engagements-sp.Capacity.EngagementsInUse))
		pr.freeDays[s] = unlimited
		if sp.Capacity.StaffDays > 0 {
			pr.freeDays[s] = max(0, int64(sp.Capacity.StaffDays-sp.Capacity.StaffDaysInUse))
		}
	}

	pr.sc = newScorer(pr.w, pr.sponsors)
	pr.views = make([]needView, pr.nN)
	pr.total = make([]int64, pr.nN*pr.nS)
	pr.reasons = make([]reasonSet, pr.nN*pr.nS)
	// Looking councils and sponsors up by name for each of millions of
	// pairs would cost more than scoring them: the per-council rules
	// (members, conflicts, out-of-area placements) are gathered once by
	// council, the per-need ones by sponsor index, and each need's row is
	// built from them.
	type tie struct {
		s  int32
		r  reasonSet
		oa int
	}
	ties := map[string][]tie{}
	base := make([]reasonSet, pr.nS)
	for s, sp := range pr.sponsors {
		for _, c := range sp.MemberCouncils {
			ties[c] = append(ties[c], tie{s: int32(s), r: rMemberCouncil})
		}
		for _, c := range sp.Conflicts {
			ties[c] = append(ties[c], tie{s: int32(s), r: rDeclaredConflict})
		}
		for c, k := range sp.OutOfArea {
			if k > 0 {
				ties[c] = append(ties[c], tie{s: int32(s), oa: k})
			}
		}
		if sp.Paused {
			base[s] |= rPaused
		}
		if excluded[s] {
			base[s] |= rExcludedByRun
		}
	}
	forbid := make(map[int][]int, len(forbidden))
	for p := range forbidden {
		forbid[p[0]] = append(forbid[p[0]], p[1])
	}
	// Rows are independent: they are scored in parallel, each written to
	// its own place, so the result is the same whatever the schedule.
	inParallel(pr.nN, func(lo, hi int) {
		oa := make([]int, pr.nS)
		for n := lo; n < hi; n++ {
			need := &pr.needs[n]
			pr.views[n] = pr.sc.need(need)
			reasons := pr.reasons[n*pr.nS : (n+1)*pr.nS]
			copy(reasons, base)
			clear(oa)
			for _, t := range ties[need.Council] {
				reasons[t.s] |= t.r
				if t.oa > 0 {
					oa[t.s] = t.oa
				}
			}
			for _, id := range need.ExcludedSponsors {
				if s, ok := sIdx[id]; ok {
					reasons[s] |= rExcludedByNeed
				}
			}
			for _, s := range forbid[n] {
				reasons[s] |= rPairForbidden
			}
			for s := range pr.sponsors {
				if need.RequiresTrust && !pr.sponsors[s].CanLeadTrust {
					reasons[s] |= rTrustRequired
				}
				if pr.pin[n] >= 0 && int(pr.pin[n]) != s {
					reasons[s] |= rPinnedElsewhere
				}
				vals := pr.sc.values(pr.views[n], need, s, oa[s])
				total := pr.sc.sum(vals)
				pr.total[n*pr.nS+s] = int64(total)
				if vals[FactorExpertise] == 0 {
					reasons[s] |= rNoExpertise
				}
				if total <= 0 {
					reasons[s] |= rScoreNotPositive
				}
			}
		}
	})

	if err := pr.placePins(raw); err != nil {
		return nil, err
	}
	// Capacity reasons describe the room left once pins are placed; the
	// pinned pairs themselves were checked by placePins.
	for n := range pr.needs {
		for s := range pr.sponsors {
			if int(pr.pin[n]) == s {
				continue
			}
			p := n*pr.nS + s
			if pr.freeCnt[s] < 1 {
				pr.reasons[p] |= rNoFreeEngagement
			}
			if pr.freeDays[s] != unlimited && int64(pr.needs[n].StaffDays) > pr.freeDays[s] {
				pr.reasons[p] |= rNotEnoughDays
			}
		}
	}
	return pr, nil
}

// placePins checks each pin against the hard rules and takes its capacity,
// in need id order, reporting every broken pin at its position in raw.
func (pr *prepared) placePins(raw Overrides) error {
	at := make(map[Pair]int, len(raw.Pin))
	for i, p := range raw.Pin {
		at[p] = i
	}
	var vs fault.Violations
	for n, s32 := range pr.pin {
		if s32 < 0 {
			continue
		}
		s := int(s32)
		need, sp := &pr.needs[n], &pr.sponsors[s]
		field := fmt.Sprintf("overrides.pin[%d]", at[Pair{need.ID, sp.ID}])
		if r := pr.reasons[n*pr.nS+s] & rRules; r != 0 {
			vs.Add(field, "pinning need %s to sponsor %s breaks hard rules %v", need.ID, sp.ID, r.list())
			continue
		}
		if pr.freeCnt[s] < 1 {
			vs.Add(field, "sponsor %s has no free engagement left for need %s", sp.ID, need.ID)
			continue
		}
		if pr.freeDays[s] != unlimited && int64(need.StaffDays) > pr.freeDays[s] {
			vs.Add(field, "sponsor %s has %d staff-days left, need %s takes %d", sp.ID, pr.freeDays[s], need.ID, need.StaffDays)
			continue
		}
		pr.freeCnt[s]--
		if pr.freeDays[s] != unlimited {
			pr.freeDays[s] -= int64(need.StaffDays)
		}
	}
	return vs.Err()
}

// assignable reports whether pair p may be chosen by an algorithm.
func (pr *prepared) assignable(p int) bool { return pr.reasons[p] == 0 }

// scoreOf returns the breakdown of need n's score for sponsor s.
func (pr *prepared) scoreOf(n, s int) Score { return pr.sc.score(pr.views[n], &pr.needs[n], s) }

// scorer computes suitability with areas and regions turned into small
// integers, so that scoring every pair of a large run stays cheap.
type scorer struct {
	w         Weights
	sponsors  []Sponsor
	areas     map[Area]int
	strength  [][]int8 // per sponsor, per area id
	served    []uint16 // per sponsor, bit per region index
	adjacent  [len(regionBits)]uint16
	headCount []int // per sponsor: thousandths of engagements free after one more
}

var regionBits = [...]reference.Region{
	reference.NorthEast, reference.NorthWest, reference.YorkshireAndTheHumber, reference.EastMidlands,
	reference.WestMidlands, reference.EastOfEngland, reference.London, reference.SouthEast, reference.SouthWest,
}

func regionIndex(r reference.Region) int { return slices.Index(regionBits[:], r) }

func newScorer(w Weights, sponsors []Sponsor) *scorer {
	sc := &scorer{w: w, sponsors: sponsors, areas: map[Area]int{}}
	for _, sp := range sponsors {
		for _, e := range sp.Expertise {
			if _, ok := sc.areas[e.Area]; !ok {
				sc.areas[e.Area] = len(sc.areas)
			}
		}
	}
	sc.strength = make([][]int8, len(sponsors))
	sc.served = make([]uint16, len(sponsors))
	sc.headCount = make([]int, len(sponsors))
	for i, sp := range sponsors {
		sc.strength[i] = make([]int8, len(sc.areas))
		for _, e := range sp.Expertise {
			sc.strength[i][sc.areas[e.Area]] = int8(e.Strength)
		}
		for _, r := range sp.Regions {
			sc.served[i] |= 1 << regionIndex(r)
		}
		if c := sp.Capacity; c.Engagements > 0 {
			sc.headCount[i] = max(0, c.Engagements-c.EngagementsInUse-1) * full / c.Engagements
		}
	}
	for i, a := range regionBits {
		for j, b := range regionBits {
			if reference.Adjacent(a, b) {
				sc.adjacent[i] |= 1 << j
			}
		}
	}
	return sc
}

// needView is a need with its areas as ids.
type needView struct {
	areas   []int // area id, or -1 when no sponsor has it
	weights []int
	total   int // Σ weights
	region  int
}

func (sc *scorer) need(n *Need) needView {
	v := needView{region: regionIndex(n.Region)}
	for _, a := range n.Areas {
		id, ok := sc.areas[a.Area]
		if !ok {
			id = -1
		}
		v.areas = append(v.areas, id)
		v.weights = append(v.weights, a.Weight)
		v.total += a.Weight
	}
	return v
}

// score computes need n's suitability for sponsor s, as the package
// documentation defines it.
func (sc *scorer) score(v needView, n *Need, s int) Score {
	vals := sc.values(v, n, s, sc.sponsors[s].OutOfArea[n.Council])
	var out Score
	for f, val := range vals {
		pts := sc.weight(Factor(f)) * val
		out.Factors[f] = Contribution{Value: val, Points: pts}
		out.Total += pts
	}
	return out
}

// sum is the total of factor values, in milli-points: what score's Total
// is, without the breakdown.
func (sc *scorer) sum(vals [NumFactors]int) int {
	total := 0
	for f, val := range vals {
		total += sc.weight(Factor(f)) * val
	}
	return total
}

// weight is factor f's weight, negative for the out-of-area penalty.
func (sc *scorer) weight(f Factor) int {
	switch f {
	case FactorExpertise:
		return sc.w.Expertise
	case FactorGeography:
		return sc.w.Geography
	case FactorHeadroom:
		return sc.w.Headroom
	case FactorContinuity:
		return sc.w.Continuity
	case FactorOutOfArea:
		return -sc.w.OutOfArea
	default:
		return sc.w.Urgency
	}
}

// values computes the factor values, in thousandths, of need n for sponsor
// s, which has placed oa children into the need's council.
func (sc *scorer) values(v needView, n *Need, s int, oa int) [NumFactors]int {
	sp := &sc.sponsors[s]
	var vals [NumFactors]int

	sum := 0
	for i, id := range v.areas {
		if id >= 0 {
			sum += v.weights[i] * int(sc.strength[s][id])
		}
	}
	vals[FactorExpertise] = sum * full / (MaxStrength * v.total)

	switch bit := uint16(1) << v.region; {
	case sc.served[s]&bit != 0:
		vals[FactorGeography] = geoServed
	case sp.National:
		vals[FactorGeography] = geoNational
	case sc.served[s]&sc.adjacent[v.region] != 0:
		vals[FactorGeography] = geoAdjacent
	default:
		vals[FactorGeography] = geoFurther
	}

	head := sc.headCount[s]
	if c := sp.Capacity; c.StaffDays > 0 {
		head = min(head, max(0, c.StaffDays-c.StaffDaysInUse-n.StaffDays)*full/c.StaffDays)
	}
	vals[FactorHeadroom] = head

	if n.ContinuitySponsor == sp.ID {
		vals[FactorContinuity] = full
	}
	if oa > 0 {
		vals[FactorOutOfArea] = min(full, oa*full/sc.w.OutOfAreaFull)
	}
	vals[FactorUrgency] = n.Urgency * urgencyPerStep
	return vals
}

// needOrder returns the needs' indices in processing order: most urgent
// first, then by id (the canonical order).
func (pr *prepared) needOrder() []int32 {
	order := make([]int32, pr.nN)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int {
		return cmp.Compare(pr.needs[b].Urgency, pr.needs[a].Urgency)
	})
	return order
}
