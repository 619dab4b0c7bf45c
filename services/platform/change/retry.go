package change

import (
	"context"
	"errors"
	"fmt"
)

// MaxAttempts bounds the attempts of a change that keeps meeting
// concurrent writes: a read-modify-write cycle whose record moved, or an
// insert whose fresh ID was taken.
const MaxAttempts = 5

// Retry runs attempt until it ends in anything but a conflict (an error
// matching ErrConflict), at most MaxAttempts times. After each conflict,
// replay (nil for none) looks for the answer a concurrent call with the
// same request_id committed, which then answers in its place; a context
// that has ended stops the retries. what names the change in the error of
// one still contended after the last attempt, which matches ErrConflict.
//
// Every use case of the suite changes state through Retry, so each retries,
// replays and gives up the same way.
func Retry[T any](ctx context.Context, what string, replay func(context.Context) (T, bool, error), attempt func(context.Context) (T, error)) (T, error) {
	var zero T
	for range MaxAttempts {
		out, err := attempt(ctx)
		if !errors.Is(err, ErrConflict) {
			return out, err
		}
		if replay != nil {
			if prev, ok, rerr := replay(ctx); rerr != nil || ok {
				return prev, rerr
			}
		}
		if err := ctx.Err(); err != nil {
			return zero, err
		}
	}
	return zero, fmt.Errorf("%s: still contended after %d attempts: %w", what, MaxAttempts, ErrConflict)
}
