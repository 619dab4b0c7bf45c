package matchrunapi

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagementstore"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/match"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/matchrun"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/matchrunstore"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/needapi"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/needstore"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/servertest"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsorapi"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsorstore"
)

type testServer struct {
	servertest.Fallback
	*MatchRuns
}

const (
	slough    = "E06000039" // South East
	doncaster = "E08000017" // Yorkshire and the Humber
)

var (
	official1 = rpctest.Official
	official2 = rpctest.Official2
	denied    = map[string]auth.Principal{
		"council officer": {Subject: "slough-1", Roles: []auth.Role{auth.RoleCouncilOfficer}, Authority: slough},
		"sponsor officer": {Subject: "leeds-1", Roles: []auth.Role{auth.RoleSponsorOfficer}, Sponsor: "leeds"},
		"Ofsted":          {Subject: "inspector-1", Roles: []auth.Role{auth.RoleOfstedInspector}},
		"LGA":             {Subject: "adviser-1", Roles: []auth.Role{auth.RoleLGAAdviser}},
		"partner":         {Subject: "partner-1", Roles: []auth.Role{auth.RolePartnerSystem}},
	}
)

var start = time.Date(2016, 6, 15, 10, 0, 0, 0, time.UTC)

type env struct {
	t      *testing.T
	client sponsorv1.SponsorServiceClient
	st     *store.Store
	needs  *needstore.Needs
	engs   *engagementstore.Engagements
	tick   int
}

func (e *env) now() time.Time { e.tick++; return start.Add(time.Duration(e.tick) * time.Second) }

// newEnv serves the handlers over real Redis behind the real interceptor
// chain, with Hampshire and Leeds as sponsors (each strong in caseloads,
// two engagements and 200 staff-days a quarter) and one open need each for
// Slough and Doncaster.
func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, st: rpctest.NewStore(t)}
	clock := func() time.Time { return start }
	e.needs = needstore.New(e.st, rpctest.Codec(needapi.ToStored, needapi.FromStored))
	e.engs = engagementstore.New(e.st, engagementstore.WithClock(clock))
	sponsors := sponsorstore.New(e.st, rpctest.Codec(sponsorapi.ToStored, sponsorapi.FromStored))
	ctx := context.Background()
	for _, sp := range []sponsor.Sponsor{
		{ID: "hampshire", DisplayName: "Hampshire", Kind: sponsor.Council, MemberCouncils: []string{"E10000014"}},
		{ID: "leeds", DisplayName: "Leeds", Kind: sponsor.Council, MemberCouncils: []string{"E08000035"}},
	} {
		sp.Expertise = []sponsor.Expertise{{Area: sponsor.AreaCaseloads, Strength: sponsor.Leading}}
		sp.MaxEngagements, sp.StaffDaysPerQuarter, sp.DayRatePence, sp.CanLeadTrust = 2, 200, 40_000, true
		if _, err := sponsors.Insert(ctx, sp, change.Request{Subject: "official-1"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, gss := range []string{slough, doncaster} {
		n, err := need.New(gss, "n1", need.Need{Areas: []need.AreaWeight{{Area: sponsor.AreaCaseloads, Weight: 5}}, Urgency: 4, StaffDaysNeeded: 20}, "", start)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.needs.Insert(ctx, n, change.Request{Subject: "official-1"}); err != nil {
			t.Fatal(err)
		}
	}
	e.client = rpctest.Client(t, Policies, &sponsorv1.SponsorService_ServiceDesc,
		testServer{MatchRuns: New(matchrun.NewService(matchrunstore.New(e.st, sponsors, e.needs, e.engs), e.now), rpctest.NewPages(t))}, sponsorv1.NewSponsorServiceClient)
	return e
}

func (e *env) as(p auth.Principal) context.Context { return rpctest.As(e.t, p) }

func (e *env) run(p auth.Principal, req *sponsorv1.RunMatchingRequest) *sponsorv1.MatchRun {
	e.t.Helper()
	r, err := e.client.RunMatching(e.as(p), req)
	if err != nil {
		e.t.Fatalf("RunMatching: %v", err)
	}
	return r
}

func needName(gss string) string { return need.Name(gss, "n1") }

func assigned(r *sponsorv1.MatchRun) map[string]string {
	out := map[string]string{}
	for _, a := range r.GetAssignments() {
		out[a.GetNeed()] = a.GetSponsor()
	}
	return out
}

func TestMatchRunStory(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	optimal := sponsorv1.Algorithm_ALGORITHM_OPTIMAL

	dry := e.run(official1, &sponsorv1.RunMatchingRequest{Algorithm: optimal, DryRun: true})
	want := map[string]string{needName(slough): "sponsors/hampshire", needName(doncaster): "sponsors/leeds"}
	if dry.GetState() != sponsorv1.RunState_RUN_STATE_DRY_RUN || dry.GetGapPercent() != 0 || dry.GetObjective() <= 0 ||
		dry.GetObjective() != dry.GetBound() || !maps.Equal(assigned(dry), want) || dry.GetRunBy() != "official-1" || dry.GetInputFingerprint() == "" {
		t.Fatalf("dry run: state %v gap %v objective %v bound %v assignments %v", dry.GetState(), dry.GetGapPercent(), dry.GetObjective(), dry.GetBound(), assigned(dry))
	}
	if len(dry.GetCandidates()) != 2 || len(dry.GetCandidates()[0].GetCandidates()) != 2 || dry.GetCandidates()[0].GetCandidates()[0].GetRank() != 1 {
		t.Errorf("candidates %v", dry.GetCandidates())
	}
	if f := dry.GetAssignments()[0].GetFactors(); len(f) != 6 || f[0].GetFactor() != "expertise" || f[0].GetScore() <= 0 || f[0].GetExplanation() == "" {
		t.Errorf("factors %v", f)
	}

	whatIf := e.run(official1, &sponsorv1.RunMatchingRequest{Algorithm: optimal, WhatIf: &sponsorv1.WhatIf{ExcludeSponsors: []string{"sponsors/hampshire"}}})
	if whatIf.GetState() != sponsorv1.RunState_RUN_STATE_DRY_RUN || assigned(whatIf)[needName(slough)] != "sponsors/leeds" {
		t.Fatalf("what-if: state %v assignments %v", whatIf.GetState(), assigned(whatIf))
	}
	cmp, err := e.client.CompareMatchRuns(e.as(official2), &sponsorv1.CompareMatchRunsRequest{First: dry.GetName(), Second: whatIf.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if len(cmp.GetChanges()) != 1 || cmp.GetChanges()[0].GetNeed() != needName(slough) || cmp.GetChanges()[0].GetFirstSponsor() != "sponsors/hampshire" ||
		cmp.GetChanges()[0].GetSecondSponsor() != "sponsors/leeds" || !cmp.GetInputsDiffer() || cmp.GetObjectiveDelta() >= 0 ||
		!strings.Contains(strings.Join(cmp.GetInputDifferences(), "|"), "excluded sponsors") {
		t.Errorf("compare: %v", cmp)
	}
	_, err = e.client.ApproveMatchRun(e.as(official2), &sponsorv1.ApproveMatchRunRequest{Name: whatIf.GetName()})
	rpctest.ExpectError(t, "approve a what-if", err, codes.FailedPrecondition, matchrun.ReasonNotProposed)

	real := e.run(official1, &sponsorv1.RunMatchingRequest{Algorithm: optimal})
	if real.GetState() != sponsorv1.RunState_RUN_STATE_PROPOSED || real.GetInputFingerprint() != dry.GetInputFingerprint() {
		t.Fatalf("real run: %v %s vs %s", real.GetState(), real.GetInputFingerprint(), dry.GetInputFingerprint())
	}
	_, err = e.client.ApproveMatchRun(e.as(official1), &sponsorv1.ApproveMatchRunRequest{Name: real.GetName(), Etag: real.GetEtag()})
	rpctest.ExpectError(t, "approve by the runner", err, codes.PermissionDenied, matchrun.ReasonFourEyes)

	e.raiseUrgency(doncaster, "n1")
	_, err = e.client.ApproveMatchRun(e.as(official2), &sponsorv1.ApproveMatchRunRequest{Name: real.GetName(), Etag: real.GetEtag()})
	rpctest.ExpectError(t, "approve after a need changed", err, codes.FailedPrecondition, matchrun.ReasonInputsChanged)

	again := e.run(official1, &sponsorv1.RunMatchingRequest{Algorithm: optimal, RequestId: "run-again"})
	if replay := e.run(official1, &sponsorv1.RunMatchingRequest{Algorithm: optimal, RequestId: "run-again"}); replay.GetName() != again.GetName() {
		t.Errorf("a repeated request_id made another run: %s, then %s", again.GetName(), replay.GetName())
	}
	_, err = e.client.ApproveMatchRun(e.as(official2), &sponsorv1.ApproveMatchRunRequest{Name: again.GetName(), Etag: `"99"`})
	rpctest.ExpectError(t, "approve with a stale etag", err, codes.Aborted, change.ReasonEtagMismatch)
	approveReq := &sponsorv1.ApproveMatchRunRequest{Name: again.GetName(), Etag: again.GetEtag(), RequestId: "approve-1"}
	approved, err := e.client.ApproveMatchRun(e.as(official2), approveReq)
	if err != nil {
		t.Fatalf("approve: %v", err)
	}
	if approved.GetState() != sponsorv1.RunState_RUN_STATE_APPROVED || approved.GetDecidedBy() != "official-2" || len(approved.GetEngagements()) != 2 {
		t.Fatalf("approved: %v", approved)
	}
	if replay, err := e.client.ApproveMatchRun(e.as(official2), approveReq); err != nil || replay.GetEtag() != approved.GetEtag() {
		t.Errorf("approve replay: %v, %v", replay, err)
	}
	for _, a := range approved.GetAssignments() {
		sp := strings.TrimPrefix(a.GetSponsor(), "sponsors/")
		eng, err := e.engs.Get(ctx, sp, matchrun.EngagementID(strings.TrimPrefix(again.GetName(), "matchRuns/"), a.GetNeed()))
		if err != nil || eng.Need != a.GetNeed() || eng.MatchRun != again.GetName() || eng.State != engagement.Active || eng.PlannedStaffDays != 20 {
			t.Errorf("engagement for %s: %+v, %v", a.GetNeed(), eng, err)
		}
		gss, id, _ := resource.ParseCouncilChild("need", need.Collection, a.GetNeed())
		got, err := e.needs.Get(ctx, gss, id)
		if err != nil || got.State != need.Matched || got.Engagement != eng.Name() {
			t.Errorf("need %s: %+v, %v", a.GetNeed(), got, err)
		}
	}
	if !e.outboxHas(matchrunstore.Tag, "MatchRunApproved") {
		t.Error("no MatchRunApproved in the outbox")
	}
	_, err = e.client.ApproveMatchRun(e.as(official2), &sponsorv1.ApproveMatchRunRequest{Name: again.GetName()})
	rpctest.ExpectError(t, "approve twice", err, codes.FailedPrecondition, matchrun.ReasonNotProposed)

	list, err := e.client.ListMatchRuns(e.as(official2), &sponsorv1.ListMatchRunsRequest{Filter: "state = DRY_RUN"})
	if err != nil || list.GetTotalSize() != 2 || list.GetMatchRuns()[0].GetName() != whatIf.GetName() {
		t.Errorf("list dry runs: %v, %v", list, err)
	}
	all, err := e.client.ListMatchRuns(e.as(official2), &sponsorv1.ListMatchRunsRequest{PageSize: 3})
	if err != nil || all.GetTotalSize() != 4 || len(all.GetMatchRuns()) != 3 || all.GetNextPageToken() == "" || all.GetMatchRuns()[0].GetName() != again.GetName() {
		t.Errorf("list: %v, %v", all, err)
	}
	// A page answers each run as GetMatchRun does, explanation and
	// candidates included, though lists read runs without them.
	for _, listed := range all.GetMatchRuns() {
		got, err := e.client.GetMatchRun(e.as(official2), &sponsorv1.GetMatchRunRequest{Name: listed.GetName()})
		if err != nil || !proto.Equal(got, listed) || len(listed.GetCandidates()) == 0 {
			t.Errorf("%s listed as\n%v\nread as\n%v (%v)", listed.GetName(), listed, got, err)
		}
	}
	optimalRuns, err := e.client.ListMatchRuns(e.as(official2), &sponsorv1.ListMatchRunsRequest{Filter: "algorithm = OPTIMAL"})
	if err != nil || optimalRuns.GetTotalSize() == 0 || optimalRuns.GetTotalSize() > all.GetTotalSize() {
		t.Errorf("list OPTIMAL runs: %v, %v", optimalRuns.GetTotalSize(), err)
	}
	for _, r := range optimalRuns.GetMatchRuns() {
		if r.GetAlgorithm() != sponsorv1.Algorithm_ALGORITHM_OPTIMAL {
			t.Errorf("OPTIMAL list has %s, %s", r.GetName(), r.GetAlgorithm())
		}
	}
}

// TestApprovalRetry finishes an approval interrupted after its claim and
// some engagements: the retry creates nothing twice.
func TestApprovalRetry(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := e.run(official1, &sponsorv1.RunMatchingRequest{Algorithm: sponsorv1.Algorithm_ALGORITHM_OPTIMAL})
	id := strings.TrimPrefix(r.GetName(), "matchRuns/")
	runs := matchrunstore.New(e.st, nil, nil, nil)
	run, err := runs.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	run, err = runs.Claim(ctx, run.Claim("official-2", start), change.Request{Subject: "official-2", Method: "approve"})
	if err != nil {
		t.Fatal(err)
	}
	a := run.Result.Assignments[0]
	first, err := engagement.New(engagement.Start{Sponsor: a.Sponsor, Council: a.Council, Need: a.Need, MatchRun: run.Name(), StartDate: start, PlannedStaffDays: a.StaffDays},
		matchrun.EngagementID(id, a.Need), "", start)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.engs.Create(ctx, first, store.AuditEntry{Audit: change.Audit{Actor: "official-2", Method: "approve"}}); err != nil {
		t.Fatal(err)
	}
	approved, err := e.client.ApproveMatchRun(e.as(official2), &sponsorv1.ApproveMatchRunRequest{Name: r.GetName(), Etag: r.GetEtag()})
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if approved.GetState() != sponsorv1.RunState_RUN_STATE_APPROVED || len(approved.GetEngagements()) != 2 {
		t.Fatalf("retry: %v", approved)
	}
	engs, err := e.engs.List(ctx, engagement.AllSponsors)
	if err != nil || len(engs) != 2 {
		t.Errorf("engagements after the retry: %d, %v", len(engs), err)
	}
}

func TestRejectAndStable(t *testing.T) {
	e := newEnv(t)
	stable := e.run(official1, &sponsorv1.RunMatchingRequest{Algorithm: sponsorv1.Algorithm_ALGORITHM_STABLE, Filter: "region = SOUTH_EAST"})
	if !stable.GetStable() || stable.GetAlgorithm() != sponsorv1.Algorithm_ALGORITHM_STABLE || !slices.Equal(stable.GetNeeds(), []string{needName(slough)}) {
		t.Errorf("stable run: stable %v needs %v", stable.GetStable(), stable.GetNeeds())
	}
	_, err := e.client.RejectMatchRun(e.as(official2), &sponsorv1.RejectMatchRunRequest{Name: stable.GetName(), Reason: " "})
	rpctest.ExpectError(t, "reject without a reason", err, codes.InvalidArgument, "", "reason")
	_, err = e.client.RejectMatchRun(e.as(official1), &sponsorv1.RejectMatchRunRequest{Name: stable.GetName(), Reason: "mine"})
	rpctest.ExpectError(t, "reject by the runner", err, codes.PermissionDenied, matchrun.ReasonFourEyes)
	rejected, err := e.client.RejectMatchRun(e.as(official2), &sponsorv1.RejectMatchRunRequest{Name: stable.GetName(), Etag: stable.GetEtag(), Reason: "Doncaster left out"})
	if err != nil || rejected.GetState() != sponsorv1.RunState_RUN_STATE_REJECTED || rejected.GetRejectReason() != "Doncaster left out" || rejected.GetDecidedBy() != "official-2" {
		t.Fatalf("reject: %v, %v", rejected, err)
	}
	_, err = e.client.ApproveMatchRun(e.as(official2), &sponsorv1.ApproveMatchRunRequest{Name: stable.GetName()})
	rpctest.ExpectError(t, "approve a rejected run", err, codes.FailedPrecondition, matchrun.ReasonNotProposed)
	dry := e.run(official1, &sponsorv1.RunMatchingRequest{Algorithm: sponsorv1.Algorithm_ALGORITHM_OPTIMAL, DryRun: true})
	_, err = e.client.RejectMatchRun(e.as(official2), &sponsorv1.RejectMatchRunRequest{Name: dry.GetName(), Reason: "no"})
	rpctest.ExpectError(t, "reject a dry run", err, codes.FailedPrecondition, matchrun.ReasonNotProposed)
}

func TestRunMatchingInvalid(t *testing.T) {
	e := newEnv(t)
	_, err := e.client.RunMatching(e.as(official1), &sponsorv1.RunMatchingRequest{
		Weights:     &sponsorv1.Weights{Expertise: -1},
		TimeLimitMs: -5,
		WhatIf:      &sponsorv1.WhatIf{ExcludeSponsors: []string{"hampshire"}},
	})
	rpctest.ExpectError(t, "invalid request", err, codes.InvalidArgument, "", "algorithm", "time_limit_ms", "weights.expertise", "what_if.exclude_sponsors[0]")
	_, err = e.client.RunMatching(e.as(official1), &sponsorv1.RunMatchingRequest{
		Algorithm: sponsorv1.Algorithm_ALGORITHM_OPTIMAL,
		WhatIf:    &sponsorv1.WhatIf{ExcludeSponsors: []string{"sponsors/nspcc"}, Pin: []*sponsorv1.Pair{{Need: need.Name(slough, "n9"), Sponsor: "sponsors/leeds"}}},
	})
	rpctest.ExpectError(t, "unknown what-if names", err, codes.InvalidArgument, "", "what_if.exclude_sponsors[0]", "what_if.pin[0].need")
	_, err = e.client.GetMatchRun(e.as(official1), &sponsorv1.GetMatchRunRequest{Name: "matchRuns/nothing"})
	rpctest.ExpectError(t, "missing run", err, codes.NotFound, matchrun.ReasonNotFound)
}

func TestDenied(t *testing.T) {
	e := newEnv(t)
	r := e.run(official1, &sponsorv1.RunMatchingRequest{Algorithm: sponsorv1.Algorithm_ALGORITHM_OPTIMAL})
	calls := rpctest.Calls(t, e.client,
		&sponsorv1.RunMatchingRequest{Algorithm: sponsorv1.Algorithm_ALGORITHM_OPTIMAL},
		&sponsorv1.GetMatchRunRequest{Name: r.GetName()},
		&sponsorv1.ListMatchRunsRequest{},
		&sponsorv1.CompareMatchRunsRequest{First: r.GetName(), Second: r.GetName()},
		&sponsorv1.ApproveMatchRunRequest{Name: r.GetName()},
		&sponsorv1.RejectMatchRunRequest{Name: r.GetName(), Reason: "no"},
	)
	for who, p := range denied {
		for method, call := range calls {
			rpctest.ExpectError(t, who+" "+method, call(e.as(p)), codes.PermissionDenied, "")
		}
	}
	got, err := e.client.GetMatchRun(e.as(official2), &sponsorv1.GetMatchRunRequest{Name: r.GetName()})
	if err != nil || got.GetState() != sponsorv1.RunState_RUN_STATE_PROPOSED {
		t.Errorf("after the denied calls: %v, %v", got, err)
	}
}

// raiseUrgency changes the need id of the council gss behind the service's
// back, as another official's edit would: its urgency becomes 5, so runs
// made before no longer match their inputs.
func (e *env) raiseUrgency(gss, id string) {
	e.t.Helper()
	ctx := context.Background()
	n, err := e.needs.Get(ctx, gss, id)
	if err != nil {
		e.t.Fatal(err)
	}
	n.Urgency = 5
	if _, err := e.needs.Save(ctx, n, change.Request{Subject: "official-1"}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) outboxHas(tag, eventType string) bool {
	e.t.Helper()
	return slices.ContainsFunc(rpctest.Outbox(e.t, e.st, tag), func(ev events.Event) bool { return strings.HasSuffix(ev.Type, eventType) })
}

// TestMatchRunsExplainThemselves: the echoed weights include urgency; two
// runs with the same result compare as "no changes"; INPUTS_CHANGED names
// what changed; and a run with no open need to match is refused with
// NO_OPEN_NEEDS rather than stored empty.
func TestMatchRunsExplainThemselves(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	optimal := sponsorv1.Algorithm_ALGORITHM_OPTIMAL

	first := e.run(official1, &sponsorv1.RunMatchingRequest{Algorithm: optimal, DryRun: true})
	if w := first.GetWeights(); w.GetUrgency() != float64(match.DefaultWeights().Urgency) || w.GetExpertise() != 40 {
		t.Errorf("echoed weights %v: want every weight used, urgency %d included", w, match.DefaultWeights().Urgency)
	}
	if w := e.run(official1, &sponsorv1.RunMatchingRequest{Algorithm: optimal, DryRun: true, Weights: &sponsorv1.Weights{Urgency: 7}}).GetWeights(); w.GetUrgency() != 7 {
		t.Errorf("asked for urgency 7, the run echoes %v", w)
	}
	_, err := e.client.RunMatching(e.as(official1), &sponsorv1.RunMatchingRequest{Algorithm: optimal, Weights: &sponsorv1.Weights{Urgency: 1.5}})
	rpctest.ExpectError(t, "a fractional urgency weight", err, codes.InvalidArgument, "", "weights.urgency")

	second := e.run(official1, &sponsorv1.RunMatchingRequest{Algorithm: optimal, DryRun: true})
	same, err := e.client.CompareMatchRuns(e.as(official2), &sponsorv1.CompareMatchRunsRequest{First: first.GetName(), Second: second.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if !same.GetNoChanges() || len(same.GetChanges()) != 0 || !strings.HasPrefix(same.GetSummary(), "no changes") {
		t.Errorf("the same result twice: no_changes %v, summary %q, changes %v", same.GetNoChanges(), same.GetSummary(), same.GetChanges())
	}
	whatIf := e.run(official1, &sponsorv1.RunMatchingRequest{Algorithm: optimal, WhatIf: &sponsorv1.WhatIf{ExcludeSponsors: []string{"sponsors/hampshire"}}})
	differ, err := e.client.CompareMatchRuns(e.as(official2), &sponsorv1.CompareMatchRunsRequest{First: first.GetName(), Second: whatIf.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if differ.GetNoChanges() || !strings.HasPrefix(differ.GetSummary(), "1 need changes sponsor") {
		t.Errorf("a different result: no_changes %v, summary %q", differ.GetNoChanges(), differ.GetSummary())
	}

	proposed := e.run(official1, &sponsorv1.RunMatchingRequest{Algorithm: optimal})
	e.raiseUrgency(doncaster, "n1")
	_, err = e.client.ApproveMatchRun(e.as(official2), &sponsorv1.ApproveMatchRunRequest{Name: proposed.GetName(), Etag: proposed.GetEtag()})
	rpctest.ExpectError(t, "approve after a need changed", err, codes.FailedPrecondition, matchrun.ReasonInputsChanged)
	info := errorInfo(err)
	if info.GetMetadata()["needs"] != needName(doncaster) || !strings.Contains(info.GetMetadata()["changes"], "urgency") ||
		!strings.Contains(status.Convert(err).Message(), needName(doncaster)+" changed: urgency") {
		t.Errorf("INPUTS_CHANGED does not say which need changed: %q, metadata %v", status.Convert(err).Message(), info.GetMetadata())
	}

	_, err = e.client.RunMatching(e.as(official1), &sponsorv1.RunMatchingRequest{Algorithm: optimal, DryRun: true, Filter: "urgency > 5"})
	rpctest.ExpectError(t, "a filter no open need matches", err, codes.FailedPrecondition, matchrun.ReasonNoOpenNeeds)
	for _, gss := range []string{slough, doncaster} {
		n, err := e.needs.Get(ctx, gss, "n1")
		if err != nil {
			t.Fatal(err)
		}
		if n, err = n.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := e.needs.Save(ctx, n, change.Request{Subject: "official-1"}); err != nil {
			t.Fatal(err)
		}
	}
	before, err := e.client.ListMatchRuns(e.as(official1), &sponsorv1.ListMatchRunsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.client.RunMatching(e.as(official1), &sponsorv1.RunMatchingRequest{Algorithm: optimal, DryRun: true})
	rpctest.ExpectError(t, "every need matched or closed", err, codes.FailedPrecondition, matchrun.ReasonNoOpenNeeds)
	if !strings.Contains(status.Convert(err).Message(), "no sponsor need is open") {
		t.Errorf("NO_OPEN_NEEDS says %q", status.Convert(err).Message())
	}
	if after, err := e.client.ListMatchRuns(e.as(official1), &sponsorv1.ListMatchRunsRequest{}); err != nil || after.GetTotalSize() != before.GetTotalSize() {
		t.Errorf("a refused run was stored: %d runs, then %d (%v)", before.GetTotalSize(), after.GetTotalSize(), err)
	}
}

// errorInfo returns err's google.rpc.ErrorInfo, or nil.
func errorInfo(err error) *errdetails.ErrorInfo {
	for _, d := range status.Convert(err).Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info
		}
	}
	return nil
}

// TestRunsOfOneInputExplainAlike: a run of an input solved before shares
// the explanation kept for its result, and says what a fresh rendering of
// the stored run says; once a need changes, the explanation follows.
func TestRunsOfOneInputExplainAlike(t *testing.T) {
	e := newEnv(t)
	optimal := sponsorv1.Algorithm_ALGORITHM_OPTIMAL
	explained := func(r *sponsorv1.MatchRun) *sponsorv1.MatchRun {
		return &sponsorv1.MatchRun{Assignments: r.GetAssignments(), Candidates: r.GetCandidates(), Unmatched: r.GetUnmatched()}
	}
	stored := func(r *sponsorv1.MatchRun) *sponsorv1.MatchRun {
		got, err := e.client.GetMatchRun(e.as(official1), &sponsorv1.GetMatchRunRequest{Name: r.GetName()})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	first := e.run(official1, &sponsorv1.RunMatchingRequest{Algorithm: optimal, DryRun: true})
	again := e.run(official1, &sponsorv1.RunMatchingRequest{Algorithm: optimal, DryRun: true})
	if len(first.GetCandidates()) != 2 || len(first.GetAssignments()) == 0 {
		t.Fatalf("the run explains %d needs and %d assignments, want both needs and an assignment", len(first.GetCandidates()), len(first.GetAssignments()))
	}
	for _, r := range []*sponsorv1.MatchRun{first, again} {
		if !proto.Equal(explained(r), explained(stored(r))) {
			t.Errorf("run %s explains itself otherwise than its stored record:\n%v\n%v", r.GetName(), explained(r), explained(stored(r)))
		}
	}
	if !proto.Equal(explained(first), explained(again)) {
		t.Errorf("two runs of one input explain themselves differently")
	}

	e.raiseUrgency(doncaster, "n1")
	changed := e.run(official1, &sponsorv1.RunMatchingRequest{Algorithm: optimal, DryRun: true})
	if proto.Equal(explained(changed), explained(first)) {
		t.Errorf("a need's urgency changed and the run explains itself as before")
	}
	if !proto.Equal(explained(changed), explained(stored(changed))) {
		t.Errorf("after the change the run explains itself otherwise than its stored record")
	}
}

// TestExplanationsAreSharedAndBounded: one result is explained once, and
// however many results pass, at most maxExplained are kept.
func TestExplanationsAreSharedAndBounded(t *testing.T) {
	var e explanations
	w := match.DefaultWeights()
	res := &match.Result{Needs: []match.NeedReport{{Need: "n1", Candidates: []match.Candidate{{Sponsor: "leeds", Rank: 1}}}}}
	a, b := e.of(res, w), e.of(res, w)
	if len(a.candidates) != 1 || a.candidates[0] != b.candidates[0] {
		t.Fatalf("one result explained twice: %v and %v, want the same messages", a.candidates, b.candidates)
	}
	if !proto.Equal(a.candidates[0], explanationOf(res, w).candidates[0]) {
		t.Errorf("the kept explanation %v is not the result's", a.candidates[0])
	}
	for range 3 * maxExplained {
		e.of(&match.Result{}, w)
		if len(e.at) > maxExplained {
			t.Fatalf("%d explanations kept, at most %d", len(e.at), maxExplained)
		}
	}
}
