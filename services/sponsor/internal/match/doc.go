// Package match is the sponsor-matching engine: given the open needs of
// failing councils and the sponsors that can help them, it finds the best
// assignment (OPTIMAL) or a stable one (STABLE), proves it, and explains
// it. It is pure Go: no I/O, no clock except for the time limit, no
// randomness; the same input, in any order, gives the same result.
//
// # Using it
//
// The service builds an Input from its stores and calls
//
//	res, err := match.Solve(ctx, in)
//
// err is an INVALID_ARGUMENT fault (package fault) listing every invalid
// field, including a what-if pin that breaks a hard rule or a capacity, or
// ctx's error if ctx is cancelled. Fingerprint(in) gives the same
// fingerprint as res.Fingerprint without solving, so that approval can
// check the inputs have not changed since the run; Validate(in) checks an
// input alone; Compare(a, b) lists what differs between two results.
//
// A Result holds each assignment with its score broken down by factor,
// every need's ranked candidates (every sponsor, unless MaxCandidates
// limits them or the run is too large to list them all; see
// Input.MaxCandidates) with their scores and the reasons any cannot be assigned,
// each unmatched need with its binding reason, each sponsor's load, the
// objective, a proven bound and gap, how the run stopped, and for STABLE
// the blocking-pair check.
//
// # Suitability
//
// A need n and a sponsor s score, in milli-points,
//
//	score = Σ_f weight_f × value_f,   value_f in thousandths (0 to 1000),
//
// the out-of-area factor counting negatively. Integer arithmetic
// throughout, so scores are exact and the same on every machine. The
// factors:
//
//	EXPERTISE    Σ_a weight_a × strength_s(a) × 1000 / (5 × Σ_a weight_a) over
//	             the need's areas a (strength 0 where s has none): how well
//	             s covers what n needs, most where n needs it most.
//	GEOGRAPHY    1000 when s works in n's region, 750 when s is national
//	             and does not list it, 500 when s works in a region
//	             bordering it (the land borders of package reference), 0
//	             otherwise.
//	HEADROOM     the share of s's capacity still free after taking n alone,
//	             the smaller of engagements (E − inUse − 1)/E and, with a
//	             budget, staff-days (D − inUse − days_n)/D, floored at 0:
//	             it steers needs to sponsors with room, so no sponsor is
//	             drained while others sit idle.
//	CONTINUITY   1000 when s is n's existing sponsor, else 0.
//	OUT_OF_AREA  min(1000, 1000 × children / OutOfAreaFull), children being
//	             those s has placed in n's council: a load s already puts
//	             on that council; subtracted.
//	URGENCY      200 × urgency (1 to 5): the same for every sponsor of n,
//	             so it never changes n's ranking, but it makes matching an
//	             urgent need worth more than a routine one when capacity is
//	             short.
//
// Default weights (DefaultWeights): EXPERTISE 40, GEOGRAPHY 20,
// CONTINUITY 15, HEADROOM 10, OUT_OF_AREA 15 (full at 20 children),
// URGENCY 20. A perfect pair of urgency 5 scores 105,000; expertise
// dominates, because no blueprint fits every council; continuity outweighs
// a step of geography; the out-of-area penalty can cost as much as
// continuity earns.
//
// # Rules
//
// Hard rules, which nothing overrides (reasons in Candidate.Reasons):
// a paused sponsor (SPONSOR_PAUSED); a sponsor the run excludes
// (SPONSOR_EXCLUDED_BY_RUN) or the need excludes (SPONSOR_EXCLUDED_BY_NEED);
// a conflict of interest, the council being one of the sponsor's members
// (CONFLICT_MEMBER_COUNCIL) or declared (CONFLICT_DECLARED); a need that
// requires a trust lead and a sponsor that cannot lead one
// (TRUST_LEAD_REQUIRED); a forbidden pair (PAIR_FORBIDDEN); a need pinned to
// another sponsor (NEED_PINNED_ELSEWHERE). Capacity: a sponsor with no free
// engagement (NO_FREE_ENGAGEMENT) or fewer free staff-days than the need
// takes (NOT_ENOUGH_STAFF_DAYS), once pins are placed; and the run never
// gives a sponsor more engagements or staff-days than it has free. Pairs
// that are never worth assigning: no expertise in any of the need's areas
// (NO_RELEVANT_EXPERTISE), or a score of 0 or less (SCORE_NOT_POSITIVE).
// A pin forces its pair whatever its score, but must pass the hard rules
// and fit the capacity, or Solve refuses it.
//
// What-ifs (Overrides) exclude a sponsor, replace a sponsor's capacity
// totals, pin or forbid a pair; they change only the run that carries them.
//
// # OPTIMAL
//
// Maximise the total score subject to every capacity. With engagement
// counts alone this is a min-cost flow, solved exactly by successive
// shortest paths with potentials on the residual graph contracted to
// sponsors (each need added by one Dijkstra over the sponsors plus a "none"
// sink); the potentials are the optimal dual prices and
// Σ_n max(0, max_s score − price_s) + Σ_s free_s × price_s, recomputed
// from them, is the bound, equal to the objective: gap 0. When that
// solution also keeps within the staff-day budgets it is optimal for them
// too. Otherwise the problem is a generalised assignment problem, with two
// Lagrangian bounds, each valid whatever its multipliers: prices per
// engagement and per staff-day (at best the linear-programming bound), then
// prices per need, which leave each sponsor a knapsack over its free
// engagements and staff-days, solved exactly (or bounded from above when
// its table would be too big) and so tighter; both are improved by
// subgradient steps. Assignments come from repairing the count-only
// optimum, rounding the Lagrangian solutions, solving the count-only
// problem on Lagrangian scores and the sponsors' knapsack choices, each
// improved by local search (shifts, swaps, ejection chains, and an exact
// knapsack re-choice of a sponsor's needs), and on smaller runs by
// re-solving a few competing sponsors at a time exactly (from 5,000 pairs
// in passes that repeat while they improve, each neighbourhood two sponsors
// larger after a pass that does not, up to ten). From 100,000 pairs the
// need prices' knapsacks are solved on every CPU. Then depth-first
// branch and bound (with the need-price bound, re-optimised at every node,
// up to 20,000 pairs; above, the capacity-price bound on the room left)
// proves optimality, or, stopped by NodeLimit (deterministic) or TimeLimit,
// reports the best bound among the unexplored nodes. Bound and Gap are
// always proven; Proven says the gap is 0.
//
// # STABLE
//
// Deferred acceptance with capacities (hospitals/residents), the most
// urgent free need proposing next. A need prefers a higher score, then the
// lower sponsor id; a sponsor prefers a higher score, then the more urgent
// need, then the lower need id. Only assignable pairs are acceptable. With
// engagement counts alone the result is stable. With staff-day budgets a
// stable matching may not exist (needs differ in size), so blocking pairs
// left by deferred acceptance are resolved one at a time until none is
// left, a matching repeats, or 1,000 repairs are made. Either way every
// pair that could block is checked and the result's Stability lists any
// blocking pair left (Stable says there is none). Bound is the count-only
// optimum's bound, so Gap shows what stability costs.
//
// # Determinism
//
// The input is canonicalised first (needs and sponsors by id, every list
// sorted and de-duplicated, defaults resolved), and needs are processed
// most urgent first, then by id; sponsors by id. Among equally good
// choices the first in that order wins: a sponsor before none, a lower
// index before a higher. Every decision uses integers. So the same input
// gives the same result unless the time limit (or the context's deadline)
// stops a search, which Stop reports; NodeLimit is the deterministic
// alternative. The time limit covers the whole of Solve: scoring, search
// and report.
package match
