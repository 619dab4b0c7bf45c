package change

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

func TestRetryStopsAtTheFirstAnswerThatIsNoConflict(t *testing.T) {
	calls := 0
	got, err := Retry(context.Background(), "count", nil, func(context.Context) (int, error) {
		calls++
		if calls < 3 {
			return 0, ErrConflict
		}
		return calls, nil
	})
	if err != nil || got != 3 || calls != 3 {
		t.Errorf("Retry: %d, %v after %d calls, want 3 after 3", got, err, calls)
	}
	boom := errors.New("boom")
	if _, err := Retry(context.Background(), "fail", nil, func(context.Context) (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Errorf("an error that is no conflict: %v, want it as it is", err)
	}
}

func TestRetryReplaysAConcurrentAnswer(t *testing.T) {
	replays := 0
	got, err := Retry(context.Background(), "insert",
		func(context.Context) (string, bool, error) { replays++; return "theirs", replays == 2, nil },
		func(context.Context) (string, error) { return "", ErrConflict })
	if err != nil || got != "theirs" || replays != 2 {
		t.Errorf("Retry: %q, %v after %d replays, want the concurrent answer after 2", got, err, replays)
	}
}

func TestRetryGivesUpAsAConflict(t *testing.T) {
	calls := 0
	_, err := Retry(context.Background(), "contended", nil, func(context.Context) (int, error) { calls++; return 0, ErrConflict })
	if !errors.Is(err, ErrConflict) || calls != MaxAttempts {
		t.Errorf("Retry: %v after %d calls, want a conflict after %d", err, calls, MaxAttempts)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls = 0
	if _, err := Retry(ctx, "cancelled", nil, func(context.Context) (int, error) { calls++; return 0, ErrConflict }); !errors.Is(err, context.Canceled) || calls != 1 {
		t.Errorf("Retry with an ended context: %v after %d calls, want context.Canceled after 1", err, calls)
	}
}

func TestRetryLooksUpOnlyAfterARefusal(t *testing.T) {
	replays := 0
	replay := func(context.Context) (string, bool, error) { replays++; return "first", true, nil }
	got, err := Retry(context.Background(), "create", replay, func(context.Context) (string, error) { return "made", nil })
	if err != nil || got != "made" || replays != 0 {
		t.Errorf("a create that succeeds: %q, %v after %d look-ups, want its own answer after none", got, err, replays)
	}
	refused := fault.FailedPrecondition("PLAN_CLOSED", "the plan is closed")
	got, err = Retry(context.Background(), "create", replay, func(context.Context) (string, error) { return "", refused })
	if err != nil || got != "first" || replays != 1 {
		t.Errorf("a refused retry of a call that committed: %q, %v after %d look-ups, want the first answer after 1", got, err, replays)
	}
	none := func(context.Context) (string, bool, error) { return "", false, nil }
	if _, err := Retry(context.Background(), "create", none, func(context.Context) (string, error) { return "", refused }); !errors.Is(err, refused) {
		t.Errorf("a refusal with nothing to replay: %v, want the refusal", err)
	}
	reused := errors.New("request_id reused")
	failing := func(context.Context) (string, bool, error) { return "", false, reused }
	if _, err := Retry(context.Background(), "create", failing, func(context.Context) (string, error) { return "", refused }); !errors.Is(err, reused) {
		t.Errorf("a refusal whose look-up fails: %v, want the look-up's error", err)
	}
	if _, err := Retry(context.Background(), "create", nil, func(context.Context) (string, error) { return "", refused }); !errors.Is(err, refused) {
		t.Errorf("no replay: %v, want the refusal", err)
	}
	// Redis hung: the look-up would time out again, doubling the time the
	// request takes to fail.
	replays = 0
	timeout := fmt.Errorf("store: commit: %w", context.DeadlineExceeded)
	if _, err := Retry(context.Background(), "create", replay, func(context.Context) (string, error) { return "", timeout }); !errors.Is(err, timeout) || replays != 0 {
		t.Errorf("an error of the store: %v after %d look-ups, want it as it is after none", err, replays)
	}
	unavailable := fault.Unavailable("REDIS_UNAVAILABLE", "Redis is down")
	if _, err := Retry(context.Background(), "create", replay, func(context.Context) (string, error) { return "", unavailable }); !errors.Is(err, unavailable) || replays != 0 {
		t.Errorf("an unavailable dependency: %v after %d look-ups, want it as it is after none", err, replays)
	}
}

// TestRetryDoesNotAttemptAStaleEtagAgain: a caller's stale etag stays
// stale however often the record is read, so it is refused after one
// attempt (and the look-up of a replay), where a concurrent write's
// conflict is attempted again.
func TestRetryDoesNotAttemptAStaleEtagAgain(t *testing.T) {
	attempts, replays := 0, 0
	replay := func(context.Context) (int, bool, error) { replays++; return 0, false, nil }
	_, err := Retry(context.Background(), "update", replay, func(context.Context) (int, error) {
		attempts++
		return 0, At(2).Check(3)
	})
	if !errors.Is(err, ErrConflict) || attempts != 1 || replays != 1 {
		t.Errorf("a stale etag: %v after %d attempts and %d look-ups, want a conflict after 1 and 1", err, attempts, replays)
	}
	if f, ok := fault.As(err); !ok || f.Reason != ReasonEtagMismatch {
		t.Errorf("a stale etag is %v, want the ETAG_MISMATCH fault", err)
	}
	attempts, replays = 0, 0
	_, err = Retry(context.Background(), "update", replay, func(context.Context) (int, error) {
		attempts++
		return 0, fmt.Errorf("store: commit: %w", ErrConflict)
	})
	if !errors.Is(err, ErrConflict) || attempts != MaxAttempts || replays != MaxAttempts {
		t.Errorf("a concurrent write's conflict: %v after %d attempts and %d look-ups, want a conflict after %d and %d",
			err, attempts, replays, MaxAttempts, MaxAttempts)
	}
	if err := At(3).Check(3); err != nil {
		t.Errorf("a current etag: %v", err)
	}
	if err := (Etag{}).Check(3); err != nil {
		t.Errorf("no etag: %v", err)
	}
}
