package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
)

// Record hash fields. A record is a Redis hash so that its data and version
// change together in one HSET and can be read together in one HMGET.
const (
	fieldData    = "data"
	fieldVersion = "v"
)

// DefaultIdempotencyTTL is how long a request_id is remembered (AIP-155
// suggests at least a day, so that client retries across outages replay).
const DefaultIdempotencyTTL = 24 * time.Hour

// ErrNotFound is returned by Get when no record exists under the key. It is
// a NOT_FOUND fault so that an unmapped use still reaches callers correctly;
// handlers usually replace it with a fault naming the resource.
var ErrNotFound = fault.NotFound("NOT_FOUND", "the resource does not exist")

// ErrConflict is returned by Commit and Update when a record's version is not
// the one the write expected, or a concurrent request with the same
// request_id committed first. It surfaces as ABORTED with reason
// ETAG_MISMATCH: the caller re-reads and retries.
var ErrConflict = change.ErrConflict

// Store reads and writes versioned records, their indexes, outbox events,
// audit entries and idempotency records on one Redis (standalone, Sentinel or
// Cluster). It is safe for concurrent use.
type Store struct {
	c              redis.UniversalClient
	blocking       redis.UniversalClient // blocking stream reads; nil means c
	ks             keyspace.Keyspace
	idempotencyTTL time.Duration
	// registered remembers outboxes already in the registry set.
	registered sync.Map
	// replication is how many replicas each commit waits for (replication.go).
	replication Replication
	// tracker, when set, lets caches answer a list again from memory
	// (tracker.go).
	tracker *Tracker
}

// Option configures a Store.
type Option func(*Store)

// WithIdempotencyTTL sets how long idempotency records live. Values of zero
// or less keep DefaultIdempotencyTTL.
func WithIdempotencyTTL(d time.Duration) Option {
	return func(s *Store) {
		if d > 0 {
			s.idempotencyTTL = d
		}
	}
}

// WithBlockingClient gives blocking stream reads (event consumers, live
// event streams) a client of their own, such as OpenBlocking returns, so that
// they never hold the connections requests need.
func WithBlockingClient(c redis.UniversalClient) Option {
	return func(s *Store) { s.blocking = c }
}

// WithTracker lets the Store's caches answer a list they answered before
// from memory while t has seen no write to its keys (see Tracker). A nil t
// changes nothing.
func WithTracker(t *Tracker) Option {
	return func(s *Store) { s.tracker = t }
}

// New returns a Store over c whose keys live in ks.
func New(c redis.UniversalClient, ks keyspace.Keyspace, opts ...Option) *Store {
	s := &Store{c: c, ks: ks, idempotencyTTL: DefaultIdempotencyTTL}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Client returns the Redis client, for reads the Store does not wrap (index
// range queries, for example).
func (s *Store) Client() redis.UniversalClient { return s.c }

// BlockingClient returns the client for blocking stream reads: the one
// WithBlockingClient gave, or Client.
func (s *Store) BlockingClient() redis.UniversalClient {
	if s.blocking != nil {
		return s.blocking
	}
	return s.c
}

// Keyspace returns the keyspace the Store's keys live in.
func (s *Store) Keyspace() keyspace.Keyspace { return s.ks }

// IdempotencyTTL returns how long idempotency records live.
func (s *Store) IdempotencyTTL() time.Duration { return s.idempotencyTTL }

// Record is one stored resource: its protobuf encoding and its version. The
// version starts at 1 on create and grows by one on every write.
type Record struct {
	Key     string
	Data    []byte
	Version int64
}

// Exists reports whether the record was found. GetMany and Update hand out
// records with version 0 for keys that hold nothing.
func (r Record) Exists() bool { return r.Version > 0 }

// Etag is the record's version rendered as an etag.
func (r Record) Etag() string { return Etag(r.Version) }

// Get reads the record under key. It returns an error wrapping ErrNotFound
// when there is none.
func (s *Store) Get(ctx context.Context, key string) (Record, error) {
	vals, err := s.c.HMGet(ctx, key, fieldData, fieldVersion).Result()
	if err != nil {
		return Record{}, fmt.Errorf("store: get %s: %w", key, err)
	}
	r, err := recordFrom(key, vals)
	if err != nil {
		return Record{}, err
	}
	if !r.Exists() {
		return Record{}, fmt.Errorf("store: get %s: %w", key, ErrNotFound)
	}
	return r, nil
}

// GetMany reads the records under keys in one pipelined round trip (per
// cluster node), for list pages. The result is aligned with keys; a key that
// holds nothing yields a Record with version 0, so that a page whose index
// briefly points at a deleted record can skip it.
func (s *Store) GetMany(ctx context.Context, keys []string) ([]Record, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.SliceCmd, len(keys))
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.HMGet(ctx, k, fieldData, fieldVersion)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: get %d records: %w", len(keys), err)
	}
	out := make([]Record, len(keys))
	for i, cmd := range cmds {
		r, err := recordFrom(keys[i], cmd.Val())
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}

// recordFrom decodes an HMGET data v reply. A missing version means no record.
func recordFrom(key string, vals []any) (Record, error) {
	r := Record{Key: key}
	if len(vals) != 2 || vals[1] == nil {
		return r, nil
	}
	v, err := strconv.ParseInt(fmt.Sprint(vals[1]), 10, 64)
	if err != nil {
		return Record{}, fmt.Errorf("store: record %s: version: %w", key, err)
	}
	r.Version = v
	if d, ok := vals[0].(string); ok {
		r.Data = []byte(d)
	}
	return r, nil
}

// Etag renders a version as an opaque, quoted etag (`"7"`), the form HTTP
// uses. Versions below 1 mean "no record" and render as "".
func Etag(version int64) string { return change.Format(version) }

// ParseEtag reads an etag that Etag produced. An empty etag means the caller
// did not ask for a check (AIP-154 makes etags optional) and yields
// AnyVersion. Anything else that Etag could not have produced is an
// INVALID_ARGUMENT fault on the field "etag".
func ParseEtag(s string) (int64, error) { return ParseEtagField("etag", s) }

// ParseEtagField is ParseEtag for an etag carried in another request field,
// such as "inspection.etag" in an Update request, so the field violation
// names the right path.
func ParseEtagField(field, s string) (int64, error) {
	if s == "" {
		return AnyVersion, nil
	}
	bad := fault.Invalid("INVALID_ETAG", fault.Violation{Field: field, Description: "is not an etag this service issued"})
	// Accept a weak prefix as HTTP intermediaries may add one; a version
	// check is all the etag is used for.
	if len(s) > 2 && s[:2] == "W/" {
		s = s[2:]
	}
	if len(s) < 3 || s[0] != '"' || s[len(s)-1] != '"' {
		return 0, bad
	}
	unq := s[1 : len(s)-1]
	v, err := strconv.ParseInt(unq, 10, 64)
	if err != nil || v < 1 || strconv.FormatInt(v, 10) != unq {
		return 0, bad
	}
	return v, nil
}

// isNil reports whether err is go-redis's "no value" reply.
func isNil(err error) bool { return errors.Is(err, redis.Nil) }
