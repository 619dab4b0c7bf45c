package match

import (
	"runtime"
	"sync"
)

// parallelMin is the fewest items worth splitting between goroutines.
const parallelMin = 256

// inParallel calls body on consecutive ranges [lo, hi) that cover [0, n),
// one per available CPU, and waits for them all. The bodies must write
// only to their own range's places, so that the result does not depend on
// the schedule.
func inParallel(n int, body func(lo, hi int)) {
	parts := min(runtime.GOMAXPROCS(0), max(1, n/parallelMin))
	if parts <= 1 {
		body(0, n)
		return
	}
	var wg sync.WaitGroup
	for k := range parts {
		lo, hi := n*k/parts, n*(k+1)/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			body(lo, hi)
		}()
	}
	wg.Wait()
}
