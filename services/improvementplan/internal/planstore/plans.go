// Package planstore keeps improvement plans in Redis, through the platform
// store. A plan lives under its council's hash tag, beside the council's
// outbox (and the council's interventions and progress reviews, which other
// stores keep there), so a plan change commits with its events, its audit
// entry, its idempotency record and whatever other records of the council
// change with it, in one transaction.
//
// Keys, all under keyspace.CouncilTag(gss):
//
//	{la:GSS}:plan:{id}                    the plan (a record: stored form and version)
//	{la:GSS}:plans                        a set of the council's plan IDs
//	{la:GSS}:plan-inspection:{inspection} a record holding the ID of the plan the
//	                                      inspection's judgement opened
//
// The per-inspection record is created in the same commit as the plan and
// must not exist before, which is what makes a judgement open exactly one
// plan however often its event is delivered and however many replicas
// handle it at once.
//
// Lists across councils read the 152 index sets in one pipeline and the
// records in a second (through store.Cache: each record's version, and the
// data of only the records that changed since this process last decoded
// them), so a list costs two round trips however many
// councils and plans there are.
package planstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Topic is the event topic of the improvement-plan service's events.
const Topic = "improvementplan"

// openAttempts bounds the fresh IDs OpenFromJudgement tries when the one it
// drew is taken; with 61 random bits a second attempt is already unlikely.
const openAttempts = 3

// Plans stores improvement plans. It implements plan.Storer.
type Plans struct {
	st *store.Store
	*records
	// cached serves List and Get: every list reads every plan of the
	// councils it covers, which are decoded only when they changed
	// (store.Cache).
	cached *store.Cache[plan.Plan]
}

var _ plan.Storer = (*Plans)(nil)

// records is the collection of improvement plan records, whose reads and replay
// the store answers with.
type records = store.CouncilCollection[plan.Plan]

// Collection is the plans' typed collection, for the stores that commit a
// plan with their own records and replay it with them.
func (s *Plans) Collection() *store.Collection[plan.Plan] { return s.records.Collection }

// Codec is the stored form of a plan (see encode.go), which stores that
// commit a plan with records of their own replay it in.
var Codec = store.Codec[plan.Plan]{Encode: marshal, Decode: unmarshal}

// New returns the plan store over st.
func New(st *store.Store) *Plans {
	rs := store.NewCouncilCollection(st, Codec, plan.ErrNotFound, store.CouncilKeys{Record: "plan", Index: "plans", Name: plan.Name})
	return &Plans{st: st, records: rs, cached: store.NewCache(rs.Collection).Copying(plan.Plan.Clone)}
}

// List implements plan.Storer: the council gss's plans, or every
// council's when gss is plan.AllCouncils, in no particular order, in two
// round trips, each plan as last committed, decoded only when it changed
// since this process last read it.
func (s *Plans) List(ctx context.Context, gss string) ([]plan.Plan, error) {
	return s.records.ListCached(ctx, s.cached, gss)
}

// Get implements plan.Storer: the plan as last committed, through the
// cache, so a plan read again is decoded only when it changed (with a
// Tracker, answered from memory while its key has not changed). A plan is
// most of a progress review's or an update's CPU time to decode.
func (s *Plans) Get(ctx context.Context, gss, id string) (plan.Plan, error) {
	return s.records.GetCached(ctx, s.cached, gss, id)
}

// Store returns the platform store the plans live in, for callers that
// commit a plan change with records of their own (see Write and Index).
func (s *Plans) Store() *store.Store { return s.st }

func (s *Plans) ks() keyspace.Keyspace { return s.st.Keyspace() }

// inspectionKey links an inspection to the plan its judgement opened; it
// is created with the plan and never changes.
func (s *Plans) inspectionKey(gss, inspection string) string {
	return s.ks().Key(keyspace.CouncilTag(gss), "plan-inspection", inspectionID(inspection))
}

// inspectionID is the last segment of an inspection's resource name, or
// the argument itself when it is a bare ID.
func inspectionID(inspection string) string {
	return inspection[strings.LastIndexByte(inspection, '/')+1:]
}

// ByInspection returns the plan that the judgement of inspection opened,
// and false when it opened none. inspection is the inspection's resource
// name (localAuthorities/{gss}/inspections/{id}) or its bare ID.
func (s *Plans) ByInspection(ctx context.Context, gss, inspection string) (plan.Plan, bool, error) {
	p, ok, err := s.records.Pointed(ctx, gss, s.inspectionKey(gss, inspection))
	if err != nil {
		return plan.Plan{}, false, fmt.Errorf("find the improvement plan of inspection %s: %w", inspection, err)
	}
	return p, ok, nil
}

// OpenFromJudgement stores p, a plan that plan.Open made from a published
// judgement, at version 1, exactly once per inspection: with the plan it
// commits the inspection's link to it (which must not exist), the council's
// index entry, the ImprovementPlanOpened event on topic "improvementplan"
// and an audit entry by plan.ServiceActor naming cause (the
// JudgementPublished event, whose ID becomes the audit's request ID; it may
// be the zero Event). It returns the stored plan and true; or, when the
// inspection already opened a plan (a redelivered event, or a concurrent
// replica that won the race), that plan and false.
func (s *Plans) OpenFromJudgement(ctx context.Context, p plan.Plan, cause events.Event) (plan.Plan, bool, error) {
	if existing, ok, err := s.ByInspection(ctx, p.GSSCode, p.Inspection); err != nil || ok {
		return existing, false, err
	}
	for range openAttempts {
		p.Version = 0
		w, err := s.Write(p)
		if err != nil {
			return plan.Plan{}, false, err
		}
		ev, err := events.NewEvent(ctx, Topic, p.Name(), &eventsv1.ImprovementPlanOpened{
			ImprovementPlan: p.Name(),
			LocalAuthority:  resource.CouncilName(p.GSSCode),
			Inspection:      p.Inspection,
			Deadline:        refproto.Date(p.Deadline),
		})
		if err != nil {
			return plan.Plan{}, false, fmt.Errorf("open improvement plan %s: %w", p.Name(), err)
		}
		method := cause.Type
		if method == "" {
			method = events.TypeName(&eventsv1.JudgementPublished{})
		}
		_, err = s.st.Commit(ctx, store.Mutation{
			Tag: keyspace.CouncilTag(p.GSSCode),
			Writes: []store.Write{w, {
				Key: s.inspectionKey(p.GSSCode, p.Inspection), Data: []byte(p.ID), IfVersion: store.MustNotExist,
			}},
			Index:  s.Index(p),
			Events: []events.Event{ev},
			Audit: []store.AuditEntry{{
				Audit: change.Audit{Actor: plan.ServiceActor, Method: method, Resource: p.Name(), RequestID: cause.ID},
				Key:   w.Key,
			}},
		})
		if !errors.Is(err, store.ErrConflict) {
			if err != nil {
				return plan.Plan{}, false, fmt.Errorf("open improvement plan %s: %w", p.Name(), err)
			}
			p.Version = 1
			p.Stored = p.Recorded()
			return p, true, nil
		}
		// Either the inspection's plan was committed concurrently, and is
		// the answer, or the fresh ID was taken, and another is drawn.
		if existing, ok, err := s.ByInspection(ctx, p.GSSCode, p.Inspection); err != nil || ok {
			return existing, false, err
		}
		p.ID = resource.NewID()
	}
	return plan.Plan{}, false, fmt.Errorf("open an improvement plan for %s: no free id after %d attempts: %w", p.Inspection, openAttempts, store.ErrConflict)
}

// DeadlineReached is the ImprovementDeadlineReached event of p, which the
// deadline clock commits with the plan's move to DECISION_DUE.
func DeadlineReached(ctx context.Context, p plan.Plan) (events.Event, error) {
	return events.NewEvent(ctx, Topic, p.Name(), &eventsv1.ImprovementDeadlineReached{
		ImprovementPlan: p.Name(),
		LocalAuthority:  resource.CouncilName(p.GSSCode),
		Deadline:        refproto.Date(p.Deadline),
	})
}

// Write returns the write that stores p as it now stands, pinned to
// p.Version, the version it was read at (0 for a new plan, which must not
// exist), so that other packages can commit a plan change in the same
// transaction as their own records, as DecideProgress commits an escalated
// plan with its intervention. Add Index(p) to the same mutation. After the
// commit the plan is at p.Version+1.
func (s *Plans) Write(p plan.Plan) (store.Write, error) {
	return s.records.Put(s.records.RecordKey(p.GSSCode, p.ID), p, p.Version)
}

// Index returns the index changes a write of p needs: the council's set of
// plan IDs holds every plan, so the operation is idempotent and safe to
// include in every plan commit.
func (s *Plans) Index(p plan.Plan) []store.IndexOp {
	return []store.IndexOp{s.records.Indexed(p.GSSCode, p.ID)}
}

// Audit is the audit entry of a change r makes to p, written under key.
func Audit(p plan.Plan, key string, r change.Request) store.AuditEntry {
	return store.AuditFor(r, p.Name(), key)
}

// Save implements plan.Storer: p, changed from the version p.Version it was
// read at, with its audit entry and, when r asks for idempotency, the plan
// to replay, in one transaction. A plan that moved since it was read gives
// an error matching store.ErrConflict (ABORTED), and nothing is written.
func (s *Plans) Save(ctx context.Context, p plan.Plan, r change.Request) (plan.Plan, error) {
	return s.SaveWithEvents(ctx, p, r)
}

// SaveWithEvents is Save with events for the council's outbox, in the same
// transaction, followed by the Announcements of the change.
func (s *Plans) SaveWithEvents(ctx context.Context, p plan.Plan, r change.Request, evs ...events.Event) (plan.Plan, error) {
	if p.Version < 1 {
		return plan.Plan{}, fmt.Errorf("save improvement plan %s: version %d: a plan is created only by OpenFromJudgement", p.Name(), p.Version)
	}
	w, err := s.Write(p)
	if err != nil {
		return plan.Plan{}, err
	}
	announced, err := Announcements(ctx, p, r)
	if err != nil {
		return plan.Plan{}, err
	}
	saved := p
	saved.Version++
	saved.Stored = saved.Recorded()
	idem, err := s.records.Idempotency(r.Caller(), saved, saved.Version)
	if err != nil {
		return plan.Plan{}, err
	}
	_, err = s.st.Commit(ctx, store.Mutation{
		Tag:         keyspace.CouncilTag(p.GSSCode),
		Writes:      []store.Write{w},
		Index:       s.Index(p),
		Events:      slices.Concat(evs, announced),
		Audit:       []store.AuditEntry{Audit(p, w.Key, r)},
		Idempotency: idem,
	})
	if err != nil {
		return plan.Plan{}, fmt.Errorf("save improvement plan %s: %w", p.Name(), err)
	}
	return saved, nil
}

// Open returns the council's plans that are still live (plan.Plan.Open:
// neither improved nor closed), in no particular order, in two round
// trips. A published re-inspection that is no longer inadequate moves these
// to improved.
func (s *Plans) Open(ctx context.Context, gss string) ([]plan.Plan, error) {
	all, err := s.List(ctx, gss)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, p := range all {
		if p.Open() {
			out = append(out, p)
		}
	}
	return out, nil
}
