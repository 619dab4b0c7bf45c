package filter

import (
	"slices"
	"strings"
	"time"
)

// Select returns the elements of all that f matches (every element when f
// is nil), each seen by f through view, as a new slice: in the order of all
// when order is nil, else sorted stably by order. It is the one way a list
// use case picks and orders its resources, so that every list filters
// alike; the caller pages over the result. It sorts pointers and compares
// through them, so a list of large resources is not copied at every
// comparison and swap, only once into the result.
func Select[T any](all []T, f *Filter, view func(*T) Record, order func(a, b *T) int) []T {
	picked := make([]*T, 0, len(all))
	for i := range all {
		if f == nil || f.Match(view(&all[i])) {
			picked = append(picked, &all[i])
		}
	}
	if order != nil {
		slices.SortStableFunc(picked, order)
	}
	out := make([]T, len(picked))
	for i, p := range picked {
		out[i] = *p
	}
	return out
}

// NewestFirst is the order of a list whose newest resources come first, by
// the instant at gives each, with ties broken by the resource name name
// gives, so that pages are stable.
func NewestFirst[T any](at func(*T) time.Time, name func(*T) string) func(a, b *T) int {
	return func(a, b *T) int {
		if c := at(b).Compare(at(a)); c != 0 {
			return c
		}
		return strings.Compare(name(a), name(b))
	}
}

// ThenByName is the order o (an order_by a caller asked for), over
// resources seen through view, with ties broken by the resource name name
// gives, so that pages are stable.
func ThenByName[T any](o Order, view func(*T) Record, name func(*T) string) func(a, b *T) int {
	return func(a, b *T) int {
		if c := o.Compare(view(a), view(b)); c != 0 {
			return c
		}
		return strings.Compare(name(a), name(b))
	}
}
