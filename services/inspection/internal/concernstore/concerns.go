// Package concernstore keeps concerns and emergency inspection
// recommendations in Redis, through the platform store. Every key of a
// council's concerns and recommendations carries the council's hash tag, so
// a concern, the recommendations it triggers, their events and audit
// entries commit in one transaction, on Redis Cluster too.
//
// Keys under the tag {la:GSS}:
//
//	concern:{id}                        a concern (inspectionv1.Concern)
//	concerns:by-received                sorted set of concern ids, scored by received day
//	recommendation:{id}                 a recommendation (inspectionv1.EmergencyInspectionRecommendation)
//	recommendations:all                 sorted set of recommendation ids, scored by create time (ms)
//	recommendations:state:{STATE}       the same, per state
//	concern-log                         the council's trigger log: its version moves on every
//	                                    raise and decision, which serialises rule evaluation
package concernstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concern"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Topic is the event topic of the inspection service.
const Topic = "inspection"

// Concerns stores concerns and recommendations. It implements
// concern.Storer.
type Concerns struct {
	st  *store.Store
	now func() time.Time
}

var _ concern.Storer = (*Concerns)(nil)

// New returns the concern store over st.
func New(st *store.Store) *Concerns { return &Concerns{st: st, now: time.Now} }

func (s *Concerns) key(gss string, parts ...string) string {
	return s.st.Keyspace().Key(keyspace.CouncilTag(gss), parts...)
}

func (s *Concerns) concernKey(gss, id string) string { return s.key(gss, "concern", id) }
func (s *Concerns) concernIndex(gss string) string   { return s.key(gss, "concerns", "by-received") }
func (s *Concerns) recKey(gss, id string) string     { return s.key(gss, "recommendation", id) }
func (s *Concerns) recIndexAll(gss string) string    { return s.key(gss, "recommendations", "all") }
func (s *Concerns) logKey(gss string) string         { return s.key(gss, "concern-log") }
func (s *Concerns) recIndex(gss string, st concern.State) string {
	if st == "" {
		return s.recIndexAll(gss)
	}
	return s.key(gss, "recommendations", "state", string(st))
}

// dayScore is a date's index score: whole days since 1970-01-01.
func dayScore(t time.Time) float64 {
	y, m, d := t.UTC().Date()
	return float64(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// timeScore is a create time's index score, in milliseconds.
func timeScore(t time.Time) float64 { return float64(t.UnixMilli()) }

// logEntry is the trigger log's payload. Only the record's version matters
// for correctness; the payload tells an operator what moved it last.
type logEntry struct {
	Method   string    `json:"method"`
	Resource string    `json:"resource"`
	Time     time.Time `json:"time"`
}

func (s *Concerns) logWrite(gss, method, resource string) (store.Write, error) {
	data, err := json.Marshal(logEntry{Method: method, Resource: resource, Time: s.now().UTC()})
	if err != nil {
		return store.Write{}, fmt.Errorf("encode concern log of %s: %w", gss, err)
	}
	return store.Write{Key: s.logKey(gss), Data: data, IfVersion: store.AnyVersion}, nil
}

// Raise implements concern.Storer. It is a store.Update on the council's
// trigger log: the read of recent concerns and pending recommendations
// happens after the log's version is read, and the commit is pinned to that
// version, so two concerns raised at once cannot both miss a rule (or both
// fire it): the second to commit is refused, reads again and sees the
// first. The concern, every recommendation, one EmergencyInspectionRecommended
// event per recommendation, the audit entries and the idempotency record
// are one MULTI/EXEC.
func (s *Concerns) Raise(ctx context.Context, c concern.Concern, from, to time.Time, decide concern.Decider, ch change.Request) ([]concern.Recommendation, error) {
	gss := c.GSSCode
	var recs []concern.Recommendation
	_, err := s.st.Update(ctx, s.logKey(gss), func(store.Record) (store.Mutation, error) {
		recent, pending, err := s.readForRaise(ctx, gss, from, to)
		if err != nil {
			return store.Mutation{}, err
		}
		recs, err = decide(recent, pending)
		if err != nil {
			return store.Mutation{}, err
		}
		for i := range recs {
			recs[i].Version = 1
		}
		return s.raiseMutation(ctx, c, recs, ch)
	})
	if err != nil {
		return nil, fmt.Errorf("concernstore: raise concern at %s: %w", gss, err)
	}
	return recs, nil
}

// readForRaise reads the concerns received in [from, to] and the PENDING
// recommendations: one pipeline of two index reads, then one of records.
func (s *Concerns) readForRaise(ctx context.Context, gss string, from, to time.Time) ([]concern.Concern, []concern.Recommendation, error) {
	var recentIDs, pendingIDs *redis.StringSliceCmd
	_, err := s.st.Client().Pipelined(ctx, func(p redis.Pipeliner) error {
		recentIDs = p.ZRangeByScore(ctx, s.concernIndex(gss), &redis.ZRangeBy{
			Min: strconv.FormatFloat(dayScore(from), 'f', -1, 64),
			Max: strconv.FormatFloat(dayScore(to), 'f', -1, 64),
		})
		pendingIDs = p.ZRange(ctx, s.recIndex(gss, concern.Pending), 0, -1)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read indexes: %w", err)
	}
	keys := make([]string, 0, len(recentIDs.Val())+len(pendingIDs.Val()))
	for _, id := range recentIDs.Val() {
		keys = append(keys, s.concernKey(gss, id))
	}
	for _, id := range pendingIDs.Val() {
		keys = append(keys, s.recKey(gss, id))
	}
	recs, err := s.st.GetMany(ctx, keys)
	if err != nil {
		return nil, nil, err
	}
	n := len(recentIDs.Val())
	recent, err := decodeConcerns(recs[:n])
	if err != nil {
		return nil, nil, err
	}
	pending, err := decodeRecommendations(recs[n:])
	if err != nil {
		return nil, nil, err
	}
	return recent, pending, nil
}

func (s *Concerns) raiseMutation(ctx context.Context, c concern.Concern, recs []concern.Recommendation, ch change.Request) (store.Mutation, error) {
	gss := c.GSSCode
	m := store.Mutation{Tag: keyspace.CouncilTag(gss)}
	cdata, err := proto.Marshal(ConcernToProto(c))
	if err != nil {
		return store.Mutation{}, fmt.Errorf("encode concern: %w", err)
	}
	ckey := s.concernKey(gss, c.ID)
	m.Writes = append(m.Writes, store.Write{Key: ckey, Data: cdata, IfVersion: store.MustNotExist})
	m.Index = append(m.Index, store.ZAdd(s.concernIndex(gss), dayScore(c.ReceivedDate), c.ID))
	m.Audit = append(m.Audit, audit(ch, c.ResourceName(), ckey))
	for _, r := range recs {
		data, err := proto.Marshal(storedRecommendation(r))
		if err != nil {
			return store.Mutation{}, fmt.Errorf("encode recommendation: %w", err)
		}
		key := s.recKey(gss, r.ID)
		m.Writes = append(m.Writes, store.Write{Key: key, Data: data, IfVersion: store.MustNotExist})
		m.Index = append(m.Index,
			store.ZAdd(s.recIndexAll(gss), timeScore(r.CreateTime), r.ID),
			store.ZAdd(s.recIndex(gss, r.State), timeScore(r.CreateTime), r.ID))
		ev, err := events.NewEvent(ctx, Topic, r.ResourceName(), &eventsv1.EmergencyInspectionRecommended{
			Recommendation: r.ResourceName(),
			LocalAuthority: resource.CouncilName(gss),
			Rule:           r.Rule,
			Concerns:       r.ConcernNames(),
		})
		if err != nil {
			return store.Mutation{}, fmt.Errorf("event for %s: %w", r.ResourceName(), err)
		}
		m.Events = append(m.Events, ev)
		m.Audit = append(m.Audit, audit(ch, r.ResourceName(), key))
	}
	lw, err := s.logWrite(gss, ch.Method, c.ResourceName())
	if err != nil {
		return store.Mutation{}, err
	}
	m.Writes = append(m.Writes, lw)
	idem, err := idempotency(ch, RaisedToProto(concern.Raised{Concern: c, Recommendations: recs}))
	if err != nil {
		return store.Mutation{}, err
	}
	m.Idempotency = idem
	return m, nil
}

// Decide implements concern.Storer: the recommendation's write is pinned to
// r.Version, it moves between the state indexes, and the trigger log moves
// on, so a Raise reading the old PENDING state at the same time retries.
func (s *Concerns) Decide(ctx context.Context, r concern.Recommendation, ch change.Request) (concern.Recommendation, error) {
	gss := r.GSSCode
	key := s.recKey(gss, r.ID)
	data, err := proto.Marshal(storedRecommendation(r))
	if err != nil {
		return concern.Recommendation{}, fmt.Errorf("concernstore: encode recommendation: %w", err)
	}
	m := store.Mutation{
		Tag:    keyspace.CouncilTag(gss),
		Writes: []store.Write{{Key: key, Data: data, IfVersion: r.Version}},
		Audit:  []store.AuditEntry{audit(ch, r.ResourceName(), key)},
	}
	for _, st := range concern.States {
		if st != r.State {
			m.Index = append(m.Index, store.ZRem(s.recIndex(gss, st), r.ID))
		}
	}
	m.Index = append(m.Index, store.ZAdd(s.recIndex(gss, r.State), timeScore(r.CreateTime), r.ID))
	lw, err := s.logWrite(gss, ch.Method, r.ResourceName())
	if err != nil {
		return concern.Recommendation{}, err
	}
	m.Writes = append(m.Writes, lw)
	decided := r
	decided.Version = r.Version + 1
	if m.Idempotency, err = idempotency(ch, RecommendationToProto(decided)); err != nil {
		return concern.Recommendation{}, err
	}
	res, err := s.st.Commit(ctx, m)
	if err != nil {
		return concern.Recommendation{}, fmt.Errorf("concernstore: decide %s: %w", r.ResourceName(), err)
	}
	decided.Version = res.Versions[key]
	return decided, nil
}

// storedRecommendation is the stored form: the API message without its
// etag, which is the record's version.
func storedRecommendation(r concern.Recommendation) *inspectionv1.EmergencyInspectionRecommendation {
	m := RecommendationToProto(r)
	m.Etag = ""
	return m
}

func audit(ch change.Request, resource, key string) store.AuditEntry {
	return store.AuditEntry{
		Actor: ch.Subject, Roles: ch.Roles, Method: ch.Method, Resource: resource, RequestID: ch.RequestID, Key: key,
	}
}

// idempotency is the record that makes a retry of ch's request replay resp.
func idempotency(ch change.Request, resp proto.Message) (*store.IdempotencyRecord, error) {
	if ch.RequestID == "" {
		return nil, nil
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(resp)
	if err != nil {
		return nil, fmt.Errorf("encode response for request %q: %w", ch.RequestID, err)
	}
	return &store.IdempotencyRecord{
		Scope:       store.IdempotencyScope(ch.Method, ch.Subject),
		RequestID:   ch.RequestID,
		RequestHash: ch.RequestHash,
		Response:    b,
	}, nil
}

// Replay implements concern.Storer.
func (s *Concerns) Replay(ctx context.Context, gss string, ch change.Request) ([]byte, bool, error) {
	b, ok, err := s.st.Replay(ctx, keyspace.CouncilTag(gss), store.IdempotencyScope(ch.Method, ch.Subject), ch.RequestID, ch.RequestHash)
	if err != nil {
		return nil, false, fmt.Errorf("concernstore: %w", err)
	}
	return b, ok, nil
}

// Concern implements concern.Storer.
func (s *Concerns) Concern(ctx context.Context, gss, id string) (concern.Concern, error) {
	rec, err := s.st.Get(ctx, s.concernKey(gss, id))
	if errors.Is(err, store.ErrNotFound) {
		return concern.Concern{}, concern.ErrNotFound
	}
	if err != nil {
		return concern.Concern{}, fmt.Errorf("concernstore: %w", err)
	}
	return decodeConcern(rec)
}

// Concerns implements concern.Storer with one index read and one pipelined
// read of the records.
func (s *Concerns) Concerns(ctx context.Context, gss string) ([]concern.Concern, error) {
	ids, err := s.st.Client().ZRange(ctx, s.concernIndex(gss), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("concernstore: list concerns of %s: %w", gss, err)
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.concernKey(gss, id)
	}
	recs, err := s.st.GetMany(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("concernstore: list concerns of %s: %w", gss, err)
	}
	return decodeConcerns(recs)
}

// Recommendation implements concern.Storer.
func (s *Concerns) Recommendation(ctx context.Context, gss, id string) (concern.Recommendation, error) {
	rec, err := s.st.Get(ctx, s.recKey(gss, id))
	if errors.Is(err, store.ErrNotFound) {
		return concern.Recommendation{}, concern.ErrNotFound
	}
	if err != nil {
		return concern.Recommendation{}, fmt.Errorf("concernstore: %w", err)
	}
	return decodeRecommendation(rec)
}

// Recommendations implements concern.Storer in two round trips whatever
// the number of councils: one pipeline reading the index of each council
// asked for (every council in the reference data for gss ""), each key in
// its own council's slot, then one pipelined read of the records.
func (s *Concerns) Recommendations(ctx context.Context, gss string, state concern.State) ([]concern.Recommendation, error) {
	codes := []string{gss}
	if gss == "" {
		all := reference.Councils()
		codes = make([]string, len(all))
		for i, c := range all {
			codes[i] = c.GSSCode
		}
	}
	cmds := make([]*redis.StringSliceCmd, len(codes))
	_, err := s.st.Client().Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, code := range codes {
			cmds[i] = p.ZRange(ctx, s.recIndex(code, state), 0, -1)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("concernstore: list recommendations: %w", err)
	}
	var keys []string
	for i, cmd := range cmds {
		for _, id := range cmd.Val() {
			keys = append(keys, s.recKey(codes[i], id))
		}
	}
	recs, err := s.st.GetMany(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("concernstore: list recommendations: %w", err)
	}
	return decodeRecommendations(recs)
}

func decodeConcern(rec store.Record) (concern.Concern, error) {
	var m inspectionv1.Concern
	if err := proto.Unmarshal(rec.Data, &m); err != nil {
		return concern.Concern{}, fmt.Errorf("concernstore: decode %s: %w", rec.Key, err)
	}
	c, err := concernFromProto(&m)
	if err != nil {
		return concern.Concern{}, fmt.Errorf("concernstore: decode %s: %w", rec.Key, err)
	}
	return c, nil
}

// decodeConcerns decodes the records that exist; an index entry whose
// record is gone is skipped.
func decodeConcerns(recs []store.Record) ([]concern.Concern, error) {
	out := make([]concern.Concern, 0, len(recs))
	for _, rec := range recs {
		if !rec.Exists() {
			continue
		}
		c, err := decodeConcern(rec)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func decodeRecommendation(rec store.Record) (concern.Recommendation, error) {
	var m inspectionv1.EmergencyInspectionRecommendation
	if err := proto.Unmarshal(rec.Data, &m); err != nil {
		return concern.Recommendation{}, fmt.Errorf("concernstore: decode %s: %w", rec.Key, err)
	}
	r, err := recommendationFromProto(&m, rec.Version)
	if err != nil {
		return concern.Recommendation{}, fmt.Errorf("concernstore: decode %s: %w", rec.Key, err)
	}
	return r, nil
}

func decodeRecommendations(recs []store.Record) ([]concern.Recommendation, error) {
	out := make([]concern.Recommendation, 0, len(recs))
	for _, rec := range recs {
		if !rec.Exists() {
			continue
		}
		r, err := decodeRecommendation(rec)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
