// Package inspectionstore keeps inspections in Redis, through the platform
// store. An inspection lives under its council's hash tag, beside the
// council's record and outbox, so a publication commits the inspection, the
// council's new latest judgement, the JudgementPublished event, the audit
// entries and the idempotency record in one transaction.
//
// Keys, all under keyspace.CouncilTag(gss):
//
//	{la:GSS}:inspection:{id}  the inspection (a record: stored form and version)
//	{la:GSS}:inspections      a set of the council's inspection IDs
//	{la:GSS}:emergency-inspection:{recommendation id}
//	                          a record holding the ID of the inspection that
//	                          answers an emergency inspection recommendation
//
// Lists across councils read the 152 index sets in one pipeline and the
// records in a second, so a list costs two round trips however many
// councils and inspections there are.
//
// Inspections implements inspection.Storer and holds no rules: the
// inspection use cases decide what a publication changes, and the store
// commits what it is given.
package inspectionstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/councilstore"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/inspection"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Topic is the event topic JudgementPublished goes to.
const Topic = "inspection"

// Inspections stores inspections. It implements inspection.Storer.
type Inspections struct {
	*records
	councils *councilstore.Councils
}

var _ inspection.Storer = (*Inspections)(nil)

// records is the collection of inspection records, whose reads and replay
// the store answers with.
type records = store.CouncilCollection[inspection.Inspection]

// New returns the inspection store over st, storing inspections in the
// form codec gives. councils is the council store of the same Redis, whose
// records a publication writes.
func New(st *store.Store, codec store.Codec[inspection.Inspection], councils *councilstore.Councils) *Inspections {
	return &Inspections{councils: councils, records: store.NewCouncilCollection(st, codec, inspection.ErrNotFound, store.CouncilKeys{Record: "inspection", Index: "inspections", Name: inspection.Name})}
}

func (s *Inspections) st() *store.Store { return s.records.Store() }

// answerKey links an emergency inspection recommendation to the inspection
// that answers it; it is created with that inspection and never changes.
func (s *Inspections) answerKey(gss, recommendation string) string {
	id := recommendation[strings.LastIndexByte(recommendation, '/')+1:]
	return s.st().Keyspace().Key(keyspace.CouncilTag(gss), "emergency-inspection", id)
}

// AnsweredBy implements inspection.Storer.
func (s *Inspections) AnsweredBy(ctx context.Context, gss, recommendation string) (string, bool, error) {
	rec, err := s.st().Get(ctx, s.answerKey(gss, recommendation))
	if errors.Is(err, store.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read the inspection answering %s: %w", recommendation, err)
	}
	return string(rec.Data), true, nil
}

// Council implements inspection.Storer.
func (s *Inspections) Council(ctx context.Context, gss string) (council.LocalAuthority, error) {
	return s.councils.Get(ctx, gss)
}

// Insert implements inspection.Storer. The link from an emergency
// inspection recommendation is created only if absent, so a concurrent
// answer makes this commit conflict.
func (s *Inspections) Insert(ctx context.Context, ins inspection.Inspection, r change.Request) (inspection.Inspection, error) {
	ins.Version = 1
	m, err := s.mutation(ins, store.MustNotExist, r, inspectionv1.InspectionService_CreateInspection_FullMethodName)
	if err != nil {
		return inspection.Inspection{}, err
	}
	m.Index = []store.IndexOp{s.records.Indexed(ins.GSSCode, ins.ID)}
	if rec := ins.EmergencyRecommendation; rec != "" {
		m.Writes = append(m.Writes, store.Write{Key: s.answerKey(ins.GSSCode, rec), Data: []byte(ins.ID), IfVersion: store.MustNotExist})
	}
	return s.records.Commit(ctx, m, ins, "create inspection "+ins.Name())
}

// Save implements inspection.Storer.
func (s *Inspections) Save(ctx context.Context, ins inspection.Inspection, r change.Request) (inspection.Inspection, error) {
	read := ins.Version
	ins.Version++
	m, err := s.mutation(ins, read, r, inspectionv1.InspectionService_UpdateInspection_FullMethodName)
	if err != nil {
		return inspection.Inspection{}, err
	}
	return s.records.Commit(ctx, m, ins, "update inspection "+ins.Name())
}

// ReadPublication implements inspection.Storer: the idempotency record,
// the inspection and the council share the council's hash tag, so one
// pipeline reads them.
func (s *Inspections) ReadPublication(ctx context.Context, gss, id string, r change.Request) (inspection.Publication, error) {
	rs := s.st().Reads(keyspace.CouncilTag(gss))
	prev := s.records.ReplayIn(rs, r)
	cur := s.records.In(rs, s.records.RecordKey(gss, id))
	la := s.councils.In(rs, gss)
	if err := rs.Do(ctx); err != nil {
		return inspection.Publication{}, fmt.Errorf("read the publication of %s: %w", inspection.Name(gss, id), err)
	}
	var p inspection.Publication
	var err error
	if p.Previous, p.Replayed, err = prev.Get(ctx); err != nil || p.Replayed {
		return p, err
	}
	if p.Inspection, err = cur.Get(); err != nil {
		return inspection.Publication{}, err
	}
	switch c, err := la.Get(); {
	case errors.Is(err, council.ErrNotFound):
	case err != nil:
		return inspection.Publication{}, fmt.Errorf("read the council of %s: %w", inspection.Name(gss, id), err)
	default:
		p.Council = &c
	}
	return p, nil
}

// SavePublication implements inspection.Storer. With the inspection it
// commits the council's record when given (pinned to the version read, so
// two publications for one council cannot both win), the
// JudgementPublished event on topic "inspection", an audit entry for each
// record written and the idempotency record. A monitoring visit's event
// carries GRADE_UNSPECIFIED.
func (s *Inspections) SavePublication(ctx context.Context, ins inspection.Inspection, la *council.LocalAuthority, r change.Request) (inspection.Inspection, error) {
	read := ins.Version
	ins.Version++
	const method = inspectionv1.InspectionService_PublishJudgement_FullMethodName
	m, err := s.mutation(ins, read, r, method)
	if err != nil {
		return inspection.Inspection{}, err
	}
	if la != nil {
		w, err := s.councils.Write(*la)
		if err != nil {
			return inspection.Inspection{}, fmt.Errorf("publish inspection %s: %w", ins.Name(), err)
		}
		m.Writes = append(m.Writes, w)
		m.Audit = append(m.Audit, store.AuditFor(r.WithMethod(method), la.ResourceName(), w.Key))
	}
	ev, err := events.NewEvent(ctx, Topic, ins.Name(), publishedEvent(ins))
	if err != nil {
		return inspection.Inspection{}, fmt.Errorf("publish inspection %s: %w", ins.Name(), err)
	}
	m.Events = []events.Event{ev}
	return s.records.Commit(ctx, m, ins, "publish inspection "+ins.Name())
}

// SaveImport implements inspection.Storer: every inspection (new, so
// created at version 1 only if absent), its index entry, audit entry and
// JudgementPublished event, and the council's record when given, in one
// commit under the council's hash tag.
func (s *Inspections) SaveImport(ctx context.Context, gss string, ins []inspection.Inspection, la *council.LocalAuthority, r change.Request) error {
	const method = inspectionv1.InspectionService_BatchImportJudgements_FullMethodName
	r = r.WithMethod(method)
	m := store.Mutation{Tag: keyspace.CouncilTag(gss)}
	for _, one := range ins {
		one.Version = 1
		key := s.records.RecordKey(gss, one.ID)
		w, err := s.records.Put(key, one, store.MustNotExist)
		if err != nil {
			return err
		}
		m.Writes = append(m.Writes, w)
		m.Index = append(m.Index, s.records.Indexed(gss, one.ID))
		m.Audit = append(m.Audit, store.AuditFor(r, one.Name(), key))
		ev, err := events.NewEvent(ctx, Topic, one.Name(), publishedEvent(one))
		if err != nil {
			return fmt.Errorf("import inspection %s: %w", one.Name(), err)
		}
		m.Events = append(m.Events, ev)
	}
	if la != nil {
		w, err := s.councils.Write(*la)
		if err != nil {
			return fmt.Errorf("import judgements of %s: %w", gss, err)
		}
		m.Writes = append(m.Writes, w)
		m.Audit = append(m.Audit, store.AuditFor(r, la.ResourceName(), w.Key))
	}
	if _, err := s.st().Commit(ctx, m); err != nil {
		return fmt.Errorf("import judgements of %s: %w", gss, err)
	}
	return nil
}

// mutation is the commit of ins (at its new version) over the version
// read: the record, its audit entry and, for a request with an ID, the
// idempotency record replaying ins. A request that names no method is
// audited under method, the RPC whose effect it has; its idempotency scope
// stays as Replay computes it from the request alone.
func (s *Inspections) mutation(ins inspection.Inspection, read int64, r change.Request, method string) (store.Mutation, error) {
	return s.records.Change(ins, store.Saved{
		Tag: keyspace.CouncilTag(ins.GSSCode), Key: s.records.RecordKey(ins.GSSCode, ins.ID), Name: ins.Name(),
		Read: read, Version: ins.Version, Method: method,
	}, r)
}

// publishedEvent is the JudgementPublished payload of a published
// inspection: key judgements keyed by area name, recommendations as
// "AREA: text".
func publishedEvent(ins inspection.Inspection) *eventsv1.JudgementPublished {
	ev := &eventsv1.JudgementPublished{
		Inspection:     ins.Name(),
		LocalAuthority: resource.CouncilName(ins.GSSCode),
		Framework:      string(ins.Framework),
		PublishDate:    refproto.Date(ins.PublishDate),
		Historical:     ins.Historical,
	}
	if g, ok := ins.OverallGrade(); ok {
		ev.OverallGrade = refproto.Grade(g)
	}
	for _, a := range inspection.Areas {
		if g, ok := ins.Judgement[a]; ok && a != inspection.OverallEffectiveness {
			if ev.KeyJudgements == nil {
				ev.KeyJudgements = map[string]typev1.Grade{}
			}
			ev.KeyJudgements[string(a)] = refproto.Grade(g.Grade)
		}
	}
	for _, r := range ins.Recommendations {
		ev.Recommendations = append(ev.Recommendations, string(r.Area)+": "+r.Text)
	}
	return ev
}
