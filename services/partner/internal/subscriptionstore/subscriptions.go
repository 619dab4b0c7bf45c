// Package subscriptionstore keeps webhook subscriptions in Redis, through
// the platform store.
//
// Keys:
//
//	{webhook:ID}:subscription  the subscription (a record: stored form and version)
//	{webhooks}:index           a set of every subscription ID
//
// As with sponsors, a create adds the ID to the index first and commits the
// record second, so a crash between leaves an index entry without a record,
// which readers skip; a delete commits first and leaves the index second.
//
// The stored form is JSON of the domain type: it holds the owner's roles
// and the signing secret, which the API message never carries after the
// create.
package subscriptionstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/turnaround-sli/turnaround/services/partner/internal/subscription"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Methods named in the audit trail.
const (
	methodCreate = "/turnaround.partner.v1.PartnerEventsService/CreateWebhookSubscription"
	methodUpdate = "/turnaround.partner.v1.PartnerEventsService/UpdateWebhookSubscription"
	methodDelete = "/turnaround.partner.v1.PartnerEventsService/DeleteWebhookSubscription"
)

// IndexTag is the hash tag of the index of every subscription.
const IndexTag = "webhooks"

// Tag is the hash tag of subscription id.
func Tag(id string) string { return "webhook:" + id }

// Codec is the stored form: JSON of the domain type, the version aside.
var Codec = store.Codec[subscription.Subscription]{
	Encode: func(s subscription.Subscription) ([]byte, error) {
		s.Version = 0
		return json.Marshal(s)
	},
	Decode: func(data []byte, version int64) (subscription.Subscription, error) {
		var s subscription.Subscription
		if err := json.Unmarshal(data, &s); err != nil {
			return s, fmt.Errorf("decode webhook subscription: %w", err)
		}
		s.Version = version
		return s, nil
	},
}

// Subscriptions stores subscriptions. It implements subscription.Storer.
type Subscriptions struct {
	all *store.Collection[subscription.Subscription]
}

var _ subscription.Storer = (*Subscriptions)(nil)

// New returns the store over st.
func New(st *store.Store) *Subscriptions {
	return &Subscriptions{all: store.NewCollection(st, Codec, subscription.ErrNotFound)}
}

func (s *Subscriptions) st() *store.Store { return s.all.Store() }

// Key is the record key of subscription id.
func (s *Subscriptions) Key(id string) string { return s.st().Keyspace().Key(Tag(id), "subscription") }

func (s *Subscriptions) indexKey() string { return s.st().Keyspace().Key(IndexTag, "index") }

// Get implements subscription.Storer.
func (s *Subscriptions) Get(ctx context.Context, id string) (subscription.Subscription, error) {
	return s.all.GetNamed(ctx, s.Key(id), subscription.Name(id))
}

// All implements subscription.Storer.
func (s *Subscriptions) All(ctx context.Context) ([]subscription.Subscription, error) {
	out, err := s.all.Members(ctx, s.indexKey(), s.Key)
	if err != nil {
		return nil, fmt.Errorf("list webhook subscriptions: %w", err)
	}
	return out, nil
}

// Replay implements subscription.Storer.
func (s *Subscriptions) Replay(ctx context.Context, id string, r change.Request) (subscription.Subscription, bool, error) {
	return s.all.Replay(ctx, Tag(id), r)
}

// Insert implements subscription.Storer.
func (s *Subscriptions) Insert(ctx context.Context, sub subscription.Subscription, r change.Request) (subscription.Subscription, error) {
	if !resource.ValidID(sub.ID) {
		return subscription.Subscription{}, fmt.Errorf("create webhook subscription: invalid id %q", sub.ID)
	}
	sub.Version = 1
	m, err := s.mutation(sub, store.MustNotExist, r, methodCreate)
	if err != nil {
		return subscription.Subscription{}, err
	}
	m.Listings = []store.IndexOp{store.SAdd(s.indexKey(), sub.ID)}
	return s.all.Commit(ctx, m, sub, "create "+sub.Name())
}

// Save implements subscription.Storer.
func (s *Subscriptions) Save(ctx context.Context, sub subscription.Subscription, r change.Request) (subscription.Subscription, error) {
	read := sub.Version
	sub.Version++
	m, err := s.mutation(sub, read, r, methodUpdate)
	if err != nil {
		return subscription.Subscription{}, err
	}
	return s.all.Commit(ctx, m, sub, "update "+sub.Name())
}

// Delete implements subscription.Storer.
func (s *Subscriptions) Delete(ctx context.Context, sub subscription.Subscription, r change.Request) error {
	audited := r.WithMethod(methodDelete)
	key := s.Key(sub.ID)
	m := store.Mutation{
		Tag:    Tag(sub.ID),
		Writes: []store.Write{{Key: key, IfVersion: sub.Version, Delete: true}},
		Audit:  []store.AuditEntry{store.AuditFor(audited, sub.Name(), key)},
	}
	if _, err := s.st().Commit(ctx, m); err != nil {
		return fmt.Errorf("delete %s: %w", sub.Name(), err)
	}
	if err := s.st().Client().SRem(ctx, s.indexKey(), sub.ID).Err(); err != nil {
		return fmt.Errorf("delete %s: index: %w", sub.Name(), err)
	}
	return nil
}

func (s *Subscriptions) mutation(sub subscription.Subscription, read int64, r change.Request, method string) (store.Mutation, error) {
	return s.all.Change(sub, store.Saved{
		Tag: Tag(sub.ID), Key: s.Key(sub.ID), Name: sub.Name(),
		Read: read, Version: sub.Version, Method: method,
	}, r)
}
