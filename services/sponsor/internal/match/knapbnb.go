package match

import (
	"cmp"
	"math"
	"slices"
)

// knapsackBnBPairs is the size (needs × sponsors) up to which branch and
// bound prunes with the need-price bound, a knapsack per sponsor at every
// node; above it the capacity-price bound, cheaper per node, is used.
const knapsackBnBPairs = 20_000

// kbnb is a depth-first branch and bound over the needs that bounds each
// node by the need-price relaxation on what is left: the score so far,
// plus Σ u_n over the needs not yet decided, plus each sponsor's knapsack
// over those needs within the room it has left. Fixing a need changes only
// the knapsacks of the sponsor it goes to and of those whose choice held
// it; the others keep their value, which stays an upper bound (a knapsack
// over fewer needs is worth no more), so each node re-solves a few. Each
// node below the root then takes reoptIterations subgradient steps on the
// prices of the needs left (every knapsack re-solved), which tightens the
// bound as needs are decided, and turns the knapsacks' choices into an
// assignment (complete). Any prices give a valid bound, so the node's
// bound holds whatever the steps do.
type kbnb struct {
	g      *gapSolver
	in     *instance
	nd     *needDual
	u      []int64
	order  []int32 // needs to branch on, in the root's order of preference
	times  []int32 // scratch for choose: how many knapsacks chose each need
	fixed  []bool
	remCnt []int64
	remBud []int64
	assign []int32
	val    []int64   // each sponsor's knapsack value on what is left
	pick   [][]int32 // each sponsor's knapsack choice
	uRest  int64     // Σ u over the needs not yet decided
	// banned are the pairs (need × sponsor) that no assignment better than
	// the best known can use, and must the needs that such an assignment
	// must give a sponsor: found by probing at the root.
	banned []bool
	must   []bool
	kSum   int64 // Σ val
	cur    int64
	undo   []kSaved
	// saved holds, per depth, the prices before the node re-optimised them.
	saved [][]int64
	// mark and epoch tell which needs the node's completion has taken.
	mark  []int32
	epoch int32
	open  int64
	stop  Stop
}

// kSaved is a sponsor's knapsack before a node changed it.
type kSaved struct {
	s    int32
	val  int64
	pick []int32
}

// knapsackBranchAndBound is branchAndBound with the need-price bound of
// g.u; it returns how it stopped.
func (g *gapSolver) knapsackBranchAndBound() Stop {
	in := g.in
	b := &kbnb{
		g: g, in: in, nd: newNeedDual(in), u: g.u,
		fixed:  make([]bool, in.nN),
		remCnt: slices.Clone(in.cnt),
		remBud: slices.Clone(in.bud),
		assign: make([]int32, in.nN),
		val:    make([]int64, in.nS),
		pick:   make([][]int32, in.nS),
		open:   -1,
		banned: make([]bool, in.nN*in.nS),
		must:   make([]bool, in.nN),
		mark:   make([]int32, in.nN),
		times:  make([]int32, in.nN),
	}
	b.nd.p, b.nd.lam = g.p, g.lam
	for i := range b.assign {
		b.assign[i] = -1
	}
	for i := range in.nN {
		b.uRest += b.u[i]
	}
	for s := range in.nS {
		b.val[s], b.pick[s] = b.solve(s)
		b.kSum += b.val[s]
	}
	if !b.probe() {
		g.bound = min(g.bound, max(g.bestVal, b.bound()))
		return StopTimeLimit
	}
	if b.bound() <= g.bestVal {
		g.bound = g.bestVal
		return StopComplete
	}
	chosen := make([]int32, in.nN) // how many root knapsacks chose each need
	for s := range in.nS {
		for _, i := range b.pick[s] {
			chosen[i]++
		}
	}
	for i := range in.nN {
		if len(in.adj[i]) > 0 {
			b.order = append(b.order, int32(i))
		}
	}
	// Most contested first: the dearest needs decide the most, and big
	// needs fill budgets early.
	slices.SortStableFunc(b.order, func(x, y int32) int {
		return cmp.Or(cmp.Compare(b.u[y], b.u[x]), cmp.Compare(chosen[y], chosen[x]), cmp.Compare(in.days[y], in.days[x]))
	})
	if b.dfs(0) {
		g.bound = g.bestVal
		return StopComplete
	}
	g.bound = min(g.bound, max(g.bestVal, b.open))
	return b.stop
}

// solve returns sponsor s's knapsack value and choice over the needs not
// yet decided, within the room it has left.
func (b *kbnb) solve(s int) (int64, []int32) {
	in, nd := b.in, b.nd
	items := nd.items[:0]
	for _, i := range nd.col[s] {
		if b.fixed[i] || b.banned[int(i)*in.nS+s] {
			continue
		}
		if p := in.w[int(i)*in.nS+s] - b.u[i]; p > 0 {
			items = append(items, kItem{need: i, profit: p, days: in.days[i]})
		}
	}
	v, _ := nd.ks.solve(items, b.remCnt[s], b.remBud[s], nd.p[s], nd.lam[s])
	nd.items = items
	return v, slices.Clone(nd.ks.pick)
}

// resolve re-solves sponsor s's knapsack, saving the old one for undo.
func (b *kbnb) resolve(s int) {
	b.undo = append(b.undo, kSaved{s: int32(s), val: b.val[s], pick: b.pick[s]})
	v, pick := b.solve(s)
	b.kSum += v - b.val[s]
	b.val[s], b.pick[s] = v, pick
}

// rollback restores the knapsacks saved since mark.
func (b *kbnb) rollback(mark int) {
	for len(b.undo) > mark {
		x := b.undo[len(b.undo)-1]
		b.undo = b.undo[:len(b.undo)-1]
		b.kSum += x.val - b.val[x.s]
		b.val[x.s], b.pick[x.s] = x.val, x.pick
	}
}

func (b *kbnb) bound() int64 { return b.cur + b.uRest + b.kSum }

// enter decides need i (already marked fixed) as sponsor s (-1: none) and
// re-solves the knapsacks that change; leave undoes it.
func (b *kbnb) enter(i int32, s int32) int {
	in := b.in
	mark := len(b.undo)
	if s >= 0 {
		b.assign[i] = s
		b.cur += in.w[int(i)*in.nS+int(s)]
		b.remCnt[s]--
		if b.remBud[s] != unlimited {
			b.remBud[s] -= in.days[i]
		}
		b.resolve(int(s))
	}
	for _, t := range in.adj[i] {
		if t != s && slices.Contains(b.pick[t], i) {
			b.resolve(int(t))
		}
	}
	return mark
}

func (b *kbnb) leave(i int32, s int32, mark int) {
	in := b.in
	b.rollback(mark)
	if s >= 0 {
		b.assign[i] = -1
		b.cur -= in.w[int(i)*in.nS+int(s)]
		b.remCnt[s]++
		if b.remBud[s] != unlimited {
			b.remBud[s] += in.days[i]
		}
	}
}

func (b *kbnb) room(s int32, i int32) bool {
	return b.remCnt[s] > 0 && (b.remBud[s] == unlimited || b.remBud[s] >= b.in.days[i])
}

// dfs explores the node at depth k; it returns false when a limit stopped
// the search, having recorded the bound of every subtree left unexplored.
func (b *kbnb) dfs(k int) bool {
	g := b.g
	g.stats.Nodes++
	if b.stop == "" {
		// The clock at every node: one re-solves every knapsack, far more
		// than the clock costs.
		b.stop = g.lim.reached(g.stats.Nodes, 1)
	}
	if b.stop != "" {
		b.open = max(b.open, b.bound())
		return false
	}
	if b.bound() <= g.bestVal {
		return true
	}
	b.complete()
	if k > 0 && k < len(b.order) {
		saved := b.saveU(k)
		defer b.restoreU(saved)
		if b.reoptimise() {
			return true
		}
	}
	i, kids := b.choose()
	if i < 0 {
		if b.cur > g.bestVal {
			g.bestVal = b.cur
			g.best = slices.Clone(b.assign)
			g.offer(slices.Clone(b.assign))
		}
		return true
	}
	b.fixed[i] = true
	b.uRest -= b.u[i]
	defer func() {
		b.fixed[i] = false
		b.uRest += b.u[i]
	}()
	for c, s := range kids {
		if s >= 0 && !b.room(s, i) {
			continue
		}
		mark := b.enter(i, s)
		ok := b.dfs(k + 1)
		b.leave(i, s, mark)
		if !ok {
			for _, r := range kids[c+1:] {
				if r >= 0 && !b.room(r, i) {
					continue
				}
				mark := b.enter(i, r)
				b.open = max(b.open, b.bound())
				b.leave(i, r, mark)
			}
			return false
		}
	}
	return true
}

// choose picks the need to branch on at a node and the order of its
// children, or -1 when every need is decided: the dearest need that two or
// more knapsacks chose (a conflict the relaxation leaves), or without a
// conflict the first undecided need in the root's order. The children try
// the sponsors whose knapsack chose the need first, then the others by
// score, with "none" first when no knapsack chose it and last otherwise
// (never when probing showed it must be assigned).
func (b *kbnb) choose() (int32, []int32) {
	in := b.in
	clear(b.times)
	for s := range in.nS {
		for _, i := range b.pick[s] {
			b.times[i]++
		}
	}
	best, first := int32(-1), int32(-1)
	key := func(i int32) (int32, int64) {
		if b.times[i] >= 2 {
			return 1, b.u[i]
		}
		return 0, 0
	}
	for _, i := range b.order {
		if b.fixed[i] {
			continue
		}
		if first < 0 {
			first = i
		}
		ki, ui := key(i)
		if ki == 0 {
			continue
		}
		if best < 0 {
			best = i
			continue
		}
		if kb, ub := key(best); ki > kb || ki == kb && ui > ub {
			best = i
		}
	}
	if best < 0 {
		best = first
	}
	if best < 0 {
		return -1, nil
	}
	i := best
	var kids []int32
	for _, s := range in.adj[i] {
		if !b.banned[int(i)*in.nS+int(s)] {
			kids = append(kids, s)
		}
	}
	picked := func(s int32) bool { return slices.Contains(b.pick[s], i) }
	slices.SortStableFunc(kids, func(x, y int32) int {
		if px, py := picked(x), picked(y); px != py {
			if px {
				return -1
			}
			return 1
		}
		return cmp.Compare(in.w[int(i)*in.nS+int(y)], in.w[int(i)*in.nS+int(x)])
	})
	switch {
	case b.must[i]:
	case b.times[i] == 0:
		kids = append([]int32{-1}, kids...)
	default:
		kids = append(kids, -1)
	}
	return i, kids
}

// probe bans the pairs and forbids leaving unassigned the needs whose
// forcing drops the bound to the best known or below: with need i forced
// onto sponsor s the bound is Σ u + (w_is − u_i) + Σ_{t≠s} val_t plus s's
// knapsack over the other needs in the room i leaves (every val_t still
// bounds its knapsack without i), and with i left out it is Σ u − u_i plus
// each knapsack re-solved without i. Each round re-solves the knapsacks
// without the banned pairs, which lowers the bound and may ban more. It
// returns false when the time limit stopped it.
func (b *kbnb) probe() bool {
	in, g := b.in, b.g
	for round := 0; round < probeRounds; round++ {
		banned := 0
		for i := range in.nN {
			if g.lim.expired() {
				return false
			}
			if b.bound() <= g.bestVal {
				return true
			}
			ii := int32(i)
			b.fixed[i] = true
			b.uRest -= b.u[i]
			for _, s := range in.adj[i] {
				p := i*in.nS + int(s)
				if b.banned[p] {
					continue
				}
				if !b.room(s, ii) {
					b.banned[p] = true
					banned++
					continue
				}
				b.remCnt[s]--
				if b.remBud[s] != unlimited {
					b.remBud[s] -= in.days[i]
				}
				v, _ := b.solve(int(s))
				b.remCnt[s]++
				if b.remBud[s] != unlimited {
					b.remBud[s] += in.days[i]
				}
				if b.uRest+in.w[p]+b.kSum-b.val[s]+v <= g.bestVal {
					b.banned[p] = true
					banned++
				}
			}
			if !b.must[i] {
				mark := b.enter(ii, -1)
				if b.bound() <= g.bestVal {
					b.must[i] = true
				}
				b.leave(ii, -1, mark)
			}
			b.fixed[i] = false
			b.uRest += b.u[i]
		}
		if banned == 0 {
			return true
		}
		for s := range in.nS {
			v, pick := b.solve(s)
			b.kSum += v - b.val[s]
			b.val[s], b.pick[s] = v, pick
		}
	}
	return true
}

// probeRounds bounds the rounds of probing at the root.
const probeRounds = 3

// complete turns the node's knapsack choices into an assignment of the
// needs left: each sponsor in turn takes the needs of its choice no earlier
// sponsor took. Every choice keeps its sponsor's room, and so does any part
// of it, so the result is feasible; it becomes the best known if it beats
// it.
func (b *kbnb) complete() {
	in, g := b.in, b.g
	b.epoch++
	total := b.cur
	for s := range in.nS {
		for _, i := range b.pick[s] {
			if b.mark[i] != b.epoch {
				b.mark[i] = b.epoch
				total += in.w[int(i)*in.nS+s]
			}
		}
	}
	if total <= g.bestVal {
		return
	}
	a := slices.Clone(b.assign)
	b.epoch++
	for s := range in.nS {
		for _, i := range b.pick[s] {
			if b.mark[i] != b.epoch {
				b.mark[i] = b.epoch
				a[i] = int32(s)
			}
		}
	}
	if in.fits(a, true) {
		// Local search may improve it further; offer keeps the better.
		g.bestVal, g.best = total, a
		g.offer(slices.Clone(a))
	}
}

// reoptIterations is how many subgradient steps each node takes on the
// prices of the needs it leaves undecided.
const reoptIterations = 2

// saveU keeps the prices of depth k's node; restoreU puts them back.
func (b *kbnb) saveU(k int) []int64 {
	for len(b.saved) <= k {
		b.saved = append(b.saved, nil)
	}
	b.saved[k] = append(b.saved[k][:0], b.u...)
	return b.saved[k]
}

func (b *kbnb) restoreU(saved []int64) {
	copy(b.u, saved)
	b.uRest = 0
	for i, x := range b.u {
		if !b.fixed[i] {
			b.uRest += x
		}
	}
}

// reoptimise moves the prices of the undecided needs by a few subgradient
// steps, re-solving every knapsack, and reports whether the node's bound
// fell to the best known (the node is then pruned). The knapsacks it
// changes are saved for the caller's rollback and the prices for
// restoreU.
func (b *kbnb) reoptimise() bool {
	in, g := b.in, b.g
	times := make([]int32, in.nN)
	for range reoptIterations {
		clear(times)
		for s := range in.nS {
			for _, i := range b.pick[s] {
				times[i]++
			}
		}
		var norm int64
		for i := range in.nN {
			if b.fixed[i] || len(in.adj[i]) == 0 {
				continue
			}
			gi := 1 - int64(times[i])
			if b.u[i] == 0 && gi > 0 {
				continue
			}
			norm += gi * gi
		}
		if norm == 0 {
			return false
		}
		t := float64(float64(b.bound()-g.bestVal) / float64(norm))
		for i := range in.nN {
			if b.fixed[i] || len(in.adj[i]) == 0 {
				continue
			}
			gi := 1 - int64(times[i])
			nu := max(0, b.u[i]-int64(math.Round(float64(t*float64(gi)))))
			b.uRest += nu - b.u[i]
			b.u[i] = nu
		}
		for s := range in.nS {
			b.resolve(s)
		}
		if b.bound() <= g.bestVal {
			return true
		}
		b.complete()
	}
	return false
}
