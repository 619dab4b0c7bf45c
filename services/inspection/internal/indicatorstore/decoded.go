package indicatorstore

import (
	"bytes"
	"encoding/json"
	"maps"
	"sync"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicator"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// decodedBenchmarks keeps each period's benchmarks as last decoded, beside
// the stored bytes they were decoded from, so that a read which finds the
// same bytes again skips the JSON decode (most of the CPU time of a risk
// assessment before it).
//
// It never serves anything older than what Redis holds: every read still
// fetches the stored bytes, and the decoded value is reused only when they
// are byte for byte the ones it came from, so it is a pure function of what
// the read returned. Replicas each keep their own and need nothing in
// common; a write through any of them changes the bytes, which every
// replica's next read sees.
type decodedBenchmarks struct {
	mu sync.RWMutex
	at map[indicator.Period]decodedEntry
}

type decodedEntry struct {
	data []byte
	b    indicator.Benchmarks
}

// decode returns the benchmarks data encodes, for period p, reusing the
// last decode of p when data is the same. The result is the caller's own:
// its maps are copies, which callers may change.
func (d *decodedBenchmarks) decode(p indicator.Period, data []byte) (indicator.Benchmarks, error) {
	d.mu.RLock()
	e, ok := d.at[p]
	d.mu.RUnlock()
	if ok && bytes.Equal(e.data, data) {
		return cloneBenchmarks(e.b), nil
	}
	var b indicator.Benchmarks
	if err := json.Unmarshal(data, &b); err != nil {
		return indicator.Benchmarks{}, err
	}
	d.mu.Lock()
	if d.at == nil {
		d.at = map[indicator.Period]decodedEntry{}
	}
	// Whichever of two concurrent decodes stores last wins: each entry
	// is checked against the stored bytes before use, so either is safe.
	d.at[p] = decodedEntry{data: bytes.Clone(data), b: b}
	d.mu.Unlock()
	return cloneBenchmarks(b), nil
}

// cloneBenchmarks copies b's maps (Stats are plain values), so the copy
// kept for reuse never shares a map with a caller.
func cloneBenchmarks(b indicator.Benchmarks) indicator.Benchmarks {
	out := indicator.Benchmarks{Period: b.Period, England: maps.Clone(b.England)}
	if b.Regions != nil {
		out.Regions = make(map[reference.Region]map[indicator.Indicator]indicator.Stats, len(b.Regions))
		for r, stats := range b.Regions {
			out.Regions[r] = maps.Clone(stats)
		}
	}
	return out
}
