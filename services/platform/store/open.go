// Package store is the one way Turnaround talks to Redis: the client from
// REDIS_URL, hash-tagged keys, check-and-set writes whose version is the
// resource's etag, the transactional outbox, request_id idempotency and the
// audit trail.
package store

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
)

// Open connects to the Redis that rawURL names and instruments the client
// with OpenTelemetry tracing and metrics. Accepted forms:
//
//	redis://[user:pass@]host:port[/db]            standalone (rediss:// for TLS)
//	redis-sentinel://[user:pass@]h1:p1,h2:p2/master[?db=N]
//	redis-cluster://[user:pass@]h1:p1,h2:p2,...
//
// Every form accepts ?pool_size=N (connections per node).
//
// Open pings the server; the caller closes the client.
func Open(ctx context.Context, rawURL string) (redis.UniversalClient, error) {
	opts, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	c := redis.NewUniversalClient(opts)
	if err := redisotel.InstrumentTracing(c); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("store: instrument tracing: %w", err)
	}
	if err := redisotel.InstrumentMetrics(c); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("store: instrument metrics: %w", err)
	}
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("store: ping %s: %w", redactURL(rawURL), err)
	}
	return c, nil
}

// ParseURL turns a REDIS_URL into UniversalOptions. The options select a
// standalone, Sentinel or Cluster client.
func ParseURL(rawURL string) (*redis.UniversalOptions, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("store: REDIS_URL: %w", err)
	}
	switch u.Scheme {
	case "redis", "rediss":
		o, err := redis.ParseURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("store: REDIS_URL: %w", err)
		}
		return &redis.UniversalOptions{
			Addrs: []string{o.Addr}, DB: o.DB, Username: o.Username, Password: o.Password, TLSConfig: o.TLSConfig,
			PoolSize: o.PoolSize,
		}, nil
	case "redis-sentinel":
		master := strings.Trim(u.Path, "/")
		if master == "" {
			return nil, fmt.Errorf("store: REDIS_URL: redis-sentinel:// needs the master name as its path")
		}
		opts := &redis.UniversalOptions{Addrs: hosts(u), MasterName: master}
		setAuth(u, opts)
		if err := setPoolSize(u, opts); err != nil {
			return nil, err
		}
		if db := u.Query().Get("db"); db != "" {
			n, err := strconv.Atoi(db)
			if err != nil {
				return nil, fmt.Errorf("store: REDIS_URL: db %q: %w", db, err)
			}
			opts.DB = n
		}
		return opts, nil
	case "redis-cluster":
		opts := &redis.UniversalOptions{Addrs: hosts(u), IsClusterMode: true}
		setAuth(u, opts)
		if err := setPoolSize(u, opts); err != nil {
			return nil, err
		}
		return opts, nil
	}
	return nil, fmt.Errorf("store: REDIS_URL: unsupported scheme %q (redis, rediss, redis-sentinel, redis-cluster)", u.Scheme)
}

// setPoolSize applies the URL's pool_size, as go-redis does for redis://:
// writes hold a connection across WATCH ... EXEC, so busy services may need
// more than the default of ten per CPU.
func setPoolSize(u *url.URL, o *redis.UniversalOptions) error {
	v := u.Query().Get("pool_size")
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return fmt.Errorf("store: REDIS_URL: pool_size %q: want a positive integer", v)
	}
	o.PoolSize = n
	return nil
}

func hosts(u *url.URL) []string {
	var out []string
	for _, h := range strings.Split(u.Host, ",") {
		if h != "" {
			out = append(out, h)
		}
	}
	return out
}

func setAuth(u *url.URL, o *redis.UniversalOptions) {
	if u.User == nil {
		return
	}
	o.Username = u.User.Username()
	o.Password, _ = u.User.Password()
	if o.Password == "" && o.Username != "" {
		o.Password, o.Username = o.Username, ""
	}
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = url.User("***")
	return u.String()
}
