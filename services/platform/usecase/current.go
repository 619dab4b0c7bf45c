package usecase

import (
	"context"

	"github.com/turnaround-sli/turnaround/services/platform/change"
)

// Versioned is a record that knows the version it was read at: what a
// caller's etag is compared against.
type Versioned interface {
	// Revision is the version the record was read at.
	Revision() int64
}

// Current is record id as get reads it, when etag is current for it: the
// read that opens every update or delete of a record addressed by its ID
// alone. get's error is returned as it is; a given etag that names another
// version is stale, the domain's own conflict (change.ErrConflict when the
// domain has none).
func Current[T Versioned](ctx context.Context, get func(context.Context, string) (T, error), id string, etag change.Etag, stale error) (T, error) {
	cur, err := get(ctx, id)
	if err != nil {
		return cur, err
	}
	if etag.Check(cur.Revision()) != nil {
		var zero T
		return zero, stale
	}
	return cur, nil
}

// Update is the read-modify-write of record id addressed by its ID alone:
// Current's read and etag check, then apply to the record as read, then
// save of what apply returns. An error from any step is returned as it is,
// and nothing is saved.
func Update[T Versioned](ctx context.Context, get func(context.Context, string) (T, error), save func(context.Context, T, change.Request) (T, error),
	id string, etag change.Etag, stale error, r change.Request, apply func(cur T) (T, error)) (T, error) {
	var zero T
	cur, err := Current(ctx, get, id, etag, stale)
	if err != nil {
		return zero, err
	}
	next, err := apply(cur)
	if err != nil {
		return zero, err
	}
	return save(ctx, next, r)
}
