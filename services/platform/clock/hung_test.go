package clock_test

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/platform/clock"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// TestNowDoesNotWaitOutAHungRedis: on a Redis that accepts connections and
// never answers (as a paused server does), the first Now waits for its read
// to fail, as a clock that has never read its offset must; a later Now,
// once the offset is stale, keeps the last offset instead of waiting out
// the command timeout again, which a request would then spend twice.
func TestNowDoesNotWaitOutAHungRedis(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		held []net.Conn
	)
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c) // read nothing, answer nothing
			mu.Unlock()
		}
	}()
	const timeout = 2 * time.Second
	rdb := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), ReadTimeout: timeout, WriteTimeout: timeout, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	c := clock.New(store.New(rdb, keyspace.Keyspace{Prefix: "hung"}), clock.Options{Base: fixed, Movable: true, CacheFor: time.Millisecond})

	began := time.Now()
	if got := c.Now(); !got.Equal(base) {
		t.Errorf("first Now = %v, want the base time %v", got, base)
	}
	if took := time.Since(began); took < timeout/2 {
		t.Fatalf("the first Now took %s: it did not wait for its read", took)
	}
	time.Sleep(5 * time.Millisecond)
	began = time.Now()
	if got := c.Now(); !got.Equal(base) {
		t.Errorf("later Now = %v, want the last offset's time %v", got, base)
	}
	if took := time.Since(began); took >= timeout/2 {
		t.Errorf("a later Now took %s on a hung Redis, want far less than its %s timeout", took, timeout)
	}
}
