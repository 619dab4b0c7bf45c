package match

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// limits bound a search in time (machine-dependent) and in nodes
// (deterministic).
type limits struct {
	deadline  time.Time
	nodeLimit int64
	done      <-chan struct{}
}

func (l *limits) expired() bool {
	if !l.deadline.IsZero() && time.Now().After(l.deadline) {
		return true
	}
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// reached says which limit, if any, stops a branch-and-bound search that
// has explored nodes nodes: the node limit, or the time limit, which is read
// only when nodes is a multiple of clockEvery (a power of two) since the
// clock costs more than a cheap node.
func (l *limits) reached(nodes, clockEvery int64) Stop {
	switch {
	case nodes > l.nodeLimit:
		return StopNodeLimit
	case nodes&(clockEvery-1) == 0 && l.expired():
		return StopTimeLimit
	}
	return ""
}

// outcome is what a solver found: the assignment (sponsor per instance
// need, -1 for none), its value, a proven upper bound and how it stopped.
type outcome struct {
	assign []int32
	value  int64
	bound  int64
	stop   Stop
	stats  Stats
}

// optimal maximises the total score subject to engagement counts and
// staff-day budgets. Counts alone are solved exactly by transport; when
// its solution also keeps within the budgets it is optimal for them too.
// Otherwise the problem is a generalised assignment problem, solved by
// gapSolver.
func optimal(in *instance, lim *limits) outcome { return solveGAP(in, lim, true) }

// solveGAP is optimal, with the neighbourhood search when neighbourhoods
// is set (it is not for the small instances that search itself solves).
func solveGAP(in *instance, lim *limits, neighbourhoods bool) outcome {
	began := time.Now()
	tr := newTransport(in, in.w, in.adj)
	a, complete := tr.solveWithin(lim)
	took := time.Since(began)
	bound := dualBound(in, in.w, in.adj, tr.price)
	budgeted := in.budgeted()
	if complete && (!budgeted || in.fits(a, true)) {
		return outcome{assign: a, value: in.value(a), bound: bound, stop: StopComplete}
	}
	// A Lagrangian round solves the same transport again: the first is
	// expected to take what this one took.
	g := &gapSolver{in: in, lim: lim, bound: bound, p: slices.Clone(tr.price[:in.nS]), lam: make([]int64, in.nS), lns: neighbourhoods, roundTime: took}
	if !complete {
		// Out of time mid-way: make what there is keep the budgets, fill
		// it as far as local search gets, and report the bound so far.
		g.bestVal = -1
		g.offer(g.repair(slices.Clone(a)))
		return outcome{assign: g.best, value: g.bestVal, bound: g.bound, stop: StopTimeLimit}
	}
	return g.run(a)
}

// gapSolver solves max Σ w·x subject to each need at most once, sponsor s
// at most cnt_s needs and at most bud_s staff-days.
//
// The first bound prices the capacities: for p_s ≥ 0 per engagement and
// λ_s ≥ 0 per staff-day,
//
//	L(p, λ) = Σ_n max(0, max_s (w_ns − p_s − d_n·λ_s)) + Σ_s (cnt_s·p_s + bud_s·λ_s)
//
// bounds every feasible assignment from above (weak duality), whatever the
// multipliers; its minimum is the linear-programming bound. The multipliers
// start at the count-only optimal prices and are improved by projected
// subgradient steps (Polyak step towards the best assignment known, λ
// preconditioned by the mean staff-days of a need). The second, tighter
// bound prices the needs instead, so that each sponsor is a knapsack over
// its count and budget (needDual, needPrices), starting from the first's
// multipliers. Assignments come from repairing the count-only optimum, from
// greedy rounding of the Lagrangian solutions, from the count-only optimum
// of the Lagrangian scores w − λ·d and from the sponsors' knapsack choices,
// each improved by local search (shift a need, swap two needs, ejection
// chains, re-pack a sponsor), and on instances up to knapsackBnBPairs by
// re-solving a few sponsors at a time exactly (neighbourhoods). Branch and
// bound then searches needs in turn, most contested first: up to
// knapsackBnBPairs with the need-price bound, re-optimised at every node
// (kbnb), above with the capacity-price bound restricted to the room left
// (bnb). Run to the end it proves optimality; stopped at a limit it reports
// the best bound among the unexplored nodes. Each stage takes a share of
// the time left, so that a slow one does not starve the others. Multipliers
// are integers and steps are rounded, so the arithmetic that decides
// anything is exact and the same on every machine.
type gapSolver struct {
	in      *instance
	lim     *limits
	best    []int32
	bestVal int64
	bound   int64
	p, lam  []int64
	// u are the need prices of needPrices' best bound, nil until it runs.
	u []int64
	// lns says whether to run the neighbourhood search.
	lns   bool
	stats Stats
	// roundTime is how long the last Lagrangian count-only round took (at
	// first, the count-only solve).
	roundTime time.Duration
}

func (g *gapSolver) run(countOpt []int32) outcome {
	g.bestVal = -1
	g.offer(g.repair(slices.Clone(countOpt)))
	stop := StopComplete
	if g.bound > g.bestVal && !g.dual() {
		stop = StopTimeLimit
	}
	if g.bound > g.bestVal && stop == StopComplete {
		g.offer(g.round(g.p, g.lam))
	}
	// The count-only optimum of the Lagrangian scores w − λ·d, from the
	// best multipliers; each round raises λ on the sponsors whose budget
	// the last one broke, so the solutions need less and less repair.
	lam := slices.Clone(g.lam)
	// A third of the time left at most, for the bounds that follow.
	var share time.Time
	if !g.lim.deadline.IsZero() {
		now := time.Now()
		share = now.Add(g.lim.deadline.Sub(now) / 3)
	}
	for round := 0; round < lagrangianRounds && g.bound > g.bestVal && stop == StopComplete; round++ {
		// A round costs about what the last one did; do not start one
		// that cannot finish.
		if g.lim.expired() || !g.lim.deadline.IsZero() && time.Until(g.lim.deadline) < g.roundTime {
			stop = StopTimeLimit
			break
		}
		if !share.IsZero() && time.Until(share) < g.roundTime {
			break
		}
		began := time.Now()
		a := g.lagrangianTransport(lam)
		g.roundTime = time.Since(began)
		over := make([]int64, g.in.nS)
		for i, s := range a {
			if s >= 0 {
				over[s] += g.in.days[i]
			}
		}
		raised := false
		for s := range g.in.nS {
			if b := g.in.bud[s]; b != unlimited && over[s] > b {
				lam[s] += max(1, lam[s]/10)
				raised = true
			}
		}
		if !raised {
			break
		}
	}
	if g.bound > g.bestVal && stop == StopComplete && !g.needPrices() {
		stop = StopTimeLimit
	}
	if g.lns && g.bound > g.bestVal && stop == StopComplete && int64(g.in.nN)*int64(g.in.nS) <= knapsackBnBPairs {
		g.neighbourhoods()
	}
	if g.bound > g.bestVal && stop == StopComplete {
		if g.u != nil && int64(g.in.nN)*int64(g.in.nS) <= knapsackBnBPairs {
			stop = g.knapsackBranchAndBound()
		} else {
			stop = g.branchAndBound()
		}
	}
	if g.bound <= g.bestVal {
		g.bound = g.bestVal
	}
	return outcome{assign: g.best, value: g.bestVal, bound: g.bound, stop: stop, stats: g.stats}
}

// offer improves a feasible assignment by local search and keeps it if it
// beats the best so far. The local search takes an eighth of the time left
// at most, so that no one offer starves the bound.
func (g *gapSolver) offer(a []int32) {
	st := newState(g.in, a)
	lim := g.lim
	if !lim.deadline.IsZero() {
		now := time.Now()
		lim = &limits{deadline: now.Add(lim.deadline.Sub(now) / 8), nodeLimit: lim.nodeLimit, done: lim.done}
	}
	st.improve(lim)
	if st.val > g.bestVal {
		g.best, g.bestVal = st.a, st.val
	}
}

// lagrange evaluates L(p, λ), recording each need's best sponsor (or -1)
// and each sponsor's resulting use.
func (g *gapSolver) lagrange(p, lam []int64, arg []int32, use, days []int64) int64 {
	in := g.in
	clear(use)
	clear(days)
	var total int64
	for i := range in.nN {
		best, at := int64(0), int32(-1)
		row := in.w[i*in.nS : (i+1)*in.nS]
		d := in.days[i]
		for _, s := range in.adj[i] {
			if v := row[s] - p[s] - d*lam[s]; v > best {
				best, at = v, s
			}
		}
		arg[i] = at
		total += best
		if at >= 0 {
			use[at]++
			days[at] += d
		}
	}
	for s := range in.nS {
		total += in.cnt[s] * p[s]
		if in.bud[s] != unlimited {
			total += in.bud[s] * lam[s]
		}
	}
	return total
}

// dual lowers the bound by subgradient steps; it returns false when the
// time limit stopped it.
func (g *gapSolver) dual() bool {
	in := g.in
	var sumDays, counted int64
	for _, d := range in.days {
		if d > 0 {
			sumDays += d
			counted++
		}
	}
	k := 1.0
	if counted > 0 {
		k = max(1, float64(sumDays)/float64(counted))
	}
	k2 := float64(k * k)
	// A quarter of the time left at most: the need-price bound that
	// follows starts from these multipliers and does better with the time.
	var share time.Time
	if !g.lim.deadline.IsZero() {
		now := time.Now()
		share = now.Add(g.lim.deadline.Sub(now) / 4)
	}
	p, lam := slices.Clone(g.p), slices.Clone(g.lam)
	arg := make([]int32, in.nN)
	use, days := make([]int64, in.nS), make([]int64, in.nS)
	// Iterations scale down with the instance so that the dual costs about
	// as much as a few count-only solves.
	maxIter := int(min(3000, max(300, 600_000_000/max(1, int64(in.nN)*int64(in.nS)))))
	theta, stall := 2.0, 0
	for it := 0; it < maxIter && theta > 1e-3; it++ {
		if it%8 == 0 {
			if g.lim.expired() {
				return false
			}
			if !share.IsZero() && time.Now().After(share) {
				return true
			}
		}
		v := g.lagrange(p, lam, arg, use, days)
		if v < g.bound {
			g.bound = v
			copy(g.p, p)
			copy(g.lam, lam)
			g.stats.DualIterations++
			stall = 0
		} else if stall++; stall >= 25 {
			theta, stall = theta/2, 0
		}
		if g.bound <= g.bestVal {
			return true
		}
		var norm float64
		for s := range in.nS {
			gp := float64(in.cnt[s] - use[s])
			norm += float64(gp * gp)
			if in.bud[s] != unlimited {
				gl := float64(in.bud[s] - days[s])
				norm += float64(gl*gl) / k2
			}
		}
		if norm == 0 {
			// A zero subgradient: these multipliers are optimal.
			return true
		}
		t := float64(theta*float64(v-g.bestVal)) / norm
		for s := range in.nS {
			gp := float64(in.cnt[s] - use[s])
			p[s] = max(0, p[s]-int64(math.Round(float64(t*gp))))
			if in.bud[s] != unlimited {
				gl := float64(in.bud[s] - days[s])
				lam[s] = max(0, lam[s]-int64(math.Round(float64(t*gl)/k2)))
			}
		}
	}
	return true
}

// round turns multipliers into a feasible assignment: needs in order of
// their best reduced score, each to the sponsor with room that has the
// highest reduced score w − p − d·λ.
func (g *gapSolver) round(p, lam []int64) []int32 {
	in := g.in
	type cand struct {
		need int32
		red  int64
	}
	order := make([]cand, 0, in.nN)
	for i := range in.nN {
		best := int64(math.MinInt64)
		for _, s := range in.adj[i] {
			best = max(best, in.w[i*in.nS+int(s)]-p[s]-in.days[i]*lam[s])
		}
		if len(in.adj[i]) > 0 {
			order = append(order, cand{int32(i), best})
		}
	}
	slices.SortStableFunc(order, func(a, b cand) int { return cmp.Compare(b.red, a.red) })
	st := newState(in, nil)
	for _, c := range order {
		i := int(c.need)
		at, best := int32(-1), int64(math.MinInt64)
		for _, s := range in.adj[i] {
			if st.room(int(s), i) {
				if v := in.w[i*in.nS+int(s)] - p[s] - in.days[i]*lam[s]; v > best {
					at, best = s, v
				}
			}
		}
		if at >= 0 {
			st.move(i, at)
		}
	}
	return st.a
}

// repair makes an assignment that may break budgets feasible: each
// sponsor over its budget or count gives up its needs of least score per
// staff-day until it fits; the released needs then go, best score first,
// to the best sponsor with room.
func (g *gapSolver) repair(a []int32) []int32 {
	in := g.in
	members := make([][]int32, in.nS)
	for i, s := range a {
		if s >= 0 {
			members[s] = append(members[s], int32(i))
		}
	}
	var released []int32
	for s := range in.nS {
		ms := members[s]
		// Least score per staff-day first: w/d < w'/d' as w·d' < w'·d.
		slices.SortStableFunc(ms, func(x, y int32) int {
			return cmp.Compare(in.w[int(x)*in.nS+s]*max(1, in.days[y]), in.w[int(y)*in.nS+s]*max(1, in.days[x]))
		})
		var cnt, days int64
		for _, m := range ms {
			cnt++
			days += in.days[m]
		}
		for _, m := range ms {
			if cnt <= in.cnt[s] && (in.bud[s] == unlimited || days <= in.bud[s]) {
				break
			}
			a[m] = -1
			cnt--
			days -= in.days[m]
			released = append(released, m)
		}
	}
	st := newState(in, a)
	in.placeGreedily(st, released)
	return st.a
}

// placeGreedily assigns needs, the most valuable first, each to the sponsor
// with room that values it most; a need with no such sponsor stays
// unassigned. It reorders needs.
func (in *instance) placeGreedily(st *state, needs []int32) {
	slices.SortStableFunc(needs, func(x, y int32) int { return cmp.Compare(in.bestW(int(y)), in.bestW(int(x))) })
	for _, m := range needs {
		at, best := int32(-1), int64(0)
		for _, s := range in.adj[m] {
			if v := in.w[int(m)*in.nS+int(s)]; v > best && st.room(int(s), int(m)) {
				at, best = s, v
			}
		}
		if at >= 0 {
			st.move(int(m), at)
		}
	}
}

func (in *instance) bestW(i int) int64 {
	var b int64
	for _, s := range in.adj[i] {
		b = max(b, in.w[i*in.nS+int(s)])
	}
	return b
}

// lagrangianRounds bounds the Lagrangian count-only solves of gapSolver.
const lagrangianRounds = 3

// lagrangianTransport solves the count-only problem exactly for the
// Lagrangian scores w − λ·d, which prices staff-days in, offers it repaired
// to keep the budgets, and returns it unrepaired.
func (g *gapSolver) lagrangianTransport(lam []int64) []int32 {
	in := g.in
	w := make([]int64, len(in.w))
	adj := make([][]int32, in.nN)
	for i := range in.nN {
		for _, s := range in.adj[i] {
			if v := in.w[i*in.nS+int(s)] - in.days[i]*lam[s]; v > 0 {
				w[i*in.nS+int(s)] = v
				adj[i] = append(adj[i], s)
			}
		}
	}
	a := newTransport(in, w, adj).solve()
	g.offer(g.repair(slices.Clone(a)))
	return a
}

// state is a feasible assignment with each sponsor's use, for local search.
type state struct {
	in      *instance
	a       []int32
	cnt     []int64
	days    []int64
	members [][]int32
	val     int64
	// dp and take are repack's tables, kept to spare the allocations.
	dp   []int64
	take []bool
	// roomy is ejectFrom's list of sponsors with room.
	roomy []int32
	// swapFrom's bounds on a swap's gain, per sponsor: floor is the least
	// score among its needs, slack the most any of its needs scores at its
	// best sponsor above its score here; stale marks the sponsors whose
	// needs changed since (nil until swapFrom first runs). best is each
	// need's best score.
	floor, slack []int64
	stale        []bool
	best         []int64
}

func newState(in *instance, a []int32) *state {
	st := &state{in: in, cnt: make([]int64, in.nS), days: make([]int64, in.nS), members: make([][]int32, in.nS)}
	if a == nil {
		a = make([]int32, in.nN)
		for i := range a {
			a[i] = -1
		}
	}
	st.a = a
	for i, s := range a {
		if s >= 0 {
			st.cnt[s]++
			st.days[s] += in.days[i]
			st.members[s] = append(st.members[s], int32(i))
			st.val += in.w[i*in.nS+int(s)]
		}
	}
	return st
}

func (st *state) w(i int, s int32) int64 {
	if s < 0 {
		return 0
	}
	return st.in.w[i*st.in.nS+int(s)]
}

// room reports whether sponsor s can take need i on top of its load.
func (st *state) room(s, i int) bool {
	in := st.in
	return st.cnt[s] < in.cnt[s] && (in.bud[s] == unlimited || st.days[s]+in.days[i] <= in.bud[s])
}

// move puts need i on sponsor to (-1: none).
func (st *state) move(i int, to int32) {
	in := st.in
	if from := st.a[i]; from >= 0 {
		st.cnt[from]--
		st.days[from] -= in.days[i]
		st.val -= in.w[i*in.nS+int(from)]
		ms := st.members[from]
		k := slices.Index(ms, int32(i))
		st.members[from] = append(ms[:k], ms[k+1:]...)
		if st.stale != nil {
			st.stale[from] = true
		}
	}
	st.a[i] = to
	if to >= 0 {
		st.cnt[to]++
		st.days[to] += in.days[i]
		st.val += in.w[i*in.nS+int(to)]
		st.members[to] = append(st.members[to], int32(i))
		if st.stale != nil {
			st.stale[to] = true
		}
	}
}

// swapBound returns swapFrom's bounds for sponsor s (see state.floor),
// bringing them up to date first.
func (st *state) swapBound(s int32) (floor, slack int64) {
	in := st.in
	if st.stale == nil {
		st.floor, st.slack = make([]int64, in.nS), make([]int64, in.nS)
		st.stale, st.best = make([]bool, in.nS), make([]int64, in.nN)
		for i := range in.nN {
			st.best[i] = in.bestW(i)
		}
		for t := range st.stale {
			st.stale[t] = true
		}
	}
	if st.stale[s] {
		st.floor[s], st.slack[s] = math.MaxInt64, 0
		for _, j := range st.members[s] { // swapFrom asks only for sponsors with needs
			w := in.w[int(j)*in.nS+int(s)]
			st.floor[s] = min(st.floor[s], w)
			st.slack[s] = max(st.slack[s], st.best[j]-w)
		}
		st.stale[s] = false
	}
	return st.floor[s], st.slack[s]
}

// improve applies improving moves until none is left: shift one need to a
// sponsor with room (or in from none), or swap two needs between sponsors
// (or a need with one that has none), within every capacity.
func (st *state) improve(lim *limits) {
	in := st.in
	for pass := 0; pass < 50; pass++ {
		changed := false
		for i := range in.nN {
			cur := st.a[i]
			cw := st.w(i, cur)
			to, gain := int32(-1), int64(0)
			for _, s := range in.adj[i] {
				if s != cur && st.room(int(s), i) {
					if v := in.w[i*in.nS+int(s)] - cw; v > gain {
						to, gain = s, v
					}
				}
			}
			if to >= 0 {
				st.move(i, to)
				changed = true
			}
		}
		swapped, ok := sweep(in.nN, 256, lim, st.swapFrom)
		if !ok {
			return
		}
		changed = changed || swapped
		if !changed && int64(in.nN)*int64(in.nS) <= ejectPairs {
			if changed, ok = sweep(in.nN, 64, lim, st.ejectFrom); !ok {
				return
			}
		}
		if !changed {
			if changed, ok = sweep(in.nS, 16, lim, st.repack); !ok {
				return
			}
		}
		if !changed {
			return
		}
	}
}

// sweep tries move at every index below n, reading the clock before every
// so many tries; it reports whether any move improved the assignment, and
// false for ok when the time ran out.
func sweep(n, every int, lim *limits, move func(int) bool) (changed, ok bool) {
	for i := range n {
		if i%every == 0 && lim.expired() {
			return changed, false
		}
		if move(i) {
			changed = true
		}
	}
	return changed, true
}

// Bounds of repack's knapsack: how many waiting needs and needs of other
// sponsors it considers beside the sponsor's own, and the largest table
// (needs × engagements × days).
const (
	repackPool    = 48
	repackForeign = 32
	repackTable   = 4 << 20
)

// repack re-chooses sponsor s's needs, exactly, by a knapsack over its free
// engagements and staff-days, among its own needs (worth their score), the
// best waiting (unassigned) needs for it (worth their score) and the best
// needs of other sponsors that would gain by moving (worth the gain; their
// old sponsor keeps the room they free for its own repack). It fills the
// budgets that shifts and swaps leave part empty and reports whether the
// total improved.
func (st *state) repack(s int) bool {
	in := st.in
	if in.bud[s] == unlimited {
		return false
	}
	type item struct {
		need  int32
		value int64
	}
	var own, pool, foreign []item
	for i := range in.nN {
		w := in.w[i*in.nS+s]
		if w <= 0 || in.days[i] > in.bud[s] {
			continue
		}
		switch cur := st.a[i]; {
		case cur == int32(s):
			own = append(own, item{int32(i), w})
		case cur < 0:
			pool = append(pool, item{int32(i), w})
		default:
			if g := w - in.w[i*in.nS+int(cur)]; g > 0 {
				foreign = append(foreign, item{int32(i), g})
			}
		}
	}
	if len(pool)+len(foreign) == 0 {
		return false
	}
	// Most value per staff-day first (v/d > v'/d' as v·d' > v'·d).
	density := func(x, y item) int {
		return cmp.Compare(y.value*max(1, in.days[x.need]), x.value*max(1, in.days[y.need]))
	}
	slices.SortStableFunc(pool, density)
	slices.SortStableFunc(foreign, density)
	items := append(own, pool[:min(len(pool), repackPool)]...)
	items = append(items, foreign[:min(len(foreign), repackForeign)]...)
	K, C, B := len(items), int(min(in.cnt[s], int64(len(items)))), int(in.bud[s])
	if int64(K)*int64(C+1)*int64(B+1) > repackTable {
		return false
	}
	// dp[c][b]: best value with exactly c needs and at most b staff-days.
	st.dp = slices.Grow(st.dp[:0], (C+1)*(B+1))[:(C+1)*(B+1)]
	dp := st.dp
	clear(dp[:B+1])
	for i := B + 1; i < len(dp); i++ {
		dp[i] = -inf
	}
	st.take = slices.Grow(st.take[:0], K*(C+1)*(B+1))[:K*(C+1)*(B+1)]
	take := st.take
	clear(take)
	for k, it := range items {
		d := int(in.days[it.need])
		for c := min(k+1, C); c >= 1; c-- {
			row, prev := dp[c*(B+1):(c+1)*(B+1)], dp[(c-1)*(B+1):c*(B+1)]
			tk := take[(k*(C+1)+c)*(B+1):]
			for b := B; b >= d; b-- {
				if prev[b-d] > -inf {
					if x := prev[b-d] + it.value; x > row[b] {
						row[b] = x
						tk[b] = true
					}
				}
			}
		}
	}
	bestC := 0
	for c := 1; c <= C; c++ {
		if dp[c*(B+1)+B] > dp[bestC*(B+1)+B] {
			bestC = c
		}
	}
	var cur int64
	for _, it := range own {
		cur += it.value
	}
	if dp[bestC*(B+1)+B] <= cur {
		return false
	}
	chosen := make([]bool, K)
	c, b := bestC, B
	for k := K - 1; k >= 0 && c > 0; k-- {
		if take[(k*(C+1)+c)*(B+1)+b] {
			chosen[k] = true
			c--
			b -= int(in.days[items[k].need])
		}
	}
	for k, it := range items {
		if !chosen[k] && st.a[it.need] == int32(s) {
			st.move(int(it.need), -1)
		}
	}
	for k, it := range items {
		if chosen[k] && st.a[it.need] != int32(s) {
			st.move(int(it.need), int32(s))
		}
	}
	return true
}

// ejectPairs is the size (needs × sponsors) up to which local search tries
// ejection chains: a pass costs needs × sponsors × a sponsor's needs ×
// sponsors with room, too much for a time limit of seconds above it.
const ejectPairs = 100_000

// ejectFrom tries the best ejection chain that starts with need i: i
// moves to a sponsor s2 that has no room for it by ejecting one of s2's
// needs j, which moves on to a third sponsor with room (or to none); i's
// old sponsor keeps the room i frees for later moves.
func (st *state) ejectFrom(i int) bool {
	in := st.in
	s1 := st.a[i]
	w1 := st.w(i, s1)
	bestJ, bestS2, bestS3, bestGain := int32(-1), int32(-1), int32(-1), int64(0)
	// The sponsors with an engagement and a staff-day to spare: the only
	// ones an ejected need can move on to.
	st.roomy = st.roomy[:0]
	for s := range in.nS {
		if st.cnt[s] < in.cnt[s] && (in.bud[s] == unlimited || st.days[s] < in.bud[s]) {
			st.roomy = append(st.roomy, int32(s))
		}
	}
	for _, s2 := range in.adj[i] {
		if s2 == s1 || st.room(int(s2), i) {
			continue
		}
		wi2 := in.w[i*in.nS+int(s2)]
		if wi2 <= w1 {
			continue
		}
		for _, j := range st.members[s2] {
			if in.bud[s2] != unlimited && st.days[s2]-in.days[j]+in.days[i] > in.bud[s2] {
				continue
			}
			base := wi2 - w1 - in.w[int(j)*in.nS+int(s2)]
			if base > bestGain {
				bestJ, bestS2, bestS3, bestGain = j, s2, -1, base
			}
			wj := in.w[int(j)*in.nS : int(j+1)*in.nS]
			for _, s3 := range st.roomy {
				if s3 == s2 || s3 == s1 || wj[s3] <= 0 {
					continue
				}
				if g := base + wj[s3]; g > bestGain && st.room(int(s3), int(j)) {
					bestJ, bestS2, bestS3, bestGain = j, s2, s3, g
				}
			}
		}
	}
	if bestJ < 0 {
		return false
	}
	st.move(int(bestJ), bestS3)
	st.move(i, bestS2)
	return true
}

// swapFrom tries the best swap of need i with a need j on another sponsor:
// i takes j's place and j takes i's (or leaves when i had none).
func (st *state) swapFrom(i int) bool {
	in := st.in
	s1 := st.a[i]
	w1 := st.w(i, s1)
	bestJ, bestS, bestGain := int32(-1), int32(-1), int64(0)
	for _, s2 := range in.adj[i] {
		if s2 == s1 {
			continue
		}
		wi2 := in.w[i*in.nS+int(s2)]
		// No need of s2 can make the swap gain more than bestGain: the
		// gain is wi2 − w(j at s2) with i waiting, and at most
		// wi2 − w1 + (j's best score − w(j at s2)) otherwise.
		if len(st.members[s2]) == 0 {
			continue
		}
		if floor, slack := st.swapBound(s2); s1 < 0 && wi2-floor <= bestGain || s1 >= 0 && wi2-w1+slack <= bestGain {
			continue
		}
		for _, j := range st.members[s2] {
			wj1 := st.w(int(j), s1)
			if s1 >= 0 && wj1 <= 0 {
				continue
			}
			gain := wi2 + wj1 - w1 - in.w[int(j)*in.nS+int(s2)]
			if gain <= bestGain {
				continue
			}
			dd := in.days[i] - in.days[j]
			if in.bud[s2] != unlimited && st.days[s2]+dd > in.bud[s2] {
				continue
			}
			if s1 >= 0 && in.bud[s1] != unlimited && st.days[s1]-dd > in.bud[s1] {
				continue
			}
			bestJ, bestS, bestGain = j, s2, gain
		}
	}
	if bestJ < 0 {
		return false
	}
	st.move(int(bestJ), -1)
	st.move(i, bestS)
	if s1 >= 0 {
		st.move(int(bestJ), s1)
	}
	return true
}
