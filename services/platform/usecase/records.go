package usecase

import (
	"context"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/change"
)

// CouncilRecords is the storage of a kind of record T that belongs to a
// council (localAuthorities/{gss}/<collection>/{id}): what the use cases of
// every such resource read and write it through. A domain's Storer embeds
// it beside the writes that are its own (an Insert that emits the
// resource's event, say).
type CouncilRecords[T any] interface {
	// Get returns record id of the council gss, or an error matching the
	// domain's ErrNotFound.
	Get(ctx context.Context, gss, id string) (T, error)
	// List returns the council's records, or every council's when gss is
	// the wildcard "-" (AllCouncils), in no particular order.
	List(ctx context.Context, gss string) ([]T, error)
	CouncilReplays[T]
	// Save stores v, changed from the version it was read at, and returns
	// it at its new version; a version that moved meanwhile is an error
	// matching change.ErrConflict, and nothing is written.
	Save(ctx context.Context, v T, r change.Request) (T, error)
}

// CouncilReplays is the look-up of what a call with a request_id committed
// in a council: CouncilRecords' Replay, which a storage whose records are
// addressed otherwise (a plan's progress reviews, say) has too.
type CouncilReplays[T any] interface {
	// Replay returns the record a previous call with r.RequestID
	// committed, at the version it committed, if any. A reused
	// r.RequestID with another r.RequestHash is an INVALID_ARGUMENT fault.
	Replay(ctx context.Context, gss string, r change.Request) (T, bool, error)
}

// Replayer is the lookup, for change.Retry, of the answer a call with r's
// request_id in the council gss committed: after a refusal, a call with
// the same request_id that committed answers in this one's place.
func Replayer[T any](st CouncilReplays[T], gss string, r change.Request) func(context.Context) (T, bool, error) {
	return func(ctx context.Context) (T, bool, error) { return st.Replay(ctx, gss, r) }
}

// CouncilCore is the Core of the use cases of a kind of record T that
// belongs to a council, with the reads every such resource serves as its
// storage holds them. A domain's Service embeds it, and declares its own
// Get or List where it does more than read.
type CouncilCore[T any, S CouncilRecords[T]] struct {
	Core[S]
}

// NewCouncil returns the CouncilCore over st, reading the time from now
// (nil means time.Now).
func NewCouncil[T any, S CouncilRecords[T]](st S, now func() time.Time) CouncilCore[T, S] {
	return CouncilCore[T, S]{Core: New(st, now)}
}

// Get returns record id of the council gss, or an error matching the
// domain's ErrNotFound.
func (c CouncilCore[T, S]) Get(ctx context.Context, gss, id string) (T, error) {
	return c.Store.Get(ctx, gss, id)
}

// List returns the council's records, or every council's for the
// wildcard "-" (AllCouncils), in the order the storage holds them.
func (c CouncilCore[T, S]) List(ctx context.Context, gss string) ([]T, error) {
	return c.Store.List(ctx, gss)
}

// Change is the read-modify-write of record id of the council gss: each
// attempt reads the record afresh, next turns it into the record to save
// (the domain's rule and the caller's etag check, in the order the domain
// wants), and Save stores it pinned to the version read. A concurrent
// write is attempted again and a retry of a call with r's request_id that
// committed is answered with that call's record (change.Retry); what names
// the change in a conflict's error.
func (c CouncilCore[T, S]) Change(ctx context.Context, what, gss, id string, r change.Request, next func(cur T) (T, error)) (T, error) {
	return change.Retry(ctx, what, Replayer[T](c.Store, gss, r), func(ctx context.Context) (T, error) {
		var zero T
		cur, err := c.Store.Get(ctx, gss, id)
		if err != nil {
			return zero, err
		}
		v, err := next(cur)
		if err != nil {
			return zero, err
		}
		return c.Store.Save(ctx, v, r)
	})
}

// Sorted is List's records put in order by sort, which orders them in
// place: the list of a resource whose records have an order of their own.
func (c CouncilCore[T, S]) Sorted(ctx context.Context, gss string, sort func([]T)) ([]T, error) {
	all, err := c.Store.List(ctx, gss)
	if err != nil {
		return nil, err
	}
	sort(all)
	return all, nil
}
