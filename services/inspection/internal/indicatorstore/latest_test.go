package indicatorstore

import (
	"context"
	"reflect"
	"testing"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicator"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

// TestLatestWithBenchmarksRoundTrips reads every council's newest set and
// their benchmarks: the same as Latest and then Benchmarks, in at most two
// round trips the first time and one once the store knows the periods.
func TestLatestWithBenchmarksRoundTrips(t *testing.T) {
	ctx := context.Background()
	s, st := newSets(t)
	all, codes := everyCouncil()
	all = append(all, set(codes[0], 2013, 1, 1)) // an older period, never the newest
	if _, err := s.importSets(ctx, all); err != nil {
		t.Fatal(err)
	}
	// What two reads apart return, through a store that has guessed nothing.
	other := fixtureOn(st)
	wantSets, err := other.Sets.Latest(ctx, codes)
	if err != nil {
		t.Fatal(err)
	}
	wantBenchmarks, err := other.Sets.Benchmarks(ctx, []indicator.Period{2014, 2015})
	if err != nil || len(wantBenchmarks) != 2 {
		t.Fatalf("benchmarks %v, %v", wantBenchmarks, err)
	}

	rt := redistest.CountRoundTrips(st.Client())
	for i, maxTrips := range []int64{2, 1, 1} {
		before := rt.Count()
		sets, benchmarks, err := s.LatestWithBenchmarks(ctx, codes)
		if err != nil {
			t.Fatal(err)
		}
		if got := rt.Count() - before; got > maxTrips {
			t.Errorf("read %d took %d round trips, want at most %d", i, got, maxTrips)
		}
		if !reflect.DeepEqual(sets, wantSets) {
			t.Errorf("read %d: sets differ from Latest's", i)
		}
		if !reflect.DeepEqual(benchmarks, wantBenchmarks) {
			t.Errorf("read %d: benchmarks differ from Benchmarks'", i)
		}
	}
	before := rt.Count()
	if sets, err := s.Latest(ctx, codes[:1]); err != nil || len(sets) != 1 || sets[codes[0]].Period != 2014 {
		t.Errorf("Latest = %v, %v", sets, err)
	}
	if got := rt.Count() - before; got != 1 {
		t.Errorf("Latest of a known council took %d round trips, want 1", got)
	}
	if sets, b, err := s.LatestWithBenchmarks(ctx, nil); err != nil || len(sets) != 0 || len(b) != 0 {
		t.Errorf("LatestWithBenchmarks(nil) = %v, %v, %v", sets, b, err)
	}
}

// TestLatestWhenGuessesGoWrong reads through one store while another
// imports: a newer period, a changed set and a council that never had the
// newest period are each read as stored, never as the reading store last
// found them.
func TestLatestWhenGuessesGoWrong(t *testing.T) {
	ctx := context.Background()
	writer, st := newSets(t)
	reader := fixtureOn(st)
	const ne1, ne2, london = "E06000001", "E06000002", "E09000002"
	if _, err := writer.importSets(ctx, []indicator.Set{
		set(ne1, 2015, 10, 2), set(ne2, 2015, 20, 2), set(london, 2014, 30, 2),
	}); err != nil {
		t.Fatal(err)
	}
	check := func(when string, want map[string]float64, wantPeriods map[string]indicator.Period, wantMedian map[indicator.Period]float64) {
		t.Helper()
		for _, read := range []string{"LatestWithBenchmarks", "service", "Latest"} {
			var sets map[string]indicator.Set
			var bs map[indicator.Period]indicator.Benchmarks
			var err error
			switch read {
			case "LatestWithBenchmarks":
				sets, bs, err = reader.LatestWithBenchmarks(ctx, []string{ne1, ne2, london})
			case "service":
				sets, bs, err = reader.svc.Latest(ctx, []string{ne1, ne2, london})
			default:
				sets, err = reader.Latest(ctx, []string{ne1, ne2, london})
			}
			if err != nil {
				t.Fatal(err)
			}
			for gss, agency := range want {
				got := sets[gss]
				if got.Period != wantPeriods[gss] || got.Values[0].Value != agency {
					t.Errorf("%s, %s: %s's newest set %v %v, want %v %v", when, read, gss, got.Period, got.Values, wantPeriods[gss], agency)
				}
			}
			if read == "Latest" {
				continue
			}
			if len(bs) != len(wantMedian) {
				t.Errorf("%s, %s: benchmarks of %d periods, want %d", when, read, len(bs), len(wantMedian))
			}
			for p, m := range wantMedian {
				if got := bs[p].England[indicator.AgencyRate].Median; got != m {
					t.Errorf("%s, %s: %s England agency median %v, want %v", when, read, p, got, m)
				}
			}
		}
	}
	check("first import",
		map[string]float64{ne1: 10, ne2: 20, london: 30},
		map[string]indicator.Period{ne1: 2015, ne2: 2015, london: 2014},
		map[indicator.Period]float64{2015: 15, 2014: 30})

	// Another replica imports a newer period for one council and changes
	// another's set of the period the reader expects.
	if _, err := writer.importSets(ctx, []indicator.Set{set(ne1, 2016, 40, 2), set(ne2, 2015, 60, 2)}); err != nil {
		t.Fatal(err)
	}
	check("second import",
		map[string]float64{ne1: 40, ne2: 60, london: 30},
		map[string]indicator.Period{ne1: 2016, ne2: 2015, london: 2014},
		map[indicator.Period]float64{2016: 40, 2015: 35, 2014: 30})

	// Lost benchmarks of the newest period mend through the use case.
	if err := st.Client().Del(ctx, writer.benchmarksKey(2016)).Err(); err != nil {
		t.Fatal(err)
	}
	sets, bs, err := reader.svc.Latest(ctx, []string{ne1})
	if err != nil || sets[ne1].Period != 2016 || bs[2016].England[indicator.AgencyRate].Median != 40 {
		t.Errorf("after losing 2016 benchmarks: %v, %v, %v", sets, bs, err)
	}
	if n, err := st.Client().Exists(ctx, writer.benchmarksKey(2016)).Result(); err != nil || n != 1 {
		t.Errorf("mended benchmarks not stored: %d, %v", n, err)
	}
}
