// Package engagementstore keeps sponsors' engagements and the staff they
// deploy in Redis, through the platform store. Everything of one sponsor
// lives under the sponsor's hash tag (Tag), beside the sponsor's own record
// and outbox, so recording a deployment commits the deployment, the
// engagement's new totals (pinned to the version read), the audit entries
// and the idempotency record in one transaction.
//
// Keys, under Tag(sponsor) = "sponsor:{sponsor}":
//
//	{sponsor:S}:engagement:{id}                 an engagement (a record: stored form and version)
//	{sponsor:S}:engagements                     a set of the sponsor's engagement ids
//	{sponsor:S}:engagements:active              a set of the ids of its ACTIVE engagements
//	{sponsor:S}:deployment:{engagement}:{id}    a deployment (a record)
//	{sponsor:S}:engagement:{id}:deployments     a set of an engagement's deployment ids
//	{sponsor:S}:deployments                     a sorted set of "{engagement}/{id}" by date (days since 1970)
//
// and, outside any sponsor's tag, {engagements}:sponsors, the set of every
// sponsor that ever had an engagement. A sponsor is added to it before its
// first engagement commits (as the platform's outbox registry is), so it
// may name a sponsor whose commit then failed, never miss one that holds
// engagements. Lists across sponsors and Usage read it, then every
// sponsor's index in one pipeline, then the records in another: a constant
// number of round trips however many sponsors and engagements there are.
package engagementstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
)

// Topic is the event topic of the sponsor service; EngagementStarted goes
// to it.
const Topic = "sponsor"

// Tag is the hash tag of everything that belongs to the sponsor with id
// sponsor: its record, engagements, deployments and outbox. A commit that
// creates engagements uses it as its Mutation.Tag.
func Tag(sponsor string) string { return "sponsor:" + sponsor }

// Usage is a sponsor's capacity in use; see engagement.UsageOf for how it
// follows engagements and deployments.
type Usage = engagement.Usage

// Engagements stores engagements and deployments. It is safe for
// concurrent use.
type Engagements struct {
	st   *store.Store
	engs *store.Collection[engagement.Engagement]
	deps *store.Collection[engagement.Deployment]
	// every answers every sponsor's engagements again, with a Tracker,
	// while none of their keys changed: what each match run reads.
	every *store.Memo[[]engagement.Engagement]
	now   func() time.Time
	// registered remembers sponsors already in the registry set, so only a
	// sponsor's first engagement in this process costs the extra SADD.
	registered sync.Map
}

// Option configures Engagements.
type Option func(*Engagements)

// WithClock sets the clock Usage reads the current quarter from; nil
// keeps time.Now.
func WithClock(now func() time.Time) Option {
	return func(s *Engagements) {
		if now != nil {
			s.now = now
		}
	}
}

// New returns the engagement store over st.
func New(st *store.Store, opts ...Option) *Engagements {
	s := &Engagements{
		st:   st,
		engs: store.NewCollection(st, engagementCodec, engagement.ErrNotFound),
		deps: store.NewCollection(st, deploymentCodec, engagement.ErrNotFound),
		every: store.NewMemo[[]engagement.Engagement](st).Copying(func(engs []engagement.Engagement) []engagement.Engagement {
			out := make([]engagement.Engagement, len(engs))
			for i, e := range engs {
				out[i] = e.Clone()
			}
			return out
		}),
		now: time.Now,
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

func (s *Engagements) ks() keyspace.Keyspace { return s.st.Keyspace() }

// RecordKey is the key of the record of engagement id of sponsor, the key
// an audit entry about the engagement names.
func (s *Engagements) RecordKey(sponsor, id string) string {
	return s.ks().Key(Tag(sponsor), "engagement", id)
}

func (s *Engagements) indexKey(sponsor string) string {
	return s.ks().Key(Tag(sponsor), "engagements")
}

func (s *Engagements) activeKey(sponsor string) string {
	return s.ks().Key(Tag(sponsor), "engagements", "active")
}

func (s *Engagements) deploymentKey(sponsor, engagementID, id string) string {
	return s.ks().Key(Tag(sponsor), "deployment", engagementID, id)
}

func (s *Engagements) deploymentIndexKey(sponsor, engagementID string) string {
	return s.ks().Key(Tag(sponsor), "engagement", engagementID, "deployments")
}

func (s *Engagements) datedKey(sponsor string) string {
	return s.ks().Key(Tag(sponsor), "deployments")
}

func (s *Engagements) registryKey() string { return s.ks().Key("engagements", "sponsors") }

// dayNumber is the sorted-set score of a date: days since 1970-01-01.
func dayNumber(date time.Time) int64 { return date.Unix() / 86400 }

// Get returns engagement id of sponsor, or an error matching
// engagement.ErrNotFound.
func (s *Engagements) Get(ctx context.Context, sponsor, id string) (engagement.Engagement, error) {
	return s.engs.GetNamed(ctx, s.RecordKey(sponsor, id), "engagement "+engagement.Name(sponsor, id))
}

// List returns a sponsor's engagements, or every sponsor's when sponsor is
// engagement.AllSponsors, in no particular order (engagement.Select orders
// them). One sponsor costs two round trips, every sponsor three, or, with a
// Tracker, one PING while no engagement, index or the registry changed
// (store.Memo).
func (s *Engagements) List(ctx context.Context, sponsor string) ([]engagement.Engagement, error) {
	if sponsor == engagement.AllSponsors {
		keys := func() []string {
			return []string{s.registryKey(), s.indexKey(store.Any), s.RecordKey(store.Any, store.Any)}
		}
		return s.every.Read(ctx, "every sponsor", keys, func() ([]engagement.Engagement, error) {
			sponsors, err := s.sponsors(ctx)
			if err != nil {
				return nil, err
			}
			engs, err := s.read(ctx, sponsors, s.indexKey)
			if err != nil {
				return nil, fmt.Errorf("list engagements of %s: %w", engagement.SponsorName(sponsor), err)
			}
			return engs, nil
		})
	}
	engs, err := s.read(ctx, []string{sponsor}, s.indexKey)
	if err != nil {
		return nil, fmt.Errorf("list engagements of %s: %w", engagement.SponsorName(sponsor), err)
	}
	return engs, nil
}

// Usage returns the capacity in use of sponsors, or of every sponsor with
// an engagement when none are named, keyed by sponsor id, as
// engagement.UsageOf works it out at the store's clock. A sponsor absent
// from the result has nothing in use. It reads the registry (only when no
// sponsor is named), the ACTIVE index sets in one pipeline and the active
// engagements in another: at most three round trips, however many sponsors
// and engagements there are.
func (s *Engagements) Usage(ctx context.Context, sponsors ...string) (map[string]Usage, error) {
	if len(sponsors) == 0 {
		var err error
		if sponsors, err = s.sponsors(ctx); err != nil {
			return nil, err
		}
	}
	engs, err := s.read(ctx, sponsors, s.activeKey)
	if err != nil {
		return nil, fmt.Errorf("capacity in use: %w", err)
	}
	return engagement.UsageOf(engs, s.now()), nil
}

// sponsors reads the registry of sponsors with engagements.
func (s *Engagements) sponsors(ctx context.Context) ([]string, error) {
	ids, err := s.st.Client().SMembers(ctx, s.registryKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("read the sponsors with engagements: %w", err)
	}
	return ids, nil
}

// read returns the engagements that the index set index(sponsor) of each
// sponsor names: one pipeline of SMEMBERS, one of record reads. Each
// command touches one key, so nothing spans two hash tags.
func (s *Engagements) read(ctx context.Context, sponsors []string, index func(string) string) ([]engagement.Engagement, error) {
	sponsors = slices.Compact(slices.Sorted(slices.Values(sponsors)))
	if len(sponsors) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.StringSliceCmd, len(sponsors))
	_, err := s.st.Client().Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, sp := range sponsors {
			cmds[i] = p.SMembers(ctx, index(sp))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read engagement indexes: %w", err)
	}
	var keys []string
	for i, cmd := range cmds {
		for _, id := range cmd.Val() {
			keys = append(keys, s.RecordKey(sponsors[i], id))
		}
	}
	return s.engs.GetMany(ctx, keys)
}

// register adds sponsor to the registry of sponsors with engagements, once
// per process.
func (s *Engagements) register(ctx context.Context, sponsor string) error {
	if _, ok := s.registered.Load(sponsor); ok {
		return nil
	}
	if err := s.st.Client().SAdd(ctx, s.registryKey(), sponsor).Err(); err != nil {
		return fmt.Errorf("register sponsor %s: %w", sponsor, err)
	}
	s.registered.Store(sponsor, true)
	return nil
}

// NewWrites returns the record write and index operations that create e,
// a new engagement from engagement.New, all under Tag(e.Sponsor), for a
// commit that creates engagements beside other records (an approval
// committing its run and needs). The write fails the commit with
// store.ErrConflict if the id is taken. NewWrites first registers
// e.Sponsor for lists across sponsors (see the package documentation);
// that is its only side effect, and harmless if the commit never happens.
func (s *Engagements) NewWrites(ctx context.Context, e engagement.Engagement) ([]store.Write, []store.IndexOp, error) {
	if !engagement.ValidID(e.Sponsor) || !engagement.ValidID(e.ID) || e.State != engagement.Active || len(e.ByQuarter) > 0 || e.Deployed != 0 {
		return nil, nil, fmt.Errorf("%w: %s is not a new engagement from engagement.New", store.ErrBadMutation, e.Name())
	}
	w, err := s.engs.Put(s.RecordKey(e.Sponsor, e.ID), e, store.MustNotExist)
	if err != nil {
		return nil, nil, err
	}
	if err := s.register(ctx, e.Sponsor); err != nil {
		return nil, nil, err
	}
	return []store.Write{w},
		[]store.IndexOp{store.SAdd(s.indexKey(e.Sponsor), e.ID), store.SAdd(s.activeKey(e.Sponsor), e.ID)},
		nil
}

// NewMutation is the whole commit that creates e: NewWrites, the
// EngagementStarted event (StartedEvent) and audit with its resource and
// key filled in, under Tag(e.Sponsor). Mutations of several engagements of
// the same sponsor can be merged by appending their slices.
func (s *Engagements) NewMutation(ctx context.Context, e engagement.Engagement, audit store.AuditEntry) (store.Mutation, error) {
	writes, index, err := s.NewWrites(ctx, e)
	if err != nil {
		return store.Mutation{}, err
	}
	ev, err := StartedEvent(ctx, e)
	if err != nil {
		return store.Mutation{}, err
	}
	audit.Resource, audit.Key = e.Name(), s.RecordKey(e.Sponsor, e.ID)
	return store.Mutation{
		Tag:    Tag(e.Sponsor),
		Writes: writes,
		Index:  index,
		Events: []events.Event{ev},
		Audit:  []store.AuditEntry{audit},
	}, nil
}

// Create stores e, a new engagement from engagement.New, at version 1 in
// one transaction with its index entries, its EngagementStarted event, any
// further events evs (they go to the sponsor's outbox) and its audit entry,
// and returns it at version 1. An id already taken gives an error matching
// store.ErrConflict, and nothing is written.
func (s *Engagements) Create(ctx context.Context, e engagement.Engagement, audit store.AuditEntry, evs ...events.Event) (engagement.Engagement, error) {
	m, err := s.NewMutation(ctx, e, audit)
	if err != nil {
		return engagement.Engagement{}, err
	}
	m.Events = append(m.Events, evs...)
	if _, err := s.st.Commit(ctx, m); err != nil {
		return engagement.Engagement{}, fmt.Errorf("create engagement %s: %w", e.Name(), err)
	}
	e.Version = 1
	return e, nil
}

// StartedEvent is the EngagementStarted event of e on Topic, about the
// engagement, at its create time.
func StartedEvent(ctx context.Context, e engagement.Engagement) (events.Event, error) {
	ev, err := events.NewEvent(ctx, Topic, e.Name(), StartedPayload(e))
	if err != nil {
		return events.Event{}, fmt.Errorf("engagement %s started: %w", e.Name(), err)
	}
	if !e.CreateTime.IsZero() {
		ev.Time = e.CreateTime
	}
	return ev, nil
}

// StartedPayload is the EngagementStarted payload of e.
func StartedPayload(e engagement.Engagement) *eventsv1.EngagementStarted {
	return &eventsv1.EngagementStarted{
		Engagement:     e.Name(),
		Sponsor:        engagement.SponsorName(e.Sponsor),
		LocalAuthority: e.CouncilName(),
		SponsorNeed:    e.Need,
	}
}

// AddDeployment stores d and e, the engagement as Engagement.Deploy left
// it (still at the version it was read at), in one transaction: the
// deployment at version 1 with its index entries, the engagement's new
// totals pinned to that version, an audit entry for each (audit is the
// template) and idem, the idempotency record, when not nil. It returns the
// engagement at its new version. An engagement that moved since it was
// read, or a concurrent request with the same request_id, gives an error
// matching store.ErrConflict, and nothing is written.
func (s *Engagements) AddDeployment(ctx context.Context, e engagement.Engagement, d engagement.Deployment, r change.Request) (engagement.Engagement, error) {
	if e.Version < 1 || d.Sponsor != e.Sponsor || d.Engagement != e.ID || !engagement.ValidID(d.ID) {
		return engagement.Engagement{}, fmt.Errorf("%w: deployment %s to engagement %s at version %d",
			store.ErrBadMutation, d.Name(), e.Name(), e.Version)
	}
	engWrite, err := s.engs.Put(s.RecordKey(e.Sponsor, e.ID), e, e.Version)
	if err != nil {
		return engagement.Engagement{}, err
	}
	depWrite, err := s.deps.Put(s.deploymentKey(d.Sponsor, d.Engagement, d.ID), d, store.MustNotExist)
	if err != nil {
		return engagement.Engagement{}, err
	}
	engKey, depKey := engWrite.Key, depWrite.Key
	audit := store.AuditEntry{Audit: change.Audit{Actor: r.Subject, Roles: r.Roles, Method: r.Method, RequestID: r.RequestID}}
	var idem *store.IdempotencyRecord
	if r.RequestID != "" && len(r.RequestHash) > 0 {
		idem = &store.IdempotencyRecord{
			Scope: store.IdempotencyScope(r.Method, r.Subject), RequestID: r.RequestID, RequestHash: r.RequestHash, Response: depWrite.Data,
		}
	}
	depAudit, engAudit := audit, audit
	depAudit.Resource, depAudit.Key = d.Name(), depKey
	engAudit.Resource, engAudit.Key = e.Name(), engKey
	_, err = s.st.Commit(ctx, store.Mutation{
		Tag:    Tag(e.Sponsor),
		Writes: []store.Write{depWrite, engWrite},
		Index: []store.IndexOp{
			store.SAdd(s.deploymentIndexKey(d.Sponsor, d.Engagement), d.ID),
			store.ZAdd(s.datedKey(d.Sponsor), float64(dayNumber(d.Date)), d.Engagement+"/"+d.ID),
		},
		Audit:       []store.AuditEntry{depAudit, engAudit},
		Idempotency: idem,
	})
	if err != nil {
		return engagement.Engagement{}, fmt.Errorf("record deployment %s: %w", d.Name(), err)
	}
	e.Version++
	return e, nil
}

// Deployments returns the deployments of engagement id of sponsor, oldest
// first (engagement.SortDeployments), in two round trips.
func (s *Engagements) Deployments(ctx context.Context, sponsor, id string) ([]engagement.Deployment, error) {
	ids, err := s.st.Client().SMembers(ctx, s.deploymentIndexKey(sponsor, id)).Result()
	if err != nil {
		return nil, fmt.Errorf("list deployments of %s: %w", engagement.Name(sponsor, id), err)
	}
	keys := make([]string, len(ids))
	for i, d := range ids {
		keys[i] = s.deploymentKey(sponsor, id, d)
	}
	out, err := s.deps.GetMany(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("list deployments of %s: %w", engagement.Name(sponsor, id), err)
	}
	engagement.SortDeployments(out)
	return out, nil
}

// DeploymentsIn returns the deployments of sponsor dated within period,
// oldest first, with the engagements they belong to, in two round trips:
// the dated index, then the deployment and engagement records together.
func (s *Engagements) DeploymentsIn(ctx context.Context, sponsor string, period engagement.Period) ([]engagement.Deployment, []engagement.Engagement, error) {
	members, err := s.st.Client().ZRangeByScore(ctx, s.datedKey(sponsor), &redis.ZRangeBy{
		Min: strconv.FormatInt(dayNumber(period.Start), 10), Max: strconv.FormatInt(dayNumber(period.End), 10),
	}).Result()
	if err != nil {
		return nil, nil, fmt.Errorf("deployments of %s: %w", engagement.SponsorName(sponsor), err)
	}
	var keys, engKeys []string
	seen := map[string]bool{}
	for _, m := range members {
		engID, depID, ok := cutMember(m)
		if !ok {
			return nil, nil, fmt.Errorf("deployments of %s: index member %q", engagement.SponsorName(sponsor), m)
		}
		keys = append(keys, s.deploymentKey(sponsor, engID, depID))
		if !seen[engID] {
			seen[engID] = true
			engKeys = append(engKeys, s.RecordKey(sponsor, engID))
		}
	}
	recs, err := s.st.GetMany(ctx, append(keys, engKeys...))
	if err != nil {
		return nil, nil, fmt.Errorf("deployments of %s: %w", engagement.SponsorName(sponsor), err)
	}
	var deps []engagement.Deployment
	var engs []engagement.Engagement
	for i, rec := range recs {
		if !rec.Exists() {
			continue
		}
		if i < len(keys) {
			d, err := deploymentCodec.Decode(rec.Data, rec.Version)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", rec.Key, err)
			}
			deps = append(deps, d)
			continue
		}
		e, err := engagementCodec.Decode(rec.Data, rec.Version)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", rec.Key, err)
		}
		engs = append(engs, e)
	}
	engagement.SortDeployments(deps)
	return deps, engs, nil
}

// cutMember splits a dated-index member "{engagement}/{id}".
func cutMember(m string) (engagementID, id string, ok bool) {
	engagementID, id, ok = strings.Cut(m, "/")
	return engagementID, id, ok && engagement.ValidID(engagementID) && engagement.ValidID(id)
}

// ReplayDeployment implements engagement.Storer: the response replayed is
// the deployment's stored form.
func (s *Engagements) ReplayDeployment(ctx context.Context, sponsor string, r change.Request) (engagement.Deployment, bool, error) {
	b, ok, err := s.st.Replay(ctx, Tag(sponsor), store.IdempotencyScope(r.Method, r.Subject), r.RequestID, r.RequestHash)
	if err != nil || !ok {
		return engagement.Deployment{}, false, err
	}
	d, err := deploymentCodec.Decode(b, 0)
	return d, err == nil, err
}

// End implements engagement.Storer: e, ended (Engagement.End), pinned to
// the version it was read at, leaves the sponsor's active set, with its
// EngagementEnded event on Topic and its audit entry, in one transaction.
// It returns e at its new version. An engagement that moved since it was
// read gives an error matching store.ErrConflict, and nothing is written.
func (s *Engagements) End(ctx context.Context, e engagement.Engagement, why engagement.Ending, r change.Request) (engagement.Engagement, error) {
	if e.Version < 1 || e.State != engagement.Ended {
		return engagement.Engagement{}, fmt.Errorf("%w: %s is not an ended engagement at a stored version", store.ErrBadMutation, e.Name())
	}
	w, err := s.engs.Put(s.RecordKey(e.Sponsor, e.ID), e, e.Version)
	if err != nil {
		return engagement.Engagement{}, err
	}
	ev, err := events.NewEvent(ctx, Topic, e.Name(), &eventsv1.EngagementEnded{
		Engagement:     e.Name(),
		Sponsor:        engagement.SponsorName(e.Sponsor),
		LocalAuthority: e.CouncilName(),
		SponsorNeed:    e.Need,
		Reason:         why.Reason,
		Intervention:   why.Intervention,
	})
	if err != nil {
		return engagement.Engagement{}, fmt.Errorf("end engagement %s: %w", e.Name(), err)
	}
	_, err = s.st.Commit(ctx, store.Mutation{
		Tag:    Tag(e.Sponsor),
		Writes: []store.Write{w},
		Index:  []store.IndexOp{store.SRem(s.activeKey(e.Sponsor), e.ID)},
		Events: []events.Event{ev},
		Audit:  []store.AuditEntry{store.AuditFor(r, e.Name(), w.Key)},
	})
	if err != nil {
		return engagement.Engagement{}, fmt.Errorf("end engagement %s: %w", e.Name(), err)
	}
	e.Version++
	return e, nil
}
