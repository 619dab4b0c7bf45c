// Package progressreviewstore keeps progress reviews in Redis, through the platform
// store. A review lives under its council's hash tag, beside the plan it
// reviews and the council's outbox, so recording the first review of an
// approved plan commits the review, the plan's move to monitoring, their
// audit entries and the idempotency record in one transaction.
//
// Keys, all under keyspace.CouncilTag(gss):
//
//	{la:GSS}:plan:{plan}:review:{id}  the review (a record: stored form and version)
//	{la:GSS}:plan:{plan}:reviews      a sorted set of the plan's review IDs, scored by review date
//
// Reviews never change once recorded, so every record stays at version 1.
// A plan's reviews are read with one ZRANGE and one pipelined read of the
// records: two round trips however many reviews there are; the ratings of a
// page of plans take two round trips as well (RatingsOf).
package progressreviewstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planstore"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/progressreview"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Reviews stores progress reviews. It implements plan.RatingSource, so the
// plan handlers can show each plan's rating trend.
type Reviews struct {
	st      *store.Store
	plans   *planstore.Plans
	reviews *store.Collection[progressreview.Review]
	// ratings answers a plan's ratings again, with a Tracker, while its
	// review index has not changed: every list page shows each plan's.
	ratings *store.Memo[[]string]
}

var _ plan.RatingSource = (*Reviews)(nil)

// New returns the review store over st, keeping each review in the stored
// form codec gives it. plans is the plan store of the same Redis, whose
// records a first review moves to monitoring.
func New(st *store.Store, plans *planstore.Plans, codec store.Codec[progressreview.Review]) *Reviews {
	return &Reviews{st: st, plans: plans, reviews: store.NewCollection(st, codec, progressreview.ErrNotFound),
		ratings: store.NewMemo[[]string](st).Copying(slices.Clone[[]string])}
}

func (s *Reviews) ks() keyspace.Keyspace { return s.st.Keyspace() }

func (s *Reviews) recordKey(gss, planID, id string) string {
	return s.ks().Key(keyspace.CouncilTag(gss), "plan", planID, "review", id)
}

func (s *Reviews) indexKey(gss, planID string) string {
	return s.ks().Key(keyspace.CouncilTag(gss), "plan", planID, "reviews")
}

// Get returns review id of plan planID of the council gss, or an error
// matching progressreview.ErrNotFound.
func (s *Reviews) Get(ctx context.Context, gss, planID, id string) (progressreview.Review, error) {
	return s.reviews.GetNamed(ctx, s.recordKey(gss, planID, id), "progress review "+progressreview.Name(gss, planID, id))
}

// List returns the reviews of plan planID of the council gss, oldest first
// (see progressreview.Sort). A plan without reviews, or one that does not
// exist, has none.
func (s *Reviews) List(ctx context.Context, gss, planID string) ([]progressreview.Review, error) {
	out, _, err := s.reviews.Range(ctx, s.indexKey(gss, planID), 0, -1, false, func(id string) string { return s.recordKey(gss, planID, id) })
	if err != nil {
		return nil, fmt.Errorf("list progress reviews of %s: %w", plan.Name(gss, planID), err)
	}
	progressreview.Sort(out)
	return out, nil
}

// Ratings implements plan.RatingSource: the overall ratings of the plan's
// reviews, oldest first, as ProgressRating names without prefix.
func (s *Reviews) Ratings(ctx context.Context, gss, planID string) ([]string, error) {
	all, err := s.List(ctx, gss, planID)
	if err != nil {
		return nil, err
	}
	return progressreview.Trend(all), nil
}

// RatingsOf implements plan.RatingSource for a page of plans: every plan's
// review index in one pipeline, then all their reviews in one read, so a
// page costs two round trips whatever its size. With a Tracker, the plans
// whose review index has not changed since they were last read are
// answered from memory after one PING: a review never changes once
// written, and each is added with its index entry, so a plan's index is
// what its ratings depend on.
func (s *Reviews) RatingsOf(ctx context.Context, plans []plan.Plan) ([][]string, error) {
	ids := make([]string, len(plans))
	for i, p := range plans {
		ids[i] = s.indexKey(p.GSSCode, p.ID)
	}
	return s.ratings.ReadEach(ctx, ids, func(i int) []string { return []string{ids[i]} }, func(missing []int) ([][]string, error) {
		idx := make([]string, len(missing))
		for j, i := range missing {
			idx[j] = ids[i]
		}
		each, err := s.reviews.RangeEach(ctx, idx, func(j int, id string) string {
			p := plans[missing[j]]
			return s.recordKey(p.GSSCode, p.ID, id)
		})
		if err != nil {
			return nil, fmt.Errorf("list progress reviews of %d plans: %w", len(missing), err)
		}
		out := make([][]string, len(missing))
		for j, reviews := range each {
			progressreview.Sort(reviews)
			out[j] = progressreview.Trend(reviews)
		}
		return out, nil
	})
}

// Replay implements progressreview.Storer. Reviews never change, so what
// a review request replays is the review's stored form, at version 1.
func (s *Reviews) Replay(ctx context.Context, gss string, r change.Request) (progressreview.Review, bool, error) {
	return s.reviews.Replay(ctx, keyspace.CouncilTag(gss), r)
}

// Insert stores the review rec records, at version 1, in one transaction
// with its index entry, its audit entry (audit with the resource and key
// filled in) and idem, the idempotency record, when not nil. When the
// review moved the plan (rec.PlanChanged), the plan is written in the same
// transaction, pinned to the version it was read at, with its own audit
// entry. A review ID already taken, or a plan that moved since it was read,
// gives an error matching store.ErrConflict and nothing is written.
//
// A review that leaves the plan alone does not pin it: pinning would bump
// the plan's etag with every review, and send every caller editing the plan
// back to read it again while an inspector records a visit.
func (s *Reviews) Insert(ctx context.Context, rec progressreview.Recorded, req change.Request) error {
	r := rec.Review
	key := s.recordKey(r.GSSCode, r.PlanID, r.ID)
	w, err := s.reviews.Put(key, r, store.MustNotExist)
	if err != nil {
		return err
	}
	m := store.Mutation{
		Tag:    keyspace.CouncilTag(r.GSSCode),
		Writes: []store.Write{w},
		Index:  []store.IndexOp{store.ZAdd(s.indexKey(r.GSSCode, r.PlanID), float64(r.Date.Unix()), r.ID)},
		Audit:  []store.AuditEntry{store.AuditFor(req, r.Name(), key)},
	}
	if m.Idempotency, err = s.reviews.Idempotency(req.Caller(), r, 1); err != nil {
		return err
	}
	if rec.PlanChanged {
		if rec.Plan.GSSCode != r.GSSCode || rec.Plan.ID != r.PlanID {
			return fmt.Errorf("record progress review %s: the changed plan is %s", r.Name(), rec.Plan.Name())
		}
		w, err := s.plans.Write(rec.Plan)
		if err != nil {
			return fmt.Errorf("record progress review %s: %w", r.Name(), err)
		}
		announced, err := planstore.Announcements(ctx, rec.Plan, req)
		if err != nil {
			return fmt.Errorf("record progress review %s: %w", r.Name(), err)
		}
		m.Writes = append(m.Writes, w)
		m.Index = append(m.Index, s.plans.Index(rec.Plan)...)
		m.Audit = append(m.Audit, planstore.Audit(rec.Plan, w.Key, req))
		m.Events = append(m.Events, announced...)
	}
	if _, err := s.st.Commit(ctx, m); err != nil {
		return fmt.Errorf("record progress review %s: %w", r.Name(), err)
	}
	return nil
}
