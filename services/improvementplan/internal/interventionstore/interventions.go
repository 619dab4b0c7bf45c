// Package interventionstore keeps DfE's interventions in Redis, through the
// platform store. An intervention lives under its council's hash tag,
// beside the council's plans and outbox, so ordering one commits the
// intervention, its InterventionOrdered event, its audit entry and the
// idempotency record in one transaction; and DfE's decision that progress
// is insufficient commits the escalated plan together with all of those.
//
// Keys, all under keyspace.CouncilTag(gss):
//
//	{la:GSS}:intervention:{id}  the intervention (a record: stored form and version)
//	{la:GSS}:interventions      a set of the council's intervention IDs
//
// Lists across councils read the 152 index sets in one pipeline and the
// records in a second, so a list costs two round trips however many
// councils and interventions there are.
package interventionstore

import (
	"context"
	"fmt"
	"maps"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/intervention"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planstore"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Topic is the event topic InterventionOrdered goes to.
const Topic = planstore.Topic

// Interventions stores interventions. It implements intervention.Storer.
type Interventions struct {
	plans *planstore.Plans
	*records
}

var _ intervention.Storer = (*Interventions)(nil)

// records is the collection of intervention records, whose reads and replay
// the store answers with.
type records = store.CouncilCollection[intervention.Intervention]

// New returns the intervention store over st, keeping each intervention in
// the stored form codec gives it. plans is the plan store of the same
// Redis, whose records a decision changes.
func New(st *store.Store, plans *planstore.Plans, codec store.Codec[intervention.Intervention]) *Interventions {
	return &Interventions{plans: plans, records: store.NewCouncilCollection(st, codec, intervention.ErrNotFound, store.CouncilKeys{Record: "intervention", Index: "interventions", Name: intervention.Name})}
}

func (s *Interventions) st() *store.Store { return s.records.Store() }

// Insert stores iv, a new intervention, at version 1, in one transaction
// with its index entry, the InterventionOrdered event on topic
// "improvementplan", its audit entry and, when r asks for idempotency, the
// intervention to replay. It returns iv at version 1. An ID already taken,
// or a concurrent request with the same request_id, gives an error
// matching store.ErrConflict.
func (s *Interventions) Insert(ctx context.Context, iv intervention.Intervention, r change.Request) (intervention.Intervention, error) {
	m, err := s.orderMutation(ctx, iv, r)
	if err != nil {
		return intervention.Intervention{}, err
	}
	iv.Version = 1
	if m.Idempotency, err = s.records.Idempotency(r.Caller(), iv, 1); err != nil {
		return intervention.Intervention{}, err
	}
	return s.records.Commit(ctx, m, iv, "order intervention "+iv.Name())
}

// Save stores iv, changed from the version iv.Version it was read at, with
// its audit entry, the InterventionLifted event when iv is lifted and,
// when r asks for idempotency, the intervention to replay, and returns it at its new version. An intervention that moved
// since it was read gives an error matching store.ErrConflict, and nothing
// is written.
func (s *Interventions) Save(ctx context.Context, iv intervention.Intervention, r change.Request) (intervention.Intervention, error) {
	if iv.Version < 1 {
		return intervention.Intervention{}, fmt.Errorf("save intervention %s: version %d: an intervention is created only by Insert", iv.Name(), iv.Version)
	}
	key := s.records.RecordKey(iv.GSSCode, iv.ID)
	w, err := s.records.Put(key, iv, iv.Version)
	if err != nil {
		return intervention.Intervention{}, err
	}
	saved := iv.Clone()
	saved.Version++
	idem, err := s.records.Idempotency(r.Caller(), saved, saved.Version)
	if err != nil {
		return intervention.Intervention{}, err
	}
	var evs []events.Event
	if iv.State == intervention.Lifted {
		// Lifting is the one change that saves a lifted intervention:
		// once lifted, it changes no more.
		ev, err := events.NewEvent(ctx, Topic, iv.Name(), LiftedEvent(iv, r.Subject))
		if err != nil {
			return intervention.Intervention{}, fmt.Errorf("save intervention %s: %w", iv.Name(), err)
		}
		evs = append(evs, ev)
	}
	_, err = s.st().Commit(ctx, store.Mutation{
		Tag:         keyspace.CouncilTag(iv.GSSCode),
		Writes:      []store.Write{w},
		Events:      evs,
		Audit:       []store.AuditEntry{store.AuditFor(r, iv.Name(), key)},
		Idempotency: idem,
	})
	if err != nil {
		return intervention.Intervention{}, fmt.Errorf("save intervention %s: %w", iv.Name(), err)
	}
	return saved, nil
}

// ReplayDecision implements intervention.Storer: the plan and the
// intervention a decision with r's request ID committed, at the versions
// it committed.
func (s *Interventions) ReplayDecision(ctx context.Context, gss string, r change.Request) (intervention.Outcome, bool, error) {
	a, ok, err := s.st().ReplayAnswer(ctx, keyspace.CouncilTag(gss), r)
	if err != nil || !ok {
		return intervention.Outcome{}, false, err
	}
	out, err := s.decodeDecision(a)
	return out, err == nil, err
}

// Decide stores DfE's decision on a plan, in one transaction: the plan as
// out.Plan leaves it, pinned to the version it was read at, with its index
// entries and audit entry; when the decision ordered an intervention
// (out.Intervention), the intervention at version 1 with its index entry,
// InterventionOrdered event and audit entry; and, when r asks for
// idempotency, the outcome to replay. It returns the outcome at its new
// versions. A plan that moved since it was read gives an error matching
// store.ErrConflict, and nothing is written.
func (s *Interventions) Decide(ctx context.Context, out intervention.Outcome, r change.Request) (intervention.Outcome, error) {
	p := out.Plan
	w, err := s.plans.Write(p)
	if err != nil {
		return intervention.Outcome{}, fmt.Errorf("decide on %s: %w", p.Name(), err)
	}
	m := store.Mutation{Tag: keyspace.CouncilTag(p.GSSCode)}
	if iv := out.Intervention; iv != nil {
		if iv.GSSCode != p.GSSCode {
			return intervention.Outcome{}, fmt.Errorf("decide on %s: the intervention %s is another council's", p.Name(), iv.Name())
		}
		if m, err = s.orderMutation(ctx, *iv, r); err != nil {
			return intervention.Outcome{}, err
		}
	}
	// The plan's entry goes first: the decision is about the plan, and
	// the intervention follows from it.
	m.Writes = append([]store.Write{w}, m.Writes...)
	m.Index = append(s.plans.Index(p), m.Index...)
	m.Audit = append([]store.AuditEntry{planstore.Audit(p, w.Key, r)}, m.Audit...)
	announced, err := planstore.Announcements(ctx, p, r)
	if err != nil {
		return intervention.Outcome{}, fmt.Errorf("decide on %s: %w", p.Name(), err)
	}
	m.Events = append(announced, m.Events...)
	saved := out
	saved.Plan = p.Clone()
	saved.Plan.Version++
	saved.Plan.Stored = saved.Plan.Recorded()
	if out.Intervention != nil {
		iv := out.Intervention.Clone()
		iv.Version = 1
		saved.Intervention = &iv
	}
	if r.Caller().RequestID != "" {
		a, err := s.encodeDecision(saved)
		if err != nil {
			return intervention.Outcome{}, err
		}
		m.Idempotency = a.Record(r)
	}
	if _, err := s.st().Commit(ctx, m); err != nil {
		return intervention.Outcome{}, fmt.Errorf("decide on %s: %w", p.Name(), err)
	}
	return saved, nil
}

// encodeDecision is the replay of a committed decision: the plan, then
// the intervention it ordered, if any.
func (s *Interventions) encodeDecision(out intervention.Outcome) (*store.Answer, error) {
	var a store.Answer
	if err := s.plans.Collection().AddTo(&a, out.Plan, out.Plan.Version); err != nil {
		return nil, err
	}
	if out.Intervention != nil {
		if err := s.records.AddTo(&a, *out.Intervention, out.Intervention.Version); err != nil {
			return nil, err
		}
	}
	return &a, nil
}

// decodeDecision reads what encodeDecision wrote.
func (s *Interventions) decodeDecision(a *store.Answer) (intervention.Outcome, error) {
	p, err := s.plans.Collection().Next(a)
	if err != nil {
		return intervention.Outcome{}, fmt.Errorf("replay of a decision: %w", err)
	}
	out := intervention.Outcome{Plan: p}
	if a.More() {
		iv, err := s.records.Next(a)
		if err != nil {
			return intervention.Outcome{}, fmt.Errorf("replay of the decision on %s: %w", p.Name(), err)
		}
		out.Intervention = &iv
	}
	return out, nil
}

// orderMutation is the commit that orders iv: the record (which must not
// exist), its index entry, its event and its audit entry.
func (s *Interventions) orderMutation(ctx context.Context, iv intervention.Intervention, r change.Request) (store.Mutation, error) {
	key := s.records.RecordKey(iv.GSSCode, iv.ID)
	w, err := s.records.Put(key, iv, store.MustNotExist)
	if err != nil {
		return store.Mutation{}, err
	}
	ev, err := events.NewEvent(ctx, Topic, iv.Name(), OrderedEvent(iv))
	if err != nil {
		return store.Mutation{}, fmt.Errorf("order intervention %s: %w", iv.Name(), err)
	}
	ev.Time = iv.OrderTime
	return store.Mutation{
		Tag:    keyspace.CouncilTag(iv.GSSCode),
		Writes: []store.Write{w},
		Index:  []store.IndexOp{s.records.Indexed(iv.GSSCode, iv.ID)},
		Events: []events.Event{ev},
		Audit:  []store.AuditEntry{store.AuditFor(r, iv.Name(), key)},
	}, nil
}

// OrderedEvent is the InterventionOrdered event of iv, which the sponsor
// service consumes to open a sponsor need.
func OrderedEvent(iv intervention.Intervention) *eventsv1.InterventionOrdered {
	return &eventsv1.InterventionOrdered{
		Intervention:    iv.Name(),
		LocalAuthority:  resource.CouncilName(iv.GSSCode),
		Kind:            string(iv.Kind),
		Areas:           append([]string(nil), iv.Areas...),
		Reason:          iv.Reason,
		ImprovementPlan: iv.Plan,
		OrderedBy:       iv.OrderedBy,
		AreaGrades:      maps.Clone(iv.AreaGrades),
	}
}

// LiftedEvent is the InterventionLifted payload of iv, lifted by liftedBy.
func LiftedEvent(iv intervention.Intervention, liftedBy string) *eventsv1.InterventionLifted {
	return &eventsv1.InterventionLifted{
		Intervention:    iv.Name(),
		LocalAuthority:  resource.CouncilName(iv.GSSCode),
		Kind:            string(iv.Kind),
		Reason:          iv.LiftReason,
		LiftedBy:        liftedBy,
		ImprovementPlan: iv.Plan,
	}
}
