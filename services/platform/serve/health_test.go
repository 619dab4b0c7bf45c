package serve

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

// redisTarget lets the test swap which Redis the health check pings.
type redisTarget struct{ client redis.UniversalClient }

func TestHealthFollowsRedis(t *testing.T) {
	live, _ := redistest.New(t)
	// Nothing listens on port 1: a real client whose PING really fails.
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = dead.Close() })

	var target atomic.Pointer[redisTarget]
	target.Store(&redisTarget{live})
	check := func(ctx context.Context) error { return target.Load().client.Ping(ctx).Err() }

	const named = "turnaround.test.v1.Probe"
	health := NewHealth(check, 50*time.Millisecond, named)
	h := start(t, harnessConfig{register: health.Register})
	client := healthpb.NewHealthClient(h.conn)

	statusOf := func(service string) healthpb.HealthCheckResponse_ServingStatus {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		resp, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
		if err != nil {
			t.Fatalf("Check(%q): %v", service, err)
		}
		return resp.GetStatus()
	}
	waitAll := func(want healthpb.HealthCheckResponse_ServingStatus) {
		t.Helper()
		for _, s := range []string{"", named} {
			eventually(t, "status of "+s+" to become "+want.String(), func() bool { return statusOf(s) == want })
		}
	}

	// Before the first check nothing may claim to be serving.
	for _, s := range []string{"", named} {
		if got := statusOf(s); got != healthpb.HealthCheckResponse_NOT_SERVING {
			t.Fatalf("status of %q before Run = %v, want NOT_SERVING", s, got)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan struct{})
	go func() {
		health.Run(ctx)
		close(ran)
	}()

	steps := []struct {
		name   string
		client redis.UniversalClient
		want   healthpb.HealthCheckResponse_ServingStatus
	}{
		{"redis reachable", live, healthpb.HealthCheckResponse_SERVING},
		{"redis unreachable", dead, healthpb.HealthCheckResponse_NOT_SERVING},
		{"redis back", live, healthpb.HealthCheckResponse_SERVING},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			target.Store(&redisTarget{st.client})
			waitAll(st.want)
		})
	}

	// Shutdown wins for good, even though the check still passes.
	health.Shutdown()
	select {
	case <-ran:
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after Shutdown")
	}
	for _, s := range []string{"", named} {
		if got := statusOf(s); got != healthpb.HealthCheckResponse_NOT_SERVING {
			t.Errorf("status of %q after Shutdown = %v, want NOT_SERVING", s, got)
		}
	}
	health.Shutdown() // a second call must be harmless
}

func TestHealthRunStopsWithContext(t *testing.T) {
	var calls atomic.Int64
	health := NewHealth(func(context.Context) error { calls.Add(1); return nil }, 10*time.Millisecond)

	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() {
		health.Run(ctx)
		close(ran)
	}()
	eventually(t, "a few checks", func() bool { return calls.Load() >= 3 })
	cancel()
	select {
	case <-ran:
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}

// TestHealthFlipsOnHungCheck: a check blocked on a paused dependency that
// ignores its context still turns the status NOT_SERVING within about two
// intervals, and SERVING again one interval after the dependency answers.
func TestHealthFlipsOnHungCheck(t *testing.T) {
	var hung atomic.Bool
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	check := func(context.Context) error {
		if hung.Load() {
			<-release // ignores ctx, like a client stuck on a SIGSTOPped server
		}
		return nil
	}
	const interval = 200 * time.Millisecond
	health := NewHealth(check, interval)
	h := start(t, harnessConfig{register: health.Register})
	client := healthpb.NewHealthClient(h.conn)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go health.Run(ctx)

	statusOf := func() healthpb.HealthCheckResponse_ServingStatus {
		resp, err := client.Check(context.Background(), &healthpb.HealthCheckRequest{})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetStatus()
	}
	waitFor := func(want healthpb.HealthCheckResponse_ServingStatus, within time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		for statusOf() != want {
			if time.Since(start) > within {
				t.Fatalf("status not %v within %s", want, within)
			}
			time.Sleep(10 * time.Millisecond)
		}
		return time.Since(start)
	}
	waitFor(healthpb.HealthCheckResponse_SERVING, 5*time.Second)
	hung.Store(true)
	t.Logf("NOT_SERVING after %s", waitFor(healthpb.HealthCheckResponse_NOT_SERVING, 3*interval))
	hung.Store(false)
	t.Logf("SERVING after %s", waitFor(healthpb.HealthCheckResponse_SERVING, 3*interval))
}
