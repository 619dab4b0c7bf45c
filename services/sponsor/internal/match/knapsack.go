package match

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"sync"
	"time"
)

// kItem is one need offered to one sponsor's knapsack: its profit there
// (score less the need's price) and the staff-days it takes.
type kItem struct {
	need   int32
	profit int64
	days   int64
}

// Bounds of an exact knapsack table. A budget above knapsackDays is
// counted in steps of ⌈budget / knapsackDays⌉ staff-days, each need's days
// rounded down: every choice that keeps the real budget keeps the scaled
// one, so the table still bounds the real knapsack from above. A table
// above knapsackTable cells (items × counts × days) is not built; the
// linear-programming bound stands in.
const (
	knapsackDays  = 2048
	knapsackTable = 1 << 20
)

// knapsack solves one sponsor's subproblem of the need-price relaxation:
// choose needs of positive profit, at most cnt of them and at most bud
// staff-days (unlimited: no budget), for the most profit. Its tables are
// kept between calls to spare the allocations.
type knapsack struct {
	dp   []int64
	take []bool
	tree []int32
	// keys and sorted are byProfit's scratch space.
	keys   []uint64
	sorted []kItem
	// pick is the choice behind the last solve's value: within both
	// capacities when that value was exact; otherwise a choice within them
	// (the linear bound's greedy) or within the scaled budget only.
	pick []int32
}

// solve returns an upper bound on the best profit of items within cnt and
// bud, and whether it is the exact optimum. p and lam are prices of an
// engagement and of a staff-day: p·cnt + lam·bud + Σ max(0, profit − p −
// lam·days) bounds the knapsack too, and stands in with the linear bound
// when the table would be too big. It reorders items.
func (k *knapsack) solve(items []kItem, cnt, bud, p, lam int64) (int64, bool) {
	k.pick = k.pick[:0]
	kept := items[:0]
	for _, it := range items {
		if it.profit > 0 && (bud == unlimited || it.days <= bud) {
			kept = append(kept, it)
		}
	}
	items = kept
	if cnt <= 0 || len(items) == 0 {
		return 0, true
	}
	mult := p * cnt
	if bud != unlimited {
		mult += lam * bud
	}
	for _, it := range items {
		mult += max(0, it.profit-p-lam*it.days)
	}
	// Best profit first, ties by need: the choice is the same on every run.
	k.byProfit(items)
	c := int(min(cnt, int64(len(items))))
	var top, topDays int64
	for _, it := range items[:c] {
		top += it.profit
		topDays += it.days
	}
	// The count-only optimum is the c most profitable; if it keeps the
	// budget it is the optimum.
	if bud == unlimited || topDays <= bud {
		for _, it := range items[:c] {
			k.pick = append(k.pick, it.need)
		}
		return top, true
	}
	scale := max(1, (bud+knapsackDays-1)/knapsackDays)
	b := int(bud / scale)
	items = k.undominated(items, c, scale, b)
	if int64(len(items))*int64(c+1)*int64(b+1) > knapsackTable {
		return min(top, k.linear(items, cnt, bud), mult), false
	}
	// dp[j][x]: the best profit of at most j needs within x (scaled) days.
	cells := (c + 1) * (b + 1)
	k.dp = slices.Grow(k.dp[:0], cells)[:cells]
	dp := k.dp
	clear(dp)
	k.take = slices.Grow(k.take[:0], len(items)*cells)[:len(items)*cells]
	take := k.take
	clear(take)
	for i, it := range items {
		d := int(it.days / scale)
		for j := c; j >= 1; j-- {
			// row[x] = max(row[x], prev[x−d] + profit) for x ≥ d: prev is
			// the row below, not yet updated for this item, so the order
			// of x does not matter; sliced to one length so that the loop
			// runs without bounds checks.
			row := dp[j*(b+1)+d : (j+1)*(b+1)]
			prev := dp[(j-1)*(b+1) : (j-1)*(b+1)+len(row)]
			tk := take[i*cells+j*(b+1)+d : i*cells+(j+1)*(b+1)]
			tk = tk[:len(row)]
			for x := range row {
				if v := prev[x] + it.profit; v > row[x] {
					row[x] = v
					tk[x] = true
				}
			}
		}
	}
	value := dp[c*(b+1)+b]
	if scale > 1 {
		value = min(value, mult)
	}
	j, x := c, b
	for i := len(items) - 1; i >= 0 && j > 0; i-- {
		if take[i*cells+j*(b+1)+x] {
			k.pick = append(k.pick, items[i].need)
			j--
			x -= int(items[i].days / scale)
		}
	}
	return value, scale == 1
}

// byProfit sorts items best profit first, ties by need. Where the items
// come in ascending need order (as eval builds them) and every profit fits
// in 32 bits, it sorts packed keys (the profit's complement, then the
// item's place) instead of calling a comparison per step, several times
// faster for the same order; otherwise it compares.
func (k *knapsack) byProfit(items []kItem) {
	packed := true
	for i, it := range items {
		if it.profit >= 1<<32 || i > 0 && items[i-1].need >= it.need {
			packed = false
			break
		}
	}
	if !packed || uint64(len(items)) >= 1<<32 {
		slices.SortFunc(items, func(a, b kItem) int {
			return cmp.Or(cmp.Compare(b.profit, a.profit), cmp.Compare(a.need, b.need))
		})
		return
	}
	k.keys = slices.Grow(k.keys[:0], len(items))[:len(items)]
	for i, it := range items {
		k.keys[i] = uint64(1<<32-1-it.profit)<<32 | uint64(i)
	}
	slices.Sort(k.keys)
	k.sorted = append(k.sorted[:0], items...)
	for i, key := range k.keys {
		items[i] = k.sorted[uint32(key)]
	}
}

// undominated drops the items that no optimal choice needs: an item with c
// others of at least its profit and at most its (scaled) days, earlier in
// items' order, can always be swapped for one of them that a choice of at
// most c leaves out. items are in order of profit, best first; days are
// counted in steps of scale, at most b.
func (k *knapsack) undominated(items []kItem, c int, scale int64, b int) []kItem {
	// tree is a Fenwick tree over days: how many items so far take at most
	// so many days.
	k.tree = slices.Grow(k.tree[:0], b+2)[:b+2]
	clear(k.tree)
	kept := items[:0]
	for _, it := range items {
		d := int(it.days/scale) + 1
		seen := int32(0)
		for x := d; x > 0; x -= x & -x {
			seen += k.tree[x]
		}
		if int(seen) < c {
			kept = append(kept, it)
		}
		for x := d; x < len(k.tree); x += x & -x {
			k.tree[x]++
		}
	}
	return kept
}

// linear returns the linear-programming bound of a budget knapsack over
// items (Dantzig's: the densest needs first, the first that does not fit
// taken in part, rounded up) and sets pick to the greedy choice of the
// densest needs that fit within both capacities. It reorders items.
func (k *knapsack) linear(items []kItem, cnt, bud int64) int64 {
	// Most profit per staff-day first: p/d > p'/d' as p·d' > p'·d; needs of
	// no staff-days first of all.
	slices.SortFunc(items, func(a, b kItem) int {
		return cmp.Or(cmp.Compare(b.profit*a.days, a.profit*b.days), cmp.Compare(b.profit, a.profit), cmp.Compare(a.need, b.need))
	})
	var bound, left = int64(0), bud
	for _, it := range items {
		if it.days <= left {
			bound += it.profit
			left -= it.days
			continue
		}
		bound += (it.profit*left + it.days - 1) / it.days
		break
	}
	n, days := int64(0), int64(0)
	for _, it := range items {
		if n < cnt && days+it.days <= bud {
			k.pick = append(k.pick, it.need)
			n++
			days += it.days
		}
	}
	return bound
}

// needDual is the need-price relaxation of gapSolver's problem: the
// constraint "each need at most once" is priced by u_n ≥ 0 per need, which
// leaves every sponsor a knapsack of its own over its engagement count and
// staff-day budget:
//
//	L(u) = Σ_n u_n + Σ_s K_s(u),
//	K_s(u) = max { Σ_{n∈X} (w_ns − u_n) : |X| ≤ cnt_s, Σ_{n∈X} d_n ≤ bud_s }
//
// over the sets X of needs assignable to s. Every feasible assignment gives
// each sponsor such a set, so L(u) bounds them all from above whatever the
// prices (weak duality), and as long as each K_s is bounded from above
// (exactly, on a scaled table or by its linear bound) so is the sum. The
// knapsacks keep the integrality the capacity-price bound gives up, so at
// good prices L is below the linear-programming bound.
type needDual struct {
	in  *instance
	col [][]int32 // per sponsor: the needs that may go to it, ascending
	// knapsackPart is the scratch space of single knapsacks (kbnb) and of
	// eval's first part; parts holds it and those of the other parts.
	knapsackPart
	parts []*knapsackPart
	// picks are each sponsor's knapsack choice and times how many sponsors
	// chose each need, at the last evaluation; vals each sponsor's value.
	picks [][]int32
	times []int32
	vals  []int64
	// p and lam are capacity prices for the knapsacks' fallback bound.
	p, lam []int64
}

func newNeedDual(in *instance) *needDual {
	nd := &needDual{in: in, col: make([][]int32, in.nS), picks: make([][]int32, in.nS), times: make([]int32, in.nN), vals: make([]int64, in.nS)}
	nd.parts = []*knapsackPart{&nd.knapsackPart}
	counts := make([]int, in.nS)
	for i := range in.nN {
		for _, s := range in.adj[i] {
			counts[s]++
		}
	}
	for s := range in.nS {
		nd.col[s] = make([]int32, 0, counts[s])
	}
	for i := range in.nN {
		for _, s := range in.adj[i] {
			nd.col[s] = append(nd.col[s], int32(i))
		}
	}
	return nd
}

// eval returns L(u), recording each sponsor's choice. The knapsacks are
// independent of each other: on instances of at least parallelKnapsackPairs
// they are solved on every available CPU, each part with tables of its own,
// and summed in sponsor order, so the result is the same on any number of
// CPUs.
func (nd *needDual) eval(u []int64) int64 {
	in := nd.in
	var total int64
	for _, x := range u {
		total += x
	}
	parts := 1
	if int64(in.nN)*int64(in.nS) >= parallelKnapsackPairs {
		parts = min(runtime.GOMAXPROCS(0), in.nS)
	}
	for len(nd.parts) < parts {
		nd.parts = append(nd.parts, &knapsackPart{})
	}
	body := func(k, lo, hi int) {
		w := nd.parts[k]
		for s := lo; s < hi; s++ {
			items := w.items[:0]
			for _, i := range nd.col[s] {
				if p := in.w[int(i)*in.nS+s] - u[i]; p > 0 {
					items = append(items, kItem{need: i, profit: p, days: in.days[i]})
				}
			}
			nd.vals[s], _ = w.ks.solve(items, in.cnt[s], in.bud[s], nd.p[s], nd.lam[s])
			w.items = items
			nd.picks[s] = append(nd.picks[s][:0], w.ks.pick...)
		}
	}
	if parts == 1 {
		body(0, 0, in.nS)
	} else {
		var wg sync.WaitGroup
		for k := range parts {
			wg.Go(func() { body(k, in.nS*k/parts, in.nS*(k+1)/parts) })
		}
		wg.Wait()
	}
	clear(nd.times)
	for s := range in.nS {
		total += nd.vals[s]
		for _, i := range nd.picks[s] {
			nd.times[i]++
		}
	}
	return total
}

// parallelKnapsackPairs is the size (needs × sponsors) from which eval
// solves the knapsacks in parallel. Below it a round is short
// (BenchmarkNeedPriceRound: 0.43 ms at 200 × 50 on one CPU) and the
// service's concurrent runs, each far smaller, keep the other CPUs busy.
const parallelKnapsackPairs = 100_000

// knapsackPart is one parallel part's scratch space.
type knapsackPart struct {
	ks    knapsack
	items []kItem
}

// assignment turns the last evaluation's choices into a feasible
// assignment: a need chosen by several sponsors goes to the one where it
// scores most, if that one still has room, and the needs left over go,
// best score first, to the best sponsor with room.
func (nd *needDual) assignment() []int32 {
	in := nd.in
	to := make([]int32, in.nN)
	for i := range to {
		to[i] = -1
	}
	for s := range in.nS {
		for _, i := range nd.picks[s] {
			if t := to[i]; t < 0 || in.w[int(i)*in.nS+s] > in.w[int(i)*in.nS+int(t)] {
				to[i] = int32(s)
			}
		}
	}
	st := newState(in, nil)
	var rest []int32
	for i, s := range to {
		if s >= 0 && st.room(int(s), i) {
			st.move(i, s)
		} else if len(in.adj[i]) > 0 {
			rest = append(rest, int32(i))
		}
	}
	in.placeGreedily(st, rest)
	return st.a
}

// needPrices lowers the bound with the need-price relaxation: prices start
// from the capacity prices (u_n = max(0, max_s w_ns − p_s − d_n·λ_s), at
// which L(u) is already no higher than their bound) and move by projected
// subgradient steps (Polyak step towards the best assignment known). Every
// few improvements the sponsors' choices, made feasible, are offered as
// assignments. It returns false when the time limit stopped it. Prices
// are integers and steps are rounded, so the result is the same on every
// machine.
func (g *gapSolver) needPrices() bool {
	in := g.in
	nd := newNeedDual(in)
	nd.p, nd.lam = g.p, g.lam
	u := make([]int64, in.nN)
	for i := range in.nN {
		for _, s := range in.adj[i] {
			u[i] = max(u[i], in.w[i*in.nS+int(s)]-g.p[s]-in.days[i]*g.lam[s])
		}
	}
	g.u = slices.Clone(u)
	// Iterations scale down with the instance: each costs a pass over the
	// pairs and a knapsack per sponsor.
	maxIter := int(min(needPriceIterations, max(60, 200_000_000/max(1, int64(in.nN)*int64(in.nS)))))
	// Half the time left at most, so that branch and bound has its turn.
	// Above knapsackBnBPairs branch and bound has only the capacity-price
	// bound, which these prices are already below, and it stops at its node
	// limit within a fraction of a second: the prices take seven eighths
	// (BenchmarkBudgetTargets at 2,000 × 200: gaps 1.46 / 1.44 / 1.42% with
	// half, 1.41 / 1.32 / 1.35% with seven eighths).
	var share time.Time
	if !g.lim.deadline.IsZero() {
		now := time.Now()
		left := g.lim.deadline.Sub(now)
		share = now.Add(left / 2)
		if int64(in.nN)*int64(in.nS) > knapsackBnBPairs {
			share = now.Add(left * 7 / 8)
		}
	}
	theta, stall, improved := 1.0, 0, 0
	if int64(in.nN)*int64(in.nS) > knapsackBnBPairs {
		// Above knapsackBnBPairs the rounds are few (about 30 in 2 s at
		// 2,000 × 200) and the first step is a tenth of Polyak's: its
		// target, the best assignment known, lies far below the bound at
		// first, and a full step overshoots (BenchmarkBudgetTargets at
		// 2,000 × 200, seed 1: each of the 27 rounds after the first above
		// it with a full step; with a tenth the bound after 28 rounds 0.08%
		// lower). Below, where branch and bound needs the prices the
		// hundreds of rounds reach, a tenth left 100 × 20 seed 2 unproven.
		theta = 0.1
	}
	// step is how long the last iteration took: one that cannot finish
	// within the share is not started.
	var step time.Duration
	for it := 0; it < maxIter && theta > 1e-3; it++ {
		if g.lim.expired() {
			return false
		}
		if !share.IsZero() && time.Until(share) < step {
			break
		}
		began := time.Now()
		v := nd.eval(u)
		if v < g.bound {
			g.bound = v
			copy(g.u, u)
			g.stats.DualIterations++
			stall = 0
			if improved++; improved%8 == 1 {
				g.offer(nd.assignment())
			}
		} else if stall++; stall >= 12 {
			theta, stall = theta/2, 0
		}
		if g.bound <= g.bestVal {
			return true
		}
		var norm int64
		for i, x := range nd.times {
			gi := 1 - int64(x)
			if u[i] == 0 && gi > 0 || len(in.adj[i]) == 0 {
				continue
			}
			norm += gi * gi
		}
		if norm == 0 {
			// Every need chosen at most once, and the unchosen ones free:
			// the choices are an assignment worth L(u), so optimal.
			g.offer(nd.assignment())
			return true
		}
		t := float64(theta*float64(v-g.bestVal)) / float64(norm)
		for i, x := range nd.times {
			if len(in.adj[i]) == 0 {
				continue
			}
			gi := 1 - int64(x)
			u[i] = max(0, u[i]-int64(math.Round(float64(t*float64(gi)))))
		}
		step = time.Since(began)
	}
	if g.lim.expired() {
		return false
	}
	// The choices at the best prices, made feasible, if there is time.
	if g.lim.deadline.IsZero() || time.Until(g.lim.deadline) > 2*step {
		nd.eval(g.u)
		g.offer(nd.assignment())
	}
	return true
}

// needPriceIterations bounds needPrices' subgradient steps.
const needPriceIterations = 400
