package store

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// ReasonUnavailable is the ErrorInfo reason of every request that failed
// because Redis could not be reached or refused to serve for now (refused or
// dropped connections, timeouts, a paused server, a loading replica, a
// failover in progress). Clients may retry it after RetryAfter; with a
// request_id a retried write is never applied twice.
const ReasonUnavailable = "STORE_UNAVAILABLE"

// RetryAfter is the wait suggested to callers of a request that failed
// because the store was unavailable: long enough for a Sentinel failover
// step or a restart to make progress, short enough not to matter to people.
const RetryAfter = time.Second

// unavailablePrefixes are the Redis error replies that mean "not now" rather
// than "never": retrying later can succeed without any change to the request.
var unavailablePrefixes = []string{
	"LOADING",     // the server is loading its data set into memory
	"CLUSTERDOWN", // the cluster is not serving the slot (yet)
	"TRYAGAIN",    // a multi-key operation during resharding
	"READONLY",    // written to a replica: a failover is in progress
	"MASTERDOWN",  // a replica lost its primary and serve-stale-data is off
	"NOREPLICAS",  // min-replicas-to-write is not met
	"MISCONF",     // the server refuses writes after a failed snapshot
	"BUSY",        // a script is running past lua-time-limit
	"ERR max number of clients reached",
}

// Unavailable reports whether err (or any error it wraps) is a failure to
// reach or be served by Redis that a later retry may cure: connection
// refused, reset or dropped, network timeouts (a hung or paused server),
// the connection pool timing out, a closed client during shutdown, no
// reachable Sentinel, the reply prefixes in unavailablePrefixes, and a write
// that did not reach the replicas wait_replicas asks for. Anything else,
// including Redis refusing a malformed command, is a bug and stays INTERNAL.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, redis.ErrClosed) || errors.Is(err, redis.ErrPoolTimeout) ||
		errors.Is(err, redis.ErrPoolExhausted) || errors.Is(err, ErrNotReplicated) {
		return true
	}
	for _, errno := range []syscall.Errno{
		syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE,
		syscall.ETIMEDOUT, syscall.EHOSTUNREACH, syscall.ENETUNREACH,
	} {
		if errors.Is(err, errno) {
			return true
		}
	}
	// A server that dies mid-reply closes the connection under the reader.
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return true
	}
	// context.DeadlineExceeded is a net.Error too, but a caller's own
	// deadline is DEADLINE_EXCEEDED, not an outage; a socket deadline
	// (os.ErrDeadlineExceeded) or a timed-out dial is the store's.
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() && !errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var redisErr redis.Error
	if errors.As(err, &redisErr) {
		msg := redisErr.Error()
		for _, p := range unavailablePrefixes {
			if strings.HasPrefix(msg, p) {
				return true
			}
		}
		return false
	}
	// go-redis reports unreachable Sentinels with a plain error.
	return strings.Contains(err.Error(), "redis: all sentinels specified in configuration are unreachable")
}
