// Package matchrunapi is the gRPC face of match runs: RunMatching,
// GetMatchRun, ListMatchRuns, CompareMatchRuns, ApproveMatchRun and
// RejectMatchRun of SponsorService. Only DfE officials call them (see
// Policies); the official who ran a run may not approve or reject it.
//
// A run's input is built from the stores as they stand: every sponsor
// (sponsorstore), the open needs (needstore) that the request's filter
// selects, each sponsor's capacity in use and each council's continuing
// sponsor (engagementstore). The engine (package match) solves it, and the
// run is stored (matchrunstore) with the input and the full result, dry
// runs and what-ifs too (state DRY_RUN, never approvable).
//
// # Approval
//
// ApproveMatchRun recomputes the input fingerprint from the current open
// needs and sponsors (with current usage) and refuses with
// FAILED_PRECONDITION INPUTS_CHANGED when it differs from the run's. It
// then creates one engagement per assignment and marks each need MATCHED
// with its engagement. Those records live under several hash tags (each
// sponsor's, each council's and the runs'), so approval is not one
// transaction; it is carried out in steps, each one a transaction, made
// safe to retry:
//
//  1. the run records the approval as claimed (who, when, from which
//     version), after the fingerprint check; a retry finds the claim and
//     finishes that approval rather than checking inputs its own steps
//     have changed;
//  2. one commit per sponsor creates its engagements, with ids derived
//     from the run and the need (matchrun.EngagementID), so a retry finds
//     those it created and creates only the rest;
//  3. one commit per council marks its needs MATCHED, pinned to the
//     versions read; needs already matched to the run's engagement are
//     left alone;
//  4. the run becomes APPROVED with its engagements, in one commit with
//     MatchRunApproved (topic "sponsor") and the idempotency record.
//
// A failure between steps leaves the run PROPOSED with the claim, and
// calling ApproveMatchRun again (by any DfE official other than the one who
// ran it, with the etag first read or the current one) finishes it.
package matchrunapi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagementstore"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/match"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/matchrun"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/matchrunstore"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/needstore"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsorstore"
)

// Topic is the event topic MatchRunApproved goes to.
const Topic = "sponsor"

// Limits of requests.
const (
	defaultPageSize    = 50
	maxPageSize        = 200
	maxRequestIDLen    = 128
	defaultTimeLimitMS = 2000
)

// Policies declares who may call each method of this package: DfE
// officials only. The four-eyes rule is checked in the handlers.
var Policies = auth.Policies{
	sponsorv1.SponsorService_RunMatching_FullMethodName:      auth.Allow(auth.RoleDfEOfficial),
	sponsorv1.SponsorService_GetMatchRun_FullMethodName:      auth.Allow(auth.RoleDfEOfficial),
	sponsorv1.SponsorService_ListMatchRuns_FullMethodName:    auth.Allow(auth.RoleDfEOfficial),
	sponsorv1.SponsorService_CompareMatchRuns_FullMethodName: auth.Allow(auth.RoleDfEOfficial),
	sponsorv1.SponsorService_ApproveMatchRun_FullMethodName:  auth.Allow(auth.RoleDfEOfficial),
	sponsorv1.SponsorService_RejectMatchRun_FullMethodName:   auth.Allow(auth.RoleDfEOfficial),
}

// MatchRuns implements the match-run methods of
// sponsorv1.SponsorServiceServer. It embeds no Unimplemented server, so
// that the service's composite server can embed it beside the other
// handler types.
type MatchRuns struct {
	st       *store.Store
	runs     *matchrunstore.Runs
	sponsors *sponsorstore.Sponsors
	needs    *needstore.Needs
	engs     *engagementstore.Engagements
	pages    *paging.Codec
	now      func() time.Time
}

// New returns the handlers over st and the sponsor, need and engagement
// stores, reading page tokens from pages and the time from now (nil means
// time.Now).
func New(st *store.Store, sponsors *sponsorstore.Sponsors, needs *needstore.Needs, engs *engagementstore.Engagements, pages *paging.Codec, now func() time.Time) *MatchRuns {
	if now == nil {
		now = time.Now
	}
	return &MatchRuns{st: st, runs: matchrunstore.New(st), sponsors: sponsors, needs: needs, engs: engs, pages: pages, now: now}
}

func principal(ctx context.Context) (auth.Principal, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return auth.Principal{}, fault.Unauthenticated("UNAUTHENTICATED", "no caller")
	}
	return p, nil
}

func audit(p auth.Principal, method, requestID string) store.AuditEntry {
	roles := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		roles[i] = string(r)
	}
	return store.AuditEntry{Actor: p.Subject, Roles: roles, Method: method, RequestID: requestID}
}

func checkRequestID(vs *fault.Violations, id string) {
	if len(id) > maxRequestIDLen {
		vs.Add("request_id", "must be at most %d characters, got %d", maxRequestIDLen, len(id))
	}
}

// sources reads what a run's input is built from: every sponsor, the open
// needs f selects, capacity in use and existing engagements. Each read is
// a constant number of round trips.
func (h *MatchRuns) sources(ctx context.Context, f *filter.Filter) (matchrun.Sources, error) {
	sps, _, err := h.sponsors.All(ctx)
	if err != nil {
		return matchrun.Sources{}, err
	}
	open, _, err := h.needs.Open(ctx)
	if err != nil {
		return matchrun.Sources{}, err
	}
	usage, err := h.engs.Usage(ctx)
	if err != nil {
		return matchrun.Sources{}, err
	}
	engs, err := h.engs.List(ctx, engagement.AllSponsors)
	if err != nil {
		return matchrun.Sources{}, err
	}
	return matchrun.Sources{Needs: matchrun.SelectNeeds(open, f), Sponsors: sps, Usage: usage, Engagements: engs}, nil
}

// whatIf decodes the request's overrides; names are checked for shape here
// and against the run's sponsors and needs by checkWhatIf.
func whatIf(w *sponsorv1.WhatIf) (match.Overrides, error) {
	var o match.Overrides
	var errs []error
	sp := func(field, name string) string {
		id, err := resource.ParseID(field, sponsor.Collection, name)
		errs = append(errs, err)
		return id
	}
	nd := func(field, name string) string {
		_, _, err := resource.ParseCouncilChild(field, need.Collection, name)
		errs = append(errs, err)
		return name
	}
	var vs fault.Violations
	for i, s := range w.GetExcludeSponsors() {
		o.ExcludeSponsors = append(o.ExcludeSponsors, sp(fmt.Sprintf("what_if.exclude_sponsors[%d]", i), s))
	}
	for i, c := range w.GetCapacities() {
		at := fmt.Sprintf("what_if.capacities[%d]", i)
		if c.GetMaxEngagements() < 0 || c.GetMaxEngagements() > sponsor.MaxEngagements {
			vs.Add(at+".max_engagements", "must be 0 to %d, got %d", sponsor.MaxEngagements, c.GetMaxEngagements())
		}
		if c.GetStaffDaysPerQuarter() < 0 || c.GetStaffDaysPerQuarter() > sponsor.MaxStaffDays {
			vs.Add(at+".staff_days_per_quarter", "must be 0 to %d, got %d", sponsor.MaxStaffDays, c.GetStaffDaysPerQuarter())
		}
		o.Capacities = append(o.Capacities, match.CapacityOverride{
			Sponsor: sp(at+".sponsor", c.GetSponsor()), Engagements: int(c.GetMaxEngagements()), StaffDays: int(c.GetStaffDaysPerQuarter()),
		})
	}
	pairs := func(what string, ps []*sponsorv1.Pair) []match.Pair {
		var out []match.Pair
		for i, p := range ps {
			at := fmt.Sprintf("what_if.%s[%d]", what, i)
			out = append(out, match.Pair{Need: nd(at+".need", p.GetNeed()), Sponsor: sp(at+".sponsor", p.GetSponsor())})
		}
		return out
	}
	o.Pin = pairs("pin", w.GetPin())
	o.Forbid = pairs("forbid", w.GetForbid())
	errs = append(errs, vs.Err())
	return o, fault.Join(errs...)
}

// checkWhatIf refuses overrides that name a sponsor that does not exist or
// a need the run does not consider.
func checkWhatIf(o match.Overrides, in match.Input) error {
	sponsors := map[string]bool{}
	for _, s := range in.Sponsors {
		sponsors[s.ID] = true
	}
	needs := map[string]bool{}
	for _, n := range in.Needs {
		needs[n.ID] = true
	}
	var vs fault.Violations
	for i, s := range o.ExcludeSponsors {
		if !sponsors[s] {
			vs.Add(fmt.Sprintf("what_if.exclude_sponsors[%d]", i), "%s does not exist", sponsor.Name(s))
		}
	}
	for i, c := range o.Capacities {
		if !sponsors[c.Sponsor] {
			vs.Add(fmt.Sprintf("what_if.capacities[%d].sponsor", i), "%s does not exist", sponsor.Name(c.Sponsor))
		}
	}
	check := func(what string, ps []match.Pair) {
		for i, p := range ps {
			at := fmt.Sprintf("what_if.%s[%d]", what, i)
			if !needs[p.Need] {
				vs.Add(at+".need", "%s is not an open need this run considers", p.Need)
			}
			if !sponsors[p.Sponsor] {
				vs.Add(at+".sponsor", "%s does not exist", sponsor.Name(p.Sponsor))
			}
		}
	}
	check("pin", o.Pin)
	check("forbid", o.Forbid)
	return vs.Err()
}

// RunMatching implements SponsorService.RunMatching: it matches the open
// needs the filter selects to the sponsors and stores the run, PROPOSED, or
// DRY_RUN for a dry run or any what-if. A repeat of a request_id replays
// the first response.
func (h *MatchRuns) RunMatching(ctx context.Context, req *sponsorv1.RunMatchingRequest) (*sponsorv1.MatchRun, error) {
	const method = sponsorv1.SponsorService_RunMatching_FullMethodName
	var vs fault.Violations
	var alg match.Algorithm
	switch req.GetAlgorithm() {
	case sponsorv1.Algorithm_ALGORITHM_OPTIMAL:
		alg = match.Optimal
	case sponsorv1.Algorithm_ALGORITHM_STABLE:
		alg = match.Stable
	default:
		vs.Add("algorithm", "is required: OPTIMAL or STABLE, got %s", req.GetAlgorithm())
	}
	wp := req.GetWeights()
	w, wvs := matchrun.ResolveWeights(matchrun.WeightsSpec{
		Expertise: wp.GetExpertise(), Geography: wp.GetGeography(), Headroom: wp.GetHeadroom(),
		Continuity: wp.GetContinuity(), OutOfArea: wp.GetOutOfAreaPenalty(),
	}, "weights.")
	vs = append(vs, wvs...)
	limitMS := req.GetTimeLimitMs()
	if limitMS < 0 || time.Duration(limitMS)*time.Millisecond > match.MaxTimeLimit {
		vs.Add("time_limit_ms", "must be 0 (2000) to %d milliseconds, got %d", match.MaxTimeLimit.Milliseconds(), limitMS)
	}
	if limitMS == 0 {
		limitMS = defaultTimeLimitMS
	}
	checkRequestID(&vs, req.GetRequestId())
	f, filterErr := filter.Compile(req.GetFilter(), matchrun.NeedFilterSchema)
	o, whatIfErr := whatIf(req.GetWhatIf())
	if err := fault.Join(vs.Err(), filterErr, whatIfErr); err != nil {
		return nil, err
	}
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	scope := store.IdempotencyScope(method, p.Subject)
	replayed := &sponsorv1.MatchRun{}
	if ok, err := h.st.ReplayProto(ctx, matchrunstore.Tag, scope, req.GetRequestId(), req, replayed); err != nil || ok {
		return replayed, err
	}
	src, err := h.sources(ctx, f)
	if err != nil {
		return nil, err
	}
	in := matchrun.BuildInput(src, alg, w, o)
	if err := checkWhatIf(o, in); err != nil {
		return nil, err
	}
	in.TimeLimit = time.Duration(limitMS) * time.Millisecond
	res, err := match.Solve(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("match: %w", err)
	}
	now := h.now()
	run := matchrun.Run{
		ID:         matchrun.IDFor(p.Subject, req.GetRequestId()),
		State:      matchrun.StateFor(req.GetDryRun(), o),
		Filter:     f.String(),
		Input:      in,
		Result:     res,
		RunBy:      p.Subject,
		CreateTime: now.UTC(),
		Version:    1,
	}
	resp := encode(run)
	idem, err := store.NewIdempotency(scope, req.GetRequestId(), req, resp)
	if err != nil {
		return nil, err
	}
	if _, err := h.runs.Insert(ctx, run, matchrunstore.Change{Audit: audit(p, method, req.GetRequestId()), Idempotency: idem}); err != nil {
		return nil, err
	}
	return resp, nil
}

// GetMatchRun implements SponsorService.GetMatchRun.
func (h *MatchRuns) GetMatchRun(ctx context.Context, req *sponsorv1.GetMatchRunRequest) (*sponsorv1.MatchRun, error) {
	id, err := resource.ParseID("name", matchrun.Collection, req.GetName())
	if err != nil {
		return nil, err
	}
	run, err := h.runs.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return encode(run), nil
}

// ListMatchRuns implements SponsorService.ListMatchRuns: newest first,
// filtered on state and algorithm.
func (h *MatchRuns) ListMatchRuns(ctx context.Context, req *sponsorv1.ListMatchRunsRequest) (*sponsorv1.ListMatchRunsResponse, error) {
	size, sizeErr := paging.PageSize(req.GetPageSize(), defaultPageSize, maxPageSize)
	f, filterErr := filter.Compile(req.GetFilter(), matchrun.RunFilterSchema)
	if err := fault.Join(sizeErr, filterErr); err != nil {
		return nil, err
	}
	q := paging.Query{Method: sponsorv1.SponsorService_ListMatchRuns_FullMethodName, Filter: f.String()}
	offset, err := h.pages.DecodeOffset(req.GetPageToken(), q)
	if err != nil {
		return nil, err
	}
	all, err := h.runs.All(ctx)
	if err != nil {
		return nil, err
	}
	selected := matchrun.SelectRuns(all, f)
	total := int64(len(selected))
	start := min(offset, total)
	end := min(start+int64(size), total)
	resp := &sponsorv1.ListMatchRunsResponse{
		MatchRuns:     make([]*sponsorv1.MatchRun, 0, end-start),
		NextPageToken: h.pages.NextOffset(q, start, size, total),
		TotalSize:     int32(total),
	}
	for _, r := range selected[start:end] {
		resp.MatchRuns = append(resp.MatchRuns, encode(r))
	}
	return resp, nil
}

// CompareMatchRuns implements SponsorService.CompareMatchRuns: the needs
// whose sponsor differs, the change in objective, and whether and how the
// inputs differ.
func (h *MatchRuns) CompareMatchRuns(ctx context.Context, req *sponsorv1.CompareMatchRunsRequest) (*sponsorv1.CompareMatchRunsResponse, error) {
	firstID, firstErr := resource.ParseID("first", matchrun.Collection, req.GetFirst())
	secondID, secondErr := resource.ParseID("second", matchrun.Collection, req.GetSecond())
	if err := fault.Join(firstErr, secondErr); err != nil {
		return nil, err
	}
	a, err := h.runs.Get(ctx, firstID)
	if err != nil {
		return nil, err
	}
	b, err := h.runs.Get(ctx, secondID)
	if err != nil {
		return nil, err
	}
	c := match.Compare(a.Result, b.Result)
	name := func(id string) string {
		if id == "" {
			return ""
		}
		return sponsor.Name(id)
	}
	resp := &sponsorv1.CompareMatchRunsResponse{
		ObjectiveDelta:   points(c.ObjectiveAfter - c.ObjectiveBefore),
		InputsDiffer:     !c.SameInput,
		InputDifferences: matchrun.InputDifferences(a.Input, b.Input),
	}
	for _, ch := range c.Changes {
		if ch.Before == ch.After {
			continue
		}
		resp.Changes = append(resp.Changes, &sponsorv1.AssignmentChange{Need: ch.Need, FirstSponsor: name(ch.Before), SecondSponsor: name(ch.After)})
	}
	return resp, nil
}

// parseAction reads the name, etag (optional: empty skips the check) and
// request_id of an approval or rejection.
func parseAction(name, etag, requestID string, more fault.Violations) (string, int64, error) {
	id, nameErr := resource.ParseID("name", matchrun.Collection, name)
	var read int64 = -1
	var etagErr error
	if etag != "" {
		read, etagErr = store.ParseEtag(etag)
	}
	checkRequestID(&more, requestID)
	return id, read, fault.Join(nameErr, etagErr, more.Err())
}

// load reads the run and applies the four-eyes, state and etag rules.
func (h *MatchRuns) load(ctx context.Context, id string, read int64, subject string) (matchrun.Run, error) {
	run, err := h.runs.Get(ctx, id)
	if err != nil {
		return matchrun.Run{}, err
	}
	if err := run.CheckDecider(subject); err != nil {
		return matchrun.Run{}, err
	}
	if read >= 0 {
		if err := run.CheckEtag(read); err != nil {
			return matchrun.Run{}, err
		}
	}
	return run, nil
}

// ApproveMatchRun implements SponsorService.ApproveMatchRun; see the
// package documentation for its steps and why it is safe to retry.
func (h *MatchRuns) ApproveMatchRun(ctx context.Context, req *sponsorv1.ApproveMatchRunRequest) (*sponsorv1.MatchRun, error) {
	const method = sponsorv1.SponsorService_ApproveMatchRun_FullMethodName
	id, read, err := parseAction(req.GetName(), req.GetEtag(), req.GetRequestId(), nil)
	if err != nil {
		return nil, err
	}
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	scope := store.IdempotencyScope(method, p.Subject)
	replayed := &sponsorv1.MatchRun{}
	if ok, err := h.st.ReplayProto(ctx, matchrunstore.Tag, scope, req.GetRequestId(), req, replayed); err != nil || ok {
		return replayed, err
	}
	run, err := h.load(ctx, id, read, p.Subject)
	if err != nil {
		return nil, err
	}
	act := audit(p, method, req.GetRequestId())
	if run.Approving == nil {
		if err := h.checkInputs(ctx, run); err != nil {
			return nil, err
		}
		if run, err = h.runs.Save(ctx, run.Claim(p.Subject, h.now()), matchrunstore.Change{Audit: act}); err != nil {
			return nil, err
		}
	}
	names, err := h.createEngagements(ctx, run, act)
	if err != nil {
		return nil, err
	}
	if err := h.matchNeeds(ctx, run, names, act); err != nil {
		return nil, err
	}
	approved, err := run.Approve(names)
	if err != nil {
		return nil, err
	}
	ev, err := events.NewEvent(ctx, Topic, approved.Name(), &eventsv1.MatchRunApproved{
		MatchRun: approved.Name(), RunBy: approved.RunBy, ApprovedBy: approved.DecidedBy, Engagements: names,
	})
	if err != nil {
		return nil, err
	}
	after := approved
	after.Version++
	resp := encode(after)
	idem, err := store.NewIdempotency(scope, req.GetRequestId(), req, resp)
	if err != nil {
		return nil, err
	}
	if _, err := h.runs.Save(ctx, approved, matchrunstore.Change{Audit: act, Idempotency: idem, Events: []events.Event{ev}}); err != nil {
		return nil, err
	}
	return resp, nil
}

// checkInputs rebuilds the run's input from the data as it stands and
// refuses when its fingerprint differs from the run's.
func (h *MatchRuns) checkInputs(ctx context.Context, run matchrun.Run) error {
	f, err := filter.Compile(run.Filter, matchrun.NeedFilterSchema)
	if err != nil {
		return fmt.Errorf("%s: stored filter: %w", run.Name(), err)
	}
	src, err := h.sources(ctx, f)
	if err != nil {
		return err
	}
	w := match.DefaultWeights()
	if run.Input.Weights != nil {
		w = *run.Input.Weights
	}
	fp, err := match.Fingerprint(matchrun.BuildInput(src, run.Input.Algorithm, w, run.Input.Overrides))
	if fault.IsKind(err, fault.KindInvalid) {
		// The data as it stands no longer makes a valid input for this
		// run: it has changed.
		return run.CheckInputs("")
	}
	if err != nil {
		return err
	}
	return run.CheckInputs(fp)
}

// createEngagements creates the engagements of the run's assignments that
// do not exist yet, one commit per sponsor, and returns the names of all
// of them in assignment order (by need).
func (h *MatchRuns) createEngagements(ctx context.Context, run matchrun.Run, act store.AuditEntry) ([]string, error) {
	as := run.Result.Assignments
	names := make([]string, len(as))
	keys := make([]string, len(as))
	for i, a := range as {
		eid := matchrun.EngagementID(run.ID, a.Need)
		names[i] = engagement.Name(a.Sponsor, eid)
		keys[i] = h.engs.RecordKey(a.Sponsor, eid)
	}
	recs, err := h.st.GetMany(ctx, keys)
	if err != nil {
		return nil, err
	}
	bySponsor := map[string]*store.Mutation{}
	var order []string
	for i, a := range as {
		if recs[i].Exists() {
			continue
		}
		e, err := engagement.New(engagement.Start{
			Sponsor: a.Sponsor, Council: a.Council, Need: a.Need, MatchRun: run.Name(),
			StartDate: run.Approving.Time, PlannedStaffDays: a.StaffDays,
		}, matchrun.EngagementID(run.ID, a.Need), "", run.Approving.Time)
		if err != nil {
			return nil, fmt.Errorf("%s: engagement for %s: %w", run.Name(), a.Need, err)
		}
		m, err := h.engs.NewMutation(ctx, e, act)
		if err != nil {
			return nil, err
		}
		cur, ok := bySponsor[a.Sponsor]
		if !ok {
			bySponsor[a.Sponsor] = &m
			order = append(order, a.Sponsor)
			continue
		}
		cur.Writes = append(cur.Writes, m.Writes...)
		cur.Index = append(cur.Index, m.Index...)
		cur.Events = append(cur.Events, m.Events...)
		cur.Audit = append(cur.Audit, m.Audit...)
	}
	for _, s := range order {
		if _, err := h.st.Commit(ctx, *bySponsor[s]); err != nil {
			return nil, fmt.Errorf("%s: create the engagements of %s: %w", run.Name(), sponsor.Name(s), err)
		}
	}
	return names, nil
}

// matchNeeds marks each need of the run's assignments MATCHED with its
// engagement, one commit per council, pinned to the versions read. A need
// already matched to its engagement (by an earlier attempt) is left alone;
// one closed or matched elsewhere meanwhile stops the approval.
func (h *MatchRuns) matchNeeds(ctx context.Context, run matchrun.Run, names []string, act store.AuditEntry) error {
	byCouncil := map[string]*store.Mutation{}
	var order []string
	for i, a := range run.Result.Assignments {
		gss, nid, err := resource.ParseCouncilChild("need", need.Collection, a.Need)
		if err != nil {
			return fmt.Errorf("%s: stored need %q: %w", run.Name(), a.Need, err)
		}
		n, err := h.needs.Get(ctx, gss, nid)
		if err != nil {
			return err
		}
		if n.State == need.Matched && n.Engagement == names[i] {
			continue
		}
		matched, err := n.Match(names[i])
		if err != nil {
			return fault.FailedPrecondition(matchrun.ReasonNeedChanged,
				"%s changed while %s was being approved: %v; its engagements exist, but the need was not matched", n.Name(), run.Name(), err)
		}
		w, err := h.needs.Write(matched)
		if err != nil {
			return err
		}
		entry := act
		entry.Resource, entry.Key = matched.Name(), w.Key
		m, ok := byCouncil[gss]
		if !ok {
			m = &store.Mutation{Tag: needstore.Tag(gss)}
			byCouncil[gss] = m
			order = append(order, gss)
		}
		m.Writes = append(m.Writes, w)
		m.Index = append(m.Index, h.needs.Index(matched)...)
		m.Audit = append(m.Audit, entry)
	}
	slices.Sort(order)
	for _, gss := range order {
		if _, err := h.st.Commit(ctx, *byCouncil[gss]); err != nil {
			return fmt.Errorf("%s: match the needs of %s: %w", run.Name(), need.CouncilName(gss), err)
		}
	}
	return nil
}

// RejectMatchRun implements SponsorService.RejectMatchRun: a PROPOSED run
// is rejected, with a reason, by an official other than the one who ran
// it.
func (h *MatchRuns) RejectMatchRun(ctx context.Context, req *sponsorv1.RejectMatchRunRequest) (*sponsorv1.MatchRun, error) {
	const method = sponsorv1.SponsorService_RejectMatchRun_FullMethodName
	id, read, err := parseAction(req.GetName(), req.GetEtag(), req.GetRequestId(), matchrun.ReasonViolations(req.GetReason()))
	if err != nil {
		return nil, err
	}
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	scope := store.IdempotencyScope(method, p.Subject)
	replayed := &sponsorv1.MatchRun{}
	if ok, err := h.st.ReplayProto(ctx, matchrunstore.Tag, scope, req.GetRequestId(), req, replayed); err != nil || ok {
		return replayed, err
	}
	run, err := h.load(ctx, id, read, p.Subject)
	if err != nil {
		return nil, err
	}
	rejected, err := run.Reject(p.Subject, req.GetReason(), h.now())
	if err != nil {
		return nil, err
	}
	after := rejected
	after.Version++
	resp := encode(after)
	idem, err := store.NewIdempotency(scope, req.GetRequestId(), req, resp)
	if err != nil {
		return nil, err
	}
	if _, err := h.runs.Save(ctx, rejected, matchrunstore.Change{Audit: audit(p, method, req.GetRequestId()), Idempotency: idem}); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, matchrun.ErrConflict
		}
		return nil, err
	}
	return resp, nil
}
