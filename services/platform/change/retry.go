package change

import (
	"context"
	"errors"
	"fmt"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
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

// Replayed runs create, a use case that makes something new and commits it
// with its request's idempotency record, with no look-up of that record
// before it: the commit itself refuses a retry of a call that committed
// (the record is checked first, in the commit's round trip), so a create
// that succeeds had none to replay. After a refusal by the rules (a fault
// the state decides: invalid, not found, already exists, failed
// precondition, conflict, permission denied), replay (nil for none)
// decides: the answer a committed call with the same request_id left takes
// the refusal's place, a look-up that fails (a request_id reused for
// another request, say) gives its own error, and with neither the refusal
// stands. A retry therefore gets its first call's answer as it would from
// a look-up made first, even where the state has moved on so far since
// that call that the create alone would be refused, and the first call
// costs no round trip for it. Any other error (Redis down or hung, a
// deadline) is returned as it is: the look-up would only meet it again,
// and double the time a request takes to fail.
func Replayed[T any](ctx context.Context, replay func(context.Context) (T, bool, error), create func() (T, error)) (T, error) {
	out, err := create()
	if err == nil || replay == nil || !refusal(err) {
		return out, err
	}
	prev, ok, rerr := replay(ctx)
	switch {
	case rerr != nil:
		return prev, rerr
	case ok:
		return prev, nil
	}
	return out, err
}

// refusal reports whether err is a refusal by the rules, after which a
// replay is worth looking up.
func refusal(err error) bool {
	f, ok := fault.As(err)
	if !ok {
		return false
	}
	switch f.Kind {
	case fault.KindInvalid, fault.KindNotFound, fault.KindAlreadyExists, fault.KindFailedPrecondition,
		fault.KindConflict, fault.KindPermissionDenied:
		return true
	}
	return false
}
