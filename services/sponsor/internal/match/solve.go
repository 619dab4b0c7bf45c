package match

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Solve runs the matching the input asks for and explains it. It returns
// an INVALID_ARGUMENT fault (package fault) for an invalid input,
// including a pin that breaks a hard rule or its sponsor's capacity.
//
// The context's deadline acts as a time limit along with in.TimeLimit
// (whichever is sooner); if the context is cancelled Solve returns its
// error.
func Solve(ctx context.Context, in Input) (*Result, error) {
	// The limit covers the whole call: scoring every pair and building the
	// report take time too (seconds at the MaxPairs cap), so the clock
	// starts here, not when the search does.
	start := time.Now()
	if err := Validate(in); err != nil {
		return nil, err
	}
	c := canonical(in)
	limit := c.TimeLimit
	if d, ok := ctx.Deadline(); ok {
		limit = min(limit, d.Sub(start))
	}
	end := start.Add(limit)
	pr, err := prepare(c, in.Overrides)
	if err != nil {
		return nil, err
	}
	inst := newInstance(pr)
	scored := time.Since(start)
	// The search stops early enough to leave the report its time: twice
	// what scoring and building the instance took (a full report walks the
	// same pairs again, sorting each need's row and allocating a Candidate
	// per pair; measured, not guessed, so a slow or busy machine reserves
	// more), plus a twentieth of the limit for the rest.
	lim := &limits{deadline: end.Add(-2*scored - limit/20), nodeLimit: c.NodeLimit, done: ctx.Done()}

	var (
		out       outcome
		stability *Stability
	)
	switch c.Algorithm {
	case Stable:
		m := newStableMatcher(inst, lim)
		assign, block, checked, repairs, stop := m.run()
		tr := newTransport(inst, inst.w, inst.adj)
		tr.solveWithin(lim)
		out = outcome{assign: assign, value: inst.value(assign), bound: dualBound(inst, inst.w, inst.adj, tr.price), stop: stop, stats: Stats{Repairs: repairs}}
		stability = &Stability{Stable: len(block) == 0, PairsChecked: checked}
		for _, b := range block {
			stability.Blocking = append(stability.Blocking, BlockingPair{Need: pr.needs[inst.need[b[0]]].ID, Sponsor: pr.sponsors[b[1]].ID})
		}
		slices.SortFunc(stability.Blocking, func(a, b BlockingPair) int {
			return cmp.Or(cmp.Compare(a.Need, b.Need), cmp.Compare(a.Sponsor, b.Sponsor))
		})
	default:
		out = optimal(inst, lim)
	}
	if err := ctx.Err(); errors.Is(err, context.Canceled) {
		return nil, fmt.Errorf("match: run cancelled: %w", err)
	}

	assign := make([]int32, pr.nN)
	copy(assign, pr.pin)
	for i, s := range out.assign {
		assign[inst.need[i]] = s
	}
	var pinned int64
	for n, s := range pr.pin {
		if s >= 0 {
			pinned += pr.total[n*pr.nS+int(s)]
		}
	}
	res := pr.report(assign, end)
	res.Algorithm = c.Algorithm
	res.Fingerprint = fingerprint(c)
	res.Bound = out.bound + pinned
	res.Proven = res.Bound == res.Objective
	if res.Bound > 0 {
		res.Gap = float64(float64(res.Bound-res.Objective)/float64(res.Bound)) * 100
	}
	res.Stop = out.stop
	res.Stability = stability
	res.Stats = out.stats
	return res, nil
}
