package matchrunstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/demo"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagementstore"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/match"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/matchrun"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/matchrunstore"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/needapi"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/needstore"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsorapi"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsorstore"
)

// benchCouncils are twenty councils across the regions, as make bench's
// RunMatching scenario opens needs for.
var benchCouncils = []string{
	"E06000001", "E06000002", "E08000001", "E08000002", "E08000016", "E08000017", "E06000010", "E06000015",
	"E06000016", "E08000025", "E08000026", "E10000003", "E06000031", "E09000002", "E09000012", "E10000016",
	"E06000044", "E06000045", "E06000026", "E10000008",
}

// newBenchService is the match-run use cases over a real Redis with the
// demo's sponsors and one open need in each of benchCouncils, and the
// store and need store under them.
func newBenchService(b testing.TB) (*matchrun.Service, *store.Store, *matchrunstore.Runs, *needstore.Needs) {
	b.Helper()
	st := rpctest.NewStore(b)
	at := time.Date(2016, 6, 15, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return at }
	sponsors := sponsorstore.New(st, rpctest.Codec(sponsorapi.ToStored, sponsorapi.FromStored))
	needs := needstore.New(st, rpctest.Codec(needapi.ToStored, needapi.FromStored))
	engs := engagementstore.New(st, engagementstore.WithClock(clock))
	ctx := context.Background()
	for _, sp := range demo.Sponsors() {
		if _, err := sponsors.Insert(ctx, sp, change.Request{Subject: "official-1"}); err != nil {
			b.Fatal(err)
		}
	}
	areas := []string{reference.AreaLeadershipManagementGovernance, reference.AreaHelpAndProtection, sponsor.AreaLookedAfterPlacements, reference.AreaCareLeavers, sponsor.AreaWorkforceStability}
	for i, gss := range benchCouncils {
		n, err := need.New(gss, fmt.Sprintf("bench-%d", i), need.Need{
			Areas:   []need.AreaWeight{{Area: areas[i%len(areas)], Weight: 5 + i%5}, {Area: areas[(i+2)%len(areas)], Weight: 3 + i%4}},
			Urgency: 1 + i%5, StaffDaysNeeded: 20 + 10*(i%6), RequiresTrustSponsor: i%7 == 0,
		}, "", at)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := needs.Insert(ctx, n, change.Request{Subject: "official-1"}); err != nil {
			b.Fatal(err)
		}
	}
	runs := matchrunstore.New(st, sponsors, needs, engs)
	return matchrun.NewService(runs, clock), st, runs, needs
}

// BenchmarkRunDry is RunMatching's use case for an OPTIMAL dry run of
// twenty needs and the demo's sponsors, store included, from parallel
// callers as make bench calls it.
func BenchmarkRunDry(b *testing.B) {
	svc, _, _, _ := newBenchService(b)
	spec := matchrun.Spec{Algorithm: match.Optimal, Weights: match.DefaultWeights(), DryRun: true}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.Run(context.Background(), spec, change.Request{Subject: "official-1", Method: "run"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
