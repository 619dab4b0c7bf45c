package events_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/events"
)

// TestRunAllRunsEveryPartAndJoinsTheirErrors: every part runs, each until
// it returns, and RunAll reports every error that stopped one.
func TestRunAllRunsEveryPartAndJoinsTheirErrors(t *testing.T) {
	errA, errB := errors.New("a stopped"), errors.New("b stopped")
	var ran atomic.Int32
	part := func(err error) func(context.Context) error {
		return func(context.Context) error {
			ran.Add(1)
			return err
		}
	}
	err := events.RunAll(t.Context(), part(errA), part(nil), part(errB))
	if ran.Load() != 3 {
		t.Fatalf("ran %d parts, want 3", ran.Load())
	}
	if !errors.Is(err, errA) || !errors.Is(err, errB) {
		t.Fatalf("RunAll = %v, want both errors", err)
	}
	if err := events.RunAll(t.Context(), part(nil), part(nil)); err != nil {
		t.Fatalf("RunAll of parts that stop cleanly = %v, want nil", err)
	}
}
