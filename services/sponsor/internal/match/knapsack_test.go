package match

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// bestSubset is the best profit of any subset of items within cnt and bud
// (unlimited: no budget), by enumeration.
func bestSubset(items []kItem, cnt, bud int64) int64 {
	best := int64(0)
	for mask := 0; mask < 1<<len(items); mask++ {
		var n, days, profit int64
		for k, it := range items {
			if mask&(1<<k) != 0 {
				n++
				days += it.days
				profit += it.profit
			}
		}
		if n <= cnt && (bud == unlimited || days <= bud) {
			best = max(best, profit)
		}
	}
	return best
}

// TestKnapsackAgainstEnumeration checks one sponsor's knapsack on random
// items, small and large budgets (scaled tables), with and without tables
// too big to build: the value is never below the best subset, is the best
// subset when it says it is exact, and then its choice keeps both
// capacities and is worth the value.
func TestKnapsackAgainstEnumeration(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var k knapsack
	for trial := range 3000 {
		n := 1 + r.IntN(12)
		bigDays := trial%3 == 0
		items := make([]kItem, n)
		byNeed := map[int32]kItem{}
		for i := range items {
			items[i] = kItem{need: int32(i), profit: int64(r.IntN(2000) - 300), days: int64(r.IntN(41))}
			if bigDays {
				items[i].days *= int64(1 + r.IntN(50_000))
			}
			byNeed[int32(i)] = items[i]
		}
		cnt := int64(r.IntN(6))
		bud := int64(r.IntN(120))
		if bigDays {
			bud *= 20_000
		}
		if trial%7 == 0 {
			bud = unlimited
		}
		want := bestSubset(items, cnt, bud)
		p, lam := int64(r.IntN(500)), int64(r.IntN(20))
		got, exact := k.solve(append([]kItem(nil), items...), cnt, bud, p, lam)
		name := fmt.Sprintf("trial %d (%d items, cnt %d, bud %d)", trial, n, cnt, bud)
		if got < want {
			t.Fatalf("%s: bound %d below the best subset %d", name, got, want)
		}
		if !exact {
			continue
		}
		if got != want {
			t.Fatalf("%s: exact value %d, best subset %d", name, got, want)
		}
		var c, days, profit int64
		for _, i := range k.pick {
			c++
			days += byNeed[i].days
			profit += byNeed[i].profit
		}
		if c > cnt || bud != unlimited && days > bud || profit != got {
			t.Fatalf("%s: choice of %d needs, %d days, worth %d (value %d)", name, c, days, profit, got)
		}
	}
	// Tables too big to build (no item dominates another) fall back to a
	// bound that must still hold.
	items := make([]kItem, 0, 400)
	for i := range 400 {
		items = append(items, kItem{need: int32(i), profit: int64(100 + i), days: int64(1 + 50*i)})
	}
	got, exact := k.solve(items, 300, knapsackDays*3, 0, 0)
	if exact || got < 100 {
		t.Errorf("large table: value %d, exact %v", got, exact)
	}
}

// bestAssignment is the optimum of an instance by exhaustive search.
func bestAssignment(in *instance) int64 {
	cnt, bud := append([]int64(nil), in.cnt...), append([]int64(nil), in.bud...)
	best := int64(0)
	var rec func(i int, total int64)
	rec = func(i int, total int64) {
		if i == in.nN {
			best = max(best, total)
			return
		}
		rec(i+1, total)
		for _, s := range in.adj[i] {
			if cnt[s] < 1 || bud[s] != unlimited && bud[s] < in.days[i] {
				continue
			}
			cnt[s]--
			if bud[s] != unlimited {
				bud[s] -= in.days[i]
			}
			rec(i+1, total+in.w[i*in.nS+int(s)])
			cnt[s]++
			if bud[s] != unlimited {
				bud[s] += in.days[i]
			}
		}
	}
	rec(0, 0)
	return best
}

// TestNeedPriceBoundAgainstBruteForce checks the need-price relaxation on
// small random instances with budgets: L(u) is never below the optimum,
// whatever the prices (random ones, zero, and those the solver finds), and
// the solver's bound and certificate never claim more than the truth.
func TestNeedPriceBoundAgainstBruteForce(t *testing.T) {
	fams := []gen{
		{needs: 7, sponsors: 3, tight: 0.9, budgets: true},
		{needs: 8, sponsors: 3, tight: 1.1, rules: true, budgets: true},
		{needs: 9, sponsors: 4, tight: 0.7, budgets: true},
		{needs: 8, sponsors: 2, tight: 1.5, rules: true},
	}
	r := rand.New(rand.NewPCG(11, 12))
	for fi, f := range fams {
		for seed := uint64(1); seed <= 40; seed++ {
			inst := instanceOf(t, f.input(seed))
			opt := bestAssignment(inst)
			nd := newNeedDual(inst)
			nd.p, nd.lam = make([]int64, inst.nS), make([]int64, inst.nS)
			for trial := range 30 {
				u := make([]int64, inst.nN)
				if trial > 0 {
					for i := range u {
						u[i] = int64(r.IntN(60_000))
					}
				}
				for s := range inst.nS {
					nd.p[s], nd.lam[s] = int64(r.IntN(20_000)), int64(r.IntN(500))
				}
				if v := nd.eval(u); v < opt {
					t.Fatalf("family %d seed %d: L(u) = %d below the optimum %d (u %v)", fi, seed, v, opt, u)
				}
			}
			out := optimal(inst, &limits{nodeLimit: 200_000})
			if out.bound < opt || out.value > opt || out.stop == StopComplete && out.value != opt {
				t.Fatalf("family %d seed %d: value %d, bound %d, stop %s, optimum %d", fi, seed, out.value, out.bound, out.stop, opt)
			}
			if !inst.fits(out.assign, true) || inst.value(out.assign) != out.value {
				t.Fatalf("family %d seed %d: the assignment breaks a capacity or is not worth %d", fi, seed, out.value)
			}
			// Stopped at once, the bound and gap must still hold.
			out = optimal(inst, &limits{nodeLimit: 1})
			if out.bound < opt || out.value > opt {
				t.Fatalf("family %d seed %d, node limit 1: value %d, bound %d, optimum %d", fi, seed, out.value, out.bound, opt)
			}
		}
	}
}

// TestNeedPriceRoundIsTheSameOnAnyNumberOfCPUs evaluates the need-price
// bound of an instance large enough for its knapsacks to be solved in
// parallel, at the same prices on one CPU and on four: the value, each
// sponsor's choice and how many sponsors chose each need must agree.
func TestNeedPriceRoundIsTheSameOnAnyNumberOfCPUs(t *testing.T) {
	in := instanceOf(t, gen{needs: 1000, sponsors: 100, tight: 0.9, rules: true, budgets: true}.input(4))
	if pairs := in.nN * in.nS; pairs < parallelKnapsackPairs {
		t.Fatalf("%d pairs: too few for the knapsacks to be solved in parallel", pairs)
	}
	r := rand.New(rand.NewPCG(7, 8))
	u := make([]int64, in.nN)
	for i := range u {
		u[i] = int64(r.IntN(60_000))
	}
	round := func(cpus int) (int64, [][]int32, []int32) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(cpus))
		nd := newNeedDual(in)
		nd.p, nd.lam = make([]int64, in.nS), make([]int64, in.nS)
		v := nd.eval(u)
		return v, nd.picks, nd.times
	}
	v1, picks1, times1 := round(1)
	v4, picks4, times4 := round(4)
	if v1 != v4 {
		t.Fatalf("L(u) is %d on one CPU and %d on four", v1, v4)
	}
	for s := range in.nS {
		if !slices.Equal(picks1[s], picks4[s]) {
			t.Fatalf("sponsor %d chooses %v on one CPU and %v on four", s, picks1[s], picks4[s])
		}
	}
	if !slices.Equal(times1, times4) {
		t.Fatal("the needs are chosen a different number of times on one CPU and on four")
	}
}

// TestByProfitOrdersAsTheComparison: the packed sort gives exactly the
// order of the comparison (best profit first, ties by need), with many
// ties, and so does the comparison it falls back on for items out of need
// order or with a profit beyond 32 bits.
func TestByProfitOrdersAsTheComparison(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	var k knapsack
	for trial := range 300 {
		n := r.IntN(60)
		items := make([]kItem, n)
		for i := range items {
			items[i] = kItem{need: int32(i * (1 + r.IntN(3))), profit: 1 + r.Int64N(8), days: int64(r.IntN(40))}
		}
		for i := 1; i < n; i++ {
			items[i].need = max(items[i].need, items[i-1].need+1)
		}
		switch trial % 3 {
		case 1:
			r.Shuffle(n, func(i, j int) { items[i], items[j] = items[j], items[i] })
		case 2:
			if n > 0 {
				items[r.IntN(n)].profit = 1<<32 + r.Int64N(5)
			}
		}
		want := slices.Clone(items)
		slices.SortFunc(want, func(a, b kItem) int {
			if a.profit != b.profit {
				return int(b.profit - a.profit)
			}
			return int(a.need - b.need)
		})
		got := slices.Clone(items)
		k.byProfit(got)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: byProfit = %v, want %v", trial, got, want)
		}
	}
}
