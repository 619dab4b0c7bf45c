package clock_test

import (
	"errors"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/clock"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
)

var base = time.Date(2016, 1, 4, 9, 0, 0, 0, time.UTC)

func fixed() time.Time { return base }

// TestTwoProcessesAgree: one process moves the clock; another, sharing
// Redis, sees the move once its cached offset is older than CacheFor.
// A retry of the request does not move it twice, (the move is audited: see Advance).
func TestTwoProcessesAgree(t *testing.T) {
	st := rpctest.NewStore(t)
	a := clock.New(st, clock.Options{Base: fixed, Movable: true})
	b := clock.New(st, clock.Options{Base: fixed, Movable: true, CacheFor: time.Millisecond})
	if got := b.Now(); !got.Equal(base) {
		t.Fatalf("before any move: %v, want %v", got, base)
	}
	r := change.Request{Subject: "dfe-1", Method: "AdvanceClock", RequestID: "advance-1", RequestHash: []byte("h")}
	month := 30 * 24 * time.Hour
	for range 2 {
		off, err := a.Advance(t.Context(), "by", month, r)
		if err != nil || off != month {
			t.Fatalf("advance = %v, %v; want %v", off, err, month)
		}
	}
	if got := a.Now(); !got.Equal(base.Add(month)) {
		t.Fatalf("the mover's clock: %v, want %v", got, base.Add(month))
	}
	time.Sleep(2 * time.Millisecond)
	if got := b.Now(); !got.Equal(base.Add(month)) {
		t.Fatalf("the other process's clock: %v, want %v", got, base.Add(month))
	}
	if off, err := a.Advance(t.Context(), "by", time.Hour, change.Request{Subject: "dfe-1", Method: "AdvanceClock", RequestID: "advance-2"}); err != nil || off != month+time.Hour {
		t.Fatalf("second move = %v, %v", off, err)
	}
}

// TestProductionRefuses: a clock that is not movable refuses to move and
// keeps the base clock's time; a bad duration is a field violation.
func TestProductionRefuses(t *testing.T) {
	st := rpctest.NewStore(t)
	prod := clock.New(st, clock.Options{Base: fixed})
	if _, err := prod.Advance(t.Context(), "by", time.Hour, change.Request{Subject: "dfe-1"}); !errors.Is(err, clock.ErrNotMovable) {
		t.Fatalf("production advance: %v, want ErrNotMovable", err)
	}
	if !prod.Now().Equal(base) {
		t.Fatalf("production clock %v, want %v", prod.Now(), base)
	}
	rehearsal := clock.New(st, clock.Options{Base: fixed, Movable: true})
	for _, by := range []time.Duration{0, -time.Hour, clock.MaxAdvance + time.Second} {
		_, err := rehearsal.Advance(t.Context(), "by", by, change.Request{Subject: "dfe-1"})
		f, ok := fault.As(err)
		if !ok || len(f.Violations) != 1 || f.Violations[0].Field != "by" {
			t.Errorf("advance by %v: %v, want a violation on by", by, err)
		}
	}
}
