package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

// TestBlockingReadsLeaveRequestsTheirConnections holds every connection of a
// two-connection pool in blocking stream reads, as a suite's event consumers
// do, and then reads a record. On one shared pool the read waits out the pool
// timeout and fails; with WithBlockingClient it is served at once.
func TestBlockingReadsLeaveRequestsTheirConnections(t *testing.T) {
	_, ks := redistest.New(t)
	ctx := context.Background()
	small, err := store.Open(ctx, withQuery(redistest.URL(), "pool_size=2&pool_timeout=300ms"))
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	blocking, err := store.OpenBlocking(ctx, redistest.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer blocking.Close()
	// One hash tag, so that on a cluster the stream and the record share a
	// node and so a pool.
	stream, record := ks.Key("blocking", "stream"), ks.Key("blocking", "record")

	for _, tc := range []struct {
		name    string
		st      *store.Store
		starved bool
	}{
		{"one shared pool", store.New(small, ks), true},
		{"a pool for blocking reads", store.New(small, ks, store.WithBlockingClient(blocking)), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var wg sync.WaitGroup
			for range 2 {
				wg.Go(func() {
					_ = tc.st.BlockingClient().XRead(ctx, &redis.XReadArgs{
						Streams: []string{stream, "$"}, Block: 1500 * time.Millisecond,
					}).Err()
				})
			}
			defer wg.Wait()
			if !waitFor(func() bool {
				s := tc.st.BlockingClient().PoolStats()
				return s.TotalConns-s.IdleConns >= 2
			}) {
				t.Fatal("the blocking reads never held two connections")
			}
			_, err := tc.st.Get(ctx, record)
			switch {
			case tc.starved && !errors.Is(err, redis.ErrPoolTimeout):
				t.Errorf("Get with every connection in a blocking read: %v, want a pool timeout", err)
			case !tc.starved && !errors.Is(err, store.ErrNotFound):
				t.Errorf("Get beside blocking reads on their own pool: %v, want not found", err)
			}
		})
	}
}

// TestOpenBlockingPoolSize checks the blocking client's pool: BlockingPoolSize
// unless REDIS_URL names one.
func TestOpenBlockingPoolSize(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		query string
		want  int
	}{
		{"", store.BlockingPoolSize},
		{"pool_size=7", 7},
	} {
		c, err := store.OpenBlocking(ctx, withQuery(redistest.URL(), tc.query))
		if err != nil {
			t.Fatal(err)
		}
		var got int
		switch cc := c.(type) {
		case *redis.Client:
			got = cc.Options().PoolSize
		case *redis.ClusterClient:
			got = cc.Options().PoolSize
		}
		_ = c.Close()
		if got != tc.want {
			t.Errorf("OpenBlocking with %q: pool size %d, want %d", tc.query, got, tc.want)
		}
	}
}

func withQuery(url, query string) string {
	switch {
	case query == "":
		return url
	case strings.Contains(url, "?"):
		return url + "&" + query
	}
	return url + "?" + query
}

func waitFor(ok func() bool) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if ok() {
			return true
		}
	}
	return false
}
