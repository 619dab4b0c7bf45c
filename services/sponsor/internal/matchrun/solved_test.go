package matchrun

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/demo"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/match"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

// demoInput is twenty needs across the regions and the demo's sponsors.
func demoInput(alg match.Algorithm) match.Input {
	councils := []string{
		"E06000001", "E06000002", "E08000001", "E08000002", "E08000016", "E08000017", "E06000010", "E06000015",
		"E06000016", "E08000025", "E08000026", "E10000003", "E06000031", "E09000002", "E09000012", "E10000016",
		"E06000044", "E06000045", "E06000026", "E10000008",
	}
	areas := []string{reference.AreaLeadershipManagementGovernance, reference.AreaHelpAndProtection, sponsor.AreaLookedAfterPlacements, reference.AreaCareLeavers, sponsor.AreaWorkforceStability}
	var needs []need.Need
	for i, gss := range councils {
		needs = append(needs, need.Need{
			GSSCode: gss, ID: fmt.Sprintf("n%d", i),
			Areas:   []need.AreaWeight{{Area: areas[i%len(areas)], Weight: 5 + i%5}, {Area: areas[(i+2)%len(areas)], Weight: 3 + i%4}},
			Urgency: 1 + i%5, StaffDaysNeeded: 20 + 10*(i%6), RequiresTrustSponsor: i%7 == 0,
		})
	}
	return BuildInput(Sources{Needs: needs, Sponsors: demo.Sponsors()}, alg, match.DefaultWeights(), match.Overrides{})
}

// The engine gives the same result for the same input, in any order, which
// is what lets a run reuse the result of an identical earlier one.
func TestSolveIsDeterministic(t *testing.T) {
	ctx := context.Background()
	for _, alg := range []match.Algorithm{match.Optimal, match.Stable} {
		in := demoInput(alg)
		first, err := match.Solve(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if first.Stop == match.StopTimeLimit {
			t.Fatalf("%s: the instance hit its time limit", alg)
		}
		reordered := in
		reordered.Needs = slices.Clone(in.Needs)
		slices.Reverse(reordered.Needs)
		reordered.Sponsors = slices.Clone(in.Sponsors)
		slices.Reverse(reordered.Sponsors)
		for i, again := range []match.Input{in, reordered} {
			got, err := match.Solve(ctx, again)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, first) {
				t.Errorf("%s: solve %d of the same input gave another result", alg, i+2)
			}
		}
	}
}

// A service solves an input once: an identical run takes the same result,
// equal to what the engine would answer; other overrides or another input
// are solved.
func TestServiceReusesSolvedInputs(t *testing.T) {
	ctx := context.Background()
	s := NewService(nil, nil)
	in := demoInput(match.Optimal)
	_, first, err := s.solve(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	gotIn, again, err := s.solve(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if again != first || !reflect.DeepEqual(gotIn, in) {
		t.Errorf("an identical input was solved again")
	}
	fresh, err := match.Solve(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, fresh) {
		t.Errorf("the reused result differs from the engine's")
	}
	what := in
	what.Overrides = match.Overrides{ExcludeSponsors: []string{first.Assignments[0].Sponsor}}
	_, other, err := s.solve(ctx, what)
	if err != nil {
		t.Fatal(err)
	}
	if other == first || reflect.DeepEqual(other.Assignments, first.Assignments) {
		t.Errorf("a what-if took the result of the run without it")
	}
	changed := in
	changed.Needs = slices.Clone(in.Needs)
	changed.Needs[0].Urgency = changed.Needs[0].Urgency%match.MaxUrgency + 1
	_, moved, err := s.solve(ctx, changed)
	if err != nil {
		t.Fatal(err)
	}
	if moved == first || moved.Fingerprint == first.Fingerprint {
		t.Errorf("a changed input took the result of the old one")
	}
}

// Only results that ran within their time limit are reused: one cut short
// depends on the machine's speed.
func TestReusable(t *testing.T) {
	ctx := context.Background()
	in := match.Input{TimeLimit: time.Second}
	for _, c := range []struct {
		stop match.Stop
		took time.Duration
		want bool
	}{
		{match.StopComplete, time.Millisecond, true},
		{match.StopNodeLimit, 10 * time.Millisecond, true},
		{match.StopTimeLimit, time.Millisecond, false},
		{match.StopComplete, 2 * time.Second, false},
	} {
		if got := reusable(ctx, in, &match.Result{Stop: c.stop}, c.took); got != c.want {
			t.Errorf("reusable(%s after %v) = %v, want %v", c.stop, c.took, got, c.want)
		}
	}
	// The context's deadline passed 5ms ago, after a solve of 20ms: the
	// solve ran past it.
	late, cancel := context.WithDeadline(ctx, time.Now().Add(-5*time.Millisecond))
	defer cancel()
	if reusable(late, in, &match.Result{Stop: match.StopComplete}, 20*time.Millisecond) {
		t.Errorf("a result that ran past the context's deadline is reusable")
	}
	early, cancel2 := context.WithDeadline(ctx, time.Now().Add(time.Second))
	defer cancel2()
	if !reusable(early, in, &match.Result{Stop: match.StopComplete}, 20*time.Millisecond) {
		t.Errorf("a result well within the context's deadline is not reusable")
	}
}
