package indicator

import (
	"math"
	"slices"

	"github.com/turnaround-sli/turnaround/services/reference"
)

// Stats summarises one indicator over a group of councils' sets.
type Stats struct {
	// Count is how many sets hold the indicator.
	Count  int     `json:"count"`
	Median float64 `json:"median"`
	Mean   float64 `json:"mean"`
	// StdDev is the population standard deviation: the sets of a period
	// are every council that reported, not a sample of them.
	StdDev float64 `json:"std_dev"`
}

// Benchmarks are one period's figures for comparison: each indicator over
// all councils' sets (England) and over each region's.
type Benchmarks struct {
	Period  Period                                   `json:"period"`
	England map[Indicator]Stats                      `json:"england"`
	Regions map[reference.Region]map[Indicator]Stats `json:"regions"`
}

// Medians returns the England median of ind and the median of region, each
// 0 when no set of the period holds the indicator.
func (b Benchmarks) Medians(region reference.Region, ind Indicator) (england, regional float64) {
	return b.England[ind].Median, b.Regions[region][ind].Median
}

// ComputeBenchmarks summarises the sets of period p. Sets of other periods
// are ignored, and so are sets of councils missing from the reference data
// (which an import never accepts) for the region figures.
func ComputeBenchmarks(p Period, sets []Set) Benchmarks {
	england := map[Indicator][]float64{}
	regions := map[reference.Region]map[Indicator][]float64{}
	for _, s := range sets {
		if s.Period != p {
			continue
		}
		c, known := reference.CouncilByCode(s.GSSCode)
		for _, v := range s.Values {
			england[v.Indicator] = append(england[v.Indicator], v.Value)
			if !known {
				continue
			}
			if regions[c.Region] == nil {
				regions[c.Region] = map[Indicator][]float64{}
			}
			regions[c.Region][v.Indicator] = append(regions[c.Region][v.Indicator], v.Value)
		}
	}
	b := Benchmarks{Period: p, England: summarise(england), Regions: make(map[reference.Region]map[Indicator]Stats, len(regions))}
	for r, vals := range regions {
		b.Regions[r] = summarise(vals)
	}
	return b
}

func summarise(byIndicator map[Indicator][]float64) map[Indicator]Stats {
	out := make(map[Indicator]Stats, len(byIndicator))
	for ind, vals := range byIndicator {
		out[ind] = Summarise(vals)
	}
	return out
}

// Summarise returns the count, median, mean and population standard
// deviation of vals; the zero Stats for none. The median of an even count is
// the mean of the two middle values.
func Summarise(vals []float64) Stats {
	n := len(vals)
	if n == 0 {
		return Stats{}
	}
	sorted := slices.Clone(vals)
	slices.Sort(sorted)
	median := sorted[n/2]
	if n%2 == 0 {
		median = (sorted[n/2-1] + sorted[n/2]) / 2
	}
	var sum float64
	for _, v := range sorted {
		sum += v
	}
	mean := sum / float64(n)
	var sq float64
	for _, v := range sorted {
		sq += (v - mean) * (v - mean)
	}
	return Stats{Count: n, Median: median, Mean: mean, StdDev: math.Sqrt(sq / float64(n))}
}
