package reviewapi

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/inspectionclient"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
)

func graded(g typev1.Grade) *inspectionv1.GradedJudgement {
	return &inspectionv1.GradedJudgement{Grade: g, Narrative: "Narrative."}
}

// leedsDouble serves Leeds as a council whose latest SIF judgement found
// help and protection inadequate (behind a newer monitoring visit, which
// has no judgement), whose risk is driven by caseloads and agency staff,
// and Doncaster as judged inadequate.
func leedsDouble() *inspectionDouble {
	good := typev1.Grade_GRADE_GOOD
	return &inspectionDouble{
		inspections: map[string][]*inspectionv1.Inspection{
			leeds: {
				{Name: leedsName + "/inspections/visit", Framework: inspectionv1.Framework_FRAMEWORK_MONITORING_VISIT,
					State: inspectionv1.InspectionState_INSPECTION_STATE_PUBLISHED},
				{Name: leedsName + "/inspections/sif", Framework: inspectionv1.Framework_FRAMEWORK_SIF,
					State: inspectionv1.InspectionState_INSPECTION_STATE_PUBLISHED,
					Judgement: &inspectionv1.Judgement{
						OverallEffectiveness:           graded(typev1.Grade_GRADE_REQUIRES_IMPROVEMENT),
						HelpAndProtection:              graded(typev1.Grade_GRADE_INADEQUATE),
						LookedAfterAndPermanence:       graded(good),
						AdoptionPerformance:            graded(good),
						CareLeavers:                    graded(good),
						LeadershipManagementGovernance: graded(good),
						LscbReview:                     graded(good),
					}},
			},
		},
		risk: map[string]*inspectionv1.RiskAssessment{
			leedsName + "/riskAssessment": {
				Name: leedsName + "/riskAssessment", Band: typev1.RiskBand_RISK_BAND_HIGH, Score: 61,
				Factors: []*inspectionv1.RiskFactor{
					{Indicator: typev1.Indicator_INDICATOR_TURNOVER_RATE, Contribution: -2},
					{Indicator: typev1.Indicator_INDICATOR_CASELOAD, Contribution: 12},
					{Indicator: typev1.Indicator_INDICATOR_DEPRIVATION_DECILE, Contribution: 4},
					{Indicator: typev1.Indicator_INDICATOR_AGENCY_RATE, Contribution: 8},
				},
			},
		},
		inadequate: []*inspectionv1.LocalAuthority{
			{Name: "localAuthorities/E06000034", GssCode: "E06000034"},
			{Name: "localAuthorities/" + doncaster, GssCode: doncaster},
		},
	}
}

// seedPool puts the story's reviewers in the pool: an eligible director,
// directors from the reviewed council and from an inadequate council, a
// team manager with a declared conflict, a principal social worker without
// days, and eligible practitioners.
func (e *env) seedPool() {
	for _, rv := range []reviewer.Reviewer{
		{DisplayName: "Ann Director", HomeCouncil: hampshire, Role: reviewer.Director,
			Expertise: []reviewer.Theme{reviewer.ChildProtectionPractice, reviewer.Caseloads}, AvailableDaysPerQuarter: 20},
		{DisplayName: "Bob Director", HomeCouncil: leeds, Role: reviewer.Director, AvailableDaysPerQuarter: 20},
		{DisplayName: "Cat Director", HomeCouncil: doncaster, Role: reviewer.Director, AvailableDaysPerQuarter: 20},
		{DisplayName: "Dan Worker", HomeCouncil: "E09000033", Role: reviewer.PrincipalSocialWorker,
			Expertise: []reviewer.Theme{reviewer.ChildProtectionPractice}, AvailableDaysPerQuarter: 20},
		{DisplayName: "Eve Manager", HomeCouncil: "E06000047", Role: reviewer.TeamManager,
			Expertise: []reviewer.Theme{reviewer.Caseloads}, AvailableDaysPerQuarter: 20},
		{DisplayName: "Fay Manager", HomeCouncil: "E10000023", Role: reviewer.TeamManager, Conflicts: []string{leeds},
			Expertise: []reviewer.Theme{reviewer.ChildProtectionPractice}, AvailableDaysPerQuarter: 20},
		{DisplayName: "Gus Worker", HomeCouncil: "E09000027", Role: reviewer.PrincipalSocialWorker,
			Expertise: []reviewer.Theme{reviewer.FrontDoorAndReferrals}, AvailableDaysPerQuarter: 20},
		{DisplayName: "Hal Associate", Role: reviewer.LGAAssociate, AvailableDaysPerQuarter: 20},
		{DisplayName: "Ivy Worker", HomeCouncil: "E09000021", Role: reviewer.PrincipalSocialWorker,
			Expertise: []reviewer.Theme{reviewer.ChildProtectionPractice}, AvailableDaysPerQuarter: 2},
	} {
		e.addReviewer(rv)
	}
}

// schedule requests and schedules a review of gss as the adviser, on site
// Monday 11 to Thursday 14 January 2016.
func (e *env) schedule(gss string) *peerreviewv1.PeerReview {
	e.t.Helper()
	rv, err := e.client.RequestPeerReview(e.as(rpctest.Adviser), &peerreviewv1.RequestPeerReviewRequest{
		Parent:     "localAuthorities/" + gss,
		PeerReview: &peerreviewv1.PeerReview{Kind: peerreviewv1.ReviewKind_REVIEW_KIND_SAFEGUARDING_PRACTICE_DIAGNOSTIC},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.scheduleInJanuary(rv)
}

// scheduleInJanuary schedules the requested review rv as the adviser, on
// site Monday 11 to Thursday 14 January 2016.
func (e *env) scheduleInJanuary(rv *peerreviewv1.PeerReview) *peerreviewv1.PeerReview {
	e.t.Helper()
	rv, err := e.client.SchedulePeerReview(e.as(rpctest.Adviser), &peerreviewv1.SchedulePeerReviewRequest{
		Name: rv.GetName(), Etag: rv.GetEtag(),
		StartDate: &typev1.Date{Year: 2016, Month: 1, Day: 11}, EndDate: &typev1.Date{Year: 2016, Month: 1, Day: 14},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return rv
}

func teamOf(p *peerreviewv1.TeamProposal) []*peerreviewv1.TeamMember {
	var out []*peerreviewv1.TeamMember
	for _, pk := range p.GetPicks() {
		out = append(out, &peerreviewv1.TeamMember{Reviewer: pk.GetReviewer(), Lead: pk.GetLead(), Days: pk.GetDays()})
	}
	return out
}

// TestPeerReviewStory is the story through gRPC: a council officer
// requests a review of its own council, the LGA schedules it, proposes a
// team (explained, with the exclusions), fails to accept it once the pool
// has changed, accepts a fresh proposal, goes on site, records findings
// and completes with a high risk; PeerReviewCompleted lands in the
// council's outbox, and the council reads its review with its findings.
func TestPeerReviewStory(t *testing.T) {
	e := newEnv(t, leedsDouble())
	e.seedPool()
	// One token for the adviser throughout, so the forwarded one can be
	// compared with it.
	advToken := rpctest.Token(t, rpctest.Adviser)
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+advToken)

	reqMsg := &peerreviewv1.RequestPeerReviewRequest{
		Parent: leedsName,
		PeerReview: &peerreviewv1.PeerReview{
			Kind: peerreviewv1.ReviewKind_REVIEW_KIND_SAFEGUARDING_PEER_REVIEW, Reason: "Rising caseloads.",
			State: peerreviewv1.ReviewState_REVIEW_STATE_COMPLETED, // output only: ignored
		},
		RequestId: "7c1f-request",
	}
	rv := rpctest.Replayed(t, "request", e.as(leedsOfficer), e.client.RequestPeerReview, reqMsg)
	if rv.GetState() != peerreviewv1.ReviewState_REVIEW_STATE_REQUESTED || rv.GetEtag() != `"1"` ||
		rv.GetRequestedBy() != leedsOfficer.Subject || rv.GetReason() != "Rising caseloads." || !strings.HasPrefix(rv.GetName(), leedsName+"/peerReviews/") {
		t.Fatalf("requested = %v", rv)
	}
	_, err := e.client.RequestPeerReview(ctx, &peerreviewv1.RequestPeerReviewRequest{
		Parent: leedsName, PeerReview: &peerreviewv1.PeerReview{Kind: peerreviewv1.ReviewKind_REVIEW_KIND_CARE_PRACTICE_DIAGNOSTIC},
	})
	rpctest.ExpectError(t, "second review under way", err, codes.FailedPrecondition, review.ReasonUnderWay)

	// Scheduling: eleven days on site is too long; four is fine.
	_, err = e.client.SchedulePeerReview(ctx, &peerreviewv1.SchedulePeerReviewRequest{
		Name: rv.GetName(), Etag: rv.GetEtag(),
		StartDate: &typev1.Date{Year: 2016, Month: 1, Day: 11}, EndDate: &typev1.Date{Year: 2016, Month: 1, Day: 21},
	})
	rpctest.ExpectError(t, "eleven days on site", err, codes.InvalidArgument, "", "end_date")
	_, err = e.client.ProposeReviewTeam(ctx, &peerreviewv1.ProposeReviewTeamRequest{Name: rv.GetName()})
	rpctest.ExpectError(t, "propose before scheduling", err, codes.FailedPrecondition, review.ReasonNotScheduled)
	rv, err = e.client.SchedulePeerReview(ctx, &peerreviewv1.SchedulePeerReviewRequest{
		Name: rv.GetName(), Etag: rv.GetEtag(),
		StartDate: &typev1.Date{Year: 2016, Month: 1, Day: 11}, EndDate: &typev1.Date{Year: 2016, Month: 1, Day: 14},
	})
	if err != nil || rv.GetState() != peerreviewv1.ReviewState_REVIEW_STATE_SCHEDULED || rv.GetEndDate().GetDay() != 14 {
		t.Fatalf("scheduled = %v, %v", rv, err)
	}

	// The proposal: focus from the judgement's inadequate area, then the
	// top risk factors; Ann leads; the reviewed council's, the inadequate
	// council's, the conflicted and the busy reviewers are excluded.
	calls := len(e.inspection.seen())
	prop, err := e.client.ProposeReviewTeam(ctx, &peerreviewv1.ProposeReviewTeamRequest{Name: rv.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	wantFocus := []peerreviewv1.Theme{
		peerreviewv1.Theme_THEME_CHILD_PROTECTION_PRACTICE, peerreviewv1.Theme_THEME_FRONT_DOOR_AND_REFERRALS,
		peerreviewv1.Theme_THEME_ASSESSMENT_TIMELINESS, peerreviewv1.Theme_THEME_CASELOADS, peerreviewv1.Theme_THEME_WORKFORCE_STABILITY,
	}
	if !slices.Equal(prop.GetFocus(), wantFocus) {
		t.Errorf("focus = %v, want %v", prop.GetFocus(), wantFocus)
	}
	if prop.GetPeerReview() != rv.GetName() || prop.GetPoolEtag() == "" || len(prop.GetPicks()) != 4 {
		t.Fatalf("proposal = %v", prop)
	}
	lead := prop.GetPicks()[0]
	if !lead.GetLead() || lead.GetReviewer() != e.name("Ann Director") || lead.GetDays() != 4 {
		t.Errorf("lead = %v", lead)
	}
	var picked []string
	for _, pk := range prop.GetPicks() {
		picked = append(picked, pk.GetReviewer())
		if pk.GetReason() == "" || pk.GetRunnerUpReason() == "" {
			t.Errorf("pick %s is not explained: %v", pk.GetReviewer(), pk)
		}
	}
	for _, n := range []string{"Dan Worker", "Eve Manager", "Gus Worker"} {
		if !slices.Contains(picked, e.name(n)) {
			t.Errorf("%s not picked: %v", n, picked)
		}
	}
	exclusions := strings.Join(prop.GetExclusions(), "\n")
	for n, why := range map[string]string{
		"Bob Director": "reviewed council", "Cat Director": "inadequate", "Fay Manager": "conflict", "Ivy Worker": "days",
	} {
		found := false
		for _, x := range prop.GetExclusions() {
			if strings.Contains(x, e.name(n)) && strings.Contains(x, why) {
				found = true
			}
		}
		if !found {
			t.Errorf("no exclusion of %s mentioning %q in:\n%s", n, why, exclusions)
		}
	}
	// The inspection service was asked with the adviser's own token.
	for _, tok := range e.inspection.seen()[calls:] {
		if tok != "Bearer "+advToken {
			t.Errorf("inspection call carried authorization %q, not the adviser's", tok)
		}
	}
	if len(e.inspection.seen()) <= calls {
		t.Error("the proposal did not ask the inspection service")
	}

	// The pool changes before acceptance: refused, propose again.
	e.addReviewer(reviewer.Reviewer{DisplayName: "Jo Newcomer", HomeCouncil: "E08000019", Role: reviewer.TeamManager, AvailableDaysPerQuarter: 10})
	accept := &peerreviewv1.AcceptReviewTeamRequest{Name: rv.GetName(), Etag: rv.GetEtag(), PoolEtag: prop.GetPoolEtag(), Team: teamOf(prop)}
	_, err = e.client.AcceptReviewTeam(ctx, accept)
	rpctest.ExpectError(t, "accept from a changed pool", err, codes.Aborted, review.ReasonPoolChanged)

	prop, err = e.client.ProposeReviewTeam(ctx, &peerreviewv1.ProposeReviewTeamRequest{Name: rv.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	// An ineligible team is refused with the reasons.
	bad := teamOf(prop)
	bad[1] = &peerreviewv1.TeamMember{Reviewer: e.name("Bob Director"), Days: 4}
	_, err = e.client.AcceptReviewTeam(ctx, &peerreviewv1.AcceptReviewTeamRequest{Name: rv.GetName(), Etag: rv.GetEtag(), PoolEtag: prop.GetPoolEtag(), Team: bad})
	rpctest.ExpectError(t, "ineligible team", err, codes.InvalidArgument, review.ReasonTeamNotEligible, "team[1].reviewer")
	_, err = e.client.AcceptReviewTeam(ctx, &peerreviewv1.AcceptReviewTeamRequest{Name: rv.GetName(), Etag: `"1"`, PoolEtag: prop.GetPoolEtag(), Team: teamOf(prop)})
	rpctest.ExpectError(t, "stale review etag", err, codes.Aborted, "ETAG_MISMATCH")
	_, err = e.client.AcceptReviewTeam(ctx, &peerreviewv1.AcceptReviewTeamRequest{Name: rv.GetName(), Team: teamOf(prop)[:1]})
	rpctest.ExpectError(t, "accept without etags", err, codes.InvalidArgument, "", "etag", "pool_etag", "team")

	accept = &peerreviewv1.AcceptReviewTeamRequest{Name: rv.GetName(), Etag: rv.GetEtag(), PoolEtag: prop.GetPoolEtag(), Team: teamOf(prop), RequestId: "7c1f-accept"}
	rv, err = e.client.AcceptReviewTeam(ctx, accept)
	if err != nil {
		t.Fatal(err)
	}
	if len(rv.GetTeam()) != 4 || !rv.GetTeam()[0].GetLead() || rv.GetTeam()[0].GetReviewer() != e.name("Ann Director") || rv.GetEtag() != `"3"` {
		t.Fatalf("accepted = %v", rv)
	}
	// The accepted team's days now count against the pool, so the retry
	// replays rather than comparing fingerprints.
	if again, err := e.client.AcceptReviewTeam(ctx, accept); err != nil || !proto.Equal(again, rv) {
		t.Fatalf("accept replay = %v, %v", again, err)
	}
	committed, err := e.reviews.CommittedDays(context.Background())
	if err != nil || committed[e.ids["Ann Director"]] != 4 {
		t.Errorf("committed days = %v, %v", committed, err)
	}

	rv, err = e.client.StartOnSite(ctx, &peerreviewv1.StartOnSiteRequest{Name: rv.GetName(), Etag: rv.GetEtag()})
	if err != nil || rv.GetState() != peerreviewv1.ReviewState_REVIEW_STATE_ON_SITE {
		t.Fatalf("on site = %v, %v", rv, err)
	}
	_, err = e.client.RecordFindings(ctx, &peerreviewv1.RecordFindingsRequest{Name: rv.GetName(), Findings: []*peerreviewv1.Finding{
		{Theme: peerreviewv1.Theme_THEME_LEADERSHIP, Kind: peerreviewv1.FindingKind_FINDING_KIND_STRENGTH,
			Severity: peerreviewv1.FindingSeverity_FINDING_SEVERITY_MINOR, Evidence: "Visible leaders."},
		{Kind: peerreviewv1.FindingKind_FINDING_KIND_AREA_FOR_IMPROVEMENT, Evidence: " "},
	}})
	rpctest.ExpectError(t, "invalid findings", err, codes.InvalidArgument, "",
		"findings[0].severity", "findings[1].evidence", "findings[1].severity", "findings[1].theme")
	findings := []*peerreviewv1.Finding{
		{Theme: peerreviewv1.Theme_THEME_LEADERSHIP, Kind: peerreviewv1.FindingKind_FINDING_KIND_STRENGTH, Evidence: "Visible leaders."},
		{Theme: peerreviewv1.Theme_THEME_CASELOADS, Kind: peerreviewv1.FindingKind_FINDING_KIND_AREA_FOR_IMPROVEMENT,
			Severity: peerreviewv1.FindingSeverity_FINDING_SEVERITY_SEVERE, Evidence: "Caseloads above 30 in two teams."},
		{Theme: peerreviewv1.Theme_THEME_CHILD_PROTECTION_PRACTICE, Kind: peerreviewv1.FindingKind_FINDING_KIND_AREA_FOR_IMPROVEMENT,
			Severity: peerreviewv1.FindingSeverity_FINDING_SEVERITY_SIGNIFICANT, Evidence: "Strategy discussions late."},
	}
	rv, err = e.client.RecordFindings(ctx, &peerreviewv1.RecordFindingsRequest{Name: rv.GetName(), Etag: rv.GetEtag(), Findings: findings})
	if err != nil || rv.GetState() != peerreviewv1.ReviewState_REVIEW_STATE_REPORTING || len(rv.GetFindings()) != 3 {
		t.Fatalf("findings = %v, %v", rv, err)
	}

	_, err = e.client.CompleteReview(ctx, &peerreviewv1.CompleteReviewRequest{Name: rv.GetName(), Etag: rv.GetEtag()})
	rpctest.ExpectError(t, "complete without a conclusion", err, codes.InvalidArgument, "", "conclusion", "risk")
	rv, err = e.client.CompleteReview(ctx, &peerreviewv1.CompleteReviewRequest{
		Name: rv.GetName(), Etag: rv.GetEtag(), Risk: peerreviewv1.InadequacyRisk_INADEQUACY_RISK_HIGH,
		Conclusion: "High risk of an inadequate judgement: caseloads and child protection practice.", RequestId: "7c1f-complete",
	})
	if err != nil {
		t.Fatal(err)
	}
	if rv.GetState() != peerreviewv1.ReviewState_REVIEW_STATE_COMPLETED || rv.GetConclusionRisk() != peerreviewv1.InadequacyRisk_INADEQUACY_RISK_HIGH ||
		rv.GetCompleteTime() == nil {
		t.Fatalf("completed = %v", rv)
	}
	_, err = e.client.CancelPeerReview(ctx, &peerreviewv1.CancelPeerReviewRequest{Name: rv.GetName(), Reason: "Too late."})
	rpctest.ExpectError(t, "cancel a completed review", err, codes.FailedPrecondition, review.ReasonInvalidTransition)

	// PeerReviewCompleted is in the council's outbox, committed with the
	// review: the support offer consumer makes the enhanced offer from it.
	evs := rpctest.Outbox(t, e.store, keyspace.CouncilTag(leeds), events.TypeName(&eventsv1.PeerReviewCompleted{}))
	for _, ev := range evs {
		if ev.Topic != "peerreview" || ev.Subject != rv.GetName() {
			t.Errorf("event envelope: topic %q, subject %q", ev.Topic, ev.Subject)
		}
	}
	completed := rpctest.Payloads[*eventsv1.PeerReviewCompleted](t, evs)
	want := &eventsv1.PeerReviewCompleted{
		PeerReview: rv.GetName(), LocalAuthority: leedsName, Kind: "SAFEGUARDING_PEER_REVIEW", Risk: "HIGH", SevereThemes: []string{"CASELOADS"},
	}
	if len(completed) != 1 || !proto.Equal(completed[0], want) {
		t.Errorf("PeerReviewCompleted = %v, want exactly %v", completed, want)
	}

	// The council reads its own review, findings included, and lists it.
	own, err := e.client.GetPeerReview(e.as(leedsOfficer), &peerreviewv1.GetPeerReviewRequest{Name: rv.GetName()})
	if err != nil || !proto.Equal(own, rv) || len(own.GetFindings()) != 3 {
		t.Fatalf("council officer's read = %v, %v", own, err)
	}
	list, err := e.client.ListPeerReviews(e.as(leedsOfficer), &peerreviewv1.ListPeerReviewsRequest{Parent: leedsName, Filter: "state = COMPLETED"})
	if err != nil || len(list.GetPeerReviews()) != 1 || list.GetTotalSize() != 1 {
		t.Fatalf("council officer's list = %v, %v", list, err)
	}
}

// TestListAcrossCouncils lists every council's reviews newest first, with
// filters and pages.
func TestListAcrossCouncils(t *testing.T) {
	e := newEnv(t, leedsDouble())
	ctx := e.as(rpctest.Adviser)
	var names []string
	for _, gss := range []string{leeds, hampshire, doncaster} {
		names = append(names, e.schedule(gss).GetName())
	}
	cancelled, err := e.client.CancelPeerReview(ctx, &peerreviewv1.CancelPeerReviewRequest{Name: names[1], Reason: "Council withdrew."})
	if err != nil || cancelled.GetCancelReason() != "Council withdrew." {
		t.Fatalf("cancel = %v, %v", cancelled, err)
	}
	var got []string
	token := ""
	for {
		resp, err := e.client.ListPeerReviews(ctx, &peerreviewv1.ListPeerReviewsRequest{Parent: "localAuthorities/-", PageSize: 2, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetTotalSize() != 3 {
			t.Errorf("total = %d", resp.GetTotalSize())
		}
		for _, rv := range resp.GetPeerReviews() {
			got = append(got, rv.GetName())
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	if len(got) != 3 {
		t.Fatalf("listed %v", got)
	}
	// Created at the same clock reading, so ties go by name; all three
	// are there exactly once.
	for _, n := range names {
		if !slices.Contains(got, n) {
			t.Errorf("%s missing from %v", n, got)
		}
	}
	resp, err := e.client.ListPeerReviews(ctx, &peerreviewv1.ListPeerReviewsRequest{
		Parent: "localAuthorities/-", Filter: "state = SCHEDULED AND kind = SAFEGUARDING_PRACTICE_DIAGNOSTIC",
	})
	if err != nil || resp.GetTotalSize() != 2 {
		t.Fatalf("filtered = %v, %v", resp, err)
	}
	_, err = e.client.ListPeerReviews(ctx, &peerreviewv1.ListPeerReviewsRequest{Parent: "localAuthorities/-", Filter: "region = LONDON"})
	rpctest.ExpectError(t, "unknown filter field", err, codes.InvalidArgument, "", "filter")
	_, err = e.client.ListPeerReviews(ctx, &peerreviewv1.ListPeerReviewsRequest{Parent: "localAuthorities/E06999999"})
	rpctest.ExpectError(t, "unknown council", err, codes.NotFound, resource.ReasonCouncilNotFound)
	_, err = e.client.GetPeerReview(ctx, &peerreviewv1.GetPeerReviewRequest{Name: leedsName + "/peerReviews/missing"})
	rpctest.ExpectError(t, "missing review", err, codes.NotFound, review.ReasonNotFound)
	_, err = e.client.RequestPeerReview(ctx, &peerreviewv1.RequestPeerReviewRequest{Parent: "councils/x", PeerReview: &peerreviewv1.PeerReview{Reason: strings.Repeat("x", review.MaxText+1)}})
	rpctest.ExpectError(t, "every violation at once", err, codes.InvalidArgument, "", "parent", "peer_review.kind", "peer_review.reason")
}

// TestProposeWhenInspectionIsDown answers UNAVAILABLE, never a team chosen
// without the council's weaknesses or the inadequate councils.
func TestProposeWhenInspectionIsDown(t *testing.T) {
	double := leedsDouble()
	e := newEnv(t, double)
	e.seedPool()
	rv := e.schedule(leeds)
	if _, err := e.client.ProposeReviewTeam(e.as(rpctest.Adviser), &peerreviewv1.ProposeReviewTeamRequest{Name: rv.GetName()}); err != nil {
		t.Fatalf("propose while the inspection service is up: %v", err)
	}
	double.srv.Stop()
	ctx, cancel := context.WithTimeout(e.as(rpctest.Adviser), 30*time.Second)
	defer cancel()
	_, err := e.client.ProposeReviewTeam(ctx, &peerreviewv1.ProposeReviewTeamRequest{Name: rv.GetName()})
	rpctest.ExpectError(t, "propose with the inspection service down", err, codes.Unavailable, inspectionclient.ReasonUnavailable)
}

// TestDenied covers every deny case: sponsor officers and partner systems
// may call no peer review method, Ofsted and DfE none but the reads (which
// give them summaries: TestSummaryView); a council officer may not run
// reviews, nor read or request another council's, nor list across
// councils; an Ofsted role beside a council officer's does not let the
// officer request another council's review.
func TestDenied(t *testing.T) {
	e := newEnv(t, leedsDouble())
	rv := e.schedule(leeds)
	name := rv.GetName()
	calls := rpctest.Calls(t, e.client,
		&peerreviewv1.RequestPeerReviewRequest{Parent: leedsName,
			PeerReview: &peerreviewv1.PeerReview{Kind: peerreviewv1.ReviewKind_REVIEW_KIND_SAFEGUARDING_PEER_REVIEW}},
		&peerreviewv1.GetPeerReviewRequest{Name: name},
		&peerreviewv1.ListPeerReviewsRequest{Parent: leedsName},
		&peerreviewv1.SchedulePeerReviewRequest{Name: name},
		&peerreviewv1.ProposeReviewTeamRequest{Name: name},
		&peerreviewv1.AcceptReviewTeamRequest{Name: name},
		&peerreviewv1.StartOnSiteRequest{Name: name},
		&peerreviewv1.RecordFindingsRequest{Name: name},
		&peerreviewv1.CompleteReviewRequest{Name: name},
		&peerreviewv1.CancelPeerReviewRequest{Name: name, Reason: "x"},
	)
	if len(calls) != len(Policies) {
		t.Fatalf("%d calls for %d policies: cover every method", len(calls), len(Policies))
	}
	runs := []string{"SchedulePeerReview", "ProposeReviewTeam", "AcceptReviewTeam", "StartOnSite", "RecordFindings", "CompleteReview", "CancelPeerReview"}
	reads := []string{"GetPeerReview", "ListPeerReviews"}
	for method, call := range calls {
		for _, p := range []auth.Principal{sponsor, rpctest.Partner} {
			rpctest.ExpectError(t, p.Subject+" "+method, call(e.as(p)), codes.PermissionDenied, auth.ReasonRoleNotAllowed)
		}
		// Ofsted and DfE read reviews in summary (the access matrix; this
		// used to be refused) and do nothing else.
		for _, p := range []auth.Principal{rpctest.Inspector, rpctest.Official} {
			if !slices.Contains(reads, method) {
				rpctest.ExpectError(t, p.Subject+" "+method, call(e.as(p)), codes.PermissionDenied, auth.ReasonRoleNotAllowed)
			}
		}
		if slices.Contains(runs, method) {
			rpctest.ExpectError(t, "council officer "+method, call(e.as(leedsOfficer)), codes.PermissionDenied, auth.ReasonRoleNotAllowed)
		}
	}
	// Another council's officer: refused by the access matrix before the
	// review is looked up.
	for _, method := range []string{"RequestPeerReview", "GetPeerReview", "ListPeerReviews"} {
		rpctest.ExpectError(t, "officer-hants "+method+" of another council", calls[method](e.as(hantsOfficer)), codes.PermissionDenied, access.ReasonNotAllowed)
	}
	// ... even when the request itself is incomplete.
	_, err := e.client.RequestPeerReview(e.as(hantsOfficer), &peerreviewv1.RequestPeerReviewRequest{Parent: leedsName, PeerReview: &peerreviewv1.PeerReview{}})
	rpctest.ExpectError(t, "officer-hants requesting an incomplete review of another council", err, codes.PermissionDenied, access.ReasonNotAllowed)
	_, err = e.client.GetPeerReview(e.as(hantsOfficer), &peerreviewv1.GetPeerReviewRequest{Name: leedsName + "/peerReviews/missing"})
	rpctest.ExpectError(t, "officer-hants probing for another council's reviews", err, codes.PermissionDenied, access.ReasonNotAllowed)
	// An Ofsted role beside the officer's reads another council's reviews
	// only in summary (TestSummaryView) and requests none.
	rpctest.ExpectError(t, "dual-1 RequestPeerReview of another council", calls["RequestPeerReview"](e.as(inspectorOfficer)), codes.PermissionDenied, access.ReasonNotAllowed)
	_, err = e.client.ListPeerReviews(e.as(leedsOfficer), &peerreviewv1.ListPeerReviewsRequest{Parent: "localAuthorities/-"})
	rpctest.ExpectError(t, "council officer listing every council", err, codes.PermissionDenied, access.ReasonNotAllowed)
	// Nothing in the deny cases changed the review.
	got, err := e.client.GetPeerReview(e.as(rpctest.Adviser), &peerreviewv1.GetPeerReviewRequest{Name: name})
	if err != nil || !proto.Equal(got, rv) {
		t.Fatalf("after denied calls = %v, %v; want %v", got, err, rv)
	}
}

func TestPolicies(t *testing.T) {
	if err := Policies.Validate(); err != nil {
		t.Fatal(err)
	}
	reads := []string{peerreviewv1.PeerReviewService_GetPeerReview_FullMethodName, peerreviewv1.PeerReviewService_ListPeerReviews_FullMethodName}
	for method, p := range Policies {
		for _, r := range []auth.Role{auth.RoleSponsorOfficer, auth.RolePartnerSystem} {
			if slices.Contains(p.Roles, r) {
				t.Errorf("%s admits %s", method, r)
			}
		}
		// Ofsted and DfE reach the reads only, where they see summaries.
		for _, r := range []auth.Role{auth.RoleOfstedInspector, auth.RoleDfEOfficial} {
			if slices.Contains(p.Roles, r) != slices.Contains(reads, method) {
				t.Errorf("%s admits %s: %v", method, r, slices.Contains(p.Roles, r))
			}
		}
	}
}

// complete drives a review of Leeds through its whole life as the adviser,
// requested by Leeds's officer with a reason: team, findings (one severe),
// a HIGH-risk conclusion. The pool must be seeded.
func (e *env) complete() *peerreviewv1.PeerReview {
	e.t.Helper()
	ctx := e.as(rpctest.Adviser)
	rv, err := e.client.RequestPeerReview(e.as(leedsOfficer), &peerreviewv1.RequestPeerReviewRequest{
		Parent: leedsName,
		PeerReview: &peerreviewv1.PeerReview{Kind: peerreviewv1.ReviewKind_REVIEW_KIND_SAFEGUARDING_PEER_REVIEW,
			Reason: "Rising caseloads in the north locality."},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	rv = e.scheduleInJanuary(rv)
	prop, err := e.client.ProposeReviewTeam(ctx, &peerreviewv1.ProposeReviewTeamRequest{Name: rv.GetName()})
	if err != nil {
		e.t.Fatal(err)
	}
	rv, err = e.client.AcceptReviewTeam(ctx, &peerreviewv1.AcceptReviewTeamRequest{
		Name: rv.GetName(), Etag: rv.GetEtag(), PoolEtag: prop.GetPoolEtag(), Team: teamOf(prop)})
	if err != nil {
		e.t.Fatal(err)
	}
	if rv, err = e.client.StartOnSite(ctx, &peerreviewv1.StartOnSiteRequest{Name: rv.GetName(), Etag: rv.GetEtag()}); err != nil {
		e.t.Fatal(err)
	}
	rv, err = e.client.RecordFindings(ctx, &peerreviewv1.RecordFindingsRequest{Name: rv.GetName(), Etag: rv.GetEtag(), Findings: []*peerreviewv1.Finding{
		{Theme: peerreviewv1.Theme_THEME_CASELOADS, Kind: peerreviewv1.FindingKind_FINDING_KIND_AREA_FOR_IMPROVEMENT,
			Severity: peerreviewv1.FindingSeverity_FINDING_SEVERITY_SEVERE, Evidence: "Caseloads above 30 in two teams."},
	}})
	if err != nil {
		e.t.Fatal(err)
	}
	rv, err = e.client.CompleteReview(ctx, &peerreviewv1.CompleteReviewRequest{
		Name: rv.GetName(), Etag: rv.GetEtag(), Risk: peerreviewv1.InadequacyRisk_INADEQUACY_RISK_HIGH,
		Conclusion: "High risk of an inadequate judgement: caseloads.",
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return rv
}

// TestSummaryView: DfE officials and Ofsted inspectors see that a review
// took place, its kind, dates and state, and never its findings, team or
// report (the access matrix's summary scope; both were refused before).
// The LGA and the council's own officer still read it whole.
func TestSummaryView(t *testing.T) {
	e := newEnv(t, leedsDouble())
	e.seedPool()
	done := e.complete()
	if len(done.GetTeam()) == 0 || len(done.GetFindings()) == 0 || done.GetConclusion() == "" || done.GetReason() == "" ||
		done.GetRequestedBy() == "" {
		t.Fatalf("the completed review lacks the content this test checks is withheld: %v", done)
	}
	// A cancelled review of Hampshire carries a cancel reason.
	hants := e.schedule(hampshire)
	cancelled, err := e.client.CancelPeerReview(e.as(rpctest.Adviser), &peerreviewv1.CancelPeerReviewRequest{
		Name: hants.GetName(), Etag: hants.GetEtag(), Reason: "The council's new director asked to postpone."})
	if err != nil {
		t.Fatal(err)
	}
	// The summary: the fact of each review and nothing of its content.
	summary := func(full *peerreviewv1.PeerReview) *peerreviewv1.PeerReview {
		return &peerreviewv1.PeerReview{
			Name: full.GetName(), Kind: full.GetKind(), State: full.GetState(),
			StartDate: full.GetStartDate(), EndDate: full.GetEndDate(),
			CreateTime: full.GetCreateTime(), CompleteTime: full.GetCompleteTime(), Etag: full.GetEtag(),
		}
	}
	for _, p := range []auth.Principal{rpctest.Official, rpctest.Inspector} {
		ctx := e.as(p)
		for _, full := range []*peerreviewv1.PeerReview{done, cancelled} {
			got, err := e.client.GetPeerReview(ctx, &peerreviewv1.GetPeerReviewRequest{Name: full.GetName()})
			if err != nil || !proto.Equal(got, summary(full)) {
				t.Errorf("%s reads %s = %v, %v; want the summary %v", p.Subject, full.GetName(), got, err, summary(full))
			}
		}
		list, err := e.client.ListPeerReviews(ctx, &peerreviewv1.ListPeerReviewsRequest{Parent: "localAuthorities/-"})
		if err != nil || len(list.GetPeerReviews()) != 2 || list.GetTotalSize() != 2 {
			t.Fatalf("%s lists every council = %v, %v; want both reviews", p.Subject, list, err)
		}
		for _, got := range list.GetPeerReviews() {
			want := summary(done)
			if got.GetName() == cancelled.GetName() {
				want = summary(cancelled)
			}
			if !proto.Equal(got, want) {
				t.Errorf("%s lists %v; want the summary %v", p.Subject, got, want)
			}
		}
		// The summary's fields filter as for anyone.
		list, err = e.client.ListPeerReviews(ctx, &peerreviewv1.ListPeerReviewsRequest{Parent: leedsName, Filter: "state = COMPLETED"})
		if err != nil || len(list.GetPeerReviews()) != 1 || !proto.Equal(list.GetPeerReviews()[0], summary(done)) {
			t.Errorf("%s lists Leeds's completed reviews = %v, %v", p.Subject, list, err)
		}
		_, err = e.client.GetPeerReview(ctx, &peerreviewv1.GetPeerReviewRequest{Name: leedsName + "/peerReviews/missing"})
		rpctest.ExpectError(t, p.Subject+" reads a missing review", err, codes.NotFound, review.ReasonNotFound)
	}
	// A summary list's page token is the summarised caller's: the LGA,
	// who sees every review whole, cannot page on with it.
	first, err := e.client.ListPeerReviews(e.as(rpctest.Official), &peerreviewv1.ListPeerReviewsRequest{Parent: "localAuthorities/-", PageSize: 1})
	if err != nil || first.GetNextPageToken() == "" {
		t.Fatalf("DfE's first page = %v, %v; want a next page", first, err)
	}
	if next, err := e.client.ListPeerReviews(e.as(rpctest.Inspector), &peerreviewv1.ListPeerReviewsRequest{
		Parent: "localAuthorities/-", PageSize: 1, PageToken: first.GetNextPageToken()}); err != nil || len(next.GetPeerReviews()) != 1 {
		t.Errorf("Ofsted pages on with a summary token = %v, %v", next, err)
	}
	_, err = e.client.ListPeerReviews(e.as(rpctest.Adviser), &peerreviewv1.ListPeerReviewsRequest{
		Parent: "localAuthorities/-", PageSize: 1, PageToken: first.GetNextPageToken()})
	rpctest.ExpectError(t, "the LGA paging on with DfE's token", err, codes.InvalidArgument, paging.ReasonPageTokenMismatch, "page_token")
	// The LGA and the council's own officer read the whole review.
	for _, p := range []auth.Principal{rpctest.Adviser, leedsOfficer} {
		got, err := e.client.GetPeerReview(e.as(p), &peerreviewv1.GetPeerReviewRequest{Name: done.GetName()})
		if err != nil || !proto.Equal(got, done) {
			t.Errorf("%s reads %v, %v; want the whole review", p.Subject, got, err)
		}
	}
	// An officer who is also an Ofsted inspector reads its own council's
	// review whole and another council's in summary, in one list too.
	dual := auth.Principal{Subject: "dual-hants", Roles: []auth.Role{auth.RoleCouncilOfficer, auth.RoleOfstedInspector}, Authority: hampshire}
	list, err := e.client.ListPeerReviews(e.as(dual), &peerreviewv1.ListPeerReviewsRequest{Parent: "localAuthorities/-"})
	if err != nil || len(list.GetPeerReviews()) != 2 {
		t.Fatalf("dual lists every council = %v, %v", list, err)
	}
	for _, got := range list.GetPeerReviews() {
		want := summary(done)
		if got.GetName() == cancelled.GetName() {
			want = cancelled
		}
		if !proto.Equal(got, want) {
			t.Errorf("dual lists %v; want %v", got, want)
		}
	}
}
