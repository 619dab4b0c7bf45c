// Package usecase is what the use cases of every service stand on: the
// storage they read and write through, and the clock they stamp changes
// with. A domain package's Service embeds Core beside what is its own, so
// every service defaults its clock and reads the time the same way.
package usecase

import "time"

// Core is the storage S of a domain's use cases and their clock.
type Core[S any] struct {
	// Store is the storage the use cases read and write through: the
	// interface the domain package declares.
	Store S
	// Clock is the use cases' clock, as the process gave it; never nil.
	Clock func() time.Time
}

// New returns the Core over st, reading the time from now (nil means
// time.Now).
func New[S any](st S, now func() time.Time) Core[S] {
	if now == nil {
		now = time.Now
	}
	return Core[S]{Store: st, Clock: now}
}

// Now is the clock's reading, in UTC: the time changes are stamped with,
// and what checks made outside the use cases (a handler validating a
// request it is about to refuse) compare against.
func (c Core[S]) Now() time.Time { return c.Clock().UTC() }
