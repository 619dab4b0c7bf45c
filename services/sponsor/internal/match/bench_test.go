package match

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"
)

// benchSolve runs Solve b.N times on in and reports the gap of the last
// result as the gap% metric, and the CPU time the process used per run as
// cpu-ms (on a shared machine, how much of the wall time the run had).
func benchSolve(b *testing.B, in Input) *Result {
	b.Helper()
	b.ReportAllocs()
	var res *Result
	used := cpuTime()
	for b.Loop() {
		var err error
		res, err = Solve(context.Background(), in)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-used)/float64(b.N)/float64(time.Millisecond), "cpu-ms")
	b.ReportMetric(res.Gap, "gap%")
	b.ReportMetric(float64(len(res.Assignments)), "assigned")
	return res
}

// BenchmarkRealScale is a DfE run as it really is: 20 needs, 8 sponsors,
// staff-day budgets that bind. Target: proven optimal in under 10 ms.
func BenchmarkRealScale(b *testing.B) {
	res := benchSolve(b, realScale())
	if !res.Proven {
		b.Errorf("not proven optimal: gap %.4f%%, stop %s", res.Gap, res.Stop)
	}
}

// BenchmarkLarge is 2,000 needs × 200 sponsors. Targets: counts alone
// optimal in under 1 s and 200 MB; with budgets, within a 2 s limit and a
// proven gap under 1%.
func BenchmarkLarge(b *testing.B) {
	b.Run("counts", func(b *testing.B) {
		res := benchSolve(b, gen{needs: 2000, sponsors: 200, tight: 0.9, rules: true}.input(1))
		if !res.Proven {
			b.Errorf("counts only: not proven optimal, gap %.4f%%", res.Gap)
		}
	})
	b.Run("budgets", func(b *testing.B) {
		in := gen{needs: 2000, sponsors: 200, tight: 0.9, rules: true, budgets: true}.input(1)
		in.TimeLimit = 2 * time.Second
		res := benchSolve(b, in)
		if res.Gap >= 1 {
			b.Logf("budgets: proven gap %.4f%% misses the 1%% target (objective %d, bound %d)", res.Gap, res.Objective, res.Bound)
		}
	})
}

// BenchmarkScaling shows how the cost grows with the number of needs, 200
// sponsors, with engagement counts alone and with staff-day budgets too
// (2 s limit).
func BenchmarkScaling(b *testing.B) {
	for _, budgets := range []bool{false, true} {
		for _, n := range []int{100, 500, 2000, 10000} {
			name := fmt.Sprintf("counts/needs=%d", n)
			if budgets {
				name = fmt.Sprintf("budgets/needs=%d", n)
			}
			b.Run(name, func(b *testing.B) {
				in := gen{needs: n, sponsors: 200, tight: 0.9, rules: true, budgets: budgets}.input(7)
				in.TimeLimit = 2 * time.Second
				benchSolve(b, in)
			})
		}
	}
}

// BenchmarkBudgetTargets runs OPTIMAL with staff-day budgets at the sizes
// of the engine's targets, three instances each, 2 s limit: proven optimal
// up to 100 needs × 20 sponsors, a proven gap under 1% at 200 × 50 and at
// 2,000 × 200. It reports the gap and whether the result was proven.
func BenchmarkBudgetTargets(b *testing.B) {
	for _, size := range [][2]int{{40, 10}, {100, 20}, {200, 50}, {2000, 200}} {
		for seed := uint64(1); seed <= 3; seed++ {
			b.Run(fmt.Sprintf("%dx%d/seed=%d", size[0], size[1], seed), func(b *testing.B) {
				in := gen{needs: size[0], sponsors: size[1], tight: 0.9, rules: true, budgets: true}.input(seed)
				in.TimeLimit = 2 * time.Second
				res := benchSolve(b, in)
				proven := 0.0
				if res.Proven {
					proven = 1
				}
				b.ReportMetric(proven, "proven")
			})
		}
	}
}

// BenchmarkNeedPriceRound is one evaluation of the need-price bound (a
// knapsack per sponsor) at zero prices, on one CPU and on every CPU: from
// parallelKnapsackPairs the knapsacks are solved in parallel.
//
//	go test -run '^$' -bench BenchmarkNeedPriceRound ./services/sponsor/internal/match/
func BenchmarkNeedPriceRound(b *testing.B) {
	for _, size := range [][2]int{{200, 50}, {2000, 200}} {
		in := instanceOf(b, gen{needs: size[0], sponsors: size[1], tight: 0.9, rules: true, budgets: true}.input(1))
		for _, cpus := range []int{1, runtime.GOMAXPROCS(0)} {
			b.Run(fmt.Sprintf("%dx%d/cpus=%d", size[0], size[1], cpus), func(b *testing.B) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(cpus))
				nd := newNeedDual(in)
				nd.p, nd.lam = make([]int64, in.nS), make([]int64, in.nS)
				u := make([]int64, in.nN)
				for b.Loop() {
					nd.eval(u)
				}
			})
		}
	}
}
