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
// Inspections implements inspection.Storer; callers that create or publish
// inspections outside a gRPC call (the demo data loader, for one) wrap it
// in inspection.NewService and use Schedule and Publish, which apply the same
// rules as the API.
package inspectionstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/councilstore"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/inspection"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Topic is the event topic JudgementPublished goes to.
const Topic = "inspection"

// Inspections stores inspections. It implements inspection.Storer.
type Inspections struct {
	st       *store.Store
	councils *councilstore.Councils
	now      func() time.Time
}

var _ inspection.Storer = (*Inspections)(nil)

// Option configures Inspections.
type Option func(*Inspections)

// WithClock makes ScheduleEmergency read the time from now instead of
// time.Now.
func WithClock(now func() time.Time) Option {
	return func(s *Inspections) { s.now = now }
}

// New returns the inspection store over st. councils is the council store
// of the same Redis, whose records a publication updates.
func New(st *store.Store, councils *councilstore.Councils, opts ...Option) *Inspections {
	s := &Inspections{st: st, councils: councils, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

func (s *Inspections) ks() keyspace.Keyspace { return s.st.Keyspace() }

func (s *Inspections) recordKey(gss, id string) string {
	return s.ks().Key(keyspace.CouncilTag(gss), "inspection", id)
}

func (s *Inspections) indexKey(gss string) string {
	return s.ks().Key(keyspace.CouncilTag(gss), "inspections")
}

// answerKey links an emergency inspection recommendation to the inspection
// that answers it; it is created with that inspection and never changes.
func (s *Inspections) answerKey(gss, recommendation string) string {
	id := recommendation[strings.LastIndexByte(recommendation, '/')+1:]
	return s.ks().Key(keyspace.CouncilTag(gss), "emergency-inspection", id)
}

// answeredBy returns the ID of the inspection answering recommendation, if
// one does.
func (s *Inspections) answeredBy(ctx context.Context, gss, recommendation string) (string, bool, error) {
	rec, err := s.st.Get(ctx, s.answerKey(gss, recommendation))
	if errors.Is(err, store.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read the inspection answering %s: %w", recommendation, err)
	}
	return string(rec.Data), true, nil
}

// Get implements inspection.Storer.
func (s *Inspections) Get(ctx context.Context, gss, id string) (inspection.Inspection, error) {
	rec, err := s.st.Get(ctx, s.recordKey(gss, id))
	if errors.Is(err, store.ErrNotFound) {
		return inspection.Inspection{}, inspection.ErrNotFound
	}
	if err != nil {
		return inspection.Inspection{}, fmt.Errorf("get inspection %s: %w", inspection.Name(gss, id), err)
	}
	return decode(rec.Data, rec.Version)
}

// List implements inspection.Storer: one SMEMBERS and one pipelined read of
// the council's records, or for inspection.AllCouncils one pipeline of
// SMEMBERS over every council's index and one pipelined read of every
// record. Each index key is read on its own, so no command spans two hash
// tags and the list works unchanged on Redis Cluster.
func (s *Inspections) List(ctx context.Context, gss string) ([]inspection.Inspection, error) {
	codes := []string{gss}
	if gss == inspection.AllCouncils {
		codes = codes[:0]
		for _, c := range reference.Councils() {
			codes = append(codes, c.GSSCode)
		}
	}
	cmds := make([]*redis.StringSliceCmd, len(codes))
	_, err := s.st.Client().Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, code := range codes {
			cmds[i] = p.SMembers(ctx, s.indexKey(code))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list inspections of %s: %w", gss, err)
	}
	var keys []string
	for i, cmd := range cmds {
		for _, id := range cmd.Val() {
			keys = append(keys, s.recordKey(codes[i], id))
		}
	}
	recs, err := s.st.GetMany(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("list inspections of %s: %w", gss, err)
	}
	out := make([]inspection.Inspection, 0, len(recs))
	for _, rec := range recs {
		if !rec.Exists() {
			continue
		}
		ins, err := decode(rec.Data, rec.Version)
		if err != nil {
			return nil, fmt.Errorf("list inspections of %s: %w", gss, err)
		}
		out = append(out, ins)
	}
	return out, nil
}

// Published returns every published inspection of every council, in no
// particular order, in two round trips (see List). The inadequacy
// projection counts judgements from it.
func (s *Inspections) Published(ctx context.Context) ([]inspection.Inspection, error) {
	all, err := s.List(ctx, inspection.AllCouncils)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, ins := range all {
		if ins.State == inspection.Published {
			out = append(out, ins)
		}
	}
	return out, nil
}

// Replay implements inspection.Storer. Request IDs are scoped by method and
// caller (store.IdempotencyScope).
func (s *Inspections) Replay(ctx context.Context, gss string, r inspection.Request) (inspection.Inspection, bool, error) {
	if r.ID == "" {
		return inspection.Inspection{}, false, nil
	}
	b, ok, err := s.st.Replay(ctx, keyspace.CouncilTag(gss), scope(r), r.ID, r.Hash)
	if err != nil || !ok {
		return inspection.Inspection{}, false, err
	}
	ins, err := decodeReplay(b)
	if err != nil {
		return inspection.Inspection{}, false, err
	}
	return ins, true, nil
}

// Insert implements inspection.Storer. The council is read first, so an
// inspection is never filed under a council the service does not hold. An
// inspection answering an emergency inspection recommendation creates the
// recommendation's link in the same commit, and a link that exists already
// refuses the inspection, so no recommendation is answered twice.
func (s *Inspections) Insert(ctx context.Context, ins inspection.Inspection, r inspection.Request) (inspection.Inspection, error) {
	if _, err := s.councils.Get(ctx, ins.GSSCode); errors.Is(err, council.ErrNotFound) {
		return inspection.Inspection{}, inspection.ErrCouncilNotFound
	} else if err != nil {
		return inspection.Inspection{}, fmt.Errorf("create inspection: %w", err)
	}
	ins.Version = 1
	m, err := s.mutation(ins, store.MustNotExist, r, inspectionv1.InspectionService_CreateInspection_FullMethodName)
	if err != nil {
		return inspection.Inspection{}, err
	}
	m.Index = []store.IndexOp{store.SAdd(s.indexKey(ins.GSSCode), ins.ID)}
	if rec := ins.EmergencyRecommendation; rec != "" {
		if _, answered, err := s.answeredBy(ctx, ins.GSSCode, rec); err != nil {
			return inspection.Inspection{}, err
		} else if answered {
			return inspection.Inspection{}, inspection.ErrRecommendationAnswered.With("emergency_recommendation", rec)
		}
		// A concurrent answer makes this write conflict; the caller's
		// retry then finds the link above.
		m.Writes = append(m.Writes, store.Write{Key: s.answerKey(ins.GSSCode, rec), Data: []byte(ins.ID), IfVersion: store.MustNotExist})
	}
	if _, err := s.st.Commit(ctx, m); err != nil {
		return inspection.Inspection{}, fmt.Errorf("create inspection %s: %w", ins.Name(), err)
	}
	return ins, nil
}

// Save implements inspection.Storer.
func (s *Inspections) Save(ctx context.Context, ins inspection.Inspection, r inspection.Request) (inspection.Inspection, error) {
	read := ins.Version
	ins.Version++
	m, err := s.mutation(ins, read, r, inspectionv1.InspectionService_UpdateInspection_FullMethodName)
	if err != nil {
		return inspection.Inspection{}, err
	}
	if _, err := s.st.Commit(ctx, m); err != nil {
		return inspection.Inspection{}, fmt.Errorf("update inspection %s: %w", ins.Name(), err)
	}
	return ins, nil
}

// SavePublication implements inspection.Storer. With the inspection it
// commits the council's record as council.LocalAuthority.WithJudgement
// leaves it (pinned to the version read, so two publications for one
// council cannot both win), the JudgementPublished event on topic
// "inspection", an audit entry for each record written and the
// idempotency record. A monitoring visit has no grade: its event carries
// GRADE_UNSPECIFIED and the council's latest judgement is left alone.
func (s *Inspections) SavePublication(ctx context.Context, ins inspection.Inspection, r inspection.Request) (inspection.Inspection, error) {
	if ins.State != inspection.Published {
		return inspection.Inspection{}, fmt.Errorf("publish inspection %s: state is %s", ins.Name(), ins.State)
	}
	read := ins.Version
	ins.Version++
	method := orDefault(r.Method, inspectionv1.InspectionService_PublishJudgement_FullMethodName)
	m, err := s.mutation(ins, read, r, method)
	if err != nil {
		return inspection.Inspection{}, err
	}
	if latest, ok := ins.Latest(); ok {
		la, err := s.councils.Get(ctx, ins.GSSCode)
		if err != nil {
			return inspection.Inspection{}, fmt.Errorf("publish inspection %s: read council: %w", ins.Name(), err)
		}
		next := la.WithJudgement(latest)
		// An older judgement published late changes nothing, and then the
		// council's record and etag stay as they are.
		if !sameJudgement(la, next) {
			w, err := s.councils.Write(next)
			if err != nil {
				return inspection.Inspection{}, fmt.Errorf("publish inspection %s: %w", ins.Name(), err)
			}
			m.Writes = append(m.Writes, w)
			m.Audit = append(m.Audit, audit(r, method, la.ResourceName(), w.Key))
		}
	}
	ev, err := events.NewEvent(ctx, Topic, ins.Name(), publishedEvent(ins))
	if err != nil {
		return inspection.Inspection{}, fmt.Errorf("publish inspection %s: %w", ins.Name(), err)
	}
	m.Events = []events.Event{ev}
	if _, err := s.st.Commit(ctx, m); err != nil {
		return inspection.Inspection{}, fmt.Errorf("publish inspection %s: %w", ins.Name(), err)
	}
	return ins, nil
}

// ScheduleEmergency schedules an EMERGENCY inspection of the council gss
// with fieldwork from start to end (midnight UTC), answering the emergency
// inspection recommendation named recommendation
// (localAuthorities/{gss}/emergencyInspectionRecommendations/{id}), and
// returns the inspection's resource name. Accepting a recommendation calls
// it.
//
// It is idempotent per recommendation, which covers idempotency on
// requestID: once an inspection answers the recommendation, every later
// call returns that inspection's name, whatever its request ID, caller or
// dates, so an acceptance retried after a failure never schedules two.
// Invalid dates are INVALID_ARGUMENT violations on start_date and end_date;
// an unknown council is NOT_FOUND.
//
// requestID and actorSubject are the accepting request's; inside a gRPC
// call the audit entry also names that call's method and the caller's
// roles.
func (s *Inspections) ScheduleEmergency(ctx context.Context, gss string, start, end time.Time, recommendation, requestID, actorSubject string) (string, error) {
	if !reference.ValidGSSCode(gss) {
		return "", inspection.ErrCouncilNotFound.With("local_authority", gss)
	}
	if id, ok, err := s.answeredBy(ctx, gss, recommendation); err != nil || ok {
		return inspection.Name(gss, id), err
	}
	method, ok := grpc.Method(ctx)
	if !ok {
		method = inspectionv1.InspectionService_CreateInspection_FullMethodName
	}
	r := inspection.Request{
		Subject: actorSubject,
		Method:  method,
		ID:      requestID,
		// The calling method may keep its own idempotency record under
		// this request ID; this one must not collide with it.
		Scope: store.IdempotencyScope(method+"#ScheduleEmergency", actorSubject),
	}
	if p, ok := auth.FromContext(ctx); ok {
		r.Roles = roleNames(p.Roles)
	}
	ins, err := inspection.NewService(s, s.now).ScheduleEmergency(ctx, gss, start, end, recommendation, r)
	if errors.Is(err, inspection.ErrRecommendationAnswered) {
		// A concurrent acceptance answered it first.
		if id, ok, rerr := s.answeredBy(ctx, gss, recommendation); rerr != nil || ok {
			return inspection.Name(gss, id), rerr
		}
	}
	if err != nil {
		return "", err
	}
	return ins.Name(), nil
}

// mutation is the commit of ins (at its new version) over the version
// read: the record, its audit entry and, for a request with an ID, the
// idempotency record replaying ins. A request that names no method is
// audited under method, the RPC whose effect it has; its idempotency scope
// stays as Replay computes it from the request alone.
func (s *Inspections) mutation(ins inspection.Inspection, read int64, r inspection.Request, method string) (store.Mutation, error) {
	data, err := marshal(ins, false)
	if err != nil {
		return store.Mutation{}, err
	}
	key := s.recordKey(ins.GSSCode, ins.ID)
	m := store.Mutation{
		Tag:    keyspace.CouncilTag(ins.GSSCode),
		Writes: []store.Write{{Key: key, Data: data, IfVersion: read}},
		Audit:  []store.AuditEntry{audit(r, orDefault(r.Method, method), ins.Name(), key)},
	}
	if r.ID != "" {
		resp, err := marshal(ins, true)
		if err != nil {
			return store.Mutation{}, err
		}
		m.Idempotency = &store.IdempotencyRecord{
			Scope:       scope(r),
			RequestID:   r.ID,
			RequestHash: r.Hash,
			Response:    resp,
		}
	}
	return m, nil
}

func audit(r inspection.Request, method, resource, key string) store.AuditEntry {
	return store.AuditEntry{
		Actor:     r.Subject,
		Roles:     r.Roles,
		Method:    method,
		Resource:  resource,
		RequestID: r.ID,
		Key:       key,
	}
}

// scope is the idempotency scope of r's request ID.
func scope(r inspection.Request) string {
	if r.Scope != "" {
		return r.Scope
	}
	return store.IdempotencyScope(r.Method, r.Subject)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func roleNames(rs []auth.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

func sameJudgement(a, b council.LocalAuthority) bool {
	if a.InspectedUnderSIF != b.InspectedUnderSIF || (a.Latest == nil) != (b.Latest == nil) {
		return false
	}
	return a.Latest == nil || *a.Latest == *b.Latest
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
