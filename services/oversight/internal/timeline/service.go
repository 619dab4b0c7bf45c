package timeline

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// FilterSchema is what ListTimelineEntries filters on.
var FilterSchema = columns.Schema()

var columns = filter.Columns[Entry]{
	"kind":       filter.TextColumn(func(e *Entry) string { return e.Kind }),
	"service":    filter.TextColumn(func(e *Entry) string { return e.Service }),
	"actor_role": filter.TextColumn(func(e *Entry) string { return e.Role }),
	"resource":   filter.TextColumn(func(e *Entry) string { return e.Resource }),
	"time":       filter.TimeColumn(filter.Timestamp, func(e *Entry) time.Time { return e.Time }),
}

// Storer keeps entries and standings.
type Storer interface {
	// Standing returns the council's standing; a council with none yet has
	// the zero Standing (Version 0).
	Standing(ctx context.Context, gss string) (Standing, error)
	// Record stores e, which must not exist yet, and s, when not nil,
	// which must still be at s.Version, in one transaction. It reports
	// whether e was new: false when an entry with its id is stored already
	// (a redelivered event). A standing changed since gives an error
	// matching ErrConflict. Only a change to a standing moves
	// StandingsVersion.
	Record(ctx context.Context, e Entry, s *Standing) (bool, error)
	// Listing returns the council's entries in time order and its
	// standing, for List. What it returns may be shared with other calls:
	// neither the entries nor the standing's records may be changed.
	Listing(ctx context.Context, gss string) ([]Entry, Standing, error)
	// Standings returns every council's standing that has one.
	Standings(ctx context.Context) ([]Standing, error)
	// StandingsVersion is a number that changes whenever a standing
	// changes (after the change commits), so a reader can tell that what
	// it computed from the standings still holds.
	StandingsVersion(ctx context.Context) (int64, error)
	// EngagementCouncil returns the GSS code of the council an engagement
	// (recorded by Record) supports, or "" if none is known.
	EngagementCouncil(ctx context.Context, engagement string) (string, error)
}

// Service holds the timeline's use cases.
type Service struct{ st Storer }

// NewService returns the use cases over st.
func NewService(st Storer) *Service { return &Service{st: st} }

// maxAttempts bounds the retries after a concurrent change to a standing.
const maxAttempts = 8

// Record stores f's entry and applies its effect to the council's
// standing, once: a fact already recorded (same event id) changes nothing
// and reports false. A fact about a council outside the register is
// ErrUnknownCouncil.
func (s *Service) Record(ctx context.Context, f Fact) (bool, error) {
	gss := f.Entry.Council
	if _, ok := reference.CouncilByCode(gss); !ok {
		return false, fmt.Errorf("%w: %q is not one of the councils in England", ErrUnknownCouncil, gss)
	}
	if f.Effect == nil {
		// A step that changes no standing: the entry alone.
		return s.st.Record(ctx, f.Entry, nil)
	}
	for range maxAttempts {
		st, err := s.st.Standing(ctx, gss)
		if err != nil {
			return false, err
		}
		st.Council = gss
		before := st.Clone()
		f.Effect(&st, f.Entry.Time)
		changed := &st
		if reflect.DeepEqual(before, st) {
			changed = nil
		}
		created, err := s.st.Record(ctx, f.Entry, changed)
		if errors.Is(err, ErrConflict) {
			continue
		}
		return created, err
	}
	return false, fmt.Errorf("timeline: standing of %s still contended after %d attempts: %w", gss, maxAttempts, ErrConflict)
}

// List returns the council's entries that match f, in time order (hidden
// ones left out), with the council's standing (whose engagements decide
// what a sponsor may see). Both may be shared with other calls (see
// Storer.Listing): the caller must not change them.
func (s *Service) List(ctx context.Context, gss string, f *filter.Filter) ([]Entry, Standing, error) {
	if _, ok := reference.CouncilByCode(gss); !ok {
		return nil, Standing{}, fmt.Errorf("%w: %q", ErrUnknownCouncil, gss)
	}
	all, st, err := s.st.Listing(ctx, gss)
	if err != nil {
		return nil, Standing{}, err
	}
	// all is shared: it is handed out whole while every entry is shown, and
	// copied from the first one left out.
	var out []Entry
	for i, e := range all {
		switch shown := !e.Hidden && f.Match(e); {
		case !shown && out == nil:
			out = append(make([]Entry, 0, len(all)), all[:i]...)
		case shown && out != nil:
			out = append(out, e)
		}
	}
	if out == nil {
		return all, st, nil
	}
	return out, st, nil
}

// CouncilOf returns the GSS code of the council a record belongs to: the
// one its name is under (localAuthorities/{gss}/...), or for an engagement
// and what is under it (sponsors/{id}/engagements/{id}/...), the council
// its EngagementStarted event named; "" when there is none.
func (s *Service) CouncilOf(ctx context.Context, name string) (string, error) {
	if rest, ok := strings.CutPrefix(name, "localAuthorities/"); ok {
		gss, _, _ := strings.Cut(rest, "/")
		return gss, nil
	}
	parts := strings.Split(name, "/")
	if len(parts) >= 4 && parts[0] == "sponsors" && parts[2] == "engagements" {
		return s.st.EngagementCouncil(ctx, strings.Join(parts[:4], "/"))
	}
	return "", nil
}

// Standings returns every council's standing.
func (s *Service) Standings(ctx context.Context) ([]Standing, error) { return s.st.Standings(ctx) }

// StandingsVersion changes whenever a standing changes (see Storer).
func (s *Service) StandingsVersion(ctx context.Context) (int64, error) {
	return s.st.StandingsVersion(ctx)
}
