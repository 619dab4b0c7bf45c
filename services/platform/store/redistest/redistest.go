// Package redistest gives tests a real Redis connection with a key prefix of
// their own, and removes every key under that prefix when the test ends.
//
// REDIS_URL selects the server (default redis://127.0.0.1:6379). A URL
// starting redis-cluster:// runs the same tests against Redis Cluster.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// URL is the Redis the tests use.
func URL() string {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379"
}

// New connects to the test Redis and returns the client with a fresh prefix.
// The test fails at once if Redis does not answer. Keys under the prefix are
// deleted in t.Cleanup.
func New(t testing.TB) (redis.UniversalClient, keyspace.Keyspace) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := store.Open(ctx, URL())
	if err != nil {
		t.Fatalf("redistest: open %s: %v", URL(), err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	ks := keyspace.Keyspace{Prefix: "test:" + hex.EncodeToString(b) + ":"}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := Purge(ctx, c, ks.Prefix); err != nil {
			t.Errorf("redistest: purge %s: %v", ks.Prefix, err)
		}
		_ = c.Close()
	})
	return c, ks
}

// Purge deletes every key starting with prefix, on every master when the
// client is a cluster client.
func Purge(ctx context.Context, c redis.UniversalClient, prefix string) error {
	del := func(ctx context.Context, n redis.Cmdable) error {
		iter := n.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			if err := n.Del(ctx, iter.Val()).Err(); err != nil {
				return err
			}
		}
		return iter.Err()
	}
	if cc, ok := c.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error { return del(ctx, n) })
	}
	return del(ctx, c)
}
