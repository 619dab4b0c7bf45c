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
// matching ErrConflict), at most MaxAttempts times, and answers a retry of
// a call that committed with that call's answer. After every refusal by the
// rules (a fault the state decides: invalid, not found, already exists,
// failed precondition, conflict, permission denied), replay (nil for none)
// looks for the answer a call with the same request_id committed: found,
// it answers in the refusal's place; a look-up that fails (a request_id
// reused for another request, say) gives its own error. Otherwise a
// conflict is attempted again, unless it is the caller's stale etag
// (Etag.Check), which no fresh read cures, and any other refusal stands.
// An error of Redis (down, hung, a deadline) is returned as it is, since a
// look-up would only meet it again; a context that has ended stops the
// retries. what names the change in the error of one still contended
// after the last attempt, which matches ErrConflict.
//
// So no change needs a look-up before its attempt: its commit checks the
// request's idempotency record first and refuses a retry whose first call
// committed, and a retry the state has moved on from since (which the
// change alone would now refuse: a stale etag, a plan closed, a state
// left) is answered too. Every use case of the suite changes state through
// Retry, so each retries, replays and gives up the same way.
func Retry[T any](ctx context.Context, what string, replay func(context.Context) (T, bool, error), attempt func(context.Context) (T, error)) (T, error) {
	var zero T
	for range MaxAttempts {
		out, err := attempt(ctx)
		if err == nil || !refusal(err) {
			return out, err
		}
		if replay != nil {
			if prev, ok, rerr := replay(ctx); rerr != nil || ok {
				return prev, rerr
			}
		}
		if !errors.Is(err, ErrConflict) || errors.As(err, new(staleEtag)) {
			return out, err
		}
		if err := ctx.Err(); err != nil {
			return zero, err
		}
	}
	return zero, fmt.Errorf("%s: still contended after %d attempts: %w", what, MaxAttempts, ErrConflict)
}

// refusal reports whether err is a refusal by the rules, after which a
// replay is worth looking up.
func refusal(err error) bool {
	if errors.Is(err, ErrConflict) {
		return true
	}
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
