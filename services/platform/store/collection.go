package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/proto"
)

// Codec converts an aggregate to and from its stored form. Decode receives
// the record's version, which the aggregate carries as its etag.
type Codec[T any] struct {
	Encode func(T) ([]byte, error)
	Decode func(data []byte, version int64) (T, error)
}

// ProtoCodec is the one stored form of every aggregate: the protobuf
// message M, which to and from convert. Protobuf keeps unknown fields and
// tolerates added ones, so records outlive the code that wrote them.
func ProtoCodec[T any, M proto.Message](newM func() M, to func(T) M, from func(m M, version int64) (T, error)) Codec[T] {
	return Codec[T]{
		Encode: func(v T) ([]byte, error) {
			b, err := proto.MarshalOptions{Deterministic: true}.Marshal(to(v))
			if err != nil {
				return nil, fmt.Errorf("store: encode %T: %w", v, err)
			}
			return b, nil
		},
		Decode: func(data []byte, version int64) (T, error) {
			m := newM()
			if err := proto.Unmarshal(data, m); err != nil {
				var zero T
				return zero, fmt.Errorf("store: decode %T: %w", zero, err)
			}
			return from(m, version)
		},
	}
}

// JSONCodec is the stored form of records that operators read with
// redis-cli or that belong to no API resource (read models): the value as
// JSON. setVersion, when not nil, gives a decoded value the version it was
// read at.
func JSONCodec[T any](setVersion func(v *T, version int64)) Codec[T] {
	return Codec[T]{
		Encode: func(v T) ([]byte, error) { return json.Marshal(v) },
		Decode: func(b []byte, version int64) (T, error) {
			var v T
			err := json.Unmarshal(b, &v)
			if setVersion != nil {
				setVersion(&v, version)
			}
			return v, err
		},
	}
}

// Collection is a typed view of the records of one kind of aggregate: reads
// decode with the codec, writes encode with it, and list reads take an index
// and its records in a fixed number of round trips whatever their number.
// A store package is then its keys, its codec and its indexes; the
// transaction, versions, outbox, audit and idempotency are the Store's.
type Collection[T any] struct {
	st       *Store
	codec    Codec[T]
	notFound error
}

// NewCollection returns the collection of aggregates stored with codec.
// Get reports a missing record as notFound, the domain's sentinel.
func NewCollection[T any](st *Store, codec Codec[T], notFound error) *Collection[T] {
	return &Collection[T]{st: st, codec: codec, notFound: notFound}
}

// Store returns the store the collection reads and commits through.
func (c *Collection[T]) Store() *Store { return c.st }

// Get reads and decodes the aggregate under key.
func (c *Collection[T]) Get(ctx context.Context, key string) (T, error) {
	var zero T
	rec, err := c.st.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return zero, c.notFound
	}
	if err != nil {
		return zero, err
	}
	return c.codec.Decode(rec.Data, rec.Version)
}

// GetNamed reads the aggregate under key, which what names (its resource
// name, e.g. "sponsor sponsors/acme"): the domain's not-found error when
// there is none, any other failure wrapped with "get" and what.
func (c *Collection[T]) GetNamed(ctx context.Context, key, what string) (T, error) {
	v, err := c.Get(ctx, key)
	if err != nil && !errors.Is(err, c.notFound) {
		var zero T
		return zero, fmt.Errorf("get %s: %w", what, err)
	}
	return v, err
}

// GetMany reads and decodes the aggregates under keys in one pipelined
// round trip, in the order of keys, leaving out keys that hold nothing (an
// index entry whose record is gone or not yet committed).
func (c *Collection[T]) GetMany(ctx context.Context, keys []string) ([]T, error) {
	recs, err := c.st.GetMany(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(recs))
	for _, r := range recs {
		v, ok, err := c.decoded(r)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// decoded is the aggregate r holds, and false when r holds nothing.
func (c *Collection[T]) decoded(r Record) (T, bool, error) {
	var zero T
	if !r.Exists() {
		return zero, false, nil
	}
	v, err := c.codec.Decode(r.Data, r.Version)
	if err != nil {
		return zero, false, fmt.Errorf("store: record %s: %w", r.Key, err)
	}
	return v, true, nil
}

// Put is the Write that stores v under key, expecting the record at
// version ifVersion (MustNotExist, AnyVersion or a version read).
func (c *Collection[T]) Put(key string, v T, ifVersion int64) (Write, error) {
	b, err := c.codec.Encode(v)
	if err != nil {
		return Write{}, err
	}
	return Write{Key: key, Data: b, IfVersion: ifVersion}, nil
}

// Commit commits m, which writes v, and returns v; a failure is wrapped
// with what the change was, e.g. "create sponsor sponsors/acme".
func (c *Collection[T]) Commit(ctx context.Context, m Mutation, v T, what string) (T, error) {
	if _, err := c.st.Commit(ctx, m); err != nil {
		var zero T
		return zero, fmt.Errorf("%s: %w", what, err)
	}
	return v, nil
}

// Members reads every aggregate whose member is in the set setKey, keyed by
// keyOf(member), in two round trips, ordered by member; a set of IDs thus
// lists its aggregates in ID order.
func (c *Collection[T]) Members(ctx context.Context, setKey string, keyOf func(member string) string) ([]T, error) {
	members, err := c.st.c.SMembers(ctx, setKey).Result()
	if err != nil {
		return nil, fmt.Errorf("store: members of %s: %w", setKey, err)
	}
	slices.Sort(members)
	return c.GetMany(ctx, keysOf(members, keyOf))
}

// Range reads the aggregates ranked start to stop (inclusive, zero-based;
// stop -1 is the last) in the sorted set indexKey, lowest score first or,
// with reverse, highest first, and the number of members of the index: two
// round trips whatever the page size.
func (c *Collection[T]) Range(ctx context.Context, indexKey string, start, stop int64, reverse bool, keyOf func(member string) string) ([]T, int64, error) {
	var rng *redis.StringSliceCmd
	var card *redis.IntCmd
	_, err := c.st.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		if reverse {
			rng = p.ZRevRange(ctx, indexKey, start, stop)
		} else {
			rng = p.ZRange(ctx, indexKey, start, stop)
		}
		card = p.ZCard(ctx, indexKey)
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: range %s: %w", indexKey, err)
	}
	out, err := c.GetMany(ctx, keysOf(rng.Val(), keyOf))
	return out, card.Val(), err
}

// RangeEach reads several sorted-set indexes whole, in one pipeline, then
// every record they list in one more: two round trips however many indexes
// and records there are. It returns, per index in the order given, the
// aggregates it lists in index order, leaving out members whose record
// holds nothing; keyOf(i, member) is the record key of a member of index i.
func (c *Collection[T]) RangeEach(ctx context.Context, indexKeys []string, keyOf func(i int, member string) string) ([][]T, error) {
	out := make([][]T, len(indexKeys))
	if len(indexKeys) == 0 {
		return out, nil
	}
	rngs := make([]*redis.StringSliceCmd, len(indexKeys))
	_, err := c.st.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range indexKeys {
			rngs[i] = p.ZRange(ctx, k, 0, -1)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: range %d indexes: %w", len(indexKeys), err)
	}
	var keys []string
	owner := map[string]int{}
	for i, r := range rngs {
		for _, m := range r.Val() {
			k := keyOf(i, m)
			owner[k] = i
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return out, nil
	}
	recs, err := c.st.GetMany(ctx, keys)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		v, ok, err := c.decoded(r)
		if err != nil {
			return nil, err
		}
		if ok {
			out[owner[r.Key]] = append(out[owner[r.Key]], v)
		}
	}
	return out, nil
}

func keysOf(members []string, keyOf func(string) string) []string {
	keys := make([]string, len(members))
	for i, m := range members {
		keys[i] = keyOf(m)
	}
	return keys
}
