package councilstore

import (
	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/councilapi"
	"time"

	"context"
	"errors"
	"testing"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

func TestCouncilsSeedGetAll(t *testing.T) {
	ctx := context.Background()
	cs := NewCouncils(rpctest.NewStore(t), councilCodec)

	added, err := cs.Seed(ctx, reference.Councils())
	if err != nil || added != 152 {
		t.Fatalf("first seed added %d, %v; want 152", added, err)
	}
	again, err := cs.Seed(ctx, reference.Councils())
	if err != nil || again != 0 {
		t.Fatalf("second seed added %d, %v; want 0", again, err)
	}

	leeds, err := cs.Get(ctx, "E08000035")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := reference.CouncilByCode("E08000035")
	if leeds.Council != want || leeds.Version != 1 || leeds.UpdateTime.IsZero() {
		t.Fatalf("Leeds = %+v, want %+v at version 1", leeds, want)
	}
	if _, err := cs.Get(ctx, "E08999999"); !errors.Is(err, council.ErrNotFound) {
		t.Fatalf("unknown council: %v", err)
	}

	all, err := cs.All(ctx)
	if err != nil || len(all) != 152 {
		t.Fatalf("All = %d, %v", len(all), err)
	}
	seen := map[string]bool{}
	for _, la := range all {
		ref, ok := reference.CouncilByCode(la.GSSCode)
		if !ok || ref != la.Council || seen[la.GSSCode] {
			t.Fatalf("council %+v does not match the reference or repeats", la)
		}
		seen[la.GSSCode] = true
	}
}

func TestCouncilsWriteLatestJudgement(t *testing.T) {
	ctx := context.Background()
	st := rpctest.NewStore(t)
	cs := NewCouncils(st, councilCodec)
	if _, err := cs.Seed(ctx, reference.Councils()); err != nil {
		t.Fatal(err)
	}
	la, err := cs.Get(ctx, "E10000014")
	if err != nil {
		t.Fatal(err)
	}
	published := time.Date(2014, 6, 12, 0, 0, 0, 0, time.UTC)
	la = la.WithJudgement(council.LatestJudgement{Inspection: "localAuthorities/E10000014/inspections/x", Framework: "SIF", OverallGrade: reference.Good, PublishDate: published})
	w, err := cs.Write(la)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Commit(ctx, store.Mutation{Tag: keyspace.CouncilTag("E10000014"), Writes: []store.Write{w}}); err != nil {
		t.Fatal(err)
	}
	got, err := cs.Get(ctx, "E10000014")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || !got.InspectedUnderSIF || got.Latest == nil || got.Latest.OverallGrade != reference.Good ||
		!got.Latest.PublishDate.Equal(published) || got.Latest.Framework != "SIF" {
		t.Fatalf("after write: %+v (latest %+v)", got, got.Latest)
	}
	// The same stale council record cannot be written twice.
	if _, err := st.Commit(ctx, store.Mutation{Tag: keyspace.CouncilTag("E10000014"), Writes: []store.Write{w}}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale write = %v, want conflict", err)
	}
}

// TestCouncilsGetOneRoundTripNeverStale reads a council in one round trip
// whether or not this store has decoded it before, and a write through
// another store (another replica) is read at once.
func TestCouncilsGetOneRoundTripNeverStale(t *testing.T) {
	ctx := context.Background()
	st := rpctest.NewStore(t)
	cs, other := NewCouncils(st, councilCodec), NewCouncils(st, councilCodec)
	if _, err := cs.Seed(ctx, reference.Councils()); err != nil {
		t.Fatal(err)
	}
	const gss = "E10000014"
	rt := redistest.CountRoundTrips(st.Client())
	get := func(when string, wantVersion int64) council.LocalAuthority {
		t.Helper()
		var la council.LocalAuthority
		var err error
		if n := rt.During(func() { la, err = cs.Get(ctx, gss) }); n != 1 {
			t.Errorf("%s: Get took %d round trips, want 1", when, n)
		}
		if err != nil || la.GSSCode != gss || la.Version != wantVersion {
			t.Fatalf("%s: Get = %+v, %v; want version %d", when, la, err, wantVersion)
		}
		return la
	}
	get("before anything is decoded", 1)
	if _, err := cs.All(ctx); err != nil {
		t.Fatal(err)
	}
	get("after a list", 1)

	la, err := other.Get(ctx, gss)
	if err != nil {
		t.Fatal(err)
	}
	la = la.WithJudgement(council.LatestJudgement{Inspection: "localAuthorities/E10000014/inspections/x", Framework: "SIF", OverallGrade: reference.Good, PublishDate: time.Date(2014, 6, 12, 0, 0, 0, 0, time.UTC)})
	w, err := other.Write(la)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Commit(ctx, store.Mutation{Tag: keyspace.CouncilTag(gss), Writes: []store.Write{w}}); err != nil {
		t.Fatal(err)
	}
	if got := get("after another store's write", 2); got.Latest == nil || got.Latest.OverallGrade != reference.Good || !got.InspectedUnderSIF {
		t.Errorf("after another store's write: %+v", got)
	}
	if n := rt.During(func() { _, err = cs.Get(ctx, "E08999999") }); !errors.Is(err, council.ErrNotFound) || n != 1 {
		t.Errorf("an unknown council: %v in %d round trips, want council.ErrNotFound in 1", err, n)
	}
}

// councilCodec is the stored form of a council, as the service builds it.
var councilCodec = store.ProtoCodec(func() *inspectionv1.LocalAuthority { return &inspectionv1.LocalAuthority{} }, councilapi.ToProto, councilapi.FromStored)

// BenchmarkGet reads one council, unchanged between reads, over real Redis.
func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	cs := NewCouncils(rpctest.NewStore(b), councilCodec)
	if _, err := cs.Seed(ctx, reference.Councils()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cs.Get(ctx, "E08000035"); err != nil {
			b.Fatal(err)
		}
	}
}
