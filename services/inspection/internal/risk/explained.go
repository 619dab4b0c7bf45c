package risk

import (
	"sync"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicator"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// explanations keeps the factor explanations a model has written, by
// everything a text depends on, so that reading a council's assessment
// again does not write them again: writing them was most of a risk
// assessment's CPU time. A text is a function of its key alone, so a kept
// one is always the one explain would write. There are about as many keys
// as councils times indicators per period and view; the map is emptied
// when it reaches maxExplanations, so unusual inputs cannot grow it.
type explanations struct {
	mu sync.RWMutex
	of map[explanationKey]string
}

// explanationKey is what explain reads: the factor (without its
// explanation) and its context.
type explanationKey struct {
	region      reference.Region
	period      indicator.Period
	minCouncils int
	f           Factor
	limit       float64
}

// maxExplanations bounds the texts kept.
const maxExplanations = 1 << 14

// text returns explain's text for k, written once.
func (e *explanations) text(k explanationKey, spec indicator.Spec) string {
	k.f.Explanation = ""
	if e == nil {
		return explain(k.region, k.period, k.minCouncils, spec, k.f, k.limit)
	}
	e.mu.RLock()
	s, ok := e.of[k]
	e.mu.RUnlock()
	if ok {
		return s
	}
	s = explain(k.region, k.period, k.minCouncils, spec, k.f, k.limit)
	e.mu.Lock()
	if e.of == nil || len(e.of) >= maxExplanations {
		e.of = make(map[explanationKey]string)
	}
	e.of[k] = s
	e.mu.Unlock()
	return s
}
