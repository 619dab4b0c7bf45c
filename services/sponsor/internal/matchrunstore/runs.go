// Package matchrunstore keeps match runs in Redis, through the platform
// store, and implements matchrun.Storer. Every run lives under one hash
// tag, "matchruns", with the index of runs by creation time, the solved
// inputs runs refer to, their audit entries, idempotency records and the
// outbox MatchRunApproved goes to, so a run commits with its index entry,
// its solved input when it is new, its event and its audit entry in one
// transaction. An approval also writes engagements and needs, which live
// under their sponsors' and councils' tags: CommitApproval commits them
// through their stores, one transaction per tag.
//
// Keys, under the tag "matchruns":
//
//	{matchruns}:run:{id}        a run (a record: its stored form and version)
//	{matchruns}:solved:{sha256} a solved input: the engine's input and full
//	                            result, as JSON, named by the SHA-256 of
//	                            that JSON
//	{matchruns}:index           a sorted set of run ids scored by creation
//	                            time (ms)
//
// A run's stored form is JSON of what is the run's own (state, filter, who
// ran and decided it, when, its engagements) and the name of its solved
// input, which holds what the engine was given and what it answered
// (every candidate, the explanation and the input fingerprint approval
// checks). Runs of the same input (fifty identical dry runs, say) refer to
// one solved input: it is written once, by the first run's commit, and is
// immutable, since its name is the hash of its content, so a process keeps
// those it read or wrote decoded in memory and never has to check them
// again. Runs stored before solved inputs existed hold the input and the
// result inline, and still read. Get reads the run, then its solved input
// unless it is in memory: two round trips at most; lists read the index,
// every run in one pipeline, and the solved inputs not in memory in
// another.
package matchrunstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagementstore"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/match"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/matchrun"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/needstore"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsorstore"
)

// Tag is the hash tag of every run and its index, audit entries,
// idempotency records and outbox.
const Tag = "matchruns"

// Topic is the event topic MatchRunApproved goes to.
const Topic = "sponsor"

// Runs stores match runs.
type Runs struct {
	st       *store.Store
	runs     *store.Collection[stored]
	sponsors *sponsorstore.Sponsors
	needs    *needstore.Needs
	engs     *engagementstore.Engagements
	solved   solvedInputs
}

var _ matchrun.Storer = (*Runs)(nil)

// New returns the run store over st, reading a run's sources from the
// sponsor, need and engagement stores.
func New(st *store.Store, sponsors *sponsorstore.Sponsors, needs *needstore.Needs, engs *engagementstore.Engagements) *Runs {
	codec := store.Codec[stored]{Encode: marshal, Decode: decode}
	return &Runs{st: st, runs: store.NewCollection(st, codec, matchrun.ErrNotFound), sponsors: sponsors, needs: needs, engs: engs}
}

// Key is the record key of run id.
func (s *Runs) Key(id string) string { return s.st.Keyspace().Key(Tag, "run", id) }

func (s *Runs) indexKey() string { return s.st.Keyspace().Key(Tag, "index") }

// SolvedKey is the record key of the solved input named hash.
func (s *Runs) SolvedKey(hash string) string { return s.st.Keyspace().Key(Tag, "solved", hash) }

// stored is a run's stored form; the version lives in the record. Solved
// names the run's solved input, whose Input and Result the run then leaves
// out; a run stored before solved inputs existed has no Solved and holds
// them inline.
type stored struct {
	Run    matchrun.Run `json:"run"`
	Solved string       `json:"solved,omitempty"`
}

func marshal(st stored) ([]byte, error) {
	st.Run.Version = 0
	b, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("encode match run %s: %w", st.Run.Name(), err)
	}
	return b, nil
}

func decode(data []byte, version int64) (stored, error) {
	var st stored
	if err := json.Unmarshal(data, &st); err != nil {
		return stored{}, fmt.Errorf("decode match run: %w", err)
	}
	st.Run.Version = version
	return st, nil
}

// Get implements matchrun.Storer.
func (s *Runs) Get(ctx context.Context, id string) (matchrun.Run, error) {
	st, err := s.runs.Get(ctx, s.Key(id))
	if err != nil {
		return matchrun.Run{}, err
	}
	out, err := s.resolve(ctx, []stored{st})
	if err != nil {
		return matchrun.Run{}, err
	}
	return out[0], nil
}

// All implements matchrun.Storer, in two round trips: the index, then the
// runs. A run's solved input is added when it is in memory and otherwise
// left for Explain, with Solved naming it.
func (s *Runs) All(ctx context.Context) ([]matchrun.Run, error) {
	sts, _, err := s.runs.Range(ctx, s.indexKey(), 0, -1, true, s.Key)
	if err != nil {
		return nil, fmt.Errorf("list match runs: %w", err)
	}
	out := make([]matchrun.Run, len(sts))
	for i, st := range sts {
		out[i] = st.Run
		if st.Solved == "" {
			continue
		}
		if si, ok := s.solved.lookup(st.Solved); ok {
			out[i].Input, out[i].Result = si.Input, si.Result
		} else {
			out[i].Solved = st.Solved
		}
	}
	return out, nil
}

// Explain implements matchrun.Storer: the solved inputs of runs not in
// memory are read in one pipeline.
func (s *Runs) Explain(ctx context.Context, runs []matchrun.Run) ([]matchrun.Run, error) {
	sts := make([]stored, len(runs))
	for i, r := range runs {
		sts[i] = stored{Run: r, Solved: r.Solved}
	}
	out, err := s.resolve(ctx, sts)
	if err != nil {
		return nil, fmt.Errorf("list match runs: %w", err)
	}
	return out, nil
}

// Sources implements matchrun.Storer. It is on the path of every run, so
// the three reads (each a constant number of round trips) go out at once,
// on three pooled connections, and the capacity in use is left for the
// service to work out from the engagements read (matchrun.Sources.Usage),
// rather than reading the active engagements a second time.
func (s *Runs) Sources(ctx context.Context) (matchrun.Sources, error) {
	var (
		src                         matchrun.Sources
		wg                          sync.WaitGroup
		sponsorErr, needErr, engErr error
	)
	wg.Go(func() { src.Sponsors, _, sponsorErr = s.sponsors.All(ctx) })
	wg.Go(func() { src.Needs, _, needErr = s.needs.Open(ctx) })
	wg.Go(func() { src.Engagements, engErr = s.engs.List(ctx, engagement.AllSponsors) })
	wg.Wait()
	if err := errors.Join(sponsorErr, needErr, engErr); err != nil {
		return matchrun.Sources{}, err
	}
	return src, nil
}

// Replay implements matchrun.Storer. The response replayed is the run as
// the first call returned it, version and all.
func (s *Runs) Replay(ctx context.Context, r change.Request) (matchrun.Run, bool, error) {
	b, ok, err := s.st.Replay(ctx, Tag, store.IdempotencyScope(r.Method, r.Subject), r.RequestID, r.RequestHash)
	if err != nil || !ok {
		return matchrun.Run{}, false, err
	}
	// The response is the run's stored form with its version, or, when it
	// was stored before solved inputs existed, the whole run.
	var resp struct {
		Run    *matchrun.Run `json:"run"`
		Solved string        `json:"solved"`
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		return matchrun.Run{}, false, fmt.Errorf("replay match run: %w", err)
	}
	if resp.Run == nil {
		var run matchrun.Run
		if err := json.Unmarshal(b, &run); err != nil {
			return matchrun.Run{}, false, fmt.Errorf("replay match run: %w", err)
		}
		return run, true, nil
	}
	out, err := s.resolve(ctx, []stored{{Run: *resp.Run, Solved: resp.Solved}})
	if err != nil {
		return matchrun.Run{}, false, fmt.Errorf("replay match run: %w", err)
	}
	return out[0], true, nil
}

// Insert implements matchrun.Storer. An id already taken gives an error
// matching store.ErrConflict.
func (s *Runs) Insert(ctx context.Context, r matchrun.Run, c change.Request) (matchrun.Run, error) {
	r.Version = 1
	m, err := s.mutation(r, store.MustNotExist, c, true)
	if err != nil {
		return matchrun.Run{}, err
	}
	m.Index = []store.IndexOp{store.ZAdd(s.indexKey(), float64(r.CreateTime.UnixMilli()), r.ID)}
	if _, err := s.st.Commit(ctx, m); err != nil {
		return matchrun.Run{}, fmt.Errorf("store match run %s: %w", r.Name(), err)
	}
	s.committed(r, m)
	return r, nil
}

// Save implements matchrun.Storer.
func (s *Runs) Save(ctx context.Context, r matchrun.Run, c change.Request) (matchrun.Run, error) {
	return s.save(ctx, r, c, true, nil)
}

// Claim implements matchrun.Storer.
func (s *Runs) Claim(ctx context.Context, r matchrun.Run, c change.Request) (matchrun.Run, error) {
	return s.save(ctx, r, c, false, nil)
}

// save stores r over the version it was read at with evs, and, with
// replay, the response to replay. A run that moved meanwhile gives an
// error matching store.ErrConflict and matchrun.ErrConflict.
func (s *Runs) save(ctx context.Context, r matchrun.Run, c change.Request, replay bool, evs []events.Event) (matchrun.Run, error) {
	read := r.Version
	r.Version++
	m, err := s.mutation(r, read, c, replay)
	if err != nil {
		return matchrun.Run{}, err
	}
	m.Events = evs
	if _, err := s.st.Commit(ctx, m); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return matchrun.Run{}, fmt.Errorf("save match run %s: %w", r.Name(), matchrun.ErrConflict)
		}
		return matchrun.Run{}, fmt.Errorf("save match run %s: %w", r.Name(), err)
	}
	s.committed(r, m)
	return r, nil
}

// EngagementExists implements matchrun.Storer.
func (s *Runs) EngagementExists(ctx context.Context, sponsor, id string) (bool, error) {
	_, err := s.engs.Get(ctx, sponsor, id)
	if errors.Is(err, engagement.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Need implements matchrun.Storer.
func (s *Runs) Need(ctx context.Context, gss, id string) (need.Need, error) {
	return s.needs.Get(ctx, gss, id)
}

// CommitApproval implements matchrun.Storer: one commit per sponsor for its
// engagements, one per council (in GSS order) for its needs, then the run
// with MatchRunApproved and the response to replay.
func (s *Runs) CommitApproval(ctx context.Context, a matchrun.ApprovalChanges, c change.Request) (matchrun.Run, error) {
	run := a.Run
	act := auditOf(c)
	bySponsor := map[string]*store.Mutation{}
	var sponsors []string
	for _, e := range a.Engagements {
		m, err := s.engs.NewMutation(ctx, e, act)
		if err != nil {
			return matchrun.Run{}, err
		}
		if cur, ok := bySponsor[e.Sponsor]; ok {
			cur.Writes = append(cur.Writes, m.Writes...)
			cur.Index = append(cur.Index, m.Index...)
			cur.Events = append(cur.Events, m.Events...)
			cur.Audit = append(cur.Audit, m.Audit...)
			continue
		}
		bySponsor[e.Sponsor] = &m
		sponsors = append(sponsors, e.Sponsor)
	}
	for _, sp := range sponsors {
		if _, err := s.st.Commit(ctx, *bySponsor[sp]); err != nil {
			return matchrun.Run{}, fmt.Errorf("%s: create the engagements of %s: %w", run.Name(), engagement.SponsorName(sp), err)
		}
	}
	byCouncil := map[string]*store.Mutation{}
	var councils []string
	for _, n := range a.Needs {
		w, err := s.needs.Write(n)
		if err != nil {
			return matchrun.Run{}, err
		}
		entry := act
		entry.Resource, entry.Key = n.Name(), w.Key
		m, ok := byCouncil[n.GSSCode]
		if !ok {
			m = &store.Mutation{Tag: needstore.Tag(n.GSSCode)}
			byCouncil[n.GSSCode] = m
			councils = append(councils, n.GSSCode)
		}
		m.Writes = append(m.Writes, w)
		m.Index = append(m.Index, s.needs.Index(n)...)
		m.Audit = append(m.Audit, entry)
	}
	slices.Sort(councils)
	for _, gss := range councils {
		if _, err := s.st.Commit(ctx, *byCouncil[gss]); err != nil {
			return matchrun.Run{}, fmt.Errorf("%s: match the needs of %s: %w", run.Name(), need.CouncilName(gss), err)
		}
	}
	ev, err := events.NewEvent(ctx, Topic, run.Name(), &eventsv1.MatchRunApproved{
		MatchRun: run.Name(), RunBy: run.RunBy, ApprovedBy: run.DecidedBy, Engagements: run.Engagements,
	})
	if err != nil {
		return matchrun.Run{}, err
	}
	return s.save(ctx, run, c, true, []events.Event{ev})
}

// mutation is the commit of r (at its new version) over the version read,
// with its solved input unless this process knows it is stored, its audit
// entry and, with replay and a request ID and hash, the response to replay
// (the run's stored form with its version).
func (s *Runs) mutation(r matchrun.Run, read int64, c change.Request, replay bool) (store.Mutation, error) {
	hash, solvedWrite, err := s.solvedOf(r)
	if err != nil {
		return store.Mutation{}, err
	}
	own := r
	if hash != "" {
		// The algorithm stays with the run: list filters read it.
		own.Input, own.Result = match.Input{Algorithm: r.Input.Algorithm}, nil
	}
	w, err := s.runs.Put(s.Key(r.ID), stored{Run: own, Solved: hash}, read)
	if err != nil {
		return store.Mutation{}, err
	}
	audit := auditOf(c)
	audit.Resource, audit.Key = r.Name(), w.Key
	m := store.Mutation{Tag: Tag, Writes: []store.Write{w}, Audit: []store.AuditEntry{audit}}
	if solvedWrite != nil {
		m.Writes = append(m.Writes, *solvedWrite)
	}
	if replay && c.RequestID != "" && len(c.RequestHash) > 0 {
		resp, err := json.Marshal(stored{Run: own, Solved: hash})
		if err != nil {
			return store.Mutation{}, fmt.Errorf("encode match run %s: %w", r.Name(), err)
		}
		m.Idempotency = &store.IdempotencyRecord{
			Scope: store.IdempotencyScope(c.Method, c.Subject), RequestID: c.RequestID, RequestHash: c.RequestHash, Response: resp,
		}
	}
	return m, nil
}

// auditOf is the audit entry template of a change c asks for.
func auditOf(c change.Request) store.AuditEntry {
	return store.AuditEntry{Audit: change.Audit{Actor: c.Subject, Roles: c.Roles, Method: c.Method, RequestID: c.RequestID}}
}
