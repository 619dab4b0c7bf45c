// Package matchrunapi is the gRPC face of match runs: RunMatching,
// GetMatchRun, ListMatchRuns, CompareMatchRuns, ApproveMatchRun and
// RejectMatchRun of SponsorService. Only DfE officials call them (see
// Policies); the official who ran a run may not approve or reject it.
//
// The use cases are matchrun.Service's: a run's input is built from the
// data as it stands, the engine (package match) solves it, and the run is
// stored with the input and the full result, dry runs and what-ifs too
// (state DRY_RUN, never approvable).
//
// Approval is matchrun.Service.Approve: the handler checks the request and
// maps the result.
package matchrunapi

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/match"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/matchrun"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

// defaultTimeLimitMS is the engine's time limit when a request names none.
const defaultTimeLimitMS = 2000

// Policies declares who may call each method of this package, from the
// access matrix (the MatchRun rows): DfE officials only. The four-eyes
// rule is checked in the handlers.
var Policies = access.Rules(access.MatchRun, access.Methods{
	sponsorv1.SponsorService_RunMatching_FullMethodName:      access.Run,
	sponsorv1.SponsorService_GetMatchRun_FullMethodName:      access.Read,
	sponsorv1.SponsorService_ListMatchRuns_FullMethodName:    access.Read,
	sponsorv1.SponsorService_CompareMatchRuns_FullMethodName: access.Read,
	sponsorv1.SponsorService_ApproveMatchRun_FullMethodName:  access.Approve,
	sponsorv1.SponsorService_RejectMatchRun_FullMethodName:   access.Approve,
})

// MatchRuns implements the match-run methods of
// sponsorv1.SponsorServiceServer. It embeds no Unimplemented server, so
// that the service's composite server can embed it beside the other
// handler types.
type MatchRuns struct {
	rpc.Handlers[matchrun.Service]
	// explained keeps the explanation of the engine's results that runs
	// share, for RunMatching.
	explained explanations
}

// New returns the handlers over the match-run use cases, with page tokens
// from pages.
func New(svc *matchrun.Service, pages *paging.Codec) *MatchRuns {
	return &MatchRuns{Handlers: rpc.Over(svc, pages)}
}

// whatIf decodes the request's overrides; names are checked for shape here
// and against the run's sponsors and needs by matchrun.CheckOverrides.
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

// RunMatching implements SponsorService.RunMatching: it matches the open
// needs the filter selects to the sponsors and stores the run, PROPOSED, or
// DRY_RUN for a dry run or any what-if. A repeat of a request_id replays
// the first response.
func (h *MatchRuns) RunMatching(ctx context.Context, req *sponsorv1.RunMatchingRequest) (*sponsorv1.MatchRun, error) {
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
		Continuity: wp.GetContinuity(), OutOfArea: wp.GetOutOfAreaPenalty(), Urgency: wp.GetUrgency(),
	}, "weights.")
	vs = append(vs, wvs...)
	limitMS := req.GetTimeLimitMs()
	if limitMS < 0 || time.Duration(limitMS)*time.Millisecond > match.MaxTimeLimit {
		vs.Add("time_limit_ms", "must be 0 (2000) to %d milliseconds, got %d", match.MaxTimeLimit.Milliseconds(), limitMS)
	}
	if limitMS == 0 {
		limitMS = defaultTimeLimitMS
	}
	rpc.CheckRequestID(&vs, req.GetRequestId())
	f, filterErr := filter.Compile(req.GetFilter(), matchrun.NeedFilterSchema)
	o, whatIfErr := whatIf(req.GetWhatIf())
	if err := fault.Join(vs.Err(), filterErr, whatIfErr); err != nil {
		return nil, err
	}
	r, err := rpc.NewRequest(ctx, sponsorv1.SponsorService_RunMatching_FullMethodName, req.GetRequestId(), req)
	if err != nil {
		return nil, err
	}
	run, err := h.Svc.Run(ctx, matchrun.Spec{
		Algorithm: alg, Weights: w, Overrides: o, Filter: f, DryRun: req.GetDryRun(),
		TimeLimit: time.Duration(limitMS) * time.Millisecond,
	}, r)
	if err != nil {
		return nil, err
	}
	return encodeWith(run, h.explained.of), nil
}

// GetMatchRun implements SponsorService.GetMatchRun.
func (h *MatchRuns) GetMatchRun(ctx context.Context, req *sponsorv1.GetMatchRunRequest) (*sponsorv1.MatchRun, error) {
	run, err := rpc.GetByID(ctx, matchrun.Collection, req.GetName(), h.Svc.Get)
	if err != nil {
		return nil, err
	}
	return encode(run), nil
}

// ListMatchRuns implements SponsorService.ListMatchRuns: newest first,
// filtered on state and algorithm.
func (h *MatchRuns) ListMatchRuns(ctx context.Context, req *sponsorv1.ListMatchRunsRequest) (*sponsorv1.ListMatchRunsResponse, error) {
	l, err := rpc.ReadList(req, matchrun.RunFilterSchema, nil)
	if err != nil {
		return nil, err
	}
	if err := l.Resume(h.Pages, paging.Query{Method: sponsorv1.SponsorService_ListMatchRuns_FullMethodName}); err != nil {
		return nil, err
	}
	selected, err := h.Svc.List(ctx, l.Filter)
	if err != nil {
		return nil, err
	}
	start, end := l.Window(len(selected))
	page, err := h.Svc.Explain(ctx, selected[start:end])
	if err != nil {
		return nil, err
	}
	resp := &sponsorv1.ListMatchRunsResponse{NextPageToken: l.NextToken(len(selected)), TotalSize: int32(len(selected))}
	for _, r := range page {
		resp.MatchRuns = append(resp.MatchRuns, encode(r))
	}
	return resp, nil
}

// CompareMatchRuns implements SponsorService.CompareMatchRuns: the needs
// whose sponsor differs, the change in objective, and whether and how the
// inputs differ. Two runs with the same result say so outright: no_changes
// is true and the summary says "no changes".
func (h *MatchRuns) CompareMatchRuns(ctx context.Context, req *sponsorv1.CompareMatchRunsRequest) (*sponsorv1.CompareMatchRunsResponse, error) {
	firstID, firstErr := resource.ParseID("first", matchrun.Collection, req.GetFirst())
	secondID, secondErr := resource.ParseID("second", matchrun.Collection, req.GetSecond())
	if err := fault.Join(firstErr, secondErr); err != nil {
		return nil, err
	}
	a, b, err := h.Svc.Compare(ctx, firstID, secondID)
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
	resp.NoChanges = len(resp.Changes) == 0 && c.ObjectiveAfter == c.ObjectiveBefore
	resp.Summary = compareSummary(len(resp.Changes), resp.GetObjectiveDelta(), resp.GetInputsDiffer())
	return resp, nil
}

// compareSummary says in one sentence what a comparison found: changed
// needs that change sponsor, and the change in objective.
func compareSummary(changed int, delta float64, inputsDiffer bool) string {
	inputs := "on the same inputs"
	if inputsDiffer {
		inputs = "on different inputs"
	}
	switch {
	case changed == 0 && delta == 0:
		return "no changes: both runs assign every need to the same sponsor, " + inputs
	case changed == 0:
		return fmt.Sprintf("no need changes sponsor, but the objective moves by %g points, %s", delta, inputs)
	case changed == 1:
		return fmt.Sprintf("1 need changes sponsor; the objective moves by %g points, %s", delta, inputs)
	}
	return fmt.Sprintf("%d needs change sponsor; the objective moves by %g points, %s", changed, delta, inputs)
}

// parseAction reads the name, etag (optional: empty skips the check) and
// request_id of an approval or rejection.
func parseAction(name, etag, requestID string, more fault.Violations) (string, change.Etag, error) {
	id, nameErr := resource.ParseID("name", matchrun.Collection, name)
	read, etagErr := rpc.ParseEtag("etag", etag, false)
	rpc.CheckRequestID(&more, requestID)
	return id, read, fault.Join(nameErr, etagErr, more.Err())
}

// ApproveMatchRun implements SponsorService.ApproveMatchRun; see
// matchrun.Service.Approve for its steps and why it is safe to retry.
func (h *MatchRuns) ApproveMatchRun(ctx context.Context, req *sponsorv1.ApproveMatchRunRequest) (*sponsorv1.MatchRun, error) {
	id, etag, err := parseAction(req.GetName(), req.GetEtag(), req.GetRequestId(), nil)
	if err != nil {
		return nil, err
	}
	return rpc.Do(ctx, sponsorv1.SponsorService_ApproveMatchRun_FullMethodName, req.GetRequestId(), req, func(r change.Request) (matchrun.Run, error) {
		return h.Svc.Approve(ctx, id, etag, r)
	}, encode)
}

// RejectMatchRun implements SponsorService.RejectMatchRun: a PROPOSED run
// is rejected, with a reason, by an official other than the one who ran
// it.
func (h *MatchRuns) RejectMatchRun(ctx context.Context, req *sponsorv1.RejectMatchRunRequest) (*sponsorv1.MatchRun, error) {
	id, etag, err := parseAction(req.GetName(), req.GetEtag(), req.GetRequestId(), matchrun.ReasonViolations(req.GetReason()))
	if err != nil {
		return nil, err
	}
	return rpc.Do(ctx, sponsorv1.SponsorService_RejectMatchRun_FullMethodName, req.GetRequestId(), req, func(r change.Request) (matchrun.Run, error) {
		return h.Svc.Reject(ctx, id, etag, req.GetReason(), r)
	}, encode)
}

// points turns the engine's milli-points into the API's points.
func points(milli int64) float64 { return float64(milli) / 1000 }

func algorithmProto(a match.Algorithm) sponsorv1.Algorithm {
	if a == match.Stable {
		return sponsorv1.Algorithm_ALGORITHM_STABLE
	}
	return sponsorv1.Algorithm_ALGORITHM_OPTIMAL
}

func stateProto(s matchrun.State) sponsorv1.RunState {
	return refproto.Enum[sponsorv1.RunState]("RUN_STATE_", s)
}

// encode renders r as the API returns it.
func encode(r matchrun.Run) *sponsorv1.MatchRun { return encodeWith(r, explanationOf) }

// encodeWith is encode with the explanation of a result from explain.
func encodeWith(r matchrun.Run, explain func(*match.Result, match.Weights) explanation) *sponsorv1.MatchRun {
	w := match.DefaultWeights()
	if r.Input.Weights != nil {
		w = *r.Input.Weights
	}
	out := &sponsorv1.MatchRun{
		Name:      r.Name(),
		Algorithm: algorithmProto(r.Input.Algorithm),
		State:     stateProto(r.State),
		Weights: &sponsorv1.Weights{
			Expertise: float64(w.Expertise), Geography: float64(w.Geography), Headroom: float64(w.Headroom),
			Continuity: float64(w.Continuity), OutOfAreaPenalty: float64(w.OutOfArea), Urgency: float64(w.Urgency),
		},
		InputFingerprint: r.Fingerprint(),
		RunBy:            r.RunBy,
		DecidedBy:        r.DecidedBy,
		RejectReason:     r.RejectReason,
		Engagements:      r.Engagements,
		Etag:             change.Format(r.Version),
		CreateTime:       timestamppb.New(r.CreateTime),
	}
	if o := r.Input.Overrides; matchrun.HasOverrides(o) {
		wi := &sponsorv1.WhatIf{}
		for _, s := range o.ExcludeSponsors {
			wi.ExcludeSponsors = append(wi.ExcludeSponsors, sponsor.Name(s))
		}
		for _, c := range o.Capacities {
			wi.Capacities = append(wi.Capacities, &sponsorv1.CapacityOverride{
				Sponsor: sponsor.Name(c.Sponsor), MaxEngagements: int32(c.Engagements), StaffDaysPerQuarter: int32(c.StaffDays),
			})
		}
		for _, p := range o.Pin {
			wi.Pin = append(wi.Pin, &sponsorv1.Pair{Need: p.Need, Sponsor: sponsor.Name(p.Sponsor)})
		}
		for _, p := range o.Forbid {
			wi.Forbid = append(wi.Forbid, &sponsorv1.Pair{Need: p.Need, Sponsor: sponsor.Name(p.Sponsor)})
		}
		out.WhatIf = wi
	}
	for _, n := range r.Input.Needs {
		out.Needs = append(out.Needs, n.ID)
	}
	res := r.Result
	if res == nil {
		return out
	}
	ex := explain(res, w)
	out.Assignments, out.Candidates, out.Unmatched = ex.assignments, ex.candidates, ex.unmatched
	out.Objective = points(res.Objective)
	out.Bound = points(res.Bound)
	out.GapPercent = res.Gap
	out.Stable = res.Stability != nil && res.Stability.Stable
	return out
}

// explanation is what a run's response says of its result, assignment by
// assignment and need by need.
type explanation struct {
	assignments []*sponsorv1.Assignment
	candidates  []*sponsorv1.NeedCandidates
	unmatched   []*sponsorv1.Unmatched
}

// explanationOf renders res, scored with w, as the response says it.
func explanationOf(res *match.Result, w match.Weights) explanation {
	var ex explanation
	for _, a := range res.Assignments {
		ex.assignments = append(ex.assignments, &sponsorv1.Assignment{
			Need: a.Need, Sponsor: sponsor.Name(a.Sponsor), Score: points(int64(a.Score.Total)), Factors: factors(a.Score, w),
		})
	}
	for _, n := range res.Needs {
		nc := &sponsorv1.NeedCandidates{Need: n.Need}
		for _, c := range n.Candidates {
			pc := &sponsorv1.Candidate{Sponsor: sponsor.Name(c.Sponsor), Score: points(int64(c.Score.Total))}
			switch {
			case len(c.Reasons) > 0:
				pc.Score = 0
				reasons := make([]string, len(c.Reasons))
				for i, x := range c.Reasons {
					reasons[i] = string(x)
				}
				pc.Reason = strings.Join(reasons, ", ")
			case c.Assigned:
				pc.Rank = int32(c.Rank)
				pc.Reason = "ASSIGNED"
			default:
				pc.Rank = int32(c.Rank)
				pc.Reason = string(c.Pass)
			}
			nc.Candidates = append(nc.Candidates, pc)
		}
		ex.candidates = append(ex.candidates, nc)
	}
	for _, u := range res.Unmatched {
		reason := string(u.Reason)
		if u.Detail != "" {
			reason += ": " + u.Detail
		}
		ex.unmatched = append(ex.unmatched, &sponsorv1.Unmatched{Need: u.Need, Reason: reason})
	}
	return ex
}

// maxExplained bounds the explanations kept: as many as the results the
// use case keeps for reuse.
const maxExplained = 64

// explanations keeps the explanation of each result runs share: the use
// case hands every run of an input solved before the same result, never
// changed, and so the same explanation, with the weights it was solved
// with (they are part of that input). Responses share the messages; gRPC
// and the gateway only read them. A result seen once (a run cut short by
// its time limit, or read back from the store) takes a place until the
// next clearing, so what is kept stays bounded.
type explanations struct {
	mu sync.Mutex
	at map[*match.Result]explanation
}

// of returns the explanation of res, rendering it on first sight.
func (e *explanations) of(res *match.Result, w match.Weights) explanation {
	e.mu.Lock()
	ex, ok := e.at[res]
	e.mu.Unlock()
	if ok {
		return ex
	}
	ex = explanationOf(res, w)
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.at) >= maxExplained || e.at == nil {
		e.at = make(map[*match.Result]explanation, maxExplained)
	}
	e.at[res] = ex
	return ex
}

// factors breaks a score down by factor, with each factor's value in words.
func factors(s match.Score, w match.Weights) []*sponsorv1.FactorScore {
	weight := [match.NumFactors]int{w.Expertise, w.Geography, w.Headroom, w.Continuity, w.OutOfArea, w.Urgency}
	out := make([]*sponsorv1.FactorScore, 0, match.NumFactors)
	for f := match.Factor(0); f < match.NumFactors; f++ {
		c := s.Factors[f]
		out = append(out, &sponsorv1.FactorScore{
			Factor:      strings.ToLower(f.String()),
			Score:       points(int64(c.Points)),
			Explanation: explain(f, c.Value, weight[f]),
		})
	}
	return out
}

func explain(f match.Factor, value, weight int) string {
	pct := float64(value) / 10
	var what string
	switch f {
	case match.FactorExpertise:
		what = fmt.Sprintf("covers %.1f%% of the weighted areas of need", pct)
	case match.FactorGeography:
		switch {
		case value >= 1000:
			what = "works in the council's region"
		case value >= 750:
			what = "works nationally"
		case value >= 500:
			what = "works in a region bordering the council's"
		default:
			what = "works further away"
		}
	case match.FactorHeadroom:
		what = fmt.Sprintf("keeps %.1f%% of its capacity free after this engagement", pct)
	case match.FactorContinuity:
		if value > 0 {
			what = "already supports the council"
		} else {
			what = "does not support the council now"
		}
	case match.FactorOutOfArea:
		what = fmt.Sprintf("its children placed in the council reach %.1f%% of the full penalty (subtracted)", pct)
	case match.FactorUrgency:
		what = fmt.Sprintf("the need's urgency is %d of %d", value/200, match.MaxUrgency)
	}
	return fmt.Sprintf("%s; weight %d", what, weight)
}
