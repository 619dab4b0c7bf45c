// Package reviewstore keeps peer reviews in Redis, through the platform
// store. A review lives under its council's hash tag, beside the council's
// outbox, so a completion commits the review, the PeerReviewCompleted event,
// the audit entry and the idempotency record in one transaction.
//
// Keys, all under keyspace.CouncilTag(gss):
//
//	{la:GSS}:peer-review:{id}        the review (a record: stored form and version)
//	{la:GSS}:peer-reviews            a set of the council's review IDs
//	{la:GSS}:peer-review-under-way   a record holding the ID of the council's
//	                                 review under way, if any
//
// The under-way record is created with the review (and must not exist) and
// deleted when the review is completed or cancelled, in the same commits, so
// two concurrent requests cannot both start a review of one council.
//
// Lists across councils read the 152 index sets in one pipeline and the
// records in a second (through store.Cache: each record's version, and the
// data of only the records that changed since this process last decoded
// them), so All, CommittedDays and Assigned cost two round
// trips however many councils and reviews there are.
package reviewstore

import (
	"context"
	"errors"
	"fmt"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Topic is the event topic PeerReviewCompleted goes to.
const Topic = "peerreview"

// Reviews stores peer reviews. It implements review.Storer, and
// reviewer.OpenAssignments and reviewer.Commitments for the reviewer pool.
type Reviews struct {
	st *store.Store
	*records
	// cached serves List: every list reads every review of the councils
	// it covers, which are decoded only when they changed (store.Cache).
	cached *store.Cache[review.Review]
}

var _ review.Storer = (*Reviews)(nil)

// records is the collection of peer review records, whose reads and replay
// the store answers with.
type records = store.CouncilCollection[review.Review]

// New returns the review store over st, keeping each review in the stored
// form codec gives it.
func New(st *store.Store, codec store.Codec[review.Review]) *Reviews {
	rs := store.NewCouncilCollection(st, codec, review.ErrNotFound, store.CouncilKeys{Record: "peer-review", Index: "peer-reviews", Name: review.Name})
	return &Reviews{st: st, records: rs, cached: store.NewCache(rs.Collection).Copying(review.Review.Clone)}
}

// List implements review.Storer: the council gss's reviews, or every
// council's when gss is review.AllCouncils, in no particular order, in two
// round trips, each review as last committed, decoded only when it changed
// since this process last read it.
func (s *Reviews) List(ctx context.Context, gss string) ([]review.Review, error) {
	return s.records.ListCached(ctx, s.cached, gss)
}

func (s *Reviews) ks() keyspace.Keyspace { return s.st.Keyspace() }

func (s *Reviews) underWayKey(gss string) string {
	return s.ks().Key(keyspace.CouncilTag(gss), "peer-review-under-way")
}

// All returns every council's reviews, in no particular order, in two
// round trips (see List).
func (s *Reviews) All(ctx context.Context) ([]review.Review, error) {
	return s.List(ctx, review.AllCouncils)
}

// CommittedDays maps reviewer IDs (the {id} of reviewers/{id}) to the days
// they have committed to reviews that hold their team's days: scheduled, on
// site or reporting. A reviewer absent from the map has none. It
// implements reviewer.Commitments.
func (s *Reviews) CommittedDays(ctx context.Context) (map[string]int, error) {
	all, err := s.All(ctx)
	if err != nil {
		return nil, err
	}
	return review.CommittedDays(all, ""), nil
}

// Assigned reports whether the reviewer with ID reviewerID is on the team
// of a review under way (neither completed nor cancelled). It implements
// reviewer.OpenAssignments.
func (s *Reviews) Assigned(ctx context.Context, reviewerID string) (bool, error) {
	all, err := s.All(ctx)
	if err != nil {
		return false, err
	}
	for _, rv := range all {
		if !rv.State.UnderWay() {
			continue
		}
		for _, m := range rv.Team {
			if m.ReviewerID == reviewerID {
				return true, nil
			}
		}
	}
	return false, nil
}

// UnderWay returns the council's review under way, if it has one.
func (s *Reviews) UnderWay(ctx context.Context, gss string) (review.Review, bool, error) {
	rv, ok, err := s.records.Pointed(ctx, gss, s.underWayKey(gss))
	if err != nil {
		return review.Review{}, false, fmt.Errorf("read the review under way of %s: %w", gss, err)
	}
	return rv, ok, nil
}

// Insert implements review.Storer. The council's under-way record is read
// first, so a council with a review under way gets review.ErrUnderWay
// naming it; the record is then created in the commit and must not exist,
// so a concurrent request that got there first makes this one conflict,
// and its retry sees ErrUnderWay.
func (s *Reviews) Insert(ctx context.Context, rv review.Review, r change.Request) (review.Review, error) {
	if cur, ok, err := s.UnderWay(ctx, rv.GSSCode); err != nil {
		return review.Review{}, err
	} else if ok {
		return review.Review{}, review.ErrUnderWay.With("peer_review", cur.Name())
	}
	rv.Version = 1
	m, err := s.mutation(rv, store.MustNotExist, r)
	if err != nil {
		return review.Review{}, err
	}
	m.Writes = append(m.Writes, store.Write{Key: s.underWayKey(rv.GSSCode), Data: []byte(rv.ID), IfVersion: store.MustNotExist})
	m.Index = []store.IndexOp{s.records.Indexed(rv.GSSCode, rv.ID)}
	return s.records.Commit(ctx, m, rv, "create peer review "+rv.Name())
}

// Save implements review.Storer. A review saved completed or cancelled
// releases its council's under-way record (pinned to the version read, and
// only when the record names this review); one saved completed also emits
// PeerReviewCompleted on topic "peerreview".
func (s *Reviews) Save(ctx context.Context, rv review.Review, r change.Request) (review.Review, error) {
	read := rv.Version
	rv.Version++
	m, err := s.mutation(rv, read, r)
	if err != nil {
		return review.Review{}, err
	}
	if !rv.State.UnderWay() {
		rec, err := s.st.Get(ctx, s.underWayKey(rv.GSSCode))
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return review.Review{}, fmt.Errorf("save peer review %s: %w", rv.Name(), err)
		case string(rec.Data) == rv.ID:
			m.Writes = append(m.Writes, store.Write{Key: rec.Key, Delete: true, IfVersion: rec.Version})
		}
	}
	if rv.State == review.Completed {
		ev, err := events.NewEvent(ctx, Topic, rv.Name(), CompletedEvent(rv))
		if err != nil {
			return review.Review{}, fmt.Errorf("complete peer review %s: %w", rv.Name(), err)
		}
		m.Events = []events.Event{ev}
	}
	return s.records.Commit(ctx, m, rv, "save peer review "+rv.Name())
}

// SaveLink implements review.Storer: the review over the version read,
// with its audit entry, and no event (see Save).
func (s *Reviews) SaveLink(ctx context.Context, rv review.Review, r change.Request) (review.Review, error) {
	read := rv.Version
	rv.Version++
	m, err := s.mutation(rv, read, r)
	if err != nil {
		return review.Review{}, err
	}
	return s.records.Commit(ctx, m, rv, "save peer review "+rv.Name())
}

// mutation is the commit of rv (at its new version) over the version read:
// the record, its audit entry and, for a request with an ID, the
// idempotency record replaying rv.
func (s *Reviews) mutation(rv review.Review, read int64, r change.Request) (store.Mutation, error) {
	return s.records.Change(rv, store.Saved{
		Tag: keyspace.CouncilTag(rv.GSSCode), Key: s.records.RecordKey(rv.GSSCode, rv.ID), Name: rv.Name(),
		Read: read, Version: rv.Version, Method: stateMethods[rv.State],
	}, r)
}

// CompletedEvent is the PeerReviewCompleted payload of a completed review:
// the kind and risk as enum names without prefix, and the themes of its
// severe areas for improvement. support_offer is left empty: the offer is
// made afterwards, from this event, and linked back with LinkOffer.
func CompletedEvent(rv review.Review) *eventsv1.PeerReviewCompleted {
	ev := &eventsv1.PeerReviewCompleted{
		PeerReview:     rv.Name(),
		LocalAuthority: rv.Council(),
		Kind:           string(rv.Kind),
		Risk:           string(rv.ConclusionRisk),
	}
	for _, t := range rv.SevereThemes() {
		ev.SevereThemes = append(ev.SevereThemes, string(t))
	}
	return ev
}

// stateMethods names the RPC whose effect a save in each state has, for
// the audit entries of programmatic callers that name no method.
var stateMethods = map[review.State]string{
	review.Requested: peerreviewv1.PeerReviewService_RequestPeerReview_FullMethodName,
	review.Scheduled: peerreviewv1.PeerReviewService_SchedulePeerReview_FullMethodName,
	review.OnSite:    peerreviewv1.PeerReviewService_StartOnSite_FullMethodName,
	review.Reporting: peerreviewv1.PeerReviewService_RecordFindings_FullMethodName,
	review.Completed: peerreviewv1.PeerReviewService_CompleteReview_FullMethodName,
	review.Cancelled: peerreviewv1.PeerReviewService_CancelPeerReview_FullMethodName,
}
