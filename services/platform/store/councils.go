package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// CouncilMembers returns the record keys, recordKey(gss, id), of the IDs in
// the council's index set, indexKey(gss), or in every council's when gss
// is resource.AllCouncils, in one pipeline of SMEMBERS. Each index set is
// read on its own, so no command spans two hash tags and the read works
// unchanged on Redis Cluster.
func (s *Store) CouncilMembers(ctx context.Context, gss string, indexKey func(gss string) string, recordKey func(gss, id string) string) ([]string, error) {
	codes := []string{gss}
	if gss == resource.AllCouncils {
		codes = codes[:0]
		for _, c := range reference.Councils() {
			codes = append(codes, c.GSSCode)
		}
	}
	cmds := make([]*redis.StringSliceCmd, len(codes))
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, code := range codes {
			cmds[i] = p.SMembers(ctx, indexKey(code))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var keys []string
	for i, cmd := range cmds {
		for _, id := range cmd.Val() {
			keys = append(keys, recordKey(codes[i], id))
		}
	}
	return keys, nil
}

// InCouncils returns the records a council's index set lists, or every
// council's when gss is resource.AllCouncils, in two round trips
// (CouncilMembers, then GetMany), in no particular order.
func (c *Collection[T]) InCouncils(ctx context.Context, gss string, indexKey func(gss string) string, recordKey func(gss, id string) string) ([]T, error) {
	keys, err := c.st.CouncilMembers(ctx, gss, indexKey, recordKey)
	if err != nil {
		return nil, err
	}
	return c.GetMany(ctx, keys)
}

// CouncilKeys file the records of a collection whose records belong to
// councils, each under its council's hash tag (keyspace.CouncilTag): record
// id of council gss under {tag}:<Record>:{id}, the set of the council's
// record IDs under {tag}:<Index>.
type CouncilKeys struct {
	// Record is the key segment of a record, e.g. "supportOffer".
	Record string
	// Index is the key segment of a council's index set, e.g.
	// "supportOffers".
	Index string
	// Name is the resource name of record id of council gss, which
	// errors name.
	Name func(gss, id string) string
}

// CouncilCollection is a Collection whose records belong to councils:
// their keys, and the reads and the replay every such store answers its
// domain's Storer with (usecase.CouncilRecords), written once. A store
// embeds it beside the writes that are its own.
type CouncilCollection[T any] struct {
	*Collection[T]
	keys CouncilKeys
}

// NewCouncilCollection returns the collection of aggregates stored with
// codec under keys; Get reports a missing record as notFound, the domain's
// sentinel.
func NewCouncilCollection[T any](st *Store, codec Codec[T], notFound error, keys CouncilKeys) *CouncilCollection[T] {
	return &CouncilCollection[T]{Collection: NewCollection(st, codec, notFound), keys: keys}
}

// RecordKey is the key of record id of the council gss.
func (c *CouncilCollection[T]) RecordKey(gss, id string) string {
	return c.st.ks.Key(keyspace.CouncilTag(gss), c.keys.Record, id)
}

// IndexKey is the key of the set of the council gss's record IDs.
func (c *CouncilCollection[T]) IndexKey(gss string) string {
	return c.st.ks.Key(keyspace.CouncilTag(gss), c.keys.Index)
}

// Indexed is the index operation that lists record id in its council's
// index set, for the mutation that creates the record.
func (c *CouncilCollection[T]) Indexed(gss, id string) IndexOp { return SAdd(c.IndexKey(gss), id) }

// Get reads record id of council gss: the domain's not-found error when
// there is none, any other failure wrapped with the record's name.
func (c *CouncilCollection[T]) Get(ctx context.Context, gss, id string) (T, error) {
	return c.GetNamed(ctx, c.RecordKey(gss, id), c.keys.Name(gss, id))
}

// GetCached is Get through the cache ca (see Cache.Get): the record
// decoded only when it changed since ca last read it, or, with a Tracker,
// answered from memory while its key has not changed.
func (c *CouncilCollection[T]) GetCached(ctx context.Context, ca *Cache[T], gss, id string) (T, error) {
	v, err := ca.Get(ctx, c.RecordKey(gss, id))
	if err != nil && !errors.Is(err, c.notFound) {
		var zero T
		return zero, fmt.Errorf("get %s: %w", c.keys.Name(gss, id), err)
	}
	return v, err
}

// List reads the council gss's records, or every council's when gss is
// resource.AllCouncils, in no particular order, in two round trips (see
// InCouncils).
func (c *CouncilCollection[T]) List(ctx context.Context, gss string) ([]T, error) {
	out, err := c.InCouncils(ctx, gss, c.IndexKey, c.RecordKey)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", c.IndexKey(gss), err)
	}
	return out, nil
}

// ListCached is List through ca, a cache over this collection: each
// record as last committed, decoded only when it changed since ca last
// read it, still in two round trips.
func (c *CouncilCollection[T]) ListCached(ctx context.Context, ca *Cache[T], gss string) ([]T, error) {
	out, err := ca.InCouncils(ctx, gss, c.IndexKey, c.RecordKey)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", c.IndexKey(gss), err)
	}
	return out, nil
}

// Replay returns the record a previous request with r's request_id in the
// council gss committed, if any. Request IDs are scoped by method and
// caller (change.Request.Scope).
func (c *CouncilCollection[T]) Replay(ctx context.Context, gss string, r change.Request) (T, bool, error) {
	return c.Collection.Replay(ctx, keyspace.CouncilTag(gss), r)
}

// Pointed reads the record of the council gss whose ID the record under
// key holds (a marker, such as the council's review under way or the plan
// a judgement opened), and false when key holds nothing.
func (c *CouncilCollection[T]) Pointed(ctx context.Context, gss, key string) (T, bool, error) {
	var zero T
	rec, err := c.st.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return zero, false, nil
	}
	if err != nil {
		return zero, false, err
	}
	v, err := c.Get(ctx, gss, string(rec.Data))
	if err != nil {
		return zero, false, err
	}
	return v, true, nil
}
