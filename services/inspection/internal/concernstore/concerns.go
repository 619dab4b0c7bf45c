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
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
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
// concern.Storer and holds no rules: the concern use cases decide what a
// concern triggers and what a decision changes.
type Concerns struct {
	st       *store.Store
	concerns *store.Collection[concern.Concern]
	recs     *store.Collection[concern.Recommendation]
	now      func() time.Time
}

var _ concern.Storer = (*Concerns)(nil)

// New returns the concern store over st, storing concerns and
// recommendations in the forms their codecs give.
func New(st *store.Store, concerns store.Codec[concern.Concern], recs store.Codec[concern.Recommendation]) *Concerns {
	return &Concerns{
		st:       st,
		concerns: store.NewCollection(st, concerns, concern.ErrNotFound),
		recs:     store.NewCollection(st, recs, concern.ErrNotFound),
		now:      time.Now,
	}
}

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
// recommendations: one pipeline of two index reads, then the records.
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
	n := len(recentIDs.Val())
	recent, err := s.concerns.GetMany(ctx, keys[:n])
	if err != nil {
		return nil, nil, err
	}
	pending, err := s.recs.GetMany(ctx, keys[n:])
	if err != nil {
		return nil, nil, err
	}
	return recent, pending, nil
}

func (s *Concerns) raiseMutation(ctx context.Context, c concern.Concern, recs []concern.Recommendation, ch change.Request) (store.Mutation, error) {
	gss := c.GSSCode
	m := store.Mutation{Tag: keyspace.CouncilTag(gss)}
	ckey := s.concernKey(gss, c.ID)
	cw, err := s.concerns.Put(ckey, c, store.MustNotExist)
	if err != nil {
		return store.Mutation{}, err
	}
	m.Writes = append(m.Writes, cw)
	var answer store.Answer
	if err := s.concerns.AddTo(&answer, c, 1); err != nil {
		return store.Mutation{}, err
	}
	m.Index = append(m.Index, store.ZAdd(s.concernIndex(gss), dayScore(c.ReceivedDate), c.ID))
	m.Audit = append(m.Audit, store.AuditFor(ch, c.ResourceName(), ckey))
	for _, r := range recs {
		key := s.recKey(gss, r.ID)
		w, err := s.recs.Put(key, r, store.MustNotExist)
		if err != nil {
			return store.Mutation{}, err
		}
		m.Writes = append(m.Writes, w)
		if err := s.recs.AddTo(&answer, r, r.Version); err != nil {
			return store.Mutation{}, err
		}
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
		m.Audit = append(m.Audit, store.AuditFor(ch, r.ResourceName(), key))
	}
	lw, err := s.logWrite(gss, ch.Method, c.ResourceName())
	if err != nil {
		return store.Mutation{}, err
	}
	m.Writes = append(m.Writes, lw)
	m.Idempotency = answer.Record(ch)
	return m, nil
}

// Decide implements concern.Storer: the recommendation's write is pinned to
// r.Version, it moves between the state indexes, and the trigger log moves
// on, so a Raise reading the old PENDING state at the same time retries.
func (s *Concerns) Decide(ctx context.Context, r concern.Recommendation, ch change.Request) (concern.Recommendation, error) {
	gss := r.GSSCode
	key := s.recKey(gss, r.ID)
	w, err := s.recs.Put(key, r, r.Version)
	if err != nil {
		return concern.Recommendation{}, err
	}
	m := store.Mutation{
		Tag:    keyspace.CouncilTag(gss),
		Writes: []store.Write{w},
		Audit:  []store.AuditEntry{store.AuditFor(ch, r.ResourceName(), key)},
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
	if m.Idempotency, err = s.recs.Idempotency(ch, decided, decided.Version); err != nil {
		return concern.Recommendation{}, err
	}
	res, err := s.st.Commit(ctx, m)
	if err != nil {
		return concern.Recommendation{}, fmt.Errorf("concernstore: decide %s: %w", r.ResourceName(), err)
	}
	decided.Version = res.Versions[key]
	return decided, nil
}

// ReplayRaised implements concern.Storer.
func (s *Concerns) ReplayRaised(ctx context.Context, gss string, ch change.Request) (concern.Raised, bool, error) {
	rp, ok, err := s.st.ReplayAnswer(ctx, keyspace.CouncilTag(gss), ch)
	if err != nil || !ok {
		return concern.Raised{}, false, err
	}
	c, err := s.concerns.Next(rp)
	if err != nil {
		return concern.Raised{}, false, err
	}
	out := concern.Raised{Concern: c}
	for rp.More() {
		r, err := s.recs.Next(rp)
		if err != nil {
			return concern.Raised{}, false, err
		}
		out.Recommendations = append(out.Recommendations, r)
	}
	return out, true, nil
}

// ReplayDecision implements concern.Storer.
func (s *Concerns) ReplayDecision(ctx context.Context, gss string, ch change.Request) (concern.Recommendation, bool, error) {
	return s.recs.Replay(ctx, keyspace.CouncilTag(gss), ch)
}

// Concern implements concern.Storer.
func (s *Concerns) Concern(ctx context.Context, gss, id string) (concern.Concern, error) {
	return s.concerns.Get(ctx, s.concernKey(gss, id))
}

// Concerns implements concern.Storer with one index read and one pipelined
// read of the records.
func (s *Concerns) Concerns(ctx context.Context, gss string) ([]concern.Concern, error) {
	out, _, err := s.concerns.Range(ctx, s.concernIndex(gss), 0, -1, false, func(id string) string { return s.concernKey(gss, id) })
	if err != nil {
		return nil, fmt.Errorf("concernstore: list concerns of %s: %w", gss, err)
	}
	return out, nil
}

// Recommendation implements concern.Storer.
func (s *Concerns) Recommendation(ctx context.Context, gss, id string) (concern.Recommendation, error) {
	return s.recs.Get(ctx, s.recKey(gss, id))
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
	recs, err := s.recs.GetMany(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("concernstore: list recommendations: %w", err)
	}
	return recs, nil
}
