package schedule_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/schedule"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

// newClock is the clock the schedulers of a test share.
func newClock() *rpctest.Clock { return rpctest.NewClock(time.Date(2016, 6, 1, 9, 0, 0, 0, time.UTC)) }

// recorder counts handled jobs by id and remembers the last job seen.
type recorder struct {
	mu    sync.Mutex
	count map[string]int
	last  map[string]schedule.Job
}

func newRecorder() *recorder {
	return &recorder{count: map[string]int{}, last: map[string]schedule.Job{}}
}

func (r *recorder) handle(_ context.Context, j schedule.Job) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.count[j.ID]++
	r.last[j.ID] = j
	return nil
}

func (r *recorder) times(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count[id]
}

func (r *recorder) job(id string) schedule.Job {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last[id]
}

const lease = time.Minute

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newScheduler(t *testing.T, c redis.UniversalClient, ks keyspace.Keyspace, clk *rpctest.Clock, h schedule.Handler) *schedule.Scheduler {
	t.Helper()
	s, err := schedule.New(c, ks, schedule.Options{
		Name: "deadlines", Handler: h, Now: clk.Now, Lease: lease, BatchSize: 4, Logger: quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func tick(t *testing.T, s *schedule.Scheduler) schedule.Result {
	t.Helper()
	res, err := s.Tick(t.Context())
	if err != nil {
		t.Fatalf("tick: %v", err)
	}
	return res
}

func TestNew(t *testing.T) {
	c, ks := redistest.New(t)
	h := func(context.Context, schedule.Job) error { return nil }
	for _, tc := range []struct {
		name string
		opts schedule.Options
		ok   bool
	}{
		{"valid", schedule.Options{Name: "deadlines", Handler: h}, true},
		{"empty name", schedule.Options{Handler: h}, false},
		{"brace in name", schedule.Options{Name: "dead{lines}", Handler: h}, false},
		{"nil handler", schedule.Options{Name: "deadlines"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := schedule.New(c, ks, tc.opts)
			if (err == nil) != tc.ok {
				t.Fatalf("New: err = %v, want ok = %v", err, tc.ok)
			}
		})
	}
}

// TestDueJobFiresOnceAcrossSchedulers runs three schedulers over one schedule
// ticking concurrently: every due job is handled exactly once.
func TestDueJobFiresOnceAcrossSchedulers(t *testing.T) {
	c, ks := redistest.New(t)
	clk := newClock()
	rec := newRecorder()
	var scheds []*schedule.Scheduler
	for range 3 {
		scheds = append(scheds, newScheduler(t, c, ks, clk, rec.handle))
	}
	due := clk.Now().Add(time.Hour)
	const jobs = 25
	for i := range jobs {
		if err := scheds[i%3].Schedule(t.Context(), fmt.Sprintf("job-%02d", i), due, []byte("p")); err != nil {
			t.Fatal(err)
		}
	}
	clk.Set(due)
	// Tick all three at once, round after round, until a round claims
	// nothing; each tick claims at most BatchSize (4), so this takes
	// several rounds of real contention.
	for round := 0; ; round++ {
		if round > jobs {
			t.Fatal("jobs still being claimed after more rounds than jobs")
		}
		var wg sync.WaitGroup
		results := make([]schedule.Result, len(scheds))
		errs := make([]error, len(scheds))
		for i, s := range scheds {
			wg.Go(func() { results[i], errs[i] = s.Tick(t.Context()) })
		}
		wg.Wait()
		claimed := 0
		for i := range scheds {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			claimed += results[i].Claimed
		}
		if claimed == 0 {
			break
		}
	}
	for i := range jobs {
		id := fmt.Sprintf("job-%02d", i)
		if n := rec.times(id); n != 1 {
			t.Errorf("%s handled %d times, want 1", id, n)
		}
		if _, ok, err := scheds[0].Lookup(t.Context(), id); err != nil || ok {
			t.Errorf("%s still stored after completion (ok=%v, err=%v)", id, ok, err)
		}
	}
	// Long after, with every lease long lapsed, nothing fires again.
	clk.Advance(24 * time.Hour)
	for _, s := range scheds {
		if res := tick(t, s); res.Claimed != 0 {
			t.Fatalf("a completed job was claimed again: %+v", res)
		}
	}
}

func TestNotBeforeDue(t *testing.T) {
	due := time.Date(2016, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		now   time.Time
		fired bool
	}{
		{"an hour early", due.Add(-time.Hour), false},
		{"a millisecond early", due.Add(-time.Millisecond), false},
		{"exactly due", due, true},
		{"a day late", due.Add(24 * time.Hour), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ks := redistest.New(t)
			clk := newClock()
			rec := newRecorder()
			s := newScheduler(t, c, ks, clk, rec.handle)
			if err := s.Schedule(t.Context(), "plan", due, []byte("payload")); err != nil {
				t.Fatal(err)
			}
			clk.Set(tc.now)
			res := tick(t, s)
			if got := rec.times("plan") == 1; got != tc.fired {
				t.Fatalf("fired = %v, want %v (result %+v)", got, tc.fired, res)
			}
			if tc.fired {
				j := rec.job("plan")
				if !j.Due.Equal(due) || string(j.Payload) != "payload" || j.Attempt != 1 {
					t.Fatalf("job = %+v, want due %v, payload %q, attempt 1", j, due, "payload")
				}
			}
		})
	}
}

func TestRescheduleMovesTheJob(t *testing.T) {
	first := time.Date(2016, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		moved time.Time
	}{
		{"later (a deadline extended)", first.Add(90 * 24 * time.Hour)},
		{"earlier", first.Add(-time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ks := redistest.New(t)
			clk := newClock()
			clk.Set(first.Add(-2 * time.Hour))
			rec := newRecorder()
			s := newScheduler(t, c, ks, clk, rec.handle)
			if err := s.Schedule(t.Context(), "plan", first, []byte("v1")); err != nil {
				t.Fatal(err)
			}
			if err := s.Schedule(t.Context(), "plan", tc.moved, []byte("v2")); err != nil {
				t.Fatal(err)
			}
			j, ok, err := s.Lookup(t.Context(), "plan")
			if err != nil || !ok || !j.Due.Equal(tc.moved) || string(j.Payload) != "v2" {
				t.Fatalf("Lookup = %+v, %v, %v; want due %v payload v2", j, ok, err, tc.moved)
			}
			// Just before the new due time nothing fires, even if the old
			// one has passed.
			clk.Set(tc.moved.Add(-time.Millisecond))
			tick(t, s)
			if n := rec.times("plan"); n != 0 {
				t.Fatalf("fired %d times before its new due time", n)
			}
			clk.Set(tc.moved)
			tick(t, s)
			if n := rec.times("plan"); n != 1 {
				t.Fatalf("fired %d times at its new due time, want 1", n)
			}
			if j := rec.job("plan"); string(j.Payload) != "v2" || !j.Due.Equal(tc.moved) {
				t.Fatalf("handled %+v, want the rescheduled job", j)
			}
		})
	}
}

func TestScheduled(t *testing.T) {
	c, ks := redistest.New(t)
	clk := newClock()
	s := newScheduler(t, c, ks, clk, func(context.Context, schedule.Job) error { return errors.New("keep it claimed") })
	pending, claimed := clk.Now().Add(time.Hour), clk.Now()
	if err := s.Schedule(t.Context(), "pending", pending, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Schedule(t.Context(), "claimed", claimed, nil); err != nil {
		t.Fatal(err)
	}
	tick(t, s)
	got, err := s.Scheduled(t.Context(), "pending", "claimed", "unknown")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got["pending"].Equal(pending) || !got["claimed"].Equal(claimed) {
		t.Fatalf("Scheduled = %v, want pending at %v and claimed at %v", got, pending, claimed)
	}
	if got, err := s.Scheduled(t.Context()); err != nil || len(got) != 0 {
		t.Fatalf("Scheduled() = %v, %v; want nothing", got, err)
	}
}

func TestCancel(t *testing.T) {
	c, ks := redistest.New(t)
	clk := newClock()
	rec := newRecorder()
	s := newScheduler(t, c, ks, clk, rec.handle)
	due := clk.Now().Add(time.Hour)
	for _, id := range []string{"kept", "cancelled"} {
		if err := s.Schedule(t.Context(), id, due, nil); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := s.Cancel(t.Context(), "cancelled"); err != nil || !ok {
		t.Fatalf("Cancel = %v, %v; want true", ok, err)
	}
	if ok, err := s.Cancel(t.Context(), "cancelled"); err != nil || ok {
		t.Fatalf("second Cancel = %v, %v; want false", ok, err)
	}
	if ok, err := s.Cancel(t.Context(), "never-scheduled"); err != nil || ok {
		t.Fatalf("Cancel of an unknown job = %v, %v; want false", ok, err)
	}
	clk.Set(due)
	tick(t, s)
	if rec.times("cancelled") != 0 || rec.times("kept") != 1 {
		t.Fatalf("handled %v, want only kept", rec.count)
	}
}

// TestCancelWhileClaimed cancels a job whose handler is running: the handler
// finishes, and the job is never handled again.
func TestCancelWhileClaimed(t *testing.T) {
	c, ks := redistest.New(t)
	clk := newClock()
	var s *schedule.Scheduler
	runs := 0
	s = newScheduler(t, c, ks, clk, func(ctx context.Context, j schedule.Job) error {
		runs++
		if _, err := s.Cancel(ctx, j.ID); err != nil {
			return err
		}
		return errors.New("failed after the cancel")
	})
	if err := s.Schedule(t.Context(), "plan", clk.Now(), nil); err != nil {
		t.Fatal(err)
	}
	tick(t, s)
	clk.Advance(2 * lease)
	if res := tick(t, s); res.Claimed != 0 || runs != 1 {
		t.Fatalf("after cancel: result %+v, runs %d; want nothing claimed, 1 run", res, runs)
	}
}

// TestFailedJobIsRetriedAfterTheLease covers the ways a handler can leave a
// job unfinished: an error, a panic, a context cancelled under it (the
// replica stopping mid-job). The job is retried only once its lease lapses.
func TestFailedJobIsRetriedAfterTheLease(t *testing.T) {
	for _, tc := range []struct {
		name string
		// fail is the first attempt's handler; cancel ends the tick's context.
		fail func(ctx context.Context, cancel context.CancelFunc) error
	}{
		{"error", func(context.Context, context.CancelFunc) error { return errors.New("redis timeout") }},
		{"panic", func(context.Context, context.CancelFunc) error { panic("handler bug") }},
		{"context cancelled", func(ctx context.Context, cancel context.CancelFunc) error {
			cancel()
			<-ctx.Done()
			return ctx.Err()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ks := redistest.New(t)
			clk := newClock()
			var mu sync.Mutex
			var attempts []int64
			var cancelFirst context.CancelFunc
			s := newScheduler(t, c, ks, clk, func(ctx context.Context, j schedule.Job) error {
				mu.Lock()
				attempts = append(attempts, j.Attempt)
				n := len(attempts)
				mu.Unlock()
				if n == 1 {
					return tc.fail(ctx, cancelFirst)
				}
				return nil
			})
			due := clk.Now()
			if err := s.Schedule(t.Context(), "plan", due, nil); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			cancelFirst = cancel
			res, err := s.Tick(ctx)
			cancel()
			if err != nil || res.Claimed != 1 || res.Failed != 1 || res.Done != 0 {
				t.Fatalf("first tick = %+v, %v; want 1 claimed, 1 failed", res, err)
			}
			if j, ok, err := s.Lookup(t.Context(), "plan"); err != nil || !ok || j.Attempt != 1 {
				t.Fatalf("after failure Lookup = %+v, %v, %v; want the job, attempt 1", j, ok, err)
			}
			// While the lease runs, nobody claims it.
			clk.Set(due.Add(lease - time.Millisecond))
			if res := tick(t, s); res.Claimed != 0 {
				t.Fatalf("claimed during the lease: %+v", res)
			}
			clk.Set(due.Add(lease))
			if res := tick(t, s); res.Claimed != 1 || res.Done != 1 {
				t.Fatalf("after the lease = %+v; want the job claimed and done", res)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(attempts) != 2 || attempts[0] != 1 || attempts[1] != 2 {
				t.Fatalf("attempts = %v, want [1 2]", attempts)
			}
		})
	}
}

// TestRestartFiresPendingJobs builds new Schedulers, on new connections,
// over the schedule an earlier one left: a job never claimed fires when due,
// and a job claimed by a replica that died mid-job fires after its lease.
func TestRestartFiresPendingJobs(t *testing.T) {
	c, ks := redistest.New(t)
	clk := newClock()
	due := clk.Now().Add(time.Hour)
	died := newScheduler(t, c, ks, clk, func(context.Context, schedule.Job) error {
		return errors.New("the process died before finishing")
	})
	if err := died.Schedule(t.Context(), "claimed-then-died", due, []byte("a")); err != nil {
		t.Fatal(err)
	}
	clk.Set(due)
	if res := tick(t, died); res.Claimed != 1 {
		t.Fatalf("first replica claimed %d jobs, want 1", res.Claimed)
	}
	if err := died.Schedule(t.Context(), "never-claimed", due.Add(lease/2), []byte("b")); err != nil {
		t.Fatal(err)
	}

	// A new process: new client, new Scheduler, same Redis and keyspace.
	rdb, err := store.Open(t.Context(), redistest.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	rec := newRecorder()
	restarted := newScheduler(t, rdb, ks, clk, rec.handle)

	clk.Set(due.Add(lease / 2))
	tick(t, restarted)
	if rec.times("never-claimed") != 1 {
		t.Fatal("the never-claimed job did not fire after the restart")
	}
	if rec.times("claimed-then-died") != 0 {
		t.Fatal("the dead replica's job fired while its lease ran")
	}
	clk.Set(due.Add(lease))
	tick(t, restarted)
	if rec.times("claimed-then-died") != 1 {
		t.Fatal("the dead replica's job did not fire after its lease")
	}
	if j := rec.job("claimed-then-died"); !j.Due.Equal(due) || string(j.Payload) != "a" || j.Attempt != 2 {
		t.Fatalf("retried job = %+v, want its original due time, payload and attempt 2", j)
	}
}

// TestRescheduleWhileRunning reschedules a job from inside its own handler,
// as an extension granted while the deadline fires would: the running
// handler's completion must not remove the new schedule.
func TestRescheduleWhileRunning(t *testing.T) {
	c, ks := redistest.New(t)
	clk := newClock()
	due := clk.Now()
	later := due.Add(30 * 24 * time.Hour)
	var s *schedule.Scheduler
	var seen []time.Time
	s = newScheduler(t, c, ks, clk, func(ctx context.Context, j schedule.Job) error {
		seen = append(seen, j.Due)
		if len(seen) == 1 {
			return s.Schedule(ctx, j.ID, later, nil)
		}
		return nil
	})
	if err := s.Schedule(t.Context(), "plan", due, nil); err != nil {
		t.Fatal(err)
	}
	if res := tick(t, s); res.Claimed != 1 || res.Done != 0 {
		t.Fatalf("first tick = %+v; want claimed, not completed (it was rescheduled)", res)
	}
	if j, ok, err := s.Lookup(t.Context(), "plan"); err != nil || !ok || !j.Due.Equal(later) {
		t.Fatalf("Lookup = %+v, %v, %v; want it pending at %v", j, ok, err, later)
	}
	clk.Set(later)
	if res := tick(t, s); res.Done != 1 {
		t.Fatalf("at the new due time = %+v; want it done", res)
	}
	if len(seen) != 2 || !seen[1].Equal(later) {
		t.Fatalf("handled at %v, want twice, the second at %v", seen, later)
	}
}

// TestLateCompletionAfterTakeover: a replica overruns its lease, another
// claims the job and completes it, then the first finishes. The first's
// completion is a no-op and the job is gone.
func TestLateCompletionAfterTakeover(t *testing.T) {
	c, ks := redistest.New(t)
	clk := newClock()
	due := clk.Now()
	started, release := make(chan struct{}), make(chan struct{})
	slow := newScheduler(t, c, ks, clk, func(context.Context, schedule.Job) error {
		close(started)
		<-release
		return nil
	})
	rec := newRecorder()
	fast := newScheduler(t, c, ks, clk, rec.handle)
	if err := slow.Schedule(t.Context(), "plan", due, nil); err != nil {
		t.Fatal(err)
	}
	done := make(chan schedule.Result, 1)
	go func() {
		res, err := slow.Tick(t.Context())
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	<-started
	clk.Set(due.Add(lease))
	if res := tick(t, fast); res.Done != 1 {
		t.Fatalf("takeover tick = %+v; want the job done", res)
	}
	close(release)
	if res := <-done; res.Claimed != 1 || res.Done != 0 {
		t.Fatalf("slow replica's tick = %+v; want its completion ignored", res)
	}
	if _, ok, err := fast.Lookup(t.Context(), "plan"); err != nil || ok {
		t.Fatalf("job still stored: %v, %v", ok, err)
	}
}

func TestBatchesInDueOrder(t *testing.T) {
	c, ks := redistest.New(t)
	clk := newClock()
	var order []string
	s := newScheduler(t, c, ks, clk, func(_ context.Context, j schedule.Job) error {
		order = append(order, j.ID)
		return nil
	})
	base := clk.Now()
	// Scheduled out of order; due one minute apart, job-0 first.
	for _, i := range []int{5, 2, 0, 4, 1, 3} {
		if err := s.Schedule(t.Context(), fmt.Sprintf("job-%d", i), base.Add(time.Duration(i)*time.Minute), nil); err != nil {
			t.Fatal(err)
		}
	}
	clk.Set(base.Add(time.Hour))
	if res := tick(t, s); res.Claimed != 4 {
		t.Fatalf("first tick claimed %d, want the batch size 4", res.Claimed)
	}
	if res := tick(t, s); res.Claimed != 2 {
		t.Fatalf("second tick claimed %d, want the remaining 2", res.Claimed)
	}
	want := []string{"job-0", "job-1", "job-2", "job-3", "job-4", "job-5"}
	if fmt.Sprint(order) != fmt.Sprint(want) {
		t.Fatalf("order = %v, want %v", order, want)
	}
}

// TestRun drives Run with a fake clock: the job fires once it is due, and
// Run returns when its context ends.
func TestRun(t *testing.T) {
	c, ks := redistest.New(t)
	clk := newClock()
	rec := newRecorder()
	s, err := schedule.New(c, ks, schedule.Options{
		Name: "deadlines", Handler: rec.handle, Now: clk.Now, Interval: 10 * time.Millisecond, Logger: quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	due := clk.Now().Add(time.Hour)
	if err := s.Schedule(t.Context(), "plan", due, nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	stopped := make(chan error, 1)
	go func() { stopped <- s.Run(ctx) }()
	clk.Set(due)
	deadline := time.Now().Add(10 * time.Second)
	for rec.times("plan") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("Run did not handle the due job within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := s.Run(ctx); err == nil {
		t.Fatal("a second Run on a running Scheduler did not fail")
	}
	cancel()
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("Run returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if n := rec.times("plan"); n != 1 {
		t.Fatalf("handled %d times, want 1", n)
	}
}
