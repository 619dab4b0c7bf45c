package indicatorstore

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicator"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// TestDecodedBenchmarksFollowTheStoredBytes decodes the same bytes twice
// and then others: the second decode is the first's value, the third the
// new bytes' value, and a caller changing what it got changes nothing
// another caller gets.
func TestDecodedBenchmarksFollowTheStoredBytes(t *testing.T) {
	encode := func(median float64) []byte {
		b, err := json.Marshal(indicator.Benchmarks{
			Period:  2015,
			England: map[indicator.Indicator]indicator.Stats{indicator.AgencyRate: {Count: 3, Median: median}},
			Regions: map[reference.Region]map[indicator.Indicator]indicator.Stats{
				reference.NorthEast: {indicator.AgencyRate: {Count: 3, Median: median + 1}},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var d decodedBenchmarks
	medians := func(when string, data []byte, wantEngland, wantNE float64) indicator.Benchmarks {
		t.Helper()
		b, err := d.decode(2015, data)
		if err != nil {
			t.Fatal(err)
		}
		if e, ne := b.Medians(reference.NorthEast, indicator.AgencyRate); e != wantEngland || ne != wantNE {
			t.Errorf("%s: medians %v, %v; want %v, %v", when, e, ne, wantEngland, wantNE)
		}
		return b
	}
	first := medians("first decode", encode(10), 10, 11)
	first.England[indicator.AgencyRate] = indicator.Stats{Median: -1}
	first.Regions[reference.NorthEast][indicator.AgencyRate] = indicator.Stats{Median: -1}
	delete(first.Regions, reference.NorthEast)
	medians("same bytes, after a caller changed its copy", encode(10), 10, 11)
	medians("new bytes", encode(20), 20, 21)
	medians("the first bytes again", encode(10), 10, 11)
	if _, err := d.decode(2015, []byte("{")); err == nil {
		t.Error("bad bytes decoded")
	}
}

// TestBenchmarksReadByAnotherReplica reads benchmarks through one store
// while another imports: every read after an import returns the
// benchmarks that import computed, never the ones decoded before it.
func TestBenchmarksReadByAnotherReplica(t *testing.T) {
	ctx := context.Background()
	writer, st := newSets(t)
	reader := fixtureOn(st)
	check := func(when string, wantEngland float64) {
		t.Helper()
		for range 2 { // decoded, then reused
			bs, err := reader.Sets.Benchmarks(ctx, []indicator.Period{2015})
			if err != nil {
				t.Fatal(err)
			}
			if got := bs[2015].England[indicator.AgencyRate].Median; got != wantEngland {
				t.Errorf("%s: England agency median %v, want %v", when, got, wantEngland)
			}
		}
	}
	if _, err := writer.importSets(ctx, []indicator.Set{set("E06000001", 2015, 10, 2)}); err != nil {
		t.Fatal(err)
	}
	check("first import", 10)
	if _, err := writer.importSets(ctx, []indicator.Set{set("E06000001", 2015, 30, 2)}); err != nil {
		t.Fatal(err)
	}
	check("second import", 30)
	if _, err := writer.importSets(ctx, []indicator.Set{set("E06000002", 2015, 50, 2)}); err != nil {
		t.Fatal(err)
	}
	check("another council", 40)
}
