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
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/intervention"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planstore"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Topic is the event topic InterventionOrdered goes to.
const Topic = planstore.Topic

// Interventions stores interventions.
type Interventions struct {
	st    *store.Store
	plans *planstore.Plans
}

// New returns the intervention store over st. plans is the plan store of
// the same Redis, whose records a decision changes.
func New(st *store.Store, plans *planstore.Plans) *Interventions {
	return &Interventions{st: st, plans: plans}
}

func (s *Interventions) ks() keyspace.Keyspace { return s.st.Keyspace() }

func (s *Interventions) recordKey(gss, id string) string {
	return s.ks().Key(keyspace.CouncilTag(gss), "intervention", id)
}

func (s *Interventions) indexKey(gss string) string {
	return s.ks().Key(keyspace.CouncilTag(gss), "interventions")
}

// Get returns intervention id of the council gss, or an error matching
// intervention.ErrNotFound.
func (s *Interventions) Get(ctx context.Context, gss, id string) (intervention.Intervention, error) {
	rec, err := s.st.Get(ctx, s.recordKey(gss, id))
	if errors.Is(err, store.ErrNotFound) {
		return intervention.Intervention{}, intervention.ErrNotFound
	}
	if err != nil {
		return intervention.Intervention{}, fmt.Errorf("get intervention %s: %w", intervention.Name(gss, id), err)
	}
	return decode(rec.Data, rec.Version)
}

// List returns a council's interventions, or every council's when gss is
// plan.AllCouncils, in no particular order: one pipeline of
// SMEMBERS over the index sets and one pipelined read of the records. Each
// index key is read on its own, so no command spans two hash tags and the
// list works unchanged on Redis Cluster.
func (s *Interventions) List(ctx context.Context, gss string) ([]intervention.Intervention, error) {
	codes := []string{gss}
	if gss == plan.AllCouncils {
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
		return nil, fmt.Errorf("list interventions of %s: %w", gss, err)
	}
	var keys []string
	for i, cmd := range cmds {
		for _, id := range cmd.Val() {
			keys = append(keys, s.recordKey(codes[i], id))
		}
	}
	recs, err := s.st.GetMany(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("list interventions of %s: %w", gss, err)
	}
	out := make([]intervention.Intervention, 0, len(recs))
	for _, rec := range recs {
		if !rec.Exists() {
			continue
		}
		iv, err := decode(rec.Data, rec.Version)
		if err != nil {
			return nil, fmt.Errorf("list interventions of %s: %w", gss, err)
		}
		out = append(out, iv)
	}
	return out, nil
}

// Replay looks up the response stored for a request with requestID in
// scope against the council gss (see store.ReplayProto) and, when there is
// one, decodes it into resp and returns true.
func (s *Interventions) Replay(ctx context.Context, gss, scope, requestID string, req, resp proto.Message) (bool, error) {
	return s.st.ReplayProto(ctx, keyspace.CouncilTag(gss), scope, requestID, req, resp)
}

// Insert stores iv, a new intervention, at version 1, in one transaction
// with its index entry, the InterventionOrdered event on topic
// "improvementplan", its audit entry (audit with the resource and key
// filled in) and idem, the idempotency record, when not nil. It returns iv
// at version 1. An ID already taken, or a concurrent request with the same
// request_id, gives an error matching store.ErrConflict.
func (s *Interventions) Insert(ctx context.Context, iv intervention.Intervention, audit store.AuditEntry, idem *store.IdempotencyRecord) (intervention.Intervention, error) {
	m, err := s.orderMutation(ctx, iv, audit)
	if err != nil {
		return intervention.Intervention{}, err
	}
	m.Idempotency = idem
	if _, err := s.st.Commit(ctx, m); err != nil {
		return intervention.Intervention{}, fmt.Errorf("order intervention %s: %w", iv.Name(), err)
	}
	iv.Version = 1
	return iv, nil
}

// Save stores iv, changed from the version iv.Version it was read at, with
// its audit entry and idem, and returns it at its new version. An
// intervention that moved since it was read gives an error matching
// store.ErrConflict, and nothing is written.
func (s *Interventions) Save(ctx context.Context, iv intervention.Intervention, audit store.AuditEntry, idem *store.IdempotencyRecord) (intervention.Intervention, error) {
	if iv.Version < 1 {
		return intervention.Intervention{}, fmt.Errorf("save intervention %s: version %d: an intervention is created only by Insert", iv.Name(), iv.Version)
	}
	data, err := marshal(iv)
	if err != nil {
		return intervention.Intervention{}, err
	}
	key := s.recordKey(iv.GSSCode, iv.ID)
	audit.Resource, audit.Key = iv.Name(), key
	_, err = s.st.Commit(ctx, store.Mutation{
		Tag:         keyspace.CouncilTag(iv.GSSCode),
		Writes:      []store.Write{{Key: key, Data: data, IfVersion: iv.Version}},
		Audit:       []store.AuditEntry{audit},
		Idempotency: idem,
	})
	if err != nil {
		return intervention.Intervention{}, fmt.Errorf("save intervention %s: %w", iv.Name(), err)
	}
	iv.Version++
	return iv, nil
}

// Decide stores DfE's decision on a plan, in one transaction: the plan as
// out.Plan leaves it, pinned to the version it was read at, with its index
// entries and audit entry; when the decision ordered an intervention
// (out.Intervention), the intervention at version 1 with its index entry,
// InterventionOrdered event and audit entry; and idem, the idempotency
// record, when not nil. audit is the template of both audit entries. It
// returns the outcome at its new versions. A plan that moved since it was
// read gives an error matching store.ErrConflict, and nothing is written.
func (s *Interventions) Decide(ctx context.Context, out intervention.Outcome, audit store.AuditEntry, idem *store.IdempotencyRecord) (intervention.Outcome, error) {
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
		if m, err = s.orderMutation(ctx, *iv, audit); err != nil {
			return intervention.Outcome{}, err
		}
	}
	planAudit := audit
	planAudit.Resource, planAudit.Key = p.Name(), w.Key
	// The plan's entry goes first: the decision is about the plan, and
	// the intervention follows from it.
	m.Writes = append([]store.Write{w}, m.Writes...)
	m.Index = append(s.plans.Index(p), m.Index...)
	m.Audit = append([]store.AuditEntry{planAudit}, m.Audit...)
	m.Idempotency = idem
	if _, err := s.st.Commit(ctx, m); err != nil {
		return intervention.Outcome{}, fmt.Errorf("decide on %s: %w", p.Name(), err)
	}
	out.Plan.Version++
	if out.Intervention != nil {
		iv := out.Intervention.Clone()
		iv.Version = 1
		out.Intervention = &iv
	}
	return out, nil
}

// orderMutation is the commit that orders iv: the record (which must not
// exist), its index entry, its event and its audit entry.
func (s *Interventions) orderMutation(ctx context.Context, iv intervention.Intervention, audit store.AuditEntry) (store.Mutation, error) {
	data, err := marshal(iv)
	if err != nil {
		return store.Mutation{}, err
	}
	ev, err := events.NewEvent(ctx, Topic, iv.Name(), OrderedEvent(iv))
	if err != nil {
		return store.Mutation{}, fmt.Errorf("order intervention %s: %w", iv.Name(), err)
	}
	ev.Time = iv.OrderTime
	key := s.recordKey(iv.GSSCode, iv.ID)
	audit.Resource, audit.Key = iv.Name(), key
	return store.Mutation{
		Tag:    keyspace.CouncilTag(iv.GSSCode),
		Writes: []store.Write{{Key: key, Data: data, IfVersion: store.MustNotExist}},
		Index:  []store.IndexOp{store.SAdd(s.indexKey(iv.GSSCode), iv.ID)},
		Events: []events.Event{ev},
		Audit:  []store.AuditEntry{audit},
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
	}
}
