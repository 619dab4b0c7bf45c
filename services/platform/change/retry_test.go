package change

import (
	"context"
	"errors"
	"testing"
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
