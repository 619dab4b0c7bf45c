package indicatorstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicator"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicatorapi"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

var clock = time.Date(2015, 12, 14, 9, 0, 0, 0, time.UTC)

var importer = change.Request{Subject: "dfe-1", Roles: []string{"dfe_official"}, Method: "/test/Import", RequestID: "r-1"}

// setCodec is the stored form of a set, as the service builds it.
var setCodec = store.ProtoCodec(func() *inspectionv1.IndicatorSet { return &inspectionv1.IndicatorSet{} },
	indicatorapi.SetToProto, indicatorapi.SetFromStored)

// fixture is the store under test and the indicator use cases over it,
// which stamp the sets and compute the benchmarks the store keeps.
type fixture struct {
	*Sets
	svc *indicator.Service
}

func newSets(t testing.TB) (fixture, *store.Store) {
	t.Helper()
	st := rpctest.NewStore(t)
	return fixtureOn(st), st
}

func fixtureOn(st *store.Store) fixture {
	s := New(st, setCodec)
	return fixture{Sets: s, svc: indicator.NewService(s, func() time.Time { return clock })}
}

// importSets imports through the use case, with no request_id, so every
// call imports.
func (f fixture) importSets(ctx context.Context, sets []indicator.Set) ([]indicator.Set, error) {
	imported, err := f.svc.Import(ctx, sets, change.Request{Subject: importer.Subject, Roles: importer.Roles, Method: importer.Method})
	return imported.Sets, err
}

// Benchmarks reads benchmarks through the use case, which mends missing
// ones.
func (f fixture) Benchmarks(ctx context.Context, periods []indicator.Period) (map[indicator.Period]indicator.Benchmarks, error) {
	return f.svc.Benchmarks(ctx, periods)
}

func set(gss string, p indicator.Period, agency, decile float64) indicator.Set {
	return indicator.Set{GSSCode: gss, Period: p, Source: "test", Values: []indicator.Value{
		{Indicator: indicator.AgencyRate, Value: agency},
		{Indicator: indicator.DeprivationDecile, Value: decile},
	}}
}

func TestImportGetListLatest(t *testing.T) {
	ctx := context.Background()
	s, _ := newSets(t)
	in := []indicator.Set{
		set("E06000001", 2015, 10, 2),
		set("E06000001", 2014, 12, 2),
		set("E09000002", 2015, 30, 1),
		set("E06000001", 2013, 14, 3),
	}
	got, err := s.importSets(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range got {
		if g.GSSCode != in[i].GSSCode || g.Period != in[i].Period || g.Version != 1 || !g.UpdateTime.Equal(clock) {
			t.Errorf("result %d = %+v, want %s %s at version 1", i, g, in[i].GSSCode, in[i].Period)
		}
	}

	one, err := s.Get(ctx, "E06000001", 2014)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := one.Value(indicator.AgencyRate); v != 12 || one.Source != "test" || one.Version != 1 || !one.UpdateTime.Equal(clock) {
		t.Errorf("Get = %+v", one)
	}
	if _, err := s.Get(ctx, "E06000001", 2012); !errors.Is(err, indicator.ErrNotFound) {
		t.Errorf("Get of a missing period: %v", err)
	}

	pages := []struct {
		offset int64
		limit  int
		want   []indicator.Period
	}{
		{0, 50, []indicator.Period{2015, 2014, 2013}},
		{0, 2, []indicator.Period{2015, 2014}},
		{2, 2, []indicator.Period{2013}},
		{3, 2, nil},
	}
	for _, pg := range pages {
		sets, total, err := s.List(ctx, "E06000001", pg.offset, pg.limit)
		if err != nil {
			t.Fatal(err)
		}
		var periods []indicator.Period
		for _, x := range sets {
			periods = append(periods, x.Period)
		}
		if total != 3 || !slices.Equal(periods, pg.want) {
			t.Errorf("List(%d, %d) = %v of %d, want %v of 3", pg.offset, pg.limit, periods, total, pg.want)
		}
	}

	latest, err := s.Latest(ctx, []string{"E06000001", "E09000002", "E08000035"})
	if err != nil {
		t.Fatal(err)
	}
	if len(latest) != 2 || latest["E06000001"].Period != 2015 || latest["E09000002"].Period != 2015 {
		t.Errorf("Latest = %+v", latest)
	}

	// A re-import replaces the set and bumps its version.
	again, err := s.importSets(ctx, []indicator.Set{set("E06000001", 2015, 11, 2)})
	if err != nil || again[0].Version != 2 {
		t.Fatalf("re-import = %+v, %v", again, err)
	}
	if one, _ := s.Get(ctx, "E06000001", 2015); one.Version != 2 {
		t.Errorf("after re-import: %+v", one)
	}
}

func TestImportAuditsEverySet(t *testing.T) {
	ctx := context.Background()
	s, st := newSets(t)
	if _, err := s.Sets.Import(ctx, []indicator.Set{set("E06000001", 2015, 10, 2), set("E06000001", 2014, 10, 2)}, importer); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sets.Import(ctx, []indicator.Set{set("E06000001", 2015, 11, 2)}, importer); err != nil {
		t.Fatal(err)
	}
	msgs, err := st.Client().XRange(ctx, st.Keyspace().Outbox(keyspace.CouncilTag("E06000001")), "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, msg := range msgs {
		e, err := events.Decode(msg.Values)
		if err != nil || e.Type != store.AuditType {
			t.Fatalf("outbox entry %v: %+v, %v", msg.ID, e, err)
		}
		var a store.AuditEntry
		if err := json.Unmarshal(e.Data, &a); err != nil {
			t.Fatal(err)
		}
		if a.Actor != "dfe-1" || a.Method != "/test/Import" || a.RequestID != "r-1" || !slices.Equal(a.Roles, []string{"dfe_official"}) {
			t.Errorf("audit entry %+v", a)
		}
		got = append(got, fmt.Sprintf("%s %s→%s", a.Resource, a.EtagBefore, a.EtagAfter))
	}
	want := []string{
		`localAuthorities/E06000001/indicatorSets/2015 →"1"`,
		`localAuthorities/E06000001/indicatorSets/2014 →"1"`,
		`localAuthorities/E06000001/indicatorSets/2015 "1"→"2"`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("audit trail %q, want %q", got, want)
	}
}

func TestBenchmarksFollowImports(t *testing.T) {
	ctx := context.Background()
	s, st := newSets(t)
	// North East: Hartlepool, Middlesbrough, Redcar; North West: Halton;
	// London: Barking and Dagenham.
	if _, err := s.importSets(ctx, []indicator.Set{
		set("E06000001", 2015, 10, 2),
		set("E06000002", 2015, 30, 1),
		set("E06000006", 2015, 5, 4),
		set("E06000001", 2014, 50, 9),
	}); err != nil {
		t.Fatal(err)
	}
	check := func(when string, wantEngland, wantNE float64) {
		t.Helper()
		bs, err := s.Benchmarks(ctx, []indicator.Period{2015, 2015, 2016})
		if err != nil {
			t.Fatal(err)
		}
		b, ok := bs[2015]
		if !ok || len(bs) != 1 {
			t.Fatalf("%s: benchmarks %+v", when, bs)
		}
		e, ne := b.Medians(reference.NorthEast, indicator.AgencyRate)
		if e != wantEngland || ne != wantNE {
			t.Errorf("%s: agency medians %v, %v; want %v, %v", when, e, ne, wantEngland, wantNE)
		}
	}
	check("first import", 10, 20)

	// A second import of the period recomputes from every council's set,
	// not just the new one.
	if _, err := s.importSets(ctx, []indicator.Set{set("E06000003", 2015, 40, 3), set("E09000002", 2015, 20, 1)}); err != nil {
		t.Fatal(err)
	}
	check("second import", 20, 30)

	// Lost benchmarks (a crash between commits and recomputation) mend on
	// the next read, and are stored again.
	if err := st.Client().Del(ctx, s.benchmarksKey(2015)).Err(); err != nil {
		t.Fatal(err)
	}
	check("after repair", 20, 30)
	if n, err := st.Client().Exists(ctx, s.benchmarksKey(2015)).Result(); err != nil || n != 1 {
		t.Errorf("repaired benchmarks not stored: %d, %v", n, err)
	}
	if b, _ := s.Benchmarks(ctx, []indicator.Period{2014}); b[2014].England[indicator.AgencyRate].Median != 50 {
		t.Errorf("2014 benchmarks %+v", b[2014])
	}
}

// TestConcurrentImportsOfOnePeriod races imports of different councils for
// one period: whatever the interleaving, the stored benchmarks end up
// counting every council.
func TestConcurrentImportsOfOnePeriod(t *testing.T) {
	ctx := context.Background()
	s, _ := newSets(t)
	councils := reference.Councils()[:24]
	const importers = 8
	var wg sync.WaitGroup
	errs := make(chan error, importers)
	for w := range importers {
		wg.Go(func() {
			var batch []indicator.Set
			for i := w; i < len(councils); i += importers {
				batch = append(batch, set(councils[i].GSSCode, 2015, float64(i), 5))
			}
			_, err := s.importSets(ctx, batch)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	bs, err := s.Benchmarks(ctx, []indicator.Period{2015})
	if err != nil {
		t.Fatal(err)
	}
	if st := bs[2015].England[indicator.AgencyRate]; st.Count != len(councils) || st.Median != 11.5 {
		t.Errorf("England agency stats %+v, want %d councils with median 11.5", st, len(councils))
	}
}

// TestImportDuringRecomputation runs a second import of a period exactly
// while the first is between reading the period's sets and storing the
// benchmarks: the first must notice and read again, or the stored
// benchmarks would miss the second import's set.
func TestImportDuringRecomputation(t *testing.T) {
	ctx := context.Background()
	first, st := newSets(t)
	second := fixtureOn(st)
	var once sync.Once
	first.beforeStore = func(indicator.Period) {
		once.Do(func() {
			if _, err := second.importSets(ctx, []indicator.Set{set("E09000002", 2015, 40, 1)}); err != nil {
				t.Error(err)
			}
		})
	}
	if _, err := first.importSets(ctx, []indicator.Set{set("E06000001", 2015, 10, 2)}); err != nil {
		t.Fatal(err)
	}
	bs, err := first.Benchmarks(ctx, []indicator.Period{2015})
	if err != nil {
		t.Fatal(err)
	}
	if got := bs[2015].England[indicator.AgencyRate]; got.Count != 2 || got.Median != 25 {
		t.Errorf("England agency stats %+v, want both councils (median 25)", got)
	}
}

func TestReadsTakeConstantRoundTrips(t *testing.T) {
	ctx := context.Background()
	s, st := newSets(t)
	all, codes := everyCouncil()
	if _, err := s.importSets(ctx, all); err != nil {
		t.Fatal(err)
	}
	rt := redistest.CountRoundTrips(st.Client())
	for _, n := range []int{1, 10, 152} {
		before := rt.Count()
		latest, err := s.Latest(ctx, codes[:n])
		if err != nil || len(latest) != n {
			t.Fatalf("Latest(%d) = %d sets, %v", n, len(latest), err)
		}
		if got := rt.Count() - before; got != 2 {
			t.Errorf("Latest of %d councils took %d round trips, want 2", n, got)
		}
		before = rt.Count()
		if _, err := s.Benchmarks(ctx, []indicator.Period{2014, 2015}); err != nil {
			t.Fatal(err)
		}
		if got := rt.Count() - before; got != 1 {
			t.Errorf("Benchmarks took %d round trips, want 1", got)
		}
	}
}

func TestImportIdempotency(t *testing.T) {
	ctx := context.Background()
	s, _ := newSets(t)
	r := change.Request{Subject: "dfe-1", Method: "import", RequestID: "batch-1", RequestHash: []byte("x")}
	stored := set("E06000001", 2015, 10, 2)
	stored.Version, stored.UpdateTime = 1, clock
	answer := indicator.Imported{Sets: []indicator.Set{stored}, Benchmarks: map[indicator.Period]indicator.Benchmarks{
		2015: indicator.ComputeBenchmarks(2015, []indicator.Set{stored}),
	}}

	if _, ok, err := s.ReplayImport(ctx, r); ok || err != nil {
		t.Fatalf("replay before remember: %v, %v", ok, err)
	}
	if err := s.RememberImport(ctx, r, answer); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := s.ReplayImport(ctx, r); !ok || err != nil || len(got.Sets) != 1 || got.Sets[0].Version != 1 ||
		got.Benchmarks[2015].England[indicator.AgencyRate].Median != 10 {
		t.Fatalf("replay = %v, %v, %+v", ok, err, got)
	}
	// Another caller's request_id is its own.
	otherCaller := r
	otherCaller.Subject = "other"
	if _, ok, err := s.ReplayImport(ctx, otherCaller); ok || err != nil {
		t.Errorf("another scope replayed: %v, %v", ok, err)
	}
	// The same request_id with another request is refused.
	other := r
	other.RequestHash = []byte("y")
	if _, _, err := s.ReplayImport(ctx, other); !errors.Is(err, store.ErrRequestIDReused) {
		t.Errorf("reused request_id: %v", err)
	}
	// A second remember loses to the first.
	if err := s.RememberImport(ctx, r, answer); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second remember: %v", err)
	}
	// No request_id: nothing is remembered.
	if err := s.RememberImport(ctx, change.Request{Subject: "dfe-1", Method: "import"}, answer); err != nil {
		t.Errorf("remember without request_id: %v", err)
	}
}

// everyCouncil returns a set for each council, in 2014 or 2015, and the
// councils' GSS codes in the same order.
func everyCouncil() ([]indicator.Set, []string) {
	var all []indicator.Set
	var codes []string
	for i, c := range reference.Councils() {
		codes = append(codes, c.GSSCode)
		all = append(all, set(c.GSSCode, indicator.Period(2014+i%2), float64(i%40), float64(1+i%10)))
	}
	return all, codes
}
