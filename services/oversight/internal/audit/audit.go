// Package audit is the audit trail as a read model: every mutation the
// services record (who, which method, which resource, when, with which
// request id, the etag before and after), kept for DfE and, for their own
// council, council officers, filtered and paged.
package audit

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/filter"
)

// Collection is the audit trail's collection id.
const Collection = "auditEntries"

// Entry is one mutation.
type Entry struct {
	// ID is the audit event's id.
	ID         string    `json:"id"`
	Actor      string    `json:"actor"`
	Roles      []string  `json:"roles,omitempty"`
	Method     string    `json:"method"`
	Resource   string    `json:"resource"`
	RequestID  string    `json:"request_id,omitempty"`
	EtagBefore string    `json:"etag_before,omitempty"`
	EtagAfter  string    `json:"etag_after,omitempty"`
	Time       time.Time `json:"time"`
	// Council is the GSS code of the council the resource belongs to, ""
	// for records of no council (sponsors, match runs).
	Council string `json:"council,omitempty"`
}

// Name is the entry's resource name.
func (e Entry) Name() string { return Collection + "/" + e.ID }

// Get implements filter.Record.
func (e Entry) Get(field string) (any, bool) {
	switch field {
	case "actor":
		return e.Actor, e.Actor != ""
	case "resource":
		return e.Resource, e.Resource != ""
	case "method":
		return e.Method, e.Method != ""
	case "request_id":
		return e.RequestID, e.RequestID != ""
	case "time":
		return e.Time, !e.Time.IsZero()
	}
	return nil, false
}

// FilterSchema is what ListAuditEntries filters on.
var FilterSchema = filter.Schema{
	"actor":      {Type: filter.String},
	"resource":   {Type: filter.String},
	"method":     {Type: filter.String},
	"request_id": {Type: filter.String},
	"time":       {Type: filter.Timestamp},
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

// Storer keeps the trail.
type Storer interface {
	// Add stores e unless an entry with its id is stored already, and
	// reports whether it was new.
	Add(ctx context.Context, e Entry) (bool, error)
	// Entries returns the entries of council gss ("" for every entry),
	// newest first.
	Entries(ctx context.Context, gss string) ([]Entry, error)
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

// List returns the entries of council gss ("" for all) matching f, newest
// first.
func (s *Service) List(ctx context.Context, gss string, f *filter.Filter) ([]Entry, error) {
	all, err := s.st.Entries(ctx, gss)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(e Entry) bool { return !f.Match(e) }), nil
}
