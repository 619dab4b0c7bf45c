package match

import (
	"cmp"
	"slices"
)

// dynamicBoundPairs is the size (needs × sponsors) up to which branch and
// bound recomputes the Lagrangian bound over the room actually left at
// every node; above it the bound is kept incrementally, which is weaker
// but constant time.
const dynamicBoundPairs = 50_000

// bnb is a depth-first branch and bound over the needs of a gapSolver.
type bnb struct {
	g       *gapSolver
	in      *instance
	order   []int32   // needs to branch on, in order
	kids    [][]int32 // per depth: sponsors to try, -1 for none, in order
	remCnt  []int64
	remBud  []int64
	assign  []int32
	cur     int64
	dynamic bool
	suffix  []int64 // static: Σ over depths ≥ k of the need's best reduced score
	capTerm int64   // static: Σ_s remCnt_s·p_s + remBud_s·λ_s
	open    int64   // best bound among subtrees left unexplored at a stop
	stop    Stop
	usable  []bool // scratch for bound
}

// branchAndBound searches for a better assignment than the best known and
// tightens the bound; it returns how it stopped.
func (g *gapSolver) branchAndBound() Stop {
	in := g.in
	b := &bnb{
		g: g, in: in,
		remCnt:  slices.Clone(in.cnt),
		remBud:  slices.Clone(in.bud),
		assign:  make([]int32, in.nN),
		dynamic: in.nN*in.nS <= dynamicBoundPairs,
		open:    -1,
		usable:  make([]bool, in.nS),
	}
	for i := range b.assign {
		b.assign[i] = -1
	}
	red := func(i int, s int32) int64 { return in.w[i*in.nS+int(s)] - g.p[s] - in.days[i]*g.lam[s] }
	reduced := make([]int64, in.nN)
	for i := range in.nN {
		if len(in.adj[i]) == 0 {
			continue
		}
		b.order = append(b.order, int32(i))
		for _, s := range in.adj[i] {
			reduced[i] = max(reduced[i], red(i, s))
		}
	}
	// Most contested first: the needs whose best reduced score is highest
	// decide the most, and big needs fill budgets early.
	slices.SortStableFunc(b.order, func(x, y int32) int {
		return cmp.Or(cmp.Compare(reduced[y], reduced[x]), cmp.Compare(in.days[y], in.days[x]))
	})
	b.kids = make([][]int32, len(b.order))
	b.suffix = make([]int64, len(b.order)+1)
	for k := len(b.order) - 1; k >= 0; k-- {
		i := int(b.order[k])
		kids := append(slices.Clone(in.adj[i]), -1)
		val := func(s int32) int64 {
			if s < 0 {
				return 0
			}
			return red(i, s)
		}
		slices.SortStableFunc(kids, func(x, y int32) int {
			if c := cmp.Compare(val(y), val(x)); c != 0 {
				return c
			}
			// Equal reduced scores: a sponsor before none, then higher score.
			if x < 0 || y < 0 {
				return cmp.Compare(y, x)
			}
			return cmp.Compare(in.w[i*in.nS+int(y)], in.w[i*in.nS+int(x)])
		})
		b.kids[k] = kids
		b.suffix[k] = b.suffix[k+1] + reduced[i]
	}
	for s := range in.nS {
		b.capTerm += b.remCnt[s] * g.p[s]
		if b.remBud[s] != unlimited {
			b.capTerm += b.remBud[s] * g.lam[s]
		}
	}
	if b.dfs(0) {
		g.bound = g.bestVal
		return StopComplete
	}
	g.bound = min(g.bound, max(g.bestVal, b.open))
	return b.stop
}

func (b *bnb) room(s int32, i int32) bool {
	return b.remCnt[s] > 0 && (b.remBud[s] == unlimited || b.remBud[s] >= b.in.days[i])
}

func (b *bnb) place(i int32, s int32, sign int64) {
	in, g := b.in, b.g
	b.assign[i] = -1
	if sign > 0 {
		b.assign[i] = s
	}
	b.cur += sign * in.w[int(i)*in.nS+int(s)]
	b.remCnt[s] -= sign
	b.capTerm -= sign * g.p[s]
	if b.remBud[s] != unlimited {
		b.remBud[s] -= sign * in.days[i]
		b.capTerm -= sign * in.days[i] * g.lam[s]
	}
}

// bound is the Lagrangian bound of the node at depth k: the score so far
// plus the bound of the remaining needs on the room left.
func (b *bnb) bound(k int) int64 {
	if !b.dynamic {
		return b.cur + b.suffix[k] + b.capTerm
	}
	in, g := b.in, b.g
	total := b.cur
	usable := b.usable
	clear(usable)
	for _, i := range b.order[k:] {
		best := int64(0)
		row := in.w[int(i)*in.nS : int(i+1)*in.nS]
		d := in.days[i]
		for _, s := range in.adj[i] {
			if !b.room(s, i) {
				continue
			}
			usable[s] = true
			if v := row[s] - g.p[s] - d*g.lam[s]; v > best {
				best = v
			}
		}
		total += best
	}
	for s := range in.nS {
		if !usable[s] {
			continue
		}
		total += b.remCnt[s] * g.p[s]
		if b.remBud[s] != unlimited {
			total += b.remBud[s] * g.lam[s]
		}
	}
	return total
}

// dfs explores the node at depth k; it returns false when a limit stopped
// the search, having recorded the bound of every subtree left unexplored.
func (b *bnb) dfs(k int) bool {
	g := b.g
	g.stats.Nodes++
	if b.stop == "" {
		b.stop = g.lim.reached(g.stats.Nodes, 1024)
	}
	if b.stop != "" {
		b.open = max(b.open, b.bound(k))
		return false
	}
	if k == len(b.order) {
		if b.cur > g.bestVal {
			g.bestVal = b.cur
			g.best = slices.Clone(b.assign)
		}
		return true
	}
	if b.bound(k) <= g.bestVal {
		return true
	}
	i := b.order[k]
	kids := b.kids[k]
	for c, s := range kids {
		if s >= 0 && !b.room(s, i) {
			continue
		}
		if s >= 0 {
			b.place(i, s, 1)
		}
		ok := b.dfs(k + 1)
		if s >= 0 {
			b.place(i, s, -1)
		}
		if !ok {
			for _, r := range kids[c+1:] {
				if r >= 0 && !b.room(r, i) {
					continue
				}
				if r >= 0 {
					b.place(i, r, 1)
				}
				b.open = max(b.open, b.bound(k+1))
				if r >= 0 {
					b.place(i, r, -1)
				}
			}
			return false
		}
	}
	return true
}
