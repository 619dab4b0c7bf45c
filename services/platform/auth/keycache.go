package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// maxJWKSBytes bounds a fetched key set; real ones are a few KiB.
const maxJWKSBytes = 1 << 20

// keySource reads the raw bytes of a JWKS.
type keySource interface {
	read(ctx context.Context) ([]byte, error)
}

// fileSource reads a JWKS file. Re-reading it on refresh picks up a mounted
// secret that was rotated in place.
type fileSource struct{ path string }

func (s fileSource) read(context.Context) ([]byte, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return nil, fmt.Errorf("open JWKS file: %w", err)
	}
	defer f.Close()
	return readLimited(f)
}

// urlSource fetches a JWKS over HTTP(S).
type urlSource struct {
	url    string
	client *http.Client
}

func (s urlSource) read(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, fmt.Errorf("build JWKS request: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// Drain a little so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("fetch JWKS: HTTP status %s", resp.Status)
	}
	return readLimited(resp.Body)
}

func readLimited(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read JWKS: %w", err)
	}
	if len(b) > maxJWKSBytes {
		return nil, fmt.Errorf("JWKS is larger than %d bytes", maxJWKSBytes)
	}
	return b, nil
}

// keyCache holds the current key set and refreshes it from its source when
// a token names an unknown kid (key rotation) or the set is older than
// maxAge (key revocation). Refreshes are serialised and rate-limited so a
// flood of tokens with made-up kids cannot hammer the identity provider.
type keyCache struct {
	src          keySource
	fetchTimeout time.Duration
	minRefresh   time.Duration
	maxAge       time.Duration

	current atomic.Pointer[keySet]

	mu          sync.Mutex // serialises refreshes; guards lastAttempt
	lastAttempt time.Time  // last refresh, successful or not
}

var errUnknownKey = errors.New("no key with the token's kid")

// keys returns the keys that may verify a token with the given kid and alg.
func (c *keyCache) keys(ctx context.Context, kid, alg string) ([]jwt.VerificationKey, error) {
	set := c.current.Load()
	if set != nil && time.Since(set.fetchedAt) <= c.maxAge {
		if keys, found := set.lookup(kid, alg); found {
			return keysOrMismatch(keys, alg)
		}
	}
	// Unknown kid, stale set, or nothing loaded yet: refresh if the rate
	// limit allows, then look again in whatever set we now hold.
	refreshErr := c.refresh(ctx, false)
	set = c.current.Load()
	if set == nil {
		return nil, &fault.Error{
			Kind:    fault.KindUnavailable,
			Reason:  ReasonKeysUnavailable,
			Message: "token signing keys are unavailable; retry later",
			Err:     refreshErr,
		}
	}
	keys, found := set.lookup(kid, alg)
	if !found {
		return nil, errUnknownKey
	}
	return keysOrMismatch(keys, alg)
}

func keysOrMismatch(keys []jwt.VerificationKey, alg string) ([]jwt.VerificationKey, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("no %s key matches the token", alg)
	}
	return keys, nil
}

// refresh reloads the key set. Unless force is set it does nothing when the
// last attempt was under minRefresh ago, which also lets callers that queued
// behind a refresh reuse its result. A failed refresh keeps the previous set:
// an identity provider's outage should not lock every caller out.
func (c *keyCache) refresh(ctx context.Context, force bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !force && !c.lastAttempt.IsZero() && time.Since(c.lastAttempt) < c.minRefresh {
		return errors.New("key refresh is rate-limited")
	}
	c.lastAttempt = time.Now()
	// The fetch outlives a caller that gives up, so one impatient request
	// cannot spend the rate limit on a fetch it cancelled.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.fetchTimeout)
	defer cancel()
	data, err := c.src.read(fctx)
	if err != nil {
		return err
	}
	set, err := parseJWKS(data)
	if err != nil {
		return err
	}
	set.fetchedAt = time.Now()
	c.current.Store(set)
	return nil
}
