package indicatorstore

import (
	"context"
	"errors"
	"reflect"
	"testing"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/councilapi"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/councilstore"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicator"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// TestGetWithLatestRoundTrips reads a council with its newest set and that
// period's benchmarks: what Get and LatestWithBenchmarks return apart, in at
// most two round trips the first time and one once the store knows the
// council's newest period.
func TestGetWithLatestRoundTrips(t *testing.T) {
	ctx := context.Background()
	s, st := newSets(t)
	councils := councilstore.NewCouncils(st, store.ProtoCodec(func() *inspectionv1.LocalAuthority { return &inspectionv1.LocalAuthority{} }, councilapi.ToProto, councilapi.FromStored))
	if _, err := councils.Seed(ctx, reference.Councils()); err != nil {
		t.Fatal(err)
	}
	const leeds, york = "E08000035", "E06000014"
	if _, err := s.importSets(ctx, []indicator.Set{set(leeds, 2015, 10, 2), set(leeds, 2014, 12, 3)}); err != nil {
		t.Fatal(err)
	}
	wantCouncil, err := councils.Get(ctx, leeds)
	if err != nil {
		t.Fatal(err)
	}
	other := fixtureOn(st)
	wantSets, wantBenchmarks, err := other.LatestWithBenchmarks(ctx, []string{leeds})
	if err != nil || len(wantSets) != 1 || len(wantBenchmarks) != 1 {
		t.Fatalf("LatestWithBenchmarks = %v, %v, %v", wantSets, wantBenchmarks, err)
	}

	both := NewCouncilsWithSets(councils, s.Sets)
	rt := redistest.CountRoundTrips(st.Client())
	for i, maxTrips := range []int64{2, 1, 1} {
		var la council.LocalAuthority
		var sets map[string]indicator.Set
		var benchmarks map[indicator.Period]indicator.Benchmarks
		if got := rt.During(func() { la, sets, benchmarks, err = both.GetWithLatest(ctx, leeds) }); got > maxTrips {
			t.Errorf("read %d took %d round trips, want at most %d", i, got, maxTrips)
		}
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(la, wantCouncil) {
			t.Errorf("read %d: council %+v, want %+v", i, la, wantCouncil)
		}
		if !reflect.DeepEqual(sets, wantSets) || sets[leeds].Period != 2015 {
			t.Errorf("read %d: sets differ from LatestWithBenchmarks'", i)
		}
		if !reflect.DeepEqual(benchmarks, wantBenchmarks) {
			t.Errorf("read %d: benchmarks differ from LatestWithBenchmarks'", i)
		}
	}

	// A council with no set: the council, no set and no benchmarks.
	la, sets, benchmarks, err := both.GetWithLatest(ctx, york)
	if err != nil || la.GSSCode != york || len(sets) != 0 || len(benchmarks) != 0 {
		t.Errorf("GetWithLatest(%s) = %+v, %v, %v, %v", york, la, sets, benchmarks, err)
	}
	// A council not stored.
	if _, _, _, err := both.GetWithLatest(ctx, "E08999999"); !errors.Is(err, council.ErrNotFound) {
		t.Errorf("GetWithLatest of an unknown council: %v, want council.ErrNotFound", err)
	}
}
