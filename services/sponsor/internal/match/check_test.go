package match

import (
	"cmp"
	"context"
	"slices"
	"testing"

	"github.com/turnaround-sli/turnaround/services/reference"
)

// solve runs Solve and fails the test on error.
func solve(t *testing.T, in Input) *Result {
	t.Helper()
	res, err := Solve(context.Background(), in)
	if err != nil {
		t.Fatalf("Solve: %v", err)
	}
	return res
}

// instanceOf is the engine's instance of the canonical form of in.
func instanceOf(t testing.TB, in Input) *instance {
	t.Helper()
	c := canonical(in)
	pr, err := prepare(c, c.Overrides)
	if err != nil {
		t.Fatal(err)
	}
	return newInstance(pr)
}

// baseNeed is a need of Doncaster (Yorkshire and The Humber) for child
// protection practice.
func baseNeed(id string) Need {
	return Need{ID: id, Council: "E08000017", Region: reference.YorkshireAndTheHumber, Urgency: 3, StaffDays: 20,
		Areas: []AreaWeight{{Area: "CHILD_PROTECTION_PRACTICE", Weight: 1}}}
}

// baseSponsor is a Leeds-like council sponsor strong in child protection,
// in the need's region, with room for two engagements and no budget.
func baseSponsor(id string) Sponsor {
	return Sponsor{ID: id, Kind: Council, MemberCouncils: []string{"E08000035"}, Regions: []reference.Region{reference.YorkshireAndTheHumber},
		Expertise: []Expertise{{Area: "CHILD_PROTECTION_PRACTICE", Strength: 5}}, Capacity: Capacity{Engagements: 2}}
}

// candidate returns need's candidate for sponsor in res.
func candidate(t *testing.T, res *Result, need, sponsor string) Candidate {
	t.Helper()
	for _, n := range res.Needs {
		if n.Need != need {
			continue
		}
		for _, c := range n.Candidates {
			if c.Sponsor == sponsor {
				return c
			}
		}
	}
	t.Fatalf("no candidate %s for need %s", sponsor, need)
	return Candidate{}
}

// sponsorOf returns the sponsor res gives need, or "".
func sponsorOf(res *Result, need string) string {
	for _, a := range res.Assignments {
		if a.Need == need {
			return a.Sponsor
		}
	}
	return ""
}

// checkInvariants verifies, independently of the engine's own bookkeeping,
// that res respects every hard rule, pin and capacity of in and that its
// reports and numbers are consistent.
func checkInvariants(t *testing.T, in Input, res *Result) {
	t.Helper()
	needs := map[string]Need{}
	for _, n := range in.Needs {
		needs[n.ID] = n
	}
	sponsors := map[string]Sponsor{}
	for _, s := range in.Sponsors {
		sponsors[s.ID] = s
	}
	for _, o := range in.Overrides.Capacities {
		s := sponsors[o.Sponsor]
		s.Capacity.Engagements, s.Capacity.StaffDays = o.Engagements, o.StaffDays
		sponsors[o.Sponsor] = s
	}
	pins := map[string]string{}
	for _, p := range in.Overrides.Pin {
		pins[p.Need] = p.Sponsor
	}
	forbidden := map[Pair]bool{}
	for _, p := range in.Overrides.Forbid {
		forbidden[p] = true
	}
	cnt, days := map[string]int{}, map[string]int{}
	seen := map[string]bool{}
	var objective int64
	for _, a := range res.Assignments {
		n, okN := needs[a.Need]
		s, okS := sponsors[a.Sponsor]
		if !okN || !okS {
			t.Fatalf("assignment %s–%s names an unknown need or sponsor", a.Need, a.Sponsor)
		}
		if seen[a.Need] {
			t.Errorf("need %s assigned twice", a.Need)
		}
		seen[a.Need] = true
		cnt[a.Sponsor]++
		days[a.Sponsor] += n.StaffDays
		objective += int64(a.Score.Total)
		switch {
		case s.Paused:
			t.Errorf("%s–%s: sponsor paused", a.Need, a.Sponsor)
		case slices.Contains(in.Overrides.ExcludeSponsors, s.ID):
			t.Errorf("%s–%s: sponsor excluded by the run", a.Need, a.Sponsor)
		case slices.Contains(n.ExcludedSponsors, s.ID):
			t.Errorf("%s–%s: sponsor excluded by the need", a.Need, a.Sponsor)
		case slices.Contains(s.MemberCouncils, n.Council):
			t.Errorf("%s–%s: the council is a member of the sponsor", a.Need, a.Sponsor)
		case slices.Contains(s.Conflicts, n.Council):
			t.Errorf("%s–%s: declared conflict", a.Need, a.Sponsor)
		case n.RequiresTrust && !s.CanLeadTrust:
			t.Errorf("%s–%s: trust lead required", a.Need, a.Sponsor)
		case forbidden[Pair{a.Need, a.Sponsor}]:
			t.Errorf("%s–%s: pair forbidden", a.Need, a.Sponsor)
		}
		if p, ok := pins[a.Need]; ok && p != a.Sponsor {
			t.Errorf("need %s pinned to %s, assigned %s", a.Need, p, a.Sponsor)
		}
		if a.Pinned != (pins[a.Need] == a.Sponsor) {
			t.Errorf("%s–%s: Pinned = %v", a.Need, a.Sponsor, a.Pinned)
		}
		if !a.Pinned && (a.Score.Total <= 0 || a.Score.Factors[FactorExpertise].Value == 0) {
			t.Errorf("%s–%s: assigned with score %d, expertise %d", a.Need, a.Sponsor, a.Score.Total, a.Score.Factors[FactorExpertise].Value)
		}
	}
	for n, s := range pins {
		if sponsorOf(res, n) != s {
			t.Errorf("pin %s–%s not in the result", n, s)
		}
	}
	for id, s := range sponsors {
		c := s.Capacity
		if free := c.Engagements - c.EngagementsInUse; cnt[id] > max(0, free) {
			t.Errorf("sponsor %s: %d engagements assigned, %d free", id, cnt[id], free)
		}
		if c.StaffDays > 0 && days[id] > max(0, c.StaffDays-c.StaffDaysInUse) {
			t.Errorf("sponsor %s: %d staff-days assigned, %d free", id, days[id], c.StaffDays-c.StaffDaysInUse)
		}
	}
	for _, l := range res.Sponsors {
		if l.EngagementsAssigned != cnt[l.Sponsor] || l.StaffDaysAssigned != days[l.Sponsor] {
			t.Errorf("sponsor %s load %d/%d, assignments give %d/%d", l.Sponsor, l.EngagementsAssigned, l.StaffDaysAssigned, cnt[l.Sponsor], days[l.Sponsor])
		}
	}
	if objective != res.Objective {
		t.Errorf("Objective %d, assignments sum to %d", res.Objective, objective)
	}
	if res.Bound < res.Objective {
		t.Errorf("Bound %d below Objective %d", res.Bound, res.Objective)
	}
	if res.Proven != (res.Bound == res.Objective) || res.Proven != (res.Gap == 0) {
		t.Errorf("Proven %v, Bound %d, Objective %d, Gap %v", res.Proven, res.Bound, res.Objective, res.Gap)
	}
	if len(res.Needs) != len(in.Needs) || len(res.Sponsors) != len(in.Sponsors) {
		t.Fatalf("%d need reports for %d needs, %d loads for %d sponsors", len(res.Needs), len(in.Needs), len(res.Sponsors), len(in.Sponsors))
	}
	unmatched := map[string]bool{}
	for _, u := range res.Unmatched {
		unmatched[u.Need] = true
		if seen[u.Need] {
			t.Errorf("need %s both assigned and unmatched", u.Need)
		}
		if u.Reason == "" || u.Detail == "" {
			t.Errorf("need %s unmatched without a reason", u.Need)
		}
	}
	for _, rep := range res.Needs {
		if !seen[rep.Need] && !unmatched[rep.Need] {
			t.Errorf("need %s neither assigned nor unmatched", rep.Need)
		}
		if rep.Sponsor != sponsorOf(res, rep.Need) {
			t.Errorf("need %s report says %q", rep.Need, rep.Sponsor)
		}
		if in.MaxCandidates == 0 && len(rep.Candidates) != len(in.Sponsors) {
			t.Errorf("need %s has %d candidates for %d sponsors", rep.Need, len(rep.Candidates), len(in.Sponsors))
		}
		for k, c := range rep.Candidates {
			if in.MaxCandidates == 0 && c.Rank != k+1 {
				t.Errorf("need %s candidate %d has rank %d", rep.Need, k, c.Rank)
			}
			if c.Assigned != (c.Sponsor == rep.Sponsor) {
				t.Errorf("need %s candidate %s Assigned = %v", rep.Need, c.Sponsor, c.Assigned)
			}
			if (len(c.Reasons) == 0 && !c.Assigned) != (c.Pass != "") {
				t.Errorf("need %s candidate %s: reasons %v, pass %q", rep.Need, c.Sponsor, c.Reasons, c.Pass)
			}
			if res.Proven && c.Pass == PassNotChosen {
				t.Errorf("need %s candidate %s NOT_CHOSEN in a proven result", rep.Need, c.Sponsor)
			}
		}
	}
}

// bruteForce returns the best total score over every assignment that uses
// only the pairs res marks assignable (and the pins), within every
// capacity: an exhaustive check of OPTIMAL on small instances.
func bruteForce(in Input, res *Result) int64 {
	type option struct {
		sponsor int
		score   int64
	}
	sIdx := map[string]int{}
	freeCnt := make([]int, len(res.Sponsors))
	freeDays := make([]int, len(res.Sponsors))
	for i, l := range res.Sponsors {
		sIdx[l.Sponsor] = i
		freeCnt[i] = l.Engagements - l.EngagementsInUse
		freeDays[i] = -1
		if l.StaffDays > 0 {
			freeDays[i] = l.StaffDays - l.StaffDaysInUse
		}
	}
	needDays := map[string]int{}
	for _, n := range in.Needs {
		needDays[n.ID] = n.StaffDays
	}
	pins := map[string]string{}
	for _, p := range in.Overrides.Pin {
		pins[p.Need] = p.Sponsor
	}
	var opts [][]option
	var dayList []int
	for _, rep := range res.Needs {
		var o []option
		for _, c := range rep.Candidates {
			if p, ok := pins[rep.Need]; ok && p == c.Sponsor || !ok && len(c.Reasons) == 0 {
				o = append(o, option{sIdx[c.Sponsor], int64(c.Score.Total)})
			}
		}
		opts = append(opts, o)
		dayList = append(dayList, needDays[rep.Need])
	}
	// rest[k] is the most the needs from k on could add: it only prunes
	// branches that cannot beat the best found, so the search stays exact.
	rest := make([]int64, len(opts)+1)
	for k := len(opts) - 1; k >= 0; k-- {
		top := int64(0)
		for _, o := range opts[k] {
			top = max(top, o.score)
		}
		rest[k] = rest[k+1] + top
	}
	best := int64(-1)
	var rec func(k int, total int64)
	rec = func(k int, total int64) {
		if k == len(opts) {
			best = max(best, total)
			return
		}
		if total+rest[k] <= best {
			return
		}
		if _, pinned := pins[res.Needs[k].Need]; !pinned {
			rec(k+1, total)
		}
		for _, o := range opts[k] {
			if freeCnt[o.sponsor] < 1 || freeDays[o.sponsor] >= 0 && freeDays[o.sponsor] < dayList[k] {
				continue
			}
			freeCnt[o.sponsor]--
			if freeDays[o.sponsor] >= 0 {
				freeDays[o.sponsor] -= dayList[k]
			}
			rec(k+1, total+o.score)
			freeCnt[o.sponsor]++
			if freeDays[o.sponsor] >= 0 {
				freeDays[o.sponsor] += dayList[k]
			}
		}
	}
	rec(0, 0)
	return best
}

// blockingPairs recomputes STABLE's blocking pairs from res alone, with the
// documented preferences: a need prefers a higher score then the lower
// sponsor id; a sponsor prefers a higher score, then more urgency, then the
// lower need id, and cannot drop pinned needs.
func blockingPairs(in Input, res *Result) []BlockingPair {
	needs := map[string]Need{}
	for _, n := range in.Needs {
		needs[n.ID] = n
	}
	pinned := map[string]bool{}
	for _, p := range in.Overrides.Pin {
		pinned[p.Need] = true
	}
	score := map[Pair]int{}
	acceptable := map[Pair]bool{}
	for _, rep := range res.Needs {
		for _, c := range rep.Candidates {
			score[Pair{rep.Need, c.Sponsor}] = c.Score.Total
			acceptable[Pair{rep.Need, c.Sponsor}] = len(c.Reasons) == 0 || c.Assigned && !pinned[rep.Need]
		}
	}
	held := map[string][]string{}
	for _, a := range res.Assignments {
		held[a.Sponsor] = append(held[a.Sponsor], a.Need)
	}
	sponsorPrefers := func(s, a, b string) bool {
		sa, sb := score[Pair{a, s}], score[Pair{b, s}]
		if sa != sb {
			return sa > sb
		}
		if ua, ub := needs[a].Urgency, needs[b].Urgency; ua != ub {
			return ua > ub
		}
		return a < b
	}
	var out []BlockingPair
	for _, rep := range res.Needs {
		if pinned[rep.Need] {
			continue
		}
		for _, l := range res.Sponsors {
			s := l.Sponsor
			if s == rep.Sponsor || !acceptable[Pair{rep.Need, s}] {
				continue
			}
			if rep.Sponsor != "" {
				mine, cur := score[Pair{rep.Need, s}], score[Pair{rep.Need, rep.Sponsor}]
				if mine < cur || mine == cur && s > rep.Sponsor {
					continue
				}
			}
			cnt, days := 1, needs[rep.Need].StaffDays
			for _, m := range held[s] {
				if pinned[m] || sponsorPrefers(s, m, rep.Need) {
					cnt++
					days += needs[m].StaffDays
				}
			}
			if cnt <= l.Engagements-l.EngagementsInUse && (l.StaffDays == 0 || days <= l.StaffDays-l.StaffDaysInUse) {
				out = append(out, BlockingPair{rep.Need, s})
			}
		}
	}
	slices.SortFunc(out, func(a, b BlockingPair) int {
		return cmp.Or(cmp.Compare(a.Need, b.Need), cmp.Compare(a.Sponsor, b.Sponsor))
	})
	return out
}
