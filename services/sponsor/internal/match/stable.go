package match

import (
	"cmp"
	"container/heap"
	"hash/fnv"
	"slices"
)

// maxRepairs bounds STABLE's repair rounds after deferred acceptance.
const maxRepairs = 1000

// stableMatcher runs deferred acceptance with capacities (the
// hospitals/residents problem), needs proposing.
//
// Preferences are strict and documented: a need prefers a higher score,
// then the lower sponsor id; a sponsor prefers a higher score, then the
// more urgent need, then the lower need id — instance order, which is
// urgency then id, so "lower instance index" breaks a sponsor's ties. Only
// assignable pairs are acceptable to either side.
//
// The free need that proposes next is always the most urgent (then lowest
// id). A sponsor holds the proposals it prefers as long as they fit its
// free engagements and staff-days and rejects from its least preferred
// end. With engagement counts alone this is the classical algorithm and
// its result is stable. Staff-day budgets make sizes differ, and a stable
// matching may then not exist; the matcher checks the result for blocking
// pairs and resolves them one at a time (most urgent need first: it moves
// to the sponsor it prefers, which sheds what no longer fits, and the shed
// needs propose again), until none is left, a matching repeats, or the
// round or time limit is reached. The check it returns lists whatever is
// left.
type stableMatcher struct {
	in     *instance
	lim    *limits
	prefs  [][]int32 // per need: acceptable sponsors, most preferred first
	next   []int     // per need: index in prefs of its next proposal
	held   [][]int32 // per sponsor: needs held, most preferred first
	days   []int64   // per sponsor: staff-days held
	assign []int32
	free   needHeap
}

type needHeap []int32

func (h needHeap) Len() int           { return len(h) }
func (h needHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h needHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *needHeap) Push(x any)        { *h = append(*h, x.(int32)) }
func (h *needHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func newStableMatcher(in *instance, lim *limits) *stableMatcher {
	m := &stableMatcher{
		in: in, lim: lim,
		prefs:  make([][]int32, in.nN),
		next:   make([]int, in.nN),
		held:   make([][]int32, in.nS),
		days:   make([]int64, in.nS),
		assign: make([]int32, in.nN),
	}
	for i := range in.nN {
		m.assign[i] = -1
		p := slices.Clone(in.adj[i])
		row := in.w[i*in.nS : (i+1)*in.nS]
		slices.SortStableFunc(p, func(a, b int32) int { return cmp.Or(cmp.Compare(row[b], row[a]), cmp.Compare(a, b)) })
		m.prefs[i] = p
		m.free = append(m.free, int32(i))
	}
	heap.Init(&m.free)
	return m
}

// prefers reports whether sponsor s prefers need a to need b.
func (m *stableMatcher) prefers(s, a, b int32) bool {
	wa, wb := m.in.w[int(a)*m.in.nS+int(s)], m.in.w[int(b)*m.in.nS+int(s)]
	return wa > wb || wa == wb && a < b
}

func (m *stableMatcher) over(s int32) bool {
	in := m.in
	return int64(len(m.held[s])) > in.cnt[s] || in.bud[s] != unlimited && m.days[s] > in.bud[s]
}

// hold adds need i to sponsor s's held list, then sheds from the least
// preferred end until s fits, sending the shed needs back to propose.
func (m *stableMatcher) hold(s, i int32) {
	h := m.held[s]
	k, _ := slices.BinarySearchFunc(h, i, func(x, t int32) int {
		if m.prefers(s, x, t) {
			return -1
		}
		return 1
	})
	m.held[s] = slices.Insert(h, k, i)
	m.days[s] += m.in.days[i]
	m.assign[i] = s
	for m.over(s) {
		h := m.held[s]
		r := h[len(h)-1]
		m.held[s] = h[:len(h)-1]
		m.days[s] -= m.in.days[r]
		m.assign[r] = -1
		heap.Push(&m.free, r)
	}
}

// release takes need i off its sponsor.
func (m *stableMatcher) release(i int32) {
	s := m.assign[i]
	if s < 0 {
		return
	}
	h := m.held[s]
	k := slices.Index(h, i)
	m.held[s] = slices.Delete(h, k, k+1)
	m.days[s] -= m.in.days[i]
	m.assign[i] = -1
}

// propose runs deferred acceptance until no free need has a sponsor left
// to propose to.
func (m *stableMatcher) propose() {
	for m.free.Len() > 0 {
		i := heap.Pop(&m.free).(int32)
		if m.assign[i] >= 0 || m.next[i] >= len(m.prefs[i]) {
			continue
		}
		s := m.prefs[i][m.next[i]]
		m.next[i]++
		m.hold(s, i)
	}
}

// blocking returns the blocking pairs (need, sponsor), by need in instance
// order and then by the need's preference, and how many pairs it checked:
// every need with every sponsor it prefers to what it has. Sponsor s
// blocks with need i when the needs s holds that it prefers to i, plus i,
// fit s's free engagements and staff-days.
func (m *stableMatcher) blocking() (pairs [][2]int32, checked int) {
	in := m.in
	prefix := make([][]int64, in.nS)
	for s, h := range m.held {
		ps := make([]int64, len(h)+1)
		for k, x := range h {
			ps[k+1] = ps[k] + in.days[x]
		}
		prefix[s] = ps
	}
	for i := range in.nN {
		cur := m.assign[i]
		for _, s := range m.prefs[i] {
			if s == cur {
				break
			}
			checked++
			h := m.held[s]
			better, _ := slices.BinarySearchFunc(h, int32(i), func(x, t int32) int {
				if m.prefers(s, x, t) {
					return -1
				}
				return 1
			})
			if int64(better+1) <= in.cnt[s] && (in.bud[s] == unlimited || prefix[s][better]+in.days[i] <= in.bud[s]) {
				pairs = append(pairs, [2]int32{int32(i), s})
			}
		}
	}
	return pairs, checked
}

// run matches, repairs and checks; it returns the assignment, the
// remaining blocking pairs, the pairs checked, the repairs made and how it
// stopped.
func (m *stableMatcher) run() (assign []int32, block [][2]int32, checked, repairs int, stop Stop) {
	m.propose()
	block, checked = m.blocking()
	seen := map[uint64]bool{m.hash(): true}
	stop = StopComplete
	for len(block) > 0 && repairs < maxRepairs {
		if m.lim.expired() {
			stop = StopTimeLimit
			break
		}
		i, s := block[0][0], block[0][1]
		m.release(i)
		m.hold(s, i)
		for _, r := range m.free {
			m.next[r] = 0
		}
		m.propose()
		repairs++
		h := m.hash()
		block, checked = m.blocking()
		if seen[h] {
			break
		}
		seen[h] = true
	}
	return m.assign, block, checked, repairs, stop
}

func (m *stableMatcher) hash() uint64 {
	h := fnv.New64a()
	var b [4]byte
	for _, s := range m.assign {
		b[0], b[1], b[2], b[3] = byte(s), byte(s>>8), byte(s>>16), byte(s>>24)
		h.Write(b[:])
	}
	return h.Sum64()
}
