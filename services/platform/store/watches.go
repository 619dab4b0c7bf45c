package store

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// watch is what one cached read depends on (keys, and key shapes), with a
// count of the invalidations that touched any of them: a read kept at one
// count is current while the count has not moved.
type watch struct {
	epoch atomic.Uint64
}

// watchRegistry finds the watches an invalidated key touches: by the key
// itself for watches of one key (a record read by Get), and by key shape for
// the others, each shape matched once per key however many watches share it
// (every council's risk read depends on the shape of every benchmarks key).
type watchRegistry struct {
	mu     sync.RWMutex
	all    map[*watch]struct{}
	exact  map[string][]*watch
	shapes []*shapeWatches
	// shapeAt finds a shape in shapes by its sample key.
	shapeAt map[string]*shapeWatches
}

type shapeWatches struct {
	p       keyPattern
	watches []*watch
}

// add registers a watch of keys, each a key or a shape (a key with Any in
// place of each part that varies).
func (r *watchRegistry) add(keys []string) *watch {
	w := &watch{}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.all == nil {
		r.all = map[*watch]struct{}{}
	}
	r.all[w] = struct{}{}
	for _, k := range keys {
		if !strings.Contains(k, Any) {
			if r.exact == nil {
				r.exact = map[string][]*watch{}
			}
			r.exact[k] = append(r.exact[k], w)
			continue
		}
		s := r.shapeAt[k]
		if s == nil {
			if r.shapeAt == nil {
				r.shapeAt = map[string]*shapeWatches{}
			}
			s = &shapeWatches{p: patternOf(k)}
			r.shapeAt[k] = s
			r.shapes = append(r.shapes, s)
		}
		s.watches = append(s.watches, w)
	}
	return w
}

// invalidate counts a change in every watch one of keys touches.
func (r *watchRegistry) invalidate(keys []string) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, k := range keys {
		for _, w := range r.exact[k] {
			w.epoch.Add(1)
		}
		for _, s := range r.shapes {
			if s.p.matches(k) {
				for _, w := range s.watches {
					w.epoch.Add(1)
				}
			}
		}
	}
}

// invalidateAll counts a change in every watch: what may have been missed
// (a lost connection, a flush) may have touched any key.
func (r *watchRegistry) invalidateAll() {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for w := range r.all {
		w.epoch.Add(1)
	}
}

// remove unregisters w, registered with keys.
func (r *watchRegistry) remove(w *watch, keys []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.all, w)
	without := func(ws []*watch) []*watch {
		return slices.DeleteFunc(ws, func(x *watch) bool { return x == w })
	}
	for _, k := range keys {
		if !strings.Contains(k, Any) {
			if ws := without(r.exact[k]); len(ws) > 0 {
				r.exact[k] = ws
			} else {
				delete(r.exact, k)
			}
			continue
		}
		// A shape stays registered once made: there are few, fixed by the
		// code.
		if s := r.shapeAt[k]; s != nil {
			s.watches = without(s.watches)
		}
	}
}
