package match

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// families are the random instance families the property tests draw from.
var families = []struct {
	name string
	gen  gen
}{
	{"counts loose", gen{needs: 30, sponsors: 6, tight: 1.5}},
	{"counts tight with rules", gen{needs: 40, sponsors: 8, tight: 0.6, rules: true}},
	{"budgets with rules", gen{needs: 25, sponsors: 6, tight: 0.9, rules: true, budgets: true}},
	{"budgets tight", gen{needs: 18, sponsors: 4, tight: 0.7, budgets: true}},
}

// solveWithoutBadPins solves in; a random pin may break a rule, and then
// it drops the pins and solves again. It returns the input it solved.
func solveWithoutBadPins(t *testing.T, in Input) (Input, *Result) {
	t.Helper()
	res, err := Solve(t.Context(), in)
	if err != nil {
		in.Overrides.Pin = nil
		res = solve(t, in)
	}
	return in, res
}

// limited bounds a property test's search so that it is deterministic and
// quick: the node limit, never the clock, stops it.
func limited(in Input, alg Algorithm) Input {
	in.Algorithm = alg
	in.TimeLimit = time.Minute
	in.NodeLimit = 200_000
	return in
}

// TestPropertiesHold checks capacities and hard rules on random instances
// with what-ifs, for both algorithms.
func TestPropertiesHold(t *testing.T) {
	for _, f := range families {
		for seed := uint64(1); seed <= 15; seed++ {
			for _, alg := range []Algorithm{Optimal, Stable} {
				t.Run(fmt.Sprintf("%s/%s/seed=%d", f.name, alg, seed), func(t *testing.T) {
					in := limited(withWhatIfs(f.gen.input(seed), seed), alg)
					in, res := solveWithoutBadPins(t, in)
					checkInvariants(t, in, res)
				})
			}
		}
	}
}

// withWhatIfs adds random overrides to in: an excluded sponsor, a changed
// capacity, a forbidden pair and a pin of a pair that passes the rules.
func withWhatIfs(in Input, seed uint64) Input {
	r := rand.New(rand.NewPCG(seed, 42))
	ns, ss := in.Needs, in.Sponsors
	if len(ss) < 3 || len(ns) < 3 {
		return in
	}
	in.Overrides.ExcludeSponsors = []string{ss[r.IntN(len(ss))].ID}
	c := ss[r.IntN(len(ss))]
	in.Overrides.Capacities = []CapacityOverride{{Sponsor: c.ID, Engagements: c.Capacity.Engagements + 1, StaffDays: c.Capacity.StaffDays}}
	in.Overrides.Forbid = []Pair{{ns[r.IntN(len(ns))].ID, ss[r.IntN(len(ss))].ID}}
	for range 20 {
		n, s := ns[r.IntN(len(ns))], ss[r.IntN(len(ss))]
		if s.Paused || slices.Contains(in.Overrides.ExcludeSponsors, s.ID) || slices.Contains(n.ExcludedSponsors, s.ID) ||
			slices.Contains(s.MemberCouncils, n.Council) || slices.Contains(s.Conflicts, n.Council) || n.RequiresTrust && !s.CanLeadTrust ||
			slices.Contains(in.Overrides.Forbid, Pair{n.ID, s.ID}) {
			continue
		}
		in.Overrides.Pin = []Pair{{n.ID, s.ID}}
		break
	}
	return in
}

// TestOptimalEqualsBruteForce compares OPTIMAL with exhaustive search on
// small instances, with engagement counts alone and with budgets, with and
// without what-ifs: the objectives must be equal and proven.
func TestOptimalEqualsBruteForce(t *testing.T) {
	small := []struct {
		name string
		gen  gen
	}{
		{"counts", gen{needs: 7, sponsors: 3, tight: 0.7, rules: true}},
		{"counts loose", gen{needs: 6, sponsors: 4, tight: 1.2}},
		{"budgets", gen{needs: 7, sponsors: 3, tight: 0.9, budgets: true}},
		{"budgets with rules", gen{needs: 8, sponsors: 3, tight: 1.1, rules: true, budgets: true}},
	}
	for _, f := range small {
		for seed := uint64(1); seed <= 40; seed++ {
			for _, whatIf := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/seed=%d/whatif=%v", f.name, seed, whatIf), func(t *testing.T) {
					in := f.gen.input(seed)
					if whatIf {
						in = withWhatIfs(in, seed)
					}
					in = limited(in, Optimal)
					in, res := solveWithoutBadPins(t, in)
					checkInvariants(t, in, res)
					if want := bruteForce(in, res); res.Objective != want {
						t.Errorf("Objective %d, brute force %d", res.Objective, want)
					}
					if !res.Proven || res.Gap != 0 || res.Stop != StopComplete {
						t.Errorf("not proven: bound %d, gap %v, stop %s", res.Bound, res.Gap, res.Stop)
					}
				})
			}
		}
	}
}

// TestBudgetsBindInBruteForceFamilies makes sure the budget families above
// really exercise the generalised assignment path: in some instances the
// count-only optimum breaks a budget.
func TestBudgetsBindInBruteForceFamilies(t *testing.T) {
	binding := 0
	for seed := uint64(1); seed <= 40; seed++ {
		inst := instanceOf(t, gen{needs: 7, sponsors: 3, tight: 0.9, budgets: true}.input(seed))
		if a := newTransport(inst, inst.w, inst.adj).solve(); !inst.fits(a, true) {
			binding++
		}
	}
	if binding < 10 {
		t.Errorf("budgets bind in only %d of 40 instances", binding)
	}
}

// TestStableHasNoBlockingPair checks STABLE with engagement counts: no
// blocking pair, by the engine's check and by an independent one.
func TestStableHasNoBlockingPair(t *testing.T) {
	for _, f := range families[:2] {
		for seed := uint64(1); seed <= 30; seed++ {
			t.Run(fmt.Sprintf("%s/seed=%d", f.name, seed), func(t *testing.T) {
				in := limited(withWhatIfs(f.gen.input(seed), seed), Stable)
				in, res := solveWithoutBadPins(t, in)
				checkInvariants(t, in, res)
				if res.Stability == nil || !res.Stability.Stable || len(res.Stability.Blocking) > 0 {
					t.Fatalf("Stability = %+v", res.Stability)
				}
				// Every unmatched need with an assignable candidate was checked
				// against it, so the check saw at least that many pairs.
				open := 0
				for _, rep := range res.Needs {
					if rep.Sponsor == "" && len(rep.Candidates) > 0 && len(rep.Candidates[0].Reasons) == 0 {
						open++
					}
				}
				if res.Stability.PairsChecked < open {
					t.Errorf("%d pairs checked, %d unmatched needs with assignable candidates", res.Stability.PairsChecked, open)
				}
				if got := blockingPairs(in, res); len(got) > 0 {
					t.Errorf("independent check finds blocking pairs %v", got)
				}
			})
		}
	}
}

// TestStableWithBudgetsReportsHonestly checks STABLE with staff-day
// budgets, where a stable matching may not exist: the blocking pairs the
// engine reports are exactly those an independent check finds.
func TestStableWithBudgetsReportsHonestly(t *testing.T) {
	budgetFamilies := []gen{families[2].gen, families[3].gen, {needs: 60, sponsors: 5, tight: 0.8, budgets: true}}
	runs, stable, repaired := 0, 0, 0
	for _, g := range budgetFamilies {
		for seed := uint64(1); seed <= 40; seed++ {
			in := limited(g.input(seed), Stable)
			res := solve(t, in)
			checkInvariants(t, in, res)
			want := blockingPairs(in, res)
			if !reflect.DeepEqual(res.Stability.Blocking, want) || res.Stability.Stable != (len(want) == 0) {
				t.Errorf("%+v seed %d: engine reports %v (stable %v), independent check %v", g, seed, res.Stability.Blocking, res.Stability.Stable, want)
			}
			runs++
			if res.Stability.Stable {
				stable++
			}
			if res.Stats.Repairs > 0 {
				repaired++
			}
		}
	}
	t.Logf("%d of %d budget instances stable, %d needed repairs", stable, runs, repaired)
	if repaired == 0 || stable < runs*9/10 {
		t.Errorf("%d of %d stable, %d repaired: the families no longer exercise repairs, or repairs fail too often", stable, runs, repaired)
	}
}

// TestSameInputSameOutput runs each instance twice and once shuffled (every
// list and map rebuilt in another order): the results must be identical.
func TestSameInputSameOutput(t *testing.T) {
	for _, f := range families {
		for seed := uint64(1); seed <= 8; seed++ {
			for _, alg := range []Algorithm{Optimal, Stable} {
				t.Run(fmt.Sprintf("%s/%s/seed=%d", f.name, alg, seed), func(t *testing.T) {
					in := limited(withWhatIfs(f.gen.input(seed), seed), alg)
					in.Overrides.Pin = nil
					a, b := solve(t, in), solve(t, in)
					if !reflect.DeepEqual(a, b) {
						t.Fatal("two runs of one input differ")
					}
					c := solve(t, shuffled(in, seed))
					if !reflect.DeepEqual(a, c) {
						t.Errorf("shuffled input gives another result: %+v", Compare(a, c))
					}
				})
			}
		}
	}
}

// shuffled returns a deep copy of in with every list in another order.
func shuffled(in Input, seed uint64) Input {
	r := rand.New(rand.NewPCG(seed, 7))
	perm := func(n int, swap func(i, j int)) { r.Shuffle(n, swap) }
	out := in
	out.Needs = slices.Clone(in.Needs)
	perm(len(out.Needs), func(i, j int) { out.Needs[i], out.Needs[j] = out.Needs[j], out.Needs[i] })
	for i := range out.Needs {
		n := &out.Needs[i]
		n.Areas = slices.Clone(n.Areas)
		perm(len(n.Areas), func(i, j int) { n.Areas[i], n.Areas[j] = n.Areas[j], n.Areas[i] })
		n.ExcludedSponsors = slices.Clone(n.ExcludedSponsors)
		perm(len(n.ExcludedSponsors), func(i, j int) {
			n.ExcludedSponsors[i], n.ExcludedSponsors[j] = n.ExcludedSponsors[j], n.ExcludedSponsors[i]
		})
	}
	out.Sponsors = slices.Clone(in.Sponsors)
	perm(len(out.Sponsors), func(i, j int) { out.Sponsors[i], out.Sponsors[j] = out.Sponsors[j], out.Sponsors[i] })
	for i := range out.Sponsors {
		s := &out.Sponsors[i]
		s.MemberCouncils = slices.Clone(s.MemberCouncils)
		perm(len(s.MemberCouncils), func(i, j int) { s.MemberCouncils[i], s.MemberCouncils[j] = s.MemberCouncils[j], s.MemberCouncils[i] })
		s.Regions = slices.Clone(s.Regions)
		perm(len(s.Regions), func(i, j int) { s.Regions[i], s.Regions[j] = s.Regions[j], s.Regions[i] })
		s.Expertise = slices.Clone(s.Expertise)
		perm(len(s.Expertise), func(i, j int) { s.Expertise[i], s.Expertise[j] = s.Expertise[j], s.Expertise[i] })
		s.OutOfArea = maps.Clone(s.OutOfArea)
	}
	o := &out.Overrides
	o.ExcludeSponsors = slices.Clone(o.ExcludeSponsors)
	o.Forbid = append(slices.Clone(o.Forbid), o.Forbid...) // duplicates mean nothing
	perm(len(o.Forbid), func(i, j int) { o.Forbid[i], o.Forbid[j] = o.Forbid[j], o.Forbid[i] })
	return out
}

// TestTransportDualCertificate checks the count-only solver's proof on
// random instances: its prices are dual feasible and the dual objective
// equals the assignment's value.
func TestTransportDualCertificate(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		inst := instanceOf(t, gen{needs: 60, sponsors: 9, tight: 0.7, rules: true}.input(seed))
		tr := newTransport(inst, inst.w, inst.adj)
		a := tr.solve()
		if !inst.fits(a, false) {
			t.Fatalf("seed %d: counts exceeded", seed)
		}
		for s, p := range tr.price[:inst.nS] {
			if p < 0 || p > 0 && int64(len(tr.members[s])) < inst.cnt[s] {
				t.Errorf("seed %d: sponsor %d has price %d with room", seed, s, p)
			}
		}
		if v, b := inst.value(a), dualBound(inst, inst.w, inst.adj, tr.price); v != b {
			t.Errorf("seed %d: value %d, dual bound %d", seed, v, b)
		}
	}
}
