package match

import (
	"math"
	"testing"
)

// TestNeighbourhoodsGrowUntilNoneImproves runs the neighbourhood search
// without a time limit on an instance large enough for the neighbourhoods
// to grow, from the repaired count-only optimum: it must end with an
// assignment that keeps every capacity, is worth what it reports, is no
// worse than where it started, and that no neighbourhood of any size up to
// the largest improves any more.
func TestNeighbourhoodsGrowUntilNoneImproves(t *testing.T) {
	in := instanceOf(t, gen{needs: 100, sponsors: 50, tight: 0.9, rules: true, budgets: true}.input(2))
	if pairs := in.nN * in.nS; pairs < neighbourhoodGrowPairs {
		t.Fatalf("%d pairs: too few for the neighbourhoods to grow", pairs)
	}
	lim := &limits{nodeLimit: math.MaxInt64}
	tr := newTransport(in, in.w, in.adj)
	countOpt, complete := tr.solveWithin(lim)
	if !complete {
		t.Fatal("the count-only optimum did not complete")
	}
	g := &gapSolver{in: in, lim: lim, bound: math.MaxInt64, bestVal: -1, lns: true}
	g.offer(g.repair(countOpt))
	start := g.bestVal
	g.neighbourhoods()
	if !in.fits(g.best, true) {
		t.Fatal("the search left an assignment over a capacity")
	}
	if got := in.value(g.best); got != g.bestVal || got < start {
		t.Fatalf("the search reports %d for an assignment worth %d, from %d", g.bestVal, got, start)
	}
	t.Logf("from %d to %d", start, g.bestVal)
	for size := neighbourhoodSponsors; size <= neighbourhoodSponsorsMax; size += 2 {
		for s := range in.nS {
			before := g.bestVal
			g.reoptimiseGroup(g.neighbourhood(s, size), g.lim.deadline)
			if g.bestVal != before {
				t.Fatalf("the neighbourhood of %d sponsors around sponsor %d still improves the assignment, from %d to %d", size, s, before, g.bestVal)
			}
		}
	}
}
