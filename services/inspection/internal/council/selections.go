package council

import (
	"sync"

	"github.com/turnaround-sli/turnaround/services/platform/filter"
)

// maxSelections bounds how many filter and order combinations a Service
// keeps selected for one state of the councils; past it, the kept ones are
// dropped and selection starts again.
const maxSelections = 64

// selections keeps what Select returned for each filter and order asked
// for, for one state of the councils: the GSS codes and versions Select was
// given. Every list reads the councils' current versions (Storer.All never
// serves older data than the last committed write), and a kept selection is
// used only while every council is at the version it was selected from, so a
// list is never older than a direct Select would be; a changed council, or
// one added, starts again.
type selections struct {
	mu       sync.Mutex
	versions map[string]int64
	of       map[string][]LocalAuthority
}

// selectFrom returns Select(all, f, order), from what is kept when all is
// the state it was kept for. The slice returned is shared: read it only.
func (s *selections) selectFrom(all []LocalAuthority, f *filter.Filter, order filter.Order) []LocalAuthority {
	key := f.String() + "\x00" + order.String()
	s.mu.Lock()
	if s.same(all) {
		if kept, ok := s.of[key]; ok {
			s.mu.Unlock()
			return kept
		}
	} else {
		s.versions, s.of = nil, nil
	}
	s.mu.Unlock()

	selected := Select(all, f, order)

	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.versions == nil:
		s.versions = make(map[string]int64, len(all))
		for _, la := range all {
			s.versions[la.GSSCode] = la.Version
		}
		s.of = map[string][]LocalAuthority{}
	case !s.same(all):
		// A concurrent list kept a different state meanwhile (a newer one,
		// or an older one it read before this): keep that, return this.
		return selected
	}
	if len(s.of) >= maxSelections {
		clear(s.of)
	}
	s.of[key] = selected
	return selected
}

// same reports whether all is the state kept: the same councils at the same
// versions. Call it with s.mu held.
func (s *selections) same(all []LocalAuthority) bool {
	if s.versions == nil || len(all) != len(s.versions) {
		return false
	}
	for i := range all {
		if v, ok := s.versions[all[i].GSSCode]; !ok || v != all[i].Version {
			return false
		}
	}
	return true
}
