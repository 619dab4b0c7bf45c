// Package audit is the audit trail as a read model: every mutation the
// services record (who, which method, which resource, when, with which
// request id, the etag before and after), kept for DfE and, for their own
// council, council officers, filtered and paged.
package audit

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
)

// Collection is the audit trail's collection id.
const Collection = "auditEntries"

// Entry is one mutation.
type Entry struct {
	// ID is the audit event's id.
	ID string `json:"id"`
	// Audit is the mutation as the store recorded it.
	change.Audit
	// Council is the GSS code of the council the resource belongs to, ""
	// for records of no council (sponsors, match runs).
	Council string `json:"council,omitempty"`
}

// Name is the entry's resource name.
func (e Entry) Name() string { return Collection + "/" + e.ID }

// Get implements filter.Record.
func (e Entry) Get(field string) (any, bool) { return columns.Record(&e).Get(field) }

// FilterSchema is what ListAuditEntries filters on.
var FilterSchema = columns.Schema()

var columns = filter.Columns[Entry]{
	"actor":      filter.TextColumn(func(e *Entry) string { return e.Actor }),
	"resource":   filter.TextColumn(func(e *Entry) string { return e.Resource }),
	"method":     filter.TextColumn(func(e *Entry) string { return e.Method }),
	"request_id": filter.TextColumn(func(e *Entry) string { return e.RequestID }),
	"time":       filter.TimeColumn(filter.Timestamp, func(e *Entry) time.Time { return e.Time }),
}

// CouncilOf is the GSS code in a resource name under
// localAuthorities/{gss}, or "".
func CouncilOf(resource string) string {
	rest, ok := strings.CutPrefix(resource, "localAuthorities/")
	if !ok {
		return ""
	}
	gss, _, _ := strings.Cut(rest, "/")
	return gss
}

// Indexed are the fields the store keeps an index of, per council and
// across councils: an equality on any of them (AND-ed at the top of a
// filter) is answered from the index, not by reading the trail.
var Indexed = []string{"actor", "resource", "method", "request_id"}

// Term is an equality the store answers from an index.
type Term struct{ Field, Value string }

// Cursor is where a page ends: the time (µs since 1970) and id of its
// last entry. The next page holds the entries after it, newest first:
// older ones, or as old with a smaller id.
type Cursor struct {
	Micros int64
	ID     string
}

// String renders c for a page token; ParseCursor reads it back.
func (c Cursor) String() string { return strconv.FormatInt(c.Micros, 10) + ":" + c.ID }

// ParseCursor reads a Cursor from its String form.
func ParseCursor(s string) (Cursor, bool) {
	m, id, ok := strings.Cut(s, ":")
	n, err := strconv.ParseInt(m, 10, 64)
	if !ok || err != nil || id == "" {
		return Cursor{}, false
	}
	return Cursor{Micros: n, ID: id}, true
}

// Range is one read of the trail, newest first: the entries of Council
// ("" for every council) that have every Term, timed within [From, To]
// (µs; 0 for no bound), after the cursor After (if set), at most Limit.
type Range struct {
	Council  string
	Terms    []Term
	From, To int64
	After    *Cursor
	Limit    int
}

// Storer keeps the trail.
type Storer interface {
	// Add stores e unless an entry with its id is stored already, and
	// reports whether it was new.
	Add(ctx context.Context, e Entry) (bool, error)
	// Range returns the entries r selects, newest first, and how many
	// entries have r's council, terms and times (leaving After and Limit
	// aside), in a fixed number of round trips whatever the trail holds.
	Range(ctx context.Context, r Range) ([]Entry, int, error)
}

// Service holds the audit trail's use cases.
type Service struct{ st Storer }

// NewService returns the use cases over st.
func NewService(st Storer) *Service { return &Service{st: st} }

// Record adds e to the trail once, filling its council from its resource.
func (s *Service) Record(ctx context.Context, e Entry) (bool, error) {
	e.Council = CouncilOf(e.Resource)
	return s.st.Add(ctx, e)
}

// Page is one page of the trail.
type Page struct {
	Entries []Entry
	// Next is where the next page starts; nil on the last page.
	Next *Cursor
	// Total is how many entries the filter selects, or -1 when the
	// indexes do not answer the whole filter and counting would mean
	// reading the trail.
	Total int
}

// plan is what the indexes answer of f: the equalities on indexed fields
// and the time bounds of a filter that is a comparison or an AND of them
// at the top; complete says they answer all of f.
func plan(f *filter.Filter) (terms []Term, from, to int64, complete bool) {
	complete = true
	for field, values := range f.Equalities() {
		if !slices.Contains(Indexed, field) {
			continue
		}
		for _, v := range values {
			terms = append(terms, Term{Field: field, Value: v})
		}
	}
	slices.SortFunc(terms, func(a, b Term) int { return strings.Compare(a.Field+"="+a.Value, b.Field+"="+b.Value) })
	var top []filter.Expr
	switch e := f.Expr().(type) {
	case nil:
	case *filter.And:
		top = e.Terms
	default:
		top = []filter.Expr{e}
	}
	for _, t := range top {
		c, ok := t.(*filter.Comparison)
		if !ok {
			complete = false
			continue
		}
		if c.Op == filter.Eq && slices.Contains(Indexed, c.Field) {
			continue
		}
		at, isTime := c.Value.Typed.(time.Time)
		if c.Field != "time" || !isTime {
			complete = false
			continue
		}
		us := at.UnixMicro()
		switch c.Op {
		case filter.Ge:
			from = max(from, us)
		case filter.Gt:
			from = max(from, us+1)
		case filter.Le:
			to = minBound(to, us)
		case filter.Lt:
			to = minBound(to, us-1)
		default:
			complete = false
		}
	}
	return terms, from, to, complete
}

func minBound(a, b int64) int64 {
	if a == 0 {
		return b
	}
	return min(a, b)
}

// List returns a page of at most size entries of council gss ("" for
// all) matching f, newest first, after the cursor after (nil for the
// first page). The indexes answer the equalities on indexed fields and
// the time bounds; the rest of f, if any, is applied to what they return,
// reading on in chunks until the page is full or the trail is done.
func (s *Service) List(ctx context.Context, gss string, f *filter.Filter, after *Cursor, size int) (Page, error) {
	terms, from, to, complete := plan(f)
	if from > 0 && to > 0 && from > to {
		return Page{Total: 0}, nil
	}
	r := Range{Council: gss, Terms: terms, From: from, To: to, After: after, Limit: size + 1}
	if !complete {
		r.Limit = min(max(4*(size+1), 200), 1000)
	}
	out := Page{Total: -1}
	for {
		batch, total, err := s.st.Range(ctx, r)
		if err != nil {
			return Page{}, err
		}
		if complete {
			out.Total = total
		}
		for _, e := range batch {
			if f.Match(e) {
				out.Entries = append(out.Entries, e)
			}
		}
		if len(out.Entries) > size || len(batch) < r.Limit {
			break
		}
		last := batch[len(batch)-1]
		r.After = &Cursor{Micros: last.Time.UnixMicro(), ID: last.ID}
	}
	if len(out.Entries) > size {
		out.Entries = out.Entries[:size]
		last := out.Entries[size-1]
		out.Next = &Cursor{Micros: last.Time.UnixMicro(), ID: last.ID}
	}
	return out, nil
}
