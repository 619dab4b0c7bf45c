package match

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// bestSwap is swapFrom's choice for need i found by trying every need of
// every other sponsor: the first swap of the largest gain in swapFrom's
// order, or j = -1 when none gains.
func bestSwap(st *state, i int) (j, s int32, gain int64) {
	in := st.in
	s1 := st.a[i]
	w1 := st.w(i, s1)
	j, s = -1, -1
	for _, s2 := range in.adj[i] {
		if s2 == s1 {
			continue
		}
		for _, k := range st.members[s2] {
			wk1 := st.w(int(k), s1)
			if s1 >= 0 && wk1 <= 0 {
				continue
			}
			g := in.w[i*in.nS+int(s2)] + wk1 - w1 - in.w[int(k)*in.nS+int(s2)]
			dd := in.days[i] - in.days[k]
			if g <= gain || in.bud[s2] != unlimited && st.days[s2]+dd > in.bud[s2] ||
				s1 >= 0 && in.bud[s1] != unlimited && st.days[s1]-dd > in.bud[s1] {
				continue
			}
			j, s, gain = k, s2, g
		}
	}
	return j, s, gain
}

// TestSwapBoundsSkipNoGainingSwap: swapFrom, which skips the sponsors whose
// bounds say no swap with them gains enough, makes the swap trying every
// need would, through thousands of moves that leave the bounds of the
// sponsors they touch stale.
func TestSwapBoundsSkipNoGainingSwap(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		in := instanceOf(t, gen{needs: 80, sponsors: 12, tight: 0.9, rules: true, budgets: true}.input(seed))
		r := rand.New(rand.NewPCG(seed, 3))
		st := newState(in, nil)
		swaps := 0
		for step := range 3000 {
			i := r.IntN(in.nN)
			if step%3 == 0 {
				// A random move within the capacities, as the other moves
				// of the local search make.
				if len(in.adj[i]) > 0 {
					to := in.adj[i][r.IntN(len(in.adj[i]))]
					if r.IntN(4) == 0 {
						to = -1
					}
					if to < 0 || to != st.a[i] && st.room(int(to), i) {
						st.move(i, to)
					}
				}
				continue
			}
			j, s, gain := bestSwap(st, i)
			before, from := st.val, st.a[i]
			moved := st.swapFrom(i)
			if moved != (j >= 0) {
				t.Fatalf("seed %d step %d: swapFrom(%d) = %v, want %v (swap with %d on %d, gain %d)", seed, step, i, moved, j >= 0, j, s, gain)
			}
			if !moved {
				continue
			}
			swaps++
			if st.a[i] != s || st.a[j] != from || st.val-before != gain {
				t.Fatalf("seed %d step %d: swapFrom(%d) moved it to %d and %d to %d for %d, want %d, %d and %d",
					seed, step, i, st.a[i], j, st.a[j], st.val-before, s, from, gain)
			}
			if !slices.Contains(st.members[s], int32(i)) {
				t.Fatalf("seed %d step %d: need %d not among sponsor %d's needs", seed, step, i, s)
			}
		}
		if swaps < 20 {
			t.Fatalf("seed %d: only %d swaps in 2,000 tries: the instance tests little", seed, swaps)
		}
	}
}
