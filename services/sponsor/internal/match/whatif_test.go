package match

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// whatIfInput has two needs and two sponsors with room for one each: the
// urgent need gets the stronger sponsor.
func whatIfInput() Input {
	urgent := baseNeed("urgent")
	urgent.Urgency = 5
	strong, weak := baseSponsor("strong"), baseSponsor("weak")
	strong.Capacity.Engagements, weak.Capacity.Engagements = 1, 1
	weak.Expertise = []Expertise{{"CHILD_PROTECTION_PRACTICE", 3}}
	return Input{Needs: []Need{baseNeed("n"), urgent}, Sponsors: []Sponsor{strong, weak}}
}

// TestWhatIfs checks each override changes the result as it should, and
// that Compare reports the change against the base run.
func TestWhatIfs(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*Overrides)
		want    map[string]string // need → sponsor ("" for none)
		changes []ChangeKind
	}{
		{"none", func(*Overrides) {}, map[string]string{"urgent": "strong", "n": "weak"}, nil},
		{"exclude a sponsor", func(o *Overrides) { o.ExcludeSponsors = []string{"strong"} },
			map[string]string{"urgent": "weak", "n": ""}, []ChangeKind{ChangeUnassigned, ChangeMoved}},
		// More room also means more headroom: the urgent need is rescored.
		{"raise a capacity", func(o *Overrides) { o.Capacities = []CapacityOverride{{Sponsor: "strong", Engagements: 2}} },
			map[string]string{"urgent": "strong", "n": "strong"}, []ChangeKind{ChangeMoved, ChangeRescored}},
		{"cut a capacity to nothing", func(o *Overrides) { o.Capacities = []CapacityOverride{{Sponsor: "weak"}} },
			map[string]string{"urgent": "strong", "n": ""}, []ChangeKind{ChangeUnassigned}},
		{"pin a pair", func(o *Overrides) { o.Pin = []Pair{{"n", "strong"}} },
			map[string]string{"urgent": "weak", "n": "strong"}, []ChangeKind{ChangeMoved, ChangeMoved}},
		{"forbid a pair", func(o *Overrides) { o.Forbid = []Pair{{"urgent", "strong"}} },
			map[string]string{"urgent": "weak", "n": "strong"}, []ChangeKind{ChangeMoved, ChangeMoved}},
	}
	for _, alg := range []Algorithm{Optimal, Stable} {
		base := whatIfInput()
		base.Algorithm = alg
		before := solve(t, base)
		for _, tt := range tests {
			t.Run(string(alg)+"/"+tt.name, func(t *testing.T) {
				in := whatIfInput()
				in.Algorithm = alg
				tt.change(&in.Overrides)
				res := solve(t, in)
				checkInvariants(t, in, res)
				for need, want := range tt.want {
					if got := sponsorOf(res, need); got != want {
						t.Errorf("need %s: %q, want %q", need, got, want)
					}
				}
				cmp := Compare(before, res)
				var kinds []ChangeKind
				for _, c := range cmp.Changes {
					kinds = append(kinds, c.Kind)
				}
				if !slices.Equal(kinds, tt.changes) {
					t.Errorf("changes %+v, want kinds %v", cmp.Changes, tt.changes)
				}
				if cmp.SameInput != (tt.changes == nil) || cmp.Unchanged != 2-len(tt.changes) {
					t.Errorf("SameInput %v, Unchanged %d", cmp.SameInput, cmp.Unchanged)
				}
			})
		}
	}
}

// TestPinErrors checks that a pin breaking a hard rule or a capacity is
// refused with INVALID_ARGUMENT naming the pin.
func TestPinErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Input)
		field  string
	}{
		{"pin onto a paused sponsor", func(in *Input) {
			in.Sponsors[0].Paused = true
			in.Overrides.Pin = []Pair{{"n", "weak"}, {"urgent", "strong"}}
		}, "overrides.pin[1]"},
		{"pin onto a conflicted sponsor", func(in *Input) {
			in.Sponsors[1].Conflicts = []string{"E08000017"}
			in.Overrides.Pin = []Pair{{"n", "weak"}}
		}, "overrides.pin[0]"},
		{"pins beyond the engagements", func(in *Input) {
			in.Overrides.Pin = []Pair{{"n", "strong"}, {"urgent", "strong"}}
		}, "overrides.pin[1]"},
		{"pin beyond the staff-days", func(in *Input) {
			in.Overrides.Capacities = []CapacityOverride{{Sponsor: "strong", Engagements: 1, StaffDays: 10}}
			in.Overrides.Pin = []Pair{{"n", "strong"}}
		}, "overrides.pin[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := whatIfInput()
			tt.change(&in)
			_, err := Solve(context.Background(), in)
			f, ok := fault.As(err)
			if !ok || f.Kind != fault.KindInvalid || len(f.Violations) != 1 || f.Violations[0].Field != tt.field {
				t.Fatalf("err = %v, want one violation on %s", err, tt.field)
			}
		})
	}
}

// TestPinOverridesSoftReasons: a pin may force a pair with no relevant
// expertise, which no algorithm would choose.
func TestPinOverridesSoftReasons(t *testing.T) {
	in := whatIfInput()
	in.Sponsors[1].Expertise = []Expertise{{"CARE_LEAVERS", 5}}
	in.Overrides.Pin = []Pair{{"n", "weak"}}
	res := solve(t, in)
	checkInvariants(t, in, res)
	c := candidate(t, res, "n", "weak")
	if !c.Assigned || !slices.Equal(c.Reasons, []Reason{ReasonNoExpertise}) {
		t.Errorf("pinned candidate = %+v", c)
	}
	if a := res.Assignments[0]; a.Need != "n" || !a.Pinned {
		t.Errorf("assignments %+v", res.Assignments)
	}
}

// TestLimits checks how a run ends: a node limit stops branch and bound
// deterministically with a valid gap, a context deadline acts as a time
// limit, and a cancelled context is an error.
func TestLimits(t *testing.T) {
	// An instance whose root bound does not close the gap, so that branch
	// and bound runs and the node limit stops it.
	in := gen{needs: 100, sponsors: 20, tight: 0.9, budgets: true, rules: true}.input(2)
	// A generous time limit, so that the node limit and never the clock
	// stops the search, even on a slow machine.
	in.TimeLimit = time.Minute
	in.NodeLimit = 1
	a, b := solve(t, in), solve(t, in)
	checkInvariants(t, in, a)
	if a.Stop != StopNodeLimit || a.Proven || a.Gap <= 0 {
		t.Errorf("node limit: stop %s, proven %v, gap %v", a.Stop, a.Proven, a.Gap)
	}
	if Compare(a, b).Changes != nil || a.Objective != b.Objective || a.Bound != b.Bound {
		t.Error("a node-limited run is not deterministic")
	}

	in.NodeLimit = 0
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	res, err := Solve(ctx, in)
	if err != nil {
		t.Fatalf("deadline passed: %v", err)
	}
	checkInvariants(t, in, res)
	if res.Stop != StopTimeLimit || res.Bound < res.Objective {
		t.Errorf("deadline passed: stop %s, bound %d, objective %d", res.Stop, res.Bound, res.Objective)
	}

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := Solve(ctx, in); err == nil || !strings.Contains(err.Error(), "cancel") {
		t.Errorf("cancelled: err = %v", err)
	}
}

// TestRealScale is the DfE's real run: staff-day budgets bind (the
// count-only optimum breaks one), and OPTIMAL proves its result.
func TestRealScale(t *testing.T) {
	in := realScale()
	inst := instanceOf(t, in)
	if a := newTransport(inst, inst.w, inst.adj).solve(); inst.fits(a, true) {
		t.Fatal("the count-only optimum keeps every budget: the fixture does not exercise budgets")
	}
	res := solve(t, in)
	checkInvariants(t, in, res)
	if !res.Proven || res.Stop != StopComplete {
		t.Errorf("not proven: objective %d, bound %d, stop %s", res.Objective, res.Bound, res.Stop)
	}
	if want := bruteForceLarge(t, in, res); want != res.Objective {
		t.Errorf("objective %d, exhaustive search %d", res.Objective, want)
	}
	for _, u := range res.Unmatched {
		t.Logf("unmatched %s: %s (%s)", u.Need, u.Reason, u.Detail)
	}
}

// bruteForceLarge is bruteForce for the real-scale fixture, which is too
// big for plain enumeration but not with capacity pruning; it is skipped in
// short mode.
func bruteForceLarge(t *testing.T, in Input, res *Result) int64 {
	if testing.Short() {
		t.Skip("exhaustive search of the real-scale run is slow")
	}
	return bruteForce(in, res)
}
