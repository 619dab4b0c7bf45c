package match

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Beyond fullReportPairs pairs, a run that asks for every candidate
// (MaxCandidates 0) gets, per need, the compactCandidates best ranked and
// the assigned sponsor: what explains the outcome (who ranks above the
// sponsor it got, and why they were passed over) without a Candidate for
// each of millions of pairs, about 200 bytes each. A report that would run
// past the time limit compacts the needs it has not reached the same way.
const (
	fullReportPairs   = 100_000
	compactCandidates = 20
)

// report builds the explained result of an assignment (sponsor index per
// canonical need, -1 for none, pins included), by end if it can: see
// fullReportPairs.
func (pr *prepared) report(assign []int32, end time.Time) *Result {
	res := &Result{Weights: pr.w}
	useCnt := make([]int64, pr.nS)
	useDays := make([]int64, pr.nS)
	for n, s := range assign {
		if s < 0 {
			continue
		}
		useCnt[s]++
		useDays[s] += int64(pr.needs[n].StaffDays)
		res.Objective += pr.total[n*pr.nS+int(s)]
		res.Assignments = append(res.Assignments, Assignment{
			Need: pr.needs[n].ID, Council: pr.needs[n].Council, Sponsor: pr.sponsors[s].ID,
			Score: pr.scoreOf(n, int(s)), StaffDays: pr.needs[n].StaffDays, Pinned: pr.pin[n] == s,
		})
	}
	for s, sp := range pr.sponsors {
		c := sp.Capacity
		res.Sponsors = append(res.Sponsors, SponsorLoad{
			Sponsor: sp.ID, Engagements: c.Engagements, StaffDays: c.StaffDays,
			EngagementsInUse: c.EngagementsInUse, StaffDaysInUse: c.StaffDaysInUse,
			EngagementsAssigned: int(useCnt[s]), StaffDaysAssigned: int(useDays[s]),
		})
	}
	// room reports whether sponsor s could still take need n on top of
	// everything the run gave it.
	room := func(s, n int) bool {
		c := pr.sponsors[s].Capacity
		if int64(c.Engagements-c.EngagementsInUse) < useCnt[s]+1 {
			return false
		}
		return c.StaffDays == 0 || int64(c.StaffDays-c.StaffDaysInUse) >= useDays[s]+int64(pr.needs[n].StaffDays)
	}
	res.Needs = make([]NeedReport, pr.nN)
	unmatched := make([]Unmatched, pr.nN)
	first := pr.in.MaxCandidates
	if first == 0 && pr.nN*pr.nS > fullReportPairs {
		first = compactCandidates
	}
	// Needs are explained in parallel, each into its own place.
	inParallel(pr.nN, func(lo, hi int) {
		idx := make([]int, pr.nS)
		maxCand := first
		for n := lo; n < hi; n++ {
			if maxCand == 0 && (n-lo)%64 == 0 && time.Now().After(end) {
				maxCand = compactCandidates
			}
			res.Needs[n] = pr.needReport(n, assign[n], room, idx, maxCand)
			if assign[n] < 0 {
				unmatched[n] = pr.unmatched(n, room)
			}
		}
	})
	for n, s := range assign {
		if s < 0 {
			res.Unmatched = append(res.Unmatched, unmatched[n])
		}
	}
	return res
}

// needReport explains need n's outcome with its candidates, the best
// maxCand ranked and the assigned one (every sponsor when maxCand is 0).
func (pr *prepared) needReport(n int, got int32, room func(s, n int) bool, idx []int, maxCand int) NeedReport {
	need := &pr.needs[n]
	rep := NeedReport{Need: need.ID, Council: need.Council}
	var gotTotal int64
	if got >= 0 {
		rep.Sponsor = pr.sponsors[got].ID
		gotTotal = pr.total[n*pr.nS+int(got)]
	}
	row := pr.total[n*pr.nS : (n+1)*pr.nS]
	reasons := pr.reasons[n*pr.nS : (n+1)*pr.nS]
	open := func(s int) bool { return int(got) == s || reasons[s] == 0 }
	// before is the ranking: assignable first, then by score, ties in
	// sponsor id order (the canonical order of indices).
	before := func(a, b int) bool {
		if oa, ob := open(a), open(b); oa != ob {
			return oa
		}
		return row[a] > row[b] || row[a] == row[b] && a < b
	}
	type ranked struct{ s, rank int }
	var list []ranked
	if maxCand == 0 || maxCand >= pr.nS {
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int {
			if before(a, b) {
				return -1
			}
			if before(b, a) {
				return 1
			}
			return 0
		})
		list = make([]ranked, 0, len(idx))
		for r, s := range idx {
			if maxCand > 0 && r >= maxCand && int(got) != s {
				continue
			}
			list = append(list, ranked{s, r + 1})
		}
	} else {
		// Only the best maxCand are kept: select them in one pass, by
		// insertion into a short sorted list, rather than sorting the row.
		top := idx[:0]
		for s := range pr.nS {
			if len(top) == maxCand && !before(s, top[maxCand-1]) {
				continue
			}
			k := len(top)
			if k < maxCand {
				top = append(top, s)
			}
			for ; k > 0 && before(s, top[k-1]); k-- {
				if k < maxCand {
					top[k] = top[k-1]
				}
			}
			top[k] = s
		}
		list = make([]ranked, 0, len(top)+1)
		kept := false
		for r, s := range top {
			list = append(list, ranked{s, r + 1})
			kept = kept || int(got) == s
		}
		if got >= 0 && !kept {
			rank := 1
			for s := range pr.nS {
				if before(s, int(got)) {
					rank++
				}
			}
			list = append(list, ranked{int(got), rank})
		}
	}
	rep.Candidates = make([]Candidate, 0, len(list))
	for _, rs := range list {
		s, rank := rs.s, rs.rank
		assigned := int(got) == s
		c := Candidate{Sponsor: pr.sponsors[s].ID, Rank: rank, Score: pr.scoreOf(n, s), Reasons: reasons[s].list(), Assigned: assigned}
		if !assigned && reasons[s] == 0 {
			switch {
			case got >= 0 && gotTotal >= row[s]:
				c.Pass = PassLowerScore
			case !room(s, n):
				c.Pass = PassNoRoom
			default:
				c.Pass = PassNotChosen
			}
		}
		rep.Candidates = append(rep.Candidates, c)
	}
	return rep
}

// unmatched finds the binding reason need n got no sponsor: the first of
// the UnmatchedReason constants, in their order, that applies.
func (pr *prepared) unmatched(n int, room func(s, n int) bool) Unmatched {
	need := &pr.needs[n]
	u := Unmatched{Need: need.ID}
	if pr.nS == 0 {
		u.Reason, u.Detail = UnmatchedNoSponsors, "the run has no sponsors"
		return u
	}
	var passRules, trustOnly, capFree, suitable []int
	conflicted := 0
	var byReason [len(reasonOrder)]int
	for s := range pr.sponsors {
		r := pr.reasons[n*pr.nS+s]
		if r&rConflicts != 0 {
			conflicted++
		}
		for k := range reasonOrder {
			if r&rRules&(1<<k) != 0 {
				byReason[k]++
			}
		}
		switch {
		case r&rRules == 0:
			passRules = append(passRules, s)
		case r&rRules == rTrustRequired:
			trustOnly = append(trustOnly, s)
		}
		if r&(rRules|rCapacity) == 0 {
			capFree = append(capFree, s)
		}
		if r == 0 {
			suitable = append(suitable, s)
		}
	}
	switch {
	case conflicted == pr.nS:
		u.Reason = UnmatchedAllConflicted
		u.Detail = fmt.Sprintf("every sponsor (%d) has a conflict of interest with council %s", pr.nS, need.Council)
	case len(passRules) == 0 && need.RequiresTrust && len(trustOnly) > 0:
		u.Reason = UnmatchedNoTrustLead
		u.Sponsors = pr.ids(trustOnly)
		u.Detail = fmt.Sprintf("the need requires a trust lead; %s pass every other rule but cannot lead a trust", strings.Join(u.Sponsors, ", "))
	case len(passRules) == 0:
		u.Reason = UnmatchedAllIneligible
		var parts []string
		for k, r := range reasonOrder {
			if byReason[k] > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", r, byReason[k]))
			}
		}
		u.Detail = "hard rules rule out every sponsor: " + strings.Join(parts, ", ")
	case len(capFree) == 0:
		u.Reason = UnmatchedNoCapacity
		u.Sponsors = pr.ids(passRules)
		u.Detail = fmt.Sprintf("every eligible sponsor (%s) was full or short of %d staff-days before the run", strings.Join(u.Sponsors, ", "), need.StaffDays)
	case len(suitable) == 0:
		u.Reason = UnmatchedNoSuitable
		u.Sponsors = pr.ids(capFree)
		u.Detail = fmt.Sprintf("no sponsor with room (%s) has expertise in %s and a positive score", strings.Join(u.Sponsors, ", "), areaList(need))
	default:
		var left []int
		for _, s := range suitable {
			if room(s, n) {
				left = append(left, s)
			}
		}
		if len(left) > 0 {
			u.Reason = UnmatchedNotChosen
			u.Sponsors = pr.ids(left)
			u.Detail = fmt.Sprintf("%s still had room; the search stopped before proving a better assignment", strings.Join(u.Sponsors, ", "))
			return u
		}
		u.Reason = UnmatchedCapacityTaken
		u.Sponsors = pr.ids(suitable)
		u.Detail = fmt.Sprintf("no capacity left in %s: every sponsor that could take it (%s) gave its room to other needs", areaList(need), strings.Join(u.Sponsors, ", "))
	}
	return u
}

func (pr *prepared) ids(ss []int) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = pr.sponsors[s].ID
	}
	return out
}

// areaList names a need's areas, heaviest first.
func areaList(n *Need) string {
	as := slices.Clone(n.Areas)
	slices.SortStableFunc(as, func(a, b AreaWeight) int { return cmp.Compare(b.Weight, a.Weight) })
	names := make([]string, len(as))
	for i, a := range as {
		names[i] = string(a.Area)
	}
	return strings.Join(names, ", ")
}
