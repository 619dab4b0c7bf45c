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
	"time"

	"github.com/redis/go-redis/v9"
)

// Open connects to the Redis that rawURL names and instruments the client
// with OpenTelemetry tracing and metrics. Accepted forms:
//
//	redis://[user:pass@]host:port[/db]            standalone (rediss:// for TLS)
//	redis-sentinel://[user:pass@]h1:p1,h2:p2/master[?db=N]
//	redis-cluster://[user:pass@]h1:p1,h2:p2,...
//
// Every form accepts ?pool_size=N (connections per node), the per-command
// timeouts dial_timeout, read_timeout, write_timeout and pool_timeout (Go
// durations such as 1s or 500ms), max_retries, and the durability options
// wait_replicas and wait_timeout (see ParseReplication, used by the caller
// for store.New). Without them a command fails after DefaultCommandTimeout
// and is not retried, so a hung or paused Redis fails a request in about a
// second instead of blocking it.
//
// Open pings the server; the caller closes the client.
func Open(ctx context.Context, rawURL string) (redis.UniversalClient, error) {
	opts, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return connect(ctx, rawURL, opts)
}

// BlockingPoolSize is the connection pool of the client OpenBlocking returns,
// per node: each event consumer and each live event stream holds one of its
// connections for the length of a blocking read.
const BlockingPoolSize = 256

// OpenBlocking connects like Open, with a pool of its own for blocking stream
// reads (XREADGROUP and XREAD with BLOCK), sized BlockingPoolSize per node
// unless REDIS_URL sets pool_size. Keeping those reads off the requests'
// client means a request never waits for a connection a consumer holds: with
// one pool, a suite's score of consumers left a few connections for every
// request, and while Redis hung a request waited out the pool timeout before
// its own command timed out.
func OpenBlocking(ctx context.Context, rawURL string) (redis.UniversalClient, error) {
	opts, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if opts.PoolSize == 0 { // REDIS_URL named none
		opts.PoolSize = BlockingPoolSize
	}
	return connect(ctx, rawURL, opts)
}

// connect builds the instrumented client for opts and pings the server.
func connect(ctx context.Context, rawURL string, opts *redis.UniversalOptions) (redis.UniversalClient, error) {
	c := redis.NewUniversalClient(opts)
	if err := instrument(c, opts.Addrs[0]); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("store: instrument: %w", err)
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
	opts, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(rawURL) // parseURL parsed it already
	if err := setTimeouts(u.Query(), opts); err != nil {
		return nil, err
	}
	if _, err := ParseReplication(rawURL); err != nil {
		return nil, err
	}
	return opts, nil
}

func parseURL(rawURL string) (*redis.UniversalOptions, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("store: REDIS_URL: %w", err)
	}
	switch u.Scheme {
	case "redis", "rediss":
		// go-redis refuses options it does not know, and the timeouts are
		// applied alike for every scheme by setTimeouts.
		q := u.Query()
		for _, k := range ownOptions {
			q.Del(k)
		}
		stripped := *u
		stripped.RawQuery = q.Encode()
		o, err := redis.ParseURL(stripped.String())
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
// a commit is one round trip now, but a busy service with slow commands may
// still need more than the default of ten connections per CPU.
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

// DefaultCommandTimeout bounds dialling, writing a command and reading its
// reply when REDIS_URL does not say otherwise. Blocking commands (XREADGROUP
// BLOCK and the like) get their block time on top.
const DefaultCommandTimeout = time.Second

// ownOptions are the REDIS_URL query options this package reads itself.
var ownOptions = []string{
	"dial_timeout", "read_timeout", "write_timeout", "pool_timeout", "max_retries",
	"wait_replicas", "wait_timeout",
}

// setTimeouts applies the per-command timeouts and retries of q, or the
// defaults: DefaultCommandTimeout for dial, read, write and the wait for a
// pooled connection, and no retries, since a retry after a timeout doubles
// the time a caller waits on a hung server. (go-redis would wait for a
// connection for the read timeout plus a second: with the consumers' blocking
// reads holding connections while Redis hangs, a request then waited two
// seconds for a connection before its own second.)
// max_retries=N allows N retries (they still help with a connection the
// server closed).
func setTimeouts(q url.Values, o *redis.UniversalOptions) error {
	durations := []struct {
		name string
		dst  *time.Duration
		def  time.Duration
	}{
		{"dial_timeout", &o.DialTimeout, DefaultCommandTimeout},
		{"read_timeout", &o.ReadTimeout, DefaultCommandTimeout},
		{"write_timeout", &o.WriteTimeout, DefaultCommandTimeout},
		{"pool_timeout", &o.PoolTimeout, DefaultCommandTimeout},
	}
	for _, d := range durations {
		*d.dst = d.def
		v := q.Get(d.name)
		if v == "" {
			continue
		}
		t, err := time.ParseDuration(v)
		if err != nil || t <= 0 {
			return fmt.Errorf("store: REDIS_URL: %s %q: want a positive duration such as 1s or 500ms", d.name, v)
		}
		*d.dst = t
	}
	o.MaxRetries = -1 // go-redis: -1 is no retries, 0 would mean its default of three
	if v := q.Get("max_retries"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("store: REDIS_URL: max_retries %q: want a non-negative integer", v)
		}
		if n > 0 {
			o.MaxRetries = n
		}
	}
	return nil
}

// ParseReplication reads the durability options of REDIS_URL:
// wait_replicas=N makes every commit wait (Redis WAIT) until N replicas
// acknowledged it, at most wait_timeout (default DefaultWaitTimeout), and
// fail UNAVAILABLE otherwise. Without it replication is asynchronous, and a
// failover may lose writes the primary had already acknowledged.
func ParseReplication(rawURL string) (Replication, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return Replication{}, fmt.Errorf("store: REDIS_URL: %w", err)
	}
	q := u.Query()
	var r Replication
	if v := q.Get("wait_replicas"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return Replication{}, fmt.Errorf("store: REDIS_URL: wait_replicas %q: want a non-negative integer", v)
		}
		r.Replicas = n
	}
	if v := q.Get("wait_timeout"); v != "" {
		t, err := time.ParseDuration(v)
		if err != nil || t <= 0 {
			return Replication{}, fmt.Errorf("store: REDIS_URL: wait_timeout %q: want a positive duration such as 500ms", v)
		}
		r.Timeout = t
	}
	if r.Replicas > 0 && r.Timeout == 0 {
		r.Timeout = DefaultWaitTimeout
	}
	return r, nil
}
