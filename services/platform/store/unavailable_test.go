package store_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

// fakeRedis serves RESP on a loopback port: every command gets reply, or no
// reply at all when reply is empty (a hung or paused server).
func fakeRedis(t *testing.T, reply string) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lis.Close() })
	go func() {
		for {
			conn, err := lis.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = conn.Close() })
			go serveFake(conn, reply)
		}
	}()
	return lis.Addr().String()
}

func serveFake(conn net.Conn, reply string) {
	rd := bufio.NewReader(conn)
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			return
		}
		n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "*")))
		for range 2 * n { // $len and the argument of each element
			if _, err := rd.ReadString('\n'); err != nil {
				return
			}
		}
		if reply != "" {
			if _, err := conn.Write([]byte(reply)); err != nil {
				return
			}
		}
	}
}

func open(t *testing.T, url string) redis.UniversalClient {
	t.Helper()
	opts, err := store.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewUniversalClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestUnavailableClassifiesRealFailures drives a real go-redis client into
// each failure and checks which ones a retry may cure.
func TestUnavailableClassifiesRealFailures(t *testing.T) {
	ctx := context.Background()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := closed.Addr().String()
	_ = closed.Close()

	for _, tc := range []struct {
		name string
		addr string
	}{
		{"connection refused", refused},
		{"LOADING", fakeRedis(t, "-LOADING Redis is loading the dataset in memory\r\n")},
		{"CLUSTERDOWN", fakeRedis(t, "-CLUSTERDOWN The cluster is down\r\n")},
		{"TRYAGAIN", fakeRedis(t, "-TRYAGAIN Multiple keys request during rehashing of slot\r\n")},
		{"READONLY", fakeRedis(t, "-READONLY You can't write against a read only replica.\r\n")},
		{"MASTERDOWN", fakeRedis(t, "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n")},
		{"NOREPLICAS", fakeRedis(t, "-NOREPLICAS Not enough good replicas to write.\r\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := open(t, "redis://"+tc.addr).Set(ctx, "k", "v", 0).Err()
			if err == nil {
				t.Fatal("no error")
			}
			if !store.Unavailable(fmt.Errorf("handler: %w", err)) {
				t.Fatalf("Unavailable(%v) = false, want true", err)
			}
		})
	}

	t.Run("a real bug stays internal", func(t *testing.T) {
		client, ks := redistest.New(t)
		key := ks.Key("unavailable", "string")
		if err := client.Set(ctx, key, "x", time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		err := client.HSet(ctx, key, "f", "v").Err()
		if err == nil || !strings.HasPrefix(err.Error(), "WRONGTYPE") {
			t.Fatalf("HSET on a string = %v, want WRONGTYPE", err)
		}
		for _, e := range []error{err, errors.New("decode record: bad json"), redis.Nil, redis.TxFailedErr} {
			if store.Unavailable(e) {
				t.Errorf("Unavailable(%v) = true, want false", e)
			}
		}
	})
}

// TestHungRedisFailsWithinASecond: a server that accepts and never answers
// (a paused Redis) fails a command after the default command timeout, once,
// not after several retries of a longer one.
func TestHungRedisFailsWithinASecond(t *testing.T) {
	c := open(t, "redis://"+fakeRedis(t, ""))
	start := time.Now()
	err := c.Get(context.Background(), "k").Err()
	took := time.Since(start)
	if err == nil || !store.Unavailable(err) {
		t.Fatalf("GET on a hung server = %v, want an unavailable error", err)
	}
	// HELLO on connect and the command may each wait one timeout.
	if took > 2*store.DefaultCommandTimeout+500*time.Millisecond {
		t.Fatalf("GET on a hung server took %s, want about %s", took, store.DefaultCommandTimeout)
	}
}

func TestParseURLTimeoutsAndReplication(t *testing.T) {
	o, err := store.ParseURL("redis://127.0.0.1:6379")
	if err != nil {
		t.Fatal(err)
	}
	if o.ReadTimeout != time.Second || o.WriteTimeout != time.Second || o.DialTimeout != time.Second || o.MaxRetries != -1 {
		t.Fatalf("defaults: read %s write %s dial %s retries %d", o.ReadTimeout, o.WriteTimeout, o.DialTimeout, o.MaxRetries)
	}
	for _, u := range []string{
		"redis://127.0.0.1:6379/0?read_timeout=250ms&write_timeout=300ms&dial_timeout=2s&pool_timeout=3s&max_retries=2&wait_replicas=1",
		"redis-sentinel://s1:26379/mymaster?read_timeout=250ms&write_timeout=300ms&dial_timeout=2s&pool_timeout=3s&max_retries=2&wait_replicas=1",
		"redis-cluster://n1:7000?read_timeout=250ms&write_timeout=300ms&dial_timeout=2s&pool_timeout=3s&max_retries=2&wait_replicas=1",
	} {
		o, err := store.ParseURL(u)
		if err != nil {
			t.Fatalf("ParseURL(%q): %v", u, err)
		}
		if o.ReadTimeout != 250*time.Millisecond || o.WriteTimeout != 300*time.Millisecond || o.DialTimeout != 2*time.Second ||
			o.PoolTimeout != 3*time.Second || o.MaxRetries != 2 {
			t.Errorf("%s: read %s write %s dial %s pool %s retries %d", u, o.ReadTimeout, o.WriteTimeout, o.DialTimeout, o.PoolTimeout, o.MaxRetries)
		}
		r, err := store.ParseReplication(u)
		if err != nil || r.Replicas != 1 || r.Timeout != store.DefaultWaitTimeout {
			t.Errorf("%s: replication %+v, %v", u, r, err)
		}
	}
	for _, bad := range []string{
		"redis://h:1?read_timeout=soon", "redis://h:1?read_timeout=-1s", "redis://h:1?max_retries=-2",
		"redis-sentinel://s:1/m?wait_replicas=x", "redis://h:1?wait_replicas=1&wait_timeout=0s",
	} {
		if _, err := store.ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) accepted", bad)
		}
	}
	// Without options every wait, a pooled connection's included, is the
	// command timeout.
	if o, err := store.ParseURL("redis://h:1"); err != nil || o.ReadTimeout != store.DefaultCommandTimeout ||
		o.PoolTimeout != store.DefaultCommandTimeout || o.MaxRetries != -1 {
		t.Errorf("defaults: read %s pool %s retries %d, %v", o.ReadTimeout, o.PoolTimeout, o.MaxRetries, err)
	}
	if r, err := store.ParseReplication("redis://h:1?wait_replicas=2&wait_timeout=2s"); err != nil || r.Replicas != 2 || r.Timeout != 2*time.Second {
		t.Errorf("replication = %+v, %v", r, err)
	}
}

// TestCommitWaitsForReplicas: on a Redis without replicas, a store asking
// for one fails the commit with ErrNotReplicated, which callers see as
// UNAVAILABLE, while the write itself stands on the primary.
func TestCommitWaitsForReplicas(t *testing.T) {
	client, ks := redistest.New(t)
	ctx := context.Background()
	s := store.New(client, ks, store.WithReplication(store.Replication{Replicas: 1, Timeout: 50 * time.Millisecond}))
	key := ks.Key("la:E08000035", "replicated")
	_, err := s.Commit(ctx, store.Mutation{Tag: "la:E08000035", Writes: []store.Write{{Key: key, Data: []byte("x")}}})
	if !errors.Is(err, store.ErrNotReplicated) || !store.Unavailable(err) {
		t.Fatalf("commit without replicas = %v, want ErrNotReplicated", err)
	}
	if n, err := client.Exists(ctx, key).Result(); err != nil || n != 1 {
		t.Fatalf("the write is on the primary: exists = %d, %v", n, err)
	}
	plain := store.New(client, ks)
	if _, err := plain.Commit(ctx, store.Mutation{Tag: "la:E08000035", Writes: []store.Write{{Key: key, Data: []byte("y"), IfVersion: store.AnyVersion}}}); err != nil {
		t.Fatalf("commit without wait_replicas: %v", err)
	}
}

// TestReplayWaitsForReplicas: a retry that replays a stored response is
// acknowledged only when the replicas hold it, like the first attempt.
func TestReplayWaitsForReplicas(t *testing.T) {
	client, ks := redistest.New(t)
	ctx := context.Background()
	plain := store.New(client, ks)
	const tag, scope, rid = "la:E08000035", "Test E08000035", "replay-1"
	key := ks.Key(tag, "replayed")
	if _, err := plain.Commit(ctx, store.Mutation{Tag: tag, Writes: []store.Write{{Key: key, Data: []byte("x"), IfVersion: store.AnyVersion}},
		Idempotency: &store.IdempotencyRecord{Scope: scope, RequestID: rid, RequestHash: []byte("h"), Response: []byte("r")}}); err != nil {
		t.Fatal(err)
	}
	if resp, ok, err := plain.Replay(ctx, tag, scope, rid, []byte("h")); err != nil || !ok || string(resp) != "r" {
		t.Fatalf("replay without wait_replicas = %q %v %v", resp, ok, err)
	}
	waiting := store.New(client, ks, store.WithReplication(store.Replication{Replicas: 1, Timeout: 50 * time.Millisecond}))
	if _, _, err := waiting.Replay(ctx, tag, scope, rid, []byte("h")); !errors.Is(err, store.ErrNotReplicated) {
		t.Fatalf("replay with an absent replica = %v, want ErrNotReplicated", err)
	}
}
