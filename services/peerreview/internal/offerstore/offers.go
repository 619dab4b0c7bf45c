// Package offerstore keeps support offers in Redis, through the platform
// store. An offer lives under its council's hash tag, beside the council's
// other peer-review records and its outbox, so one transaction commits an
// offer, its index entry, the record of the judgement or review that caused
// it, the SupportOfferCreated event, the audit entry and the idempotency
// record.
//
// Keys, all under keyspace.CouncilTag(gss):
//
//	{la:GSS}:supportOffer:{id}    the offer (a record: stored form and version)
//	{la:GSS}:supportOffers        a set of the council's offer IDs
//	{la:GSS}:supportOfferCause:{kind}:{id}
//	                              a record holding the ID of the offer that
//	                              the inspection's judgement or the peer
//	                              review (kind "inspection" or "peerReview")
//	                              created or upgraded; written once, so each
//	                              cause changes offers once
//
// Lists across councils read the 152 index sets in one pipeline and the
// records in a second, so a list costs two round trips however many
// councils and offers there are.
package offerstore

import (
	"context"
	"errors"
	"fmt"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offer"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Topic is the event topic SupportOfferCreated goes to.
const Topic = "peerreview"

// Offers stores support offers. It implements offer.Storer.
type Offers struct {
	st *store.Store
	*records
}

var _ offer.Storer = (*Offers)(nil)

// records is the collection of support offer records, whose reads and replay
// the store answers with.
type records = store.CouncilCollection[offer.Offer]

// New returns the offer store over st, keeping each offer in the stored
// form codec gives it.
func New(st *store.Store, codec store.Codec[offer.Offer]) *Offers {
	return &Offers{st: st, records: store.NewCouncilCollection(st, codec, offer.ErrNotFound, store.CouncilKeys{Record: "supportOffer", Index: "supportOffers", Name: offer.Name})}
}

func (s *Offers) ks() keyspace.Keyspace { return s.st.Keyspace() }

func (s *Offers) causeKey(c offer.Cause) string {
	return s.ks().Key(keyspace.CouncilTag(c.GSSCode), "supportOfferCause", string(c.Kind), c.ID)
}

// ForCouncil returns the council gss's offers, newest first: what other
// parts of the service read to see a council's support.
func (s *Offers) ForCouncil(ctx context.Context, gss string) ([]offer.Offer, error) {
	all, err := s.List(ctx, gss)
	if err != nil {
		return nil, err
	}
	offer.SortNewestFirst(all)
	return all, nil
}

// Insert implements offer.Storer: the record (which must not exist), its
// index entry, SupportOfferCreated, the audit entry and the idempotency
// record, in one commit.
func (s *Offers) Insert(ctx context.Context, o offer.Offer, r change.Request) (offer.Offer, error) {
	o.Version = 1
	m, err := s.mutation(ctx, o, store.MustNotExist, r, peerreviewv1.PeerReviewService_CreateSupportOffer_FullMethodName, true)
	if err != nil {
		return offer.Offer{}, err
	}
	return s.records.Commit(ctx, m, o, "create support offer "+o.Name())
}

// Save implements offer.Storer.
func (s *Offers) Save(ctx context.Context, o offer.Offer, r change.Request) (offer.Offer, error) {
	read := o.Version
	o.Version++
	m, err := s.mutation(ctx, o, read, r, peerreviewv1.PeerReviewService_UpdateSupportOffer_FullMethodName, false)
	if err != nil {
		return offer.Offer{}, err
	}
	return s.records.Commit(ctx, m, o, "update support offer "+o.Name())
}

// Caused implements offer.Storer.
func (s *Offers) Caused(ctx context.Context, c offer.Cause) (string, bool, error) {
	rec, err := s.st.Get(ctx, s.causeKey(c))
	if errors.Is(err, store.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read the offer answering %s %s: %w", c.Kind, c.ID, err)
	}
	return string(rec.Data), true, nil
}

// SaveEscalation implements offer.Storer: the offer (new, or over the
// version read), the cause's record (which must not exist: a second answer
// to the same judgement or review conflicts and commits nothing),
// SupportOfferCreated and the audit entry, in one commit. A request that
// names no method is audited as CreateSupportOffer or UpdateSupportOffer,
// the RPC whose effect it has.
func (s *Offers) SaveEscalation(ctx context.Context, o offer.Offer, created bool, c offer.Cause, r change.Request) (offer.Offer, error) {
	if c.GSSCode != o.GSSCode {
		return offer.Offer{}, fmt.Errorf("answer %s %s of %s with an offer to %s: councils differ", c.Kind, c.ID, c.GSSCode, o.GSSCode)
	}
	read := o.Version
	method := peerreviewv1.PeerReviewService_UpdateSupportOffer_FullMethodName
	if created {
		read = store.MustNotExist
		method = peerreviewv1.PeerReviewService_CreateSupportOffer_FullMethodName
		o.Version = 1
	} else {
		o.Version++
	}
	// Escalations are kept single by their cause, not by a request ID: the
	// request carries no hash, so no idempotency record is written.
	m, err := s.mutation(ctx, o, read, change.Request{Subject: r.Subject, Roles: r.Roles, Method: r.Method, RequestID: r.RequestID}, method, true)
	if err != nil {
		return offer.Offer{}, err
	}
	m.Writes = append(m.Writes, store.Write{Key: s.causeKey(c), Data: []byte(o.ID), IfVersion: store.MustNotExist})
	return s.records.Commit(ctx, m, o, fmt.Sprintf("answer %s %s with support offer %s", c.Kind, c.ID, o.Name()))
}

// mutation is the commit of o (at its new version) over the version read:
// the record, its audit entry, for a new offer its index entry, with
// announce the SupportOfferCreated event, and for a request with an ID and
// a hash (an API call that asked for idempotency) the idempotency record
// replaying o.
func (s *Offers) mutation(ctx context.Context, o offer.Offer, read int64, r change.Request, method string, announce bool) (store.Mutation, error) {
	key := s.records.RecordKey(o.GSSCode, o.ID)
	w, err := s.records.Put(key, o, read)
	if err != nil {
		return store.Mutation{}, err
	}
	// Only an API call asks for idempotency: it carries a request hash. The
	// idempotency scope is computed from the request alone, as Replay
	// computes it; only the audit entry falls back to method.
	var idem *store.IdempotencyRecord
	if r.RequestHash != nil {
		if idem, err = s.records.Idempotency(r, o, o.Version); err != nil {
			return store.Mutation{}, err
		}
	}
	m := store.Mutation{
		Tag:         keyspace.CouncilTag(o.GSSCode),
		Writes:      []store.Write{w},
		Audit:       []store.AuditEntry{store.AuditFor(r.WithMethod(method), o.Name(), key)},
		Idempotency: idem,
	}
	if read == store.MustNotExist {
		m.Index = []store.IndexOp{s.records.Indexed(o.GSSCode, o.ID)}
	}
	if announce {
		ev, err := events.NewEvent(ctx, Topic, o.Name(), &eventsv1.SupportOfferCreated{
			SupportOffer:   o.Name(),
			LocalAuthority: resource.CouncilName(o.GSSCode),
			Tier:           string(o.Tier),
		})
		if err != nil {
			return store.Mutation{}, fmt.Errorf("announce support offer %s: %w", o.Name(), err)
		}
		m.Events = []events.Event{ev}
	}
	return m, nil
}
