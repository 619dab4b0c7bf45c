package match

import (
	"cmp"
	"slices"
	"time"
)

// Bounds of the neighbourhood search: how many sponsors share one
// neighbourhood at first and at most, how many passes over the sponsors one
// size may take, how many branch-and-bound nodes the exact search of one
// neighbourhood may take, and the size (needs × sponsors) from which passes
// repeat and neighbourhoods grow. Below it, one pass of the smallest
// neighbourhoods: branch and bound proves those instances sooner than more
// passes would improve them (BenchmarkBudgetTargets, 40 × 10 seed 2: 19 ms
// of CPU to the proof with one pass, 124 ms with more), while from 200 × 50
// it rarely proves, and the gap it reports falls only as the assignment
// improves.
const (
	neighbourhoodSponsors    = 4
	neighbourhoodSponsorsMax = 10
	neighbourhoodPasses      = 3
	neighbourhoodNodes       = 3000
	neighbourhoodGrowPairs   = 5000
)

// neighbourhoods improves the best assignment by re-solving small parts of
// it exactly: for each sponsor in turn, it and the sponsors that compete
// most with it for its needs give up their needs, which are assigned again
// among them together with the unassigned needs they could take, by the
// whole OPTIMAL search on that small instance (node-limited). Every
// exchange along a cycle between those sponsors, and every ejection chain,
// is within reach. A better part replaces the old one. On instances of at
// least neighbourhoodGrowPairs, passes over the sponsors repeat while they
// improve the assignment, and a pass that does not makes the
// neighbourhoods two sponsors larger, up to neighbourhoodSponsorsMax, since
// an exchange that four sponsors cannot make may need six. It uses a third
// of the time left at most.
func (g *gapSolver) neighbourhoods() {
	in := g.in
	if g.best == nil || in.nS < 2 {
		return
	}
	var share time.Time
	if !g.lim.deadline.IsZero() {
		now := time.Now()
		share = now.Add(g.lim.deadline.Sub(now) / 3)
	}
	largest := neighbourhoodSponsors
	if int64(in.nN)*int64(in.nS) >= neighbourhoodGrowPairs {
		largest = neighbourhoodSponsorsMax
	}
	for size, passes := neighbourhoodSponsors, 0; size <= largest; {
		before := g.bestVal
		for s := range in.nS {
			if g.lim.expired() || !share.IsZero() && time.Now().After(share) || g.bound <= g.bestVal {
				return
			}
			g.reoptimiseGroup(g.neighbourhood(s, size), share)
		}
		if passes++; largest == neighbourhoodSponsors || g.bestVal == before || passes == neighbourhoodPasses || size >= in.nS {
			size, passes = size+2, 0
		}
	}
}

// neighbourhood is sponsor s and the size−1 sponsors that could take most
// of s's needs and of the unassigned needs s could take, in order.
func (g *gapSolver) neighbourhood(s, size int) []int32 {
	in := g.in
	rival := make([]int, in.nS)
	for i, at := range g.best {
		if at != int32(s) && (at >= 0 || !slices.Contains(in.adj[i], int32(s))) {
			continue
		}
		for _, t := range in.adj[i] {
			if int(t) != s {
				rival[t]++
			}
		}
	}
	var order []int32
	for t := range in.nS {
		if rival[t] > 0 {
			order = append(order, int32(t))
		}
	}
	slices.SortStableFunc(order, func(x, y int32) int { return cmp.Compare(rival[y], rival[x]) })
	group := append([]int32{int32(s)}, order[:min(len(order), size-1)]...)
	slices.Sort(group)
	return group
}

// reoptimiseGroup re-solves the needs of the sponsors in group (sorted),
// with the unassigned needs they could take, and keeps the result if it is
// better; the search on the small instance stops by the given time.
func (g *gapSolver) reoptimiseGroup(group []int32, by time.Time) {
	in := g.in
	k := len(group)
	local := make([]int32, in.nS)
	for s := range local {
		local[s] = -1
	}
	for x, s := range group {
		local[s] = int32(x)
	}
	sub := &instance{nS: k, cnt: make([]int64, k), bud: make([]int64, k)}
	for x, s := range group {
		sub.cnt[x], sub.bud[x] = in.cnt[s], in.bud[s]
	}
	var old int64
	for i, at := range g.best {
		if at >= 0 && local[at] < 0 {
			continue
		}
		if at < 0 && !slices.ContainsFunc(in.adj[i], func(s int32) bool { return local[s] >= 0 }) {
			continue
		}
		if at >= 0 {
			old += in.w[i*in.nS+int(at)]
		}
		sub.need = append(sub.need, int32(i))
	}
	sub.nN = len(sub.need)
	sub.w = make([]int64, sub.nN*k)
	sub.adj = make([][]int32, sub.nN)
	sub.days = make([]int64, sub.nN)
	for x, i := range sub.need {
		sub.days[x] = in.days[i]
		for _, s := range in.adj[i] {
			if l := local[s]; l >= 0 {
				sub.w[x*k+int(l)] = in.w[int(i)*in.nS+int(s)]
				sub.adj[x] = append(sub.adj[x], l)
			}
		}
	}
	lim := &limits{deadline: by, nodeLimit: neighbourhoodNodes, done: g.lim.done}
	out := solveGAP(sub, lim, false)
	if out.value <= old || out.assign == nil {
		return
	}
	a := slices.Clone(g.best)
	for x, i := range sub.need {
		a[i] = -1
		if l := out.assign[x]; l >= 0 {
			a[i] = group[l]
		}
	}
	if in.fits(a, true) {
		g.offer(a)
	}
}
