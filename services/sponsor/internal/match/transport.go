package match

// instance is the optimisation problem left once pins are placed: the needs
// that are not pinned, in processing order (most urgent first, then id),
// every sponsor, and the assignable pairs with their scores.
type instance struct {
	nN, nS int
	need   []int32   // instance need → prepared need index
	w      []int64   // nN*nS; positive exactly on assignable pairs
	adj    [][]int32 // assignable sponsors of each need, ascending
	days   []int64   // staff-days of each need
	cnt    []int64   // free engagements of each sponsor
	bud    []int64   // free staff-days of each sponsor, or unlimited
}

func newInstance(pr *prepared) *instance {
	in := &instance{nS: pr.nS, cnt: pr.freeCnt, bud: pr.freeDays}
	for _, n := range pr.needOrder() {
		if pr.pin[n] < 0 {
			in.need = append(in.need, n)
		}
	}
	in.nN = len(in.need)
	in.w = make([]int64, in.nN*in.nS)
	in.adj = make([][]int32, in.nN)
	in.days = make([]int64, in.nN)
	for i, n := range in.need {
		in.days[i] = int64(pr.needs[n].StaffDays)
		for s := 0; s < pr.nS; s++ {
			p := int(n)*pr.nS + s
			if pr.assignable(p) {
				in.w[i*in.nS+s] = pr.total[p]
				in.adj[i] = append(in.adj[i], int32(s))
			}
		}
	}
	return in
}

// budgeted reports whether any staff-day budget could bind.
func (in *instance) budgeted() bool {
	for s, b := range in.bud {
		if b == unlimited {
			continue
		}
		var days int64
		for i := range in.nN {
			if in.w[i*in.nS+s] > 0 {
				days += in.days[i]
			}
		}
		if days > b {
			return true
		}
	}
	return false
}

// value is the total score of an assignment (sponsor per need, -1 for none).
func (in *instance) value(a []int32) int64 {
	var v int64
	for i, s := range a {
		if s >= 0 {
			v += in.w[i*in.nS+int(s)]
		}
	}
	return v
}

// fits reports whether an assignment keeps within every capacity.
func (in *instance) fits(a []int32, withBudgets bool) bool {
	cnt := make([]int64, in.nS)
	days := make([]int64, in.nS)
	for i, s := range a {
		if s >= 0 {
			cnt[s]++
			days[s] += in.days[i]
		}
	}
	for s := range in.nS {
		if cnt[s] > in.cnt[s] || withBudgets && in.bud[s] != unlimited && days[s] > in.bud[s] {
			return false
		}
	}
	return true
}

const inf = int64(1) << 62

// transport solves the assignment with engagement counts alone: maximise
// Σ w over pairs, each need at most once, sponsor s at most cnt[s] needs.
// It is min-cost flow by successive shortest paths with potentials, on the
// residual graph contracted to sponsors: needs are added one at a time, in
// order, each by one shortest augmenting path (Dijkstra over sponsors plus
// a "none" sink ⊥ of unbounded capacity and zero score); a path moves
// assigned needs from sponsor to sponsor and ends at a sponsor with room or
// at ⊥. The potentials are sponsor prices p ≥ 0 (0 on any sponsor with
// room), which make every reduced cost non-negative and are the optimal
// dual: u_n = max(0, max_s w_ns − p_s) and Σ u_n + Σ cnt_s·p_s equals the
// objective, which dualBound recomputes as the proof.
//
// The contracted graph's edge s→t costs min over needs m on s of
// (w_ms − w_mt), kept in the matrix d and updated when s's needs change, so
// that each addition costs O(S²) whatever the number of needs.
type transport struct {
	in      *instance
	w       []int64 // the scores solved for; in.w or Lagrangian ones
	adj     [][]int32
	assign  []int32
	members [][]int32
	price   []int64 // nS+1; price[nS] is ⊥'s and stays 0
	d       []int64 // nS × (nS+1)
	darg    []int32
	dist    []int64
	done    []bool
	prevS   []int32
	prevM   []int32
	seen    []int32
}

func newTransport(in *instance, w []int64, adj [][]int32) *transport {
	S := in.nS
	t := &transport{
		in: in, w: w, adj: adj,
		assign:  make([]int32, in.nN),
		members: make([][]int32, S),
		price:   make([]int64, S+1),
		d:       make([]int64, S*(S+1)),
		darg:    make([]int32, S*(S+1)),
		dist:    make([]int64, S+1),
		done:    make([]bool, S+1),
		prevS:   make([]int32, S+1),
		prevM:   make([]int32, S+1),
	}
	for i := range t.assign {
		t.assign[i] = -1
	}
	for i := range t.d {
		t.d[i] = inf
	}
	return t
}

// solve adds every need in instance order and returns the assignment.
func (t *transport) solve() []int32 {
	a, _ := t.solveWithin(nil)
	return a
}

// solveWithin is solve that stops early when lim (if any) expires,
// reporting whether it finished. Stopped early, the assignment of the
// needs added so far is still feasible and the prices still give a valid
// bound (dualBound holds for any prices), only neither is optimal.
func (t *transport) solveWithin(lim *limits) ([]int32, bool) {
	for i := range t.in.nN {
		if lim != nil && i%64 == 63 && lim.expired() {
			return t.assign, false
		}
		if len(t.adj[i]) > 0 {
			t.add(int32(i))
		}
	}
	return t.assign, true
}

// add inserts need n by one shortest augmenting path.
func (t *transport) add(n int32) {
	S := t.in.nS
	wn := t.w[int(n)*S : int(n)*S+S]
	u := int64(0)
	for _, s := range t.adj[n] {
		u = max(u, wn[s]-t.price[s])
	}
	for i := range S + 1 {
		t.dist[i] = inf
		t.done[i] = false
	}
	for _, s := range t.adj[n] {
		t.dist[s] = u - (wn[s] - t.price[s])
		t.prevS[s] = -1
	}
	t.dist[S] = u
	t.prevS[S] = -1
	t.seen = t.seen[:0]
	end := S
	for {
		// The nearest sponsor not yet settled; ties go to the lowest
		// index, so real sponsors before ⊥.
		best, bd := -1, inf
		for i := range S + 1 {
			if !t.done[i] && t.dist[i] < bd {
				best, bd = i, t.dist[i]
			}
		}
		if best == S || int64(len(t.members[best])) < t.in.cnt[best] {
			end = best
			break
		}
		t.done[best] = true
		t.seen = append(t.seen, int32(best))
		row := t.d[best*(S+1) : (best+1)*(S+1)]
		arg := t.darg[best*(S+1) : (best+1)*(S+1)]
		base := bd - t.price[best]
		for i := range S + 1 {
			if t.done[i] || row[i] == inf {
				continue
			}
			if nd := base + row[i] + t.price[i]; nd < t.dist[i] {
				t.dist[i] = nd
				t.prevS[i] = int32(best)
				t.prevM[i] = arg[i]
			}
		}
	}
	delta := t.dist[end]
	for _, s := range t.seen {
		t.price[s] += delta - t.dist[s]
	}
	// Walk the path back from its end, moving each need one step along.
	cur := int32(end)
	for {
		from := t.prevS[cur]
		if from < 0 {
			t.place(n, -1, cur)
			break
		}
		t.place(t.prevM[cur], from, cur)
		cur = from
	}
}

// place moves need m from sponsor from (-1: none) to sponsor to (nS: ⊥).
func (t *transport) place(m, from, to int32) {
	S := int32(t.in.nS)
	if from >= 0 {
		ms := t.members[from]
		for k, x := range ms {
			if x == m {
				t.members[from] = append(ms[:k], ms[k+1:]...)
				break
			}
		}
		t.forget(int(from), m)
	}
	if to == S {
		t.assign[m] = -1
		return
	}
	t.assign[m] = to
	t.members[to] = append(t.members[to], m)
	t.relax(int(to), m)
}

// forget updates sponsor s's row of d after need m left it: only the
// entries m was the minimum of change, each recomputed over s's needs.
func (t *transport) forget(s int, m int32) {
	S := t.in.nS
	row := t.d[s*(S+1) : (s+1)*(S+1)]
	arg := t.darg[s*(S+1) : (s+1)*(S+1)]
	for x := range S + 1 {
		if row[x] == inf || arg[x] != m {
			continue
		}
		row[x] = inf
		for _, j := range t.members[s] {
			wj := t.w[int(j)*S : int(j)*S+S]
			v := wj[s]
			if x < S {
				if wj[x] <= 0 {
					continue
				}
				v -= wj[x]
			}
			if v < row[x] {
				row[x], arg[x] = v, j
			}
		}
	}
}

// relax lowers sponsor s's row of d with need m on s.
func (t *transport) relax(s int, m int32) {
	S := t.in.nS
	row := t.d[s*(S+1) : (s+1)*(S+1)]
	arg := t.darg[s*(S+1) : (s+1)*(S+1)]
	wm := t.w[int(m)*S : int(m)*S+S]
	base := wm[s]
	for _, x := range t.adj[m] {
		if int(x) == s {
			continue
		}
		if v := base - wm[x]; v < row[x] {
			row[x], arg[x] = v, m
		}
	}
	if base < row[S] {
		row[S], arg[S] = base, m
	}
}

// dualBound returns Σ_n max(0, max_s w_ns − p_s) + Σ_s cnt_s·p_s for prices
// p ≥ 0: by weak duality an upper bound on the count-only problem, and so on
// every more constrained one.
func dualBound(in *instance, w []int64, adj [][]int32, p []int64) int64 {
	var b int64
	for i := range in.nN {
		u := int64(0)
		for _, s := range adj[i] {
			u = max(u, w[i*in.nS+int(s)]-p[s])
		}
		b += u
	}
	for s := range in.nS {
		b += in.cnt[s] * p[s]
	}
	return b
}
