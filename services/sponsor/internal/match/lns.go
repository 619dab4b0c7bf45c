package match

import (
	"cmp"
	"slices"
	"time"
)

// Bounds of the neighbourhood search: how many sponsors share one
// neighbourhood, and how many branch-and-bound nodes its exact search may
// take.
const (
	neighbourhoodSponsors = 4
	neighbourhoodNodes    = 3000
)

// neighbourhoods improves the best assignment by re-solving small parts of
// it exactly: for each sponsor in turn, it and the sponsors that compete
// most with it for its needs give up their needs, which are assigned again
// among them together with the unassigned needs they could take, by the
// whole OPTIMAL search on that small instance (node-limited). Every
// exchange along a cycle between those sponsors, and every ejection chain,
// is within reach. A better part replaces the old one. It uses a third of
// the time left at most.
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
	rival := make([]int, in.nS)
	for s := range in.nS {
		if g.lim.expired() || !share.IsZero() && time.Now().After(share) {
			return
		}
		// The sponsors that could take most of s's needs and of the
		// unassigned needs s could take.
		clear(rival)
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
		group := []int32{int32(s)}
		order := make([]int32, 0, in.nS)
		for t := range in.nS {
			if rival[t] > 0 {
				order = append(order, int32(t))
			}
		}
		slices.SortStableFunc(order, func(x, y int32) int { return cmp.Compare(rival[y], rival[x]) })
		group = append(group, order[:min(len(order), neighbourhoodSponsors-1)]...)
		slices.Sort(group)
		g.reoptimiseGroup(group, share)
	}
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
