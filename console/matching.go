package console

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
)

// needRow is an open need with its council's name.
type needRow struct {
	Need    *sponsorv1.SponsorNeed
	Council string
	Areas   string
}

// sponsorRow is a sponsor with its capacity in use.
type sponsorRow struct {
	Sponsor *sponsorv1.Sponsor
	Free    int32
}

type matchingData struct {
	Needs    []needRow
	Sponsors []sponsorRow
	Runs     []*sponsorv1.MatchRun
	Values   url.Values
}

// matchingInputs loads the open needs, the sponsors and the recent runs.
func (c *Console) matchingInputs(ctx context.Context) (*matchingData, error) {
	needs, err := c.sponsor.ListSponsorNeeds(ctx, &sponsorv1.ListSponsorNeedsRequest{Parent: "localAuthorities/-", PageSize: 200, Filter: "state = OPEN"})
	if err != nil {
		return nil, err
	}
	sponsors, err := c.sponsor.ListSponsors(ctx, &sponsorv1.ListSponsorsRequest{PageSize: 200})
	if err != nil {
		return nil, err
	}
	runs, err := c.sponsor.ListMatchRuns(ctx, &sponsorv1.ListMatchRunsRequest{PageSize: 20})
	if err != nil {
		return nil, err
	}
	d := &matchingData{Runs: runs.GetMatchRuns()}
	for _, n := range needs.GetSponsorNeeds() {
		d.Needs = append(d.Needs, needRow{Need: n, Council: c.councilName(ctx, n.GetName()), Areas: needAreas(n)})
	}
	for _, s := range sponsors.GetSponsors() {
		d.Sponsors = append(d.Sponsors, sponsorRow{Sponsor: s, Free: s.GetMaxEngagements() - s.GetActiveEngagements()})
	}
	return d, nil
}

func needAreas(n *sponsorv1.SponsorNeed) string {
	var parts []string
	for _, a := range n.GetAreas() {
		var area string
		switch {
		case a.GetJudgementArea() != typev1.JudgementArea_JUDGEMENT_AREA_UNSPECIFIED:
			area = areaName(a.GetJudgementArea())
		default:
			area = enumLabel(a.GetTheme(), "THEME_")
		}
		parts = append(parts, area+" ("+strconv.Itoa(int(a.GetWeight()))+")")
	}
	return strings.Join(parts, ", ")
}

// matching is the sponsor-matching page: open needs, sponsors with
// capacity in use, the run and what-if form, recent runs and the compare
// form.
func (c *Console) matching(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	d, err := c.matchingInputs(r.Context())
	if err != nil {
		return nil, err
	}
	d.Values = url.Values{"algorithm": {"OPTIMAL"}, "dry_run": {"on"}}
	return &view{Template: "matching", Title: "Sponsor matching", Current: "matching", Data: d}, nil
}

// runMatching runs matching with the form's algorithm and what-if
// overrides; the result is its own page.
func (c *Console) runMatching(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	ctx := r.Context()
	f := r.PostForm
	var errs []fieldError
	req := &sponsorv1.RunMatchingRequest{DryRun: f.Get("dry_run") == "on", RequestId: f.Get("request_id")}
	switch f.Get("algorithm") {
	case "OPTIMAL":
		req.Algorithm = sponsorv1.Algorithm_ALGORITHM_OPTIMAL
	case "STABLE":
		req.Algorithm = sponsorv1.Algorithm_ALGORITHM_STABLE
	default:
		errs = append(errs, fieldError{ID: "algorithm", Message: "Select how to match: optimal or stable"})
	}
	wi := &sponsorv1.WhatIf{ExcludeSponsors: f["exclude"]}
	if sp := f.Get("capacity_sponsor"); sp != "" {
		co := &sponsorv1.CapacityOverride{Sponsor: sp}
		me, err1 := strconv.Atoi(strings.TrimSpace(f.Get("capacity_engagements")))
		sd, err2 := strconv.Atoi(strings.TrimSpace(f.Get("capacity_days")))
		if err1 != nil || me < 0 {
			errs = append(errs, fieldError{ID: "capacity_engagements", Message: "Enter the concurrent engagements as a whole number, like 2"})
		}
		if err2 != nil || sd < 0 {
			errs = append(errs, fieldError{ID: "capacity_days", Message: "Enter the staff-days per quarter as a whole number, like 120"})
		}
		co.MaxEngagements, co.StaffDaysPerQuarter = int32(me), int32(sd)
		wi.Capacities = append(wi.Capacities, co)
	}
	pair := func(kind string) *sponsorv1.Pair {
		n, sp := f.Get(kind+"_need"), f.Get(kind+"_sponsor")
		if n == "" && sp == "" {
			return nil
		}
		if n == "" || sp == "" {
			errs = append(errs, fieldError{ID: kind + "_need", Message: "Select both a need and a sponsor to " + kind})
			return nil
		}
		return &sponsorv1.Pair{Need: n, Sponsor: sp}
	}
	if p := pair("pin"); p != nil {
		wi.Pin = append(wi.Pin, p)
	}
	if p := pair("forbid"); p != nil {
		wi.Forbid = append(wi.Forbid, p)
	}
	if len(wi.ExcludeSponsors)+len(wi.Capacities)+len(wi.Pin)+len(wi.Forbid) > 0 {
		req.WhatIf = wi
	}
	var run *sponsorv1.MatchRun
	if len(errs) == 0 {
		var err error
		run, err = c.sponsor.RunMatching(ctx, req)
		if err != nil {
			fe, ok := formErrors(err, map[string]string{
				"algorithm": "algorithm", "what_if.exclude_sponsors": "exclude", "what_if.capacities": "capacity_sponsor",
				"what_if.pin": "pin_need", "what_if.forbid": "forbid_need",
			}, "algorithm")
			if !ok {
				return nil, err
			}
			errs = fe
		}
	}
	if len(errs) > 0 {
		d, err := c.matchingInputs(ctx)
		if err != nil {
			return nil, err
		}
		d.Values = f
		return &view{Template: "matching", Title: "Sponsor matching", Current: "matching", Errors: errs, Data: d}, nil
	}
	return c.redirect(w, r, s, BasePath+"/"+run.GetName(), "")
}

type assignmentRow struct {
	A       *sponsorv1.Assignment
	Council string
	Sponsor string
}

type candidateGroup struct {
	Need       string
	Council    string
	Candidates []candidateRow
}

type candidateRow struct {
	C       *sponsorv1.Candidate
	Sponsor string
	Chosen  bool
}

type runData struct {
	Run         *sponsorv1.MatchRun
	Assignments []assignmentRow
	Candidates  []candidateGroup
	Unmatched   []assignmentRow
	Reasons     map[string]string
	Proposed    bool
	RanByMe     bool
	Values      map[string]string
	Others      []*sponsorv1.MatchRun
}

// sponsorNames maps sponsors/{id} to display names, as far as the role may
// list sponsors.
func (c *Console) sponsorNames(ctx context.Context) map[string]string {
	names := map[string]string{}
	resp, err := c.sponsor.ListSponsors(ctx, &sponsorv1.ListSponsorsRequest{PageSize: 200})
	if err == nil {
		for _, s := range resp.GetSponsors() {
			names[s.GetName()] = s.GetDisplayName()
		}
	}
	return names
}

func orName(names map[string]string, key string) string {
	if n := names[key]; n != "" {
		return n
	}
	return key
}

// matchRun shows a run: its assignments scored by factor, every need's
// ranked candidates (why not X?), the unmatched needs, and approve and
// reject forms while it is proposed.
func (c *Console) matchRun(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	return c.runView(r, s, nil, nil)
}

func (c *Console) runView(r *http.Request, s *session, errs []fieldError, values map[string]string) (*view, error) {
	ctx := r.Context()
	name := "matchRuns/" + r.PathValue("id")
	run, err := c.sponsor.GetMatchRun(ctx, &sponsorv1.GetMatchRunRequest{Name: name})
	if err != nil {
		return nil, err
	}
	names := c.sponsorNames(ctx)
	d := runData{Run: run, Proposed: run.GetState() == sponsorv1.RunState_RUN_STATE_PROPOSED, RanByMe: run.GetRunBy() == s.user().Subject, Values: values}
	chosen := map[string]string{}
	for _, a := range run.GetAssignments() {
		chosen[a.GetNeed()] = a.GetSponsor()
		d.Assignments = append(d.Assignments, assignmentRow{A: a, Council: c.councilName(ctx, a.GetNeed()), Sponsor: orName(names, a.GetSponsor())})
	}
	for _, u := range run.GetUnmatched() {
		d.Unmatched = append(d.Unmatched, assignmentRow{A: &sponsorv1.Assignment{Need: u.GetNeed()}, Council: c.councilName(ctx, u.GetNeed()), Sponsor: u.GetReason()})
	}
	for _, nc := range run.GetCandidates() {
		g := candidateGroup{Need: nc.GetNeed(), Council: c.councilName(ctx, nc.GetNeed())}
		for _, cand := range nc.GetCandidates() {
			g.Candidates = append(g.Candidates, candidateRow{C: cand, Sponsor: orName(names, cand.GetSponsor()), Chosen: chosen[nc.GetNeed()] == cand.GetSponsor()})
		}
		d.Candidates = append(d.Candidates, g)
	}
	if others, err := c.sponsor.ListMatchRuns(ctx, &sponsorv1.ListMatchRunsRequest{PageSize: 20}); err == nil {
		if len(others.GetMatchRuns()) > 1 {
			d.Others = others.GetMatchRuns()
		}
	}
	return &view{Template: "matchrun", Title: "Match run " + r.PathValue("id"), Current: "matching", Errors: errs, Data: d}, nil
}

// decideRun approves or rejects a run. The four-eyes rule and changed
// inputs come back from the service and are explained on the run's page.
func (c *Console) decideRun(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	ctx := r.Context()
	name := "matchRuns/" + r.PathValue("id")
	f := r.PostForm
	values := map[string]string{"reason": f.Get("reason")}
	var err error
	var done, field string
	switch r.PathValue("action") {
	case "approve":
		_, err = c.sponsor.ApproveMatchRun(ctx, &sponsorv1.ApproveMatchRunRequest{Name: name, Etag: f.Get("etag"), RequestId: f.Get("request_id")})
		done, field = "The run was approved: its engagements now exist.", "approve"
	case "reject":
		if strings.TrimSpace(f.Get("reason")) == "" {
			return c.runView(r, s, []fieldError{{ID: "reason", Message: "Enter why the run is rejected"}}, values)
		}
		_, err = c.sponsor.RejectMatchRun(ctx, &sponsorv1.RejectMatchRunRequest{Name: name, Etag: f.Get("etag"), Reason: f.Get("reason"), RequestId: f.Get("request_id")})
		done, field = "The run was rejected.", "reason"
	default:
		return nil, errNotFound
	}
	if err != nil {
		switch errorReason(err) {
		case "FOUR_EYES":
			return c.runView(r, s, []fieldError{{ID: "approve", Message: "You ran this match, so you cannot approve it: the four-eyes rule needs a different DfE official to approve a run. Ask a colleague to sign in and approve it."}}, values)
		case "INPUTS_CHANGED":
			return c.runView(r, s, []fieldError{{ID: "approve", Message: "Needs, sponsors or capacity changed since this run: it can no longer be approved. Run matching again."}}, values)
		}
		errs, ok := formErrors(err, map[string]string{"reason": "reason"}, field)
		if !ok {
			return nil, err
		}
		return c.runView(r, s, errs, values)
	}
	return c.redirect(w, r, s, BasePath+"/"+name, done)
}

type compareData struct {
	First, Second *sponsorv1.MatchRun
	Resp          *sponsorv1.CompareMatchRunsResponse
	Changes       []changeRow
	Runs          []*sponsorv1.MatchRun
	Rows          []compareRow
}

type changeRow struct {
	Council, First, Second string
}

// compareRow is one need with its sponsor in each run, side by side.
type compareRow struct {
	Council, First, Second string
	Changed                bool
}

// compareRuns shows two runs side by side and what differs.
func (c *Console) compareRuns(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	ctx := r.Context()
	q := r.URL.Query()
	first, second := q.Get("first"), q.Get("second")
	runs, err := c.sponsor.ListMatchRuns(ctx, &sponsorv1.ListMatchRunsRequest{PageSize: 50})
	if err != nil {
		return nil, err
	}
	d := compareData{Runs: runs.GetMatchRuns()}
	if first == "" || second == "" {
		var errs []fieldError
		if q.Has("first") || q.Has("second") {
			if first == "" {
				errs = append(errs, fieldError{ID: "first", Message: "Select the first run"})
			}
			if second == "" {
				errs = append(errs, fieldError{ID: "second", Message: "Select the second run"})
			}
		}
		return &view{Template: "compare", Title: "Compare match runs", Current: "matching", Errors: errs, Data: d}, nil
	}
	resp, err := c.sponsor.CompareMatchRuns(ctx, &sponsorv1.CompareMatchRunsRequest{First: first, Second: second})
	if err != nil {
		if errs, ok := formErrors(err, map[string]string{"first": "first", "second": "second"}, "first"); ok {
			return &view{Template: "compare", Title: "Compare match runs", Current: "matching", Errors: errs, Data: d}, nil
		}
		return nil, err
	}
	d.Resp = resp
	if d.First, err = c.sponsor.GetMatchRun(ctx, &sponsorv1.GetMatchRunRequest{Name: first}); err != nil {
		return nil, err
	}
	if d.Second, err = c.sponsor.GetMatchRun(ctx, &sponsorv1.GetMatchRunRequest{Name: second}); err != nil {
		return nil, err
	}
	names := c.sponsorNames(ctx)
	none := "Unmatched"
	sp := func(x string) string {
		if x == "" {
			return none
		}
		return orName(names, x)
	}
	for _, ch := range resp.GetChanges() {
		d.Changes = append(d.Changes, changeRow{Council: c.councilName(ctx, ch.GetNeed()), First: sp(ch.GetFirstSponsor()), Second: sp(ch.GetSecondSponsor())})
	}
	a1, a2 := map[string]string{}, map[string]string{}
	needs := map[string]bool{}
	for _, a := range d.First.GetAssignments() {
		a1[a.GetNeed()] = a.GetSponsor()
	}
	for _, a := range d.Second.GetAssignments() {
		a2[a.GetNeed()] = a.GetSponsor()
	}
	for _, n := range append(append([]string{}, d.First.GetNeeds()...), d.Second.GetNeeds()...) {
		needs[n] = true
	}
	var keys []string
	for n := range needs {
		keys = append(keys, n)
	}
	sort.Strings(keys)
	for _, n := range keys {
		d.Rows = append(d.Rows, compareRow{Council: c.councilName(ctx, n), First: sp(a1[n]), Second: sp(a2[n]), Changed: a1[n] != a2[n]})
	}
	return &view{Template: "compare", Title: "Compare match runs", Current: "matching", Data: d}, nil
}
