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
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
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

// TestGetWithLatestFromMemorySeesEveryWrite: with a Tracker, a council read
// before is answered from memory (no command on the store's client) while
// nothing it depends on changed, and each write another replica has had
// acknowledged shows on the very next read: a set of a newer period, a set
// of another council that moves the period's benchmarks, a council's new
// judgement, and a write to an unrelated key that changes nothing.
func TestGetWithLatestFromMemorySeesEveryWrite(t *testing.T) {
	ctx := context.Background()
	c, ks := redistest.New(t)
	tr := redistest.Tracker(t, ks)
	codec := store.ProtoCodec(func() *inspectionv1.LocalAuthority { return &inspectionv1.LocalAuthority{} }, councilapi.ToProto, councilapi.FromStored)
	readerStore := store.New(c, ks, store.WithTracker(tr))
	reader := NewCouncilsWithSets(councilstore.NewCouncils(readerStore, codec), New(readerStore, setCodec))
	writerStore := store.New(c, ks)
	writerCouncils := councilstore.NewCouncils(writerStore, codec)
	writer := fixtureOn(writerStore)
	// What Redis holds, read by a replica with no memory.
	direct := NewCouncilsWithSets(writerCouncils, New(writerStore, setCodec))
	if _, err := writerCouncils.Seed(ctx, reference.Councils()); err != nil {
		t.Fatal(err)
	}
	const leeds, york = "E08000035", "E06000014"
	rt := redistest.CountRoundTrips(c)

	check := func(step string) {
		t.Helper()
		wantLA, wantSets, wantBenchmarks, err := direct.GetWithLatest(ctx, leeds)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			var la council.LocalAuthority
			var sets map[string]indicator.Set
			var benchmarks map[indicator.Period]indicator.Benchmarks
			trips := rt.During(func() { la, sets, benchmarks, err = reader.GetWithLatest(ctx, leeds) })
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(la, wantLA) || !reflect.DeepEqual(sets, wantSets) || !reflect.DeepEqual(benchmarks, wantBenchmarks) {
				t.Fatalf("%s, read %d: the reader's council, sets or benchmarks differ from Redis's:\n%+v %+v %+v\nwant\n%+v %+v %+v",
					step, i, la, sets, benchmarks, wantLA, wantSets, wantBenchmarks)
			}
			// The first read after a write reads Redis (and the very first
			// one may read twice while its invalidation is on its way);
			// the third is from memory.
			if i == 2 && trips != 0 {
				t.Fatalf("%s: an unchanged council took %d round trips on the store's client, want 0", step, trips)
			}
		}
	}
	if _, err := writer.importSets(ctx, []indicator.Set{set(leeds, 2014, 12, 3)}); err != nil {
		t.Fatal(err)
	}
	check("a first set")
	if _, err := writer.importSets(ctx, []indicator.Set{set(leeds, 2015, 10, 2)}); err != nil {
		t.Fatal(err)
	}
	check("a set of a newer period")
	before, _, _, _ := direct.GetWithLatest(ctx, leeds)
	if _, err := writer.importSets(ctx, []indicator.Set{set(york, 2015, 30, 8)}); err != nil {
		t.Fatal(err)
	}
	check("another council's set of the period")
	la := before.WithJudgement(council.LatestJudgement{Inspection: "localAuthorities/" + leeds + "/inspections/x", Framework: "SIF", OverallGrade: reference.Good, PublishDate: clock})
	w, err := writerCouncils.Write(la)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := writerStore.Commit(ctx, store.Mutation{Tag: keyspace.CouncilTag(leeds), Writes: []store.Write{w}}); err != nil {
		t.Fatal(err)
	}
	check("a new judgement")
	if err := c.Set(ctx, ks.Key(keyspace.CouncilTag(leeds), "unrelated"), "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if trips := rt.During(func() { _, _, _, err = reader.GetWithLatest(ctx, leeds) }); trips != 0 || err != nil {
		t.Fatalf("after a write to an unrelated key, the read took %d round trips (%v), want 0", trips, err)
	}
}
