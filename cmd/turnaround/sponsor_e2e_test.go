package main

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc/codes"

	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

// storySponsorNeed is a SponsorNeed as the gateway renders it.
type storySponsorNeed struct {
	Name         string `json:"name"`
	Intervention string `json:"intervention"`
	Areas        []struct {
		JudgementArea string `json:"judgement_area"`
		Theme         string `json:"theme"`
		Weight        int    `json:"weight"`
	} `json:"areas"`
	Urgency              int    `json:"urgency"`
	StaffDaysNeeded      int    `json:"staff_days_needed"`
	RequiresTrustSponsor bool   `json:"requires_trust_sponsor"`
	State                string `json:"state"`
	Engagement           string `json:"engagement"`
}

// storyMatchRun is a MatchRun as the gateway renders it, with the parts
// the story reads.
type storyMatchRun struct {
	Name        string   `json:"name"`
	Algorithm   string   `json:"algorithm"`
	State       string   `json:"state"`
	Needs       []string `json:"needs"`
	Fingerprint string   `json:"input_fingerprint"`
	Assignments []struct {
		Need    string  `json:"need"`
		Sponsor string  `json:"sponsor"`
		Score   float64 `json:"score"`
		Factors []struct {
			Factor      string  `json:"factor"`
			Score       float64 `json:"score"`
			Explanation string  `json:"explanation"`
		} `json:"factors"`
	} `json:"assignments"`
	Candidates []struct {
		Need       string `json:"need"`
		Candidates []struct {
			Sponsor string  `json:"sponsor"`
			Score   float64 `json:"score"`
			Rank    int     `json:"rank"`
			Reason  string  `json:"reason"`
		} `json:"candidates"`
	} `json:"candidates"`
	Unmatched []struct {
		Need   string `json:"need"`
		Reason string `json:"reason"`
	} `json:"unmatched"`
	Objective   float64  `json:"objective"`
	Bound       float64  `json:"bound"`
	GapPercent  float64  `json:"gap_percent"`
	RunBy       string   `json:"run_by"`
	DecidedBy   string   `json:"decided_by"`
	Engagements []string `json:"engagements"`
	Etag        string   `json:"etag"`
}

// sponsorOf returns the sponsor the run assigns to need, or "".
func (r storyMatchRun) sponsorOf(need string) string {
	for _, a := range r.Assignments {
		if a.Need == need {
			return a.Sponsor
		}
	}
	return ""
}

// storyEngagement is an Engagement as the gateway renders it.
type storyEngagement struct {
	Name              string    `json:"name"`
	LocalAuthority    string    `json:"local_authority"`
	Need              string    `json:"need"`
	MatchRun          string    `json:"match_run"`
	StartDate         storyDate `json:"start_date"`
	PlannedStaffDays  int       `json:"planned_staff_days"`
	DeployedStaffDays float64   `json:"deployed_staff_days"`
	State             string    `json:"state"`
}

// TestSponsorMatchingStory is the sponsor-matching issue's story end to
// end, over REST against the real binary and the real Redis: Ofsted
// publishes an inadequate judgement, which opens an improvement plan; the
// council's plan is approved; after a restart past the deadline DfE finds
// progress insufficient and orders a children's services trust; the
// InterventionOrdered event opens the council's sponsor need; DfE runs an
// OPTIMAL dry run, a what-if without the chosen sponsor and compares them;
// a real run is refused to the official who ran it and approved by a
// second, which creates the engagement and matches the need; the sponsor's
// officer records deployments, and the compensation statement is the days
// deployed times the day rate. DfE and another sponsor's officer may not
// record deployments.
func TestSponsorMatchingStory(t *testing.T) {
	const (
		issuer = "https://idp.example"
		gss    = "E08000017" // Doncaster, Yorkshire and the Humber
	)
	_, ks := redistest.New(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks := filepath.Join(t.TempDir(), "jwks.json")
	writeJWKS(t, jwks, "k1", &key.PublicKey)
	env := []string{"REDIS_URL=" + redistest.URL()}
	args := func(clockStart string) []string {
		return []string{"-jwks-file=" + jwks, "-key-prefix=" + ks.Prefix, "-jwt-issuer=" + issuer, "-demo=false", "-clock-start=" + clockStart}
	}
	token := func(sub, role string, extra map[string]string) string {
		claims := jwt.MapClaims{
			"sub": sub, "roles": []string{role}, "iss": issuer,
			"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(),
		}
		for k, v := range extra {
			claims[k] = v
		}
		return signRS256(t, key, "k1", claims)
	}
	inspector := token("ofsted-lead", "ofsted_inspector", nil)
	dfe := token("dfe-adviser", "dfe_official", nil)
	dfeDirector := token("dfe-director", "dfe_official", nil)
	officer := token("doncaster-dcs", "council_officer", map[string]string{"authority": gss})

	in := start(t, env, args("2016-01-04T09:00:00Z")...)

	// 1. Ofsted publishes an inadequate judgement of the council.
	var ins struct {
		Name  string `json:"name"`
		Etag  string `json:"etag"`
		State string `json:"state"`
	}
	code, body := in.do(t, http.MethodPost, "/v1/localAuthorities/"+gss+"/inspections?request_id=sponsor-story-inspection", inspector,
		map[string]any{"framework": "FRAMEWORK_SIF", "start_date": on(2015, 11, 2), "end_date": on(2015, 11, 26), "lead_inspector": "A. Inspector"}, &ins)
	if code != http.StatusOK {
		t.Fatalf("create the inspection = %d: %s", code, body)
	}
	graded := func(grade, narrative string) map[string]string {
		return map[string]string{"grade": grade, "narrative": narrative}
	}
	code, body = in.do(t, http.MethodPatch, "/v1/"+ins.Name, inspector, map[string]any{
		"etag": ins.Etag,
		"judgement": map[string]any{
			"overall_effectiveness":            graded("GRADE_INADEQUATE", "Children are not safe: widespread and serious failures."),
			"help_and_protection":              graded("GRADE_INADEQUATE", "Referrals wait too long; strategy meetings are late."),
			"looked_after_and_permanence":      graded("GRADE_REQUIRES_IMPROVEMENT", "Placements are too often unstable."),
			"adoption_performance":             graded("GRADE_GOOD", "Children are adopted without delay."),
			"care_leavers":                     graded("GRADE_REQUIRES_IMPROVEMENT", "Pathway plans are not kept up to date."),
			"leadership_management_governance": graded("GRADE_INADEQUATE", "Leaders do not know the quality of frontline practice."),
			"lscb_review":                      graded("GRADE_REQUIRES_IMPROVEMENT", "The board does not yet hold partners to account."),
		},
	}, &ins)
	if code != http.StatusOK {
		t.Fatalf("record the judgement = %d: %s", code, body)
	}
	code, body = in.do(t, http.MethodPost, "/v1/"+ins.Name+":publishJudgement", inspector,
		map[string]any{"etag": ins.Etag, "publish_date": on(2016, 1, 4), "request_id": "sponsor-story-publish"}, &ins)
	if code != http.StatusOK || ins.State != "INSPECTION_STATE_PUBLISHED" {
		t.Fatalf("publish the judgement = %d: %s", code, body)
	}

	// 2. The judgement opens a draft plan; the council writes a credible
	// plan and DfE approves it.
	var p storyPlan
	storyPoll(t, "the judgement opens an improvement plan", func() (bool, string) {
		var page struct {
			Plans []storyPlan `json:"improvement_plans"`
		}
		code, body := in.do(t, http.MethodGet, "/v1/localAuthorities/"+gss+"/improvementPlans", dfe, nil, &page)
		if code != http.StatusOK {
			t.Fatalf("list the council's plans = %d: %s", code, body)
		}
		for _, pl := range page.Plans {
			if pl.Inspection == ins.Name {
				p = pl
				return true, ""
			}
		}
		return false, string(body)
	})
	priorities := make([]storyPriority, len(p.Priorities))
	for i, pr := range p.Priorities {
		due := on(2016, 5, 31)
		if i == 0 {
			due = on(2016, 2, 29) // early progress: within three months of the judgement
		}
		priorities[i] = storyPriority{ID: pr.ID, Area: pr.Area, TargetGrade: pr.TargetGrade, Recommendations: pr.Recommendations,
			Actions: []storyAction{{
				Title: "Audit practice in " + strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(pr.Area, "JUDGEMENT_AREA_"), "_", " ")), OwnerRole: "Principal Social Worker",
				DueDate:   due,
				Milestone: &storyMilestone{Milestone: "audit completed and reported", EvidenceExpected: "the audit report to the improvement board"},
			}}}
	}
	p = planRequest(t, in, "write the plan's actions", http.MethodPatch, "/v1/"+p.Name, officer, map[string]any{"etag": p.Etag, "priorities": priorities})
	p = planRequest(t, in, "submit", http.MethodPost, "/v1/"+p.Name+":submit", officer, map[string]any{"etag": p.Etag, "request_id": "sponsor-story-submit"})
	p = planRequest(t, in, "approve", http.MethodPost, "/v1/"+p.Name+":approve", dfe,
		map[string]any{"etag": p.Etag, "reason": "Credible priorities with owners and measures", "request_id": "sponsor-story-approve"})
	if p.State != "PLAN_STATE_APPROVED" {
		t.Fatalf("approved plan state = %s", p.State)
	}

	// 3. The suite starts again after the deadline; DfE finds progress
	// insufficient and orders a children's services trust.
	if err := in.terminate(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v, want status 0", err)
	}
	in = start(t, env, args("2016-07-05T09:00:00Z")...)
	storyPoll(t, "the passed deadline moves the plan to decision due", func() (bool, string) {
		p = planRequest(t, in, "get the plan after the restart", http.MethodGet, "/v1/"+p.Name, dfe, nil)
		return p.State == "PLAN_STATE_DECISION_DUE", p.State
	})

	// DfE registers the sponsors: Leeds, in the council's region and
	// leading in both areas; Hampshire, further away; Barnardo's, national
	// but unable to lead a trust.
	sponsors := []struct {
		id   string
		body map[string]any
	}{
		{"leeds", map[string]any{
			"display_name": "Leeds City Council", "kind": "SPONSOR_KIND_COUNCIL",
			"member_councils": []string{"localAuthorities/E08000035"},
			"expertise": []map[string]string{
				{"judgement_area": "HELP_AND_PROTECTION", "strength": "STRENGTH_LEADING"},
				{"judgement_area": "LEADERSHIP_MANAGEMENT_GOVERNANCE", "strength": "STRENGTH_LEADING"},
				{"theme": "VOICE_OF_THE_CHILD", "strength": "STRENGTH_LEADING"},
			},
			"max_engagements": 2, "staff_days_per_quarter": 240, "day_rate_pence": 55000, "can_lead_trust": true,
		}},
		{"hampshire", map[string]any{
			"display_name": "Hampshire County Council", "kind": "SPONSOR_KIND_COUNCIL",
			"member_councils": []string{"localAuthorities/E10000014"},
			"expertise": []map[string]string{
				{"judgement_area": "HELP_AND_PROTECTION", "strength": "STRENGTH_STRONG"},
				{"judgement_area": "LEADERSHIP_MANAGEMENT_GOVERNANCE", "strength": "STRENGTH_LEADING"},
				{"theme": "WORKFORCE_STABILITY", "strength": "STRENGTH_STRONG"},
			},
			"max_engagements": 2, "staff_days_per_quarter": 300, "day_rate_pence": 60000, "can_lead_trust": true,
			"conflicts": []string{"localAuthorities/E06000046"}, // the Isle of Wight, already in partnership
		}},
		{"barnardos", map[string]any{
			"display_name": "Barnardo's", "kind": "SPONSOR_KIND_CHARITY", "national": true,
			"expertise": []map[string]string{
				{"judgement_area": "LOOKED_AFTER_AND_PERMANENCE", "strength": "STRENGTH_LEADING"},
				{"judgement_area": "CARE_LEAVERS", "strength": "STRENGTH_STRONG"},
				{"judgement_area": "HELP_AND_PROTECTION", "strength": "STRENGTH_STRONG"},
			},
			"max_engagements": 4, "staff_days_per_quarter": 200, "day_rate_pence": 45000,
			"out_of_area_placements": []map[string]any{{"local_authority": "localAuthorities/" + gss, "children": 3}},
		}},
	}
	for _, s := range sponsors {
		var got struct {
			Name string `json:"name"`
		}
		code, body := in.do(t, http.MethodPost, "/v1/sponsors?sponsor_id="+s.id+"&request_id=sponsor-story-"+s.id, dfe, s.body, &got)
		if code != http.StatusOK || got.Name != "sponsors/"+s.id {
			t.Fatalf("create sponsor %s = %d: %s", s.id, code, body)
		}
	}
	leedsOfficer := token("leeds-secondment-lead", "sponsor_officer", map[string]string{"sponsor": "leeds"})
	hampshireOfficer := token("hampshire-secondment-lead", "sponsor_officer", map[string]string{"sponsor": "hampshire"})

	var decided struct {
		Intervention storyIntervention `json:"intervention"`
	}
	code, body = in.do(t, http.MethodPost, "/v1/"+p.Name+":decideProgress", dfe, map[string]any{
		"etag": p.Etag, "decision": "PROGRESS_DECISION_INSUFFICIENT", "request_id": "sponsor-story-decide",
		"rationale": "Practice has not improved enough to keep children safe.",
		"intervention": map[string]any{
			"kind":   "INTERVENTION_KIND_CHILDRENS_SERVICES_TRUST",
			"reason": "Six months on, help and protection and leadership remain inadequate.",
			"areas":  []string{"HELP_AND_PROTECTION", "LEADERSHIP_MANAGEMENT_GOVERNANCE"},
		},
	}, &decided)
	if code != http.StatusOK || decided.Intervention.Name == "" {
		t.Fatalf("decide insufficient progress = %d: %s", code, body)
	}
	iv := decided.Intervention

	// 4. InterventionOrdered, through the relay and the sponsor service's
	// consumer, opens the council's sponsor need on the trust's terms.
	var nd storySponsorNeed
	storyPoll(t, "the intervention opens a sponsor need", func() (bool, string) {
		var page struct {
			Needs []storySponsorNeed `json:"sponsor_needs"`
		}
		code, body := in.do(t, http.MethodGet, "/v1/localAuthorities/"+gss+"/sponsorNeeds", dfe, nil, &page)
		if code != http.StatusOK {
			t.Fatalf("list the council's sponsor needs = %d: %s", code, body)
		}
		for _, n := range page.Needs {
			if n.Intervention == iv.Name {
				nd = n
				return true, ""
			}
		}
		return false, string(body)
	})
	var areas []string
	for _, a := range nd.Areas {
		areas = append(areas, a.JudgementArea+a.Theme)
	}
	if nd.State != "NEED_STATE_OPEN" || !nd.RequiresTrustSponsor || nd.Urgency != 5 || nd.StaffDaysNeeded != 120 ||
		!slices.Equal(areas, []string{"JUDGEMENT_AREA_HELP_AND_PROTECTION", "JUDGEMENT_AREA_LEADERSHIP_MANAGEMENT_GOVERNANCE"}) ||
		!strings.HasPrefix(nd.Name, "localAuthorities/"+gss+"/sponsorNeeds/") {
		t.Fatalf("need opened by the trust = %+v; want OPEN, urgency 5, 120 staff-days, a trust sponsor, the intervention's two areas", nd)
	}

	// 5. DfE runs an OPTIMAL dry run: Leeds, same region and leading in
	// both areas, is chosen; Barnardo's cannot lead a trust.
	runMatching := func(what string, body map[string]any) storyMatchRun {
		t.Helper()
		var r storyMatchRun
		if code, raw := in.do(t, http.MethodPost, "/v1/matchRuns", dfe, body, &r); code != http.StatusOK {
			t.Fatalf("%s = %d: %s", what, code, raw)
		}
		return r
	}
	dry := runMatching("the OPTIMAL dry run", map[string]any{"algorithm": "ALGORITHM_OPTIMAL", "dry_run": true, "request_id": "sponsor-story-dry"})
	if dry.State != "RUN_STATE_DRY_RUN" || dry.sponsorOf(nd.Name) != "sponsors/leeds" || dry.GapPercent != 0 || dry.Objective <= 0 || dry.Bound != dry.Objective {
		t.Fatalf("dry run = %+v; want a DRY_RUN assigning sponsors/leeds, proven optimal", dry)
	}
	if len(dry.Assignments[0].Factors) == 0 {
		t.Fatalf("the dry run's assignment has no score breakdown: %+v", dry.Assignments[0])
	}
	if len(dry.Candidates) != 1 || len(dry.Candidates[0].Candidates) != 3 {
		t.Fatalf("dry run candidates = %+v; want the need's three sponsors", dry.Candidates)
	}
	for _, c := range dry.Candidates[0].Candidates {
		if c.Sponsor == "sponsors/barnardos" && (c.Rank != 0 || c.Reason == "") {
			t.Fatalf("Barnardo's, unable to lead a trust, as a candidate = %+v; want ineligible with a reason", c)
		}
		if c.Sponsor == "sponsors/leeds" && c.Rank != 1 {
			t.Fatalf("Leeds as a candidate = %+v; want rank 1", c)
		}
	}
	if code, body := in.do(t, http.MethodPost, "/v1/"+dry.Name+":approve", dfeDirector, map[string]any{"etag": dry.Etag}, nil); code != http.StatusBadRequest ||
		decodeStatus(t, body).reason() != "MATCH_RUN_NOT_PROPOSED" {
		t.Fatalf("approving the dry run = %d: %s; want 400 MATCH_RUN_NOT_PROPOSED", code, body)
	}

	// What if Leeds were not available? Hampshire takes the need, and the
	// comparison says so.
	whatIf := runMatching("the what-if without Leeds", map[string]any{
		"algorithm": "ALGORITHM_OPTIMAL", "request_id": "sponsor-story-whatif",
		"what_if": map[string]any{"exclude_sponsors": []string{"sponsors/leeds"}},
	})
	if whatIf.State != "RUN_STATE_DRY_RUN" || whatIf.sponsorOf(nd.Name) != "sponsors/hampshire" {
		t.Fatalf("what-if without Leeds = %+v; want a DRY_RUN assigning sponsors/hampshire", whatIf)
	}
	var cmp struct {
		Changes []struct {
			Need          string `json:"need"`
			FirstSponsor  string `json:"first_sponsor"`
			SecondSponsor string `json:"second_sponsor"`
		} `json:"changes"`
		ObjectiveDelta   float64  `json:"objective_delta"`
		InputsDiffer     bool     `json:"inputs_differ"`
		InputDifferences []string `json:"input_differences"`
	}
	q := url.Values{"first": {dry.Name}, "second": {whatIf.Name}}
	if code, body := in.do(t, http.MethodGet, "/v1/matchRuns:compare?"+q.Encode(), dfe, nil, &cmp); code != http.StatusOK {
		t.Fatalf("compare the runs = %d: %s", code, body)
	}
	if len(cmp.Changes) != 1 || cmp.Changes[0].Need != nd.Name || cmp.Changes[0].FirstSponsor != "sponsors/leeds" ||
		cmp.Changes[0].SecondSponsor != "sponsors/hampshire" || cmp.ObjectiveDelta >= 0 || !cmp.InputsDiffer || len(cmp.InputDifferences) == 0 {
		t.Fatalf("comparison = %+v; want the need moved from Leeds to Hampshire at a lower objective, with the inputs' difference", cmp)
	}

	// 6. The real run: the official who ran it may not approve it; a
	// second official does, which creates the engagement.
	run := runMatching("the real run", map[string]any{"algorithm": "ALGORITHM_OPTIMAL", "request_id": "sponsor-story-run"})
	if run.State != "RUN_STATE_PROPOSED" || run.sponsorOf(nd.Name) != "sponsors/leeds" || run.Fingerprint != dry.Fingerprint {
		t.Fatalf("real run = %+v; want PROPOSED, assigning sponsors/leeds, on the dry run's inputs", run)
	}
	code, body = in.do(t, http.MethodPost, "/v1/"+run.Name+":approve", dfe, map[string]any{"etag": run.Etag, "request_id": "sponsor-story-self-approve"}, nil)
	if st := decodeStatus(t, body); code != http.StatusForbidden || st.reason() != "FOUR_EYES" || st.Code != int(codes.PermissionDenied) {
		t.Fatalf("approval by the official who ran it = %d: %s; want 403 PERMISSION_DENIED FOUR_EYES", code, body)
	}
	var approved storyMatchRun
	code, body = in.do(t, http.MethodPost, "/v1/"+run.Name+":approve", dfeDirector, map[string]any{"etag": run.Etag, "request_id": "sponsor-story-approve-run"}, &approved)
	if code != http.StatusOK || approved.State != "RUN_STATE_APPROVED" || approved.DecidedBy != "dfe-director" || approved.RunBy != "dfe-adviser" ||
		len(approved.Engagements) != 1 || !strings.HasPrefix(approved.Engagements[0], "sponsors/leeds/engagements/") {
		t.Fatalf("approval by a second official = %d: %s", code, body)
	}
	engName := approved.Engagements[0]

	var engs struct {
		Engagements []storyEngagement `json:"engagements"`
	}
	if code, body := in.do(t, http.MethodGet, "/v1/sponsors/leeds/engagements", dfe, nil, &engs); code != http.StatusOK || len(engs.Engagements) != 1 {
		t.Fatalf("Leeds's engagements = %d: %s", code, body)
	}
	eng := engs.Engagements[0]
	if eng.Name != engName || eng.LocalAuthority != "localAuthorities/"+gss || eng.Need != nd.Name || eng.MatchRun != run.Name ||
		eng.State != "ENGAGEMENT_STATE_ACTIVE" || eng.StartDate != *on(2016, 7, 5) || eng.PlannedStaffDays != 120 {
		t.Fatalf("engagement = %+v; want Leeds supporting %s from 2016-07-05 for the need, 120 staff-days a quarter", eng, gss)
	}
	var matched storySponsorNeed
	if code, body := in.do(t, http.MethodGet, "/v1/"+nd.Name, officer, nil, &matched); code != http.StatusOK ||
		matched.State != "NEED_STATE_MATCHED" || matched.Engagement != engName {
		t.Fatalf("the need after approval, as the council sees it = %d: %s; want MATCHED to %s", code, body, engName)
	}

	// 7. Leeds's officer records the staff lent; DfE and another sponsor's
	// officer may not, and a day not yet come is refused.
	deployments := "/v1/" + engName + "/deployments"
	deploy := func(who, tok string, date *storyDate, role string, days float64) (int, []byte) {
		return in.do(t, http.MethodPost, deployments+"?request_id=sponsor-story-"+who+"-"+date.String()+"-"+role, tok,
			map[string]any{"date": date, "role": role, "staff_days": days, "notes": "Interim leadership at Doncaster"}, nil)
	}
	if code, body := deploy("dfe", dfe, on(2016, 7, 5), "STAFF_ROLE_DIRECTOR", 1); code != http.StatusForbidden {
		t.Fatalf("a deployment recorded by DfE = %d: %s; want 403", code, body)
	}
	if code, body := deploy("hampshire", hampshireOfficer, on(2016, 7, 5), "STAFF_ROLE_DIRECTOR", 1); code != http.StatusForbidden {
		t.Fatalf("a deployment recorded by Hampshire's officer = %d: %s; want 403", code, body)
	}
	if code, body := deploy("leeds", leedsOfficer, on(2016, 7, 6), "STAFF_ROLE_DIRECTOR", 1); code != http.StatusBadRequest ||
		decodeStatus(t, body).violations()["deployment.date"] == "" {
		t.Fatalf("a deployment tomorrow = %d: %s; want 400 with a violation on deployment.date", code, body)
	}
	if code, body := deploy("leeds", leedsOfficer, on(2016, 7, 4), "STAFF_ROLE_DIRECTOR", 1); code != http.StatusBadRequest ||
		decodeStatus(t, body).violations()["deployment.date"] == "" {
		t.Fatalf("a deployment before the engagement started = %d: %s; want 400 with a violation on deployment.date", code, body)
	}
	for _, d := range []struct {
		role string
		days float64
	}{{"STAFF_ROLE_DIRECTOR", 2}, {"STAFF_ROLE_SOCIAL_WORKER", 3.5}} {
		if code, body := deploy("leeds", leedsOfficer, on(2016, 7, 5), d.role, d.days); code != http.StatusOK {
			t.Fatalf("record %s × %g as Leeds's officer = %d: %s", d.role, d.days, code, body)
		}
	}
	var got storyEngagement
	if code, body := in.do(t, http.MethodGet, "/v1/"+engName, leedsOfficer, nil, &got); code != http.StatusOK || got.DeployedStaffDays != 5.5 {
		t.Fatalf("the engagement after two deployments = %d: %s; want 5.5 staff-days deployed", code, body)
	}

	// 8. The quarter's compensation statement: 5.5 days at £550.
	var stmt struct {
		Sponsor      string `json:"sponsor"`
		DayRatePence int64  `json:"day_rate_pence,string"`
		Councils     []struct {
			LocalAuthority string  `json:"local_authority"`
			StaffDays      float64 `json:"staff_days"`
			AmountPence    int64   `json:"amount_pence,string"`
		} `json:"councils"`
		TotalStaffDays float64 `json:"total_staff_days"`
		TotalPence     int64   `json:"total_pence,string"`
	}
	period := url.Values{
		"period.start.year": {"2016"}, "period.start.month": {"7"}, "period.start.day": {"1"},
		"period.end.year": {"2016"}, "period.end.month": {"9"}, "period.end.day": {"30"},
	}.Encode()
	for _, who := range []struct{ name, token string }{{"Leeds's officer", leedsOfficer}, {"DfE", dfe}} {
		code, body := in.do(t, http.MethodGet, "/v1/sponsors/leeds/compensationStatement?"+period, who.token, nil, &stmt)
		if code != http.StatusOK {
			t.Fatalf("Leeds's statement as %s = %d: %s", who.name, code, body)
		}
		if stmt.Sponsor != "sponsors/leeds" || stmt.DayRatePence != 55000 || stmt.TotalStaffDays != 5.5 || stmt.TotalPence != 302500 ||
			len(stmt.Councils) != 1 || stmt.Councils[0].LocalAuthority != "localAuthorities/"+gss ||
			stmt.Councils[0].StaffDays != 5.5 || stmt.Councils[0].AmountPence != 302500 {
			t.Fatalf("Leeds's statement as %s = %s; want 5.5 days × 55000p = 302500p, all for %s", who.name, body, gss)
		}
	}
	if code, body := in.do(t, http.MethodGet, "/v1/sponsors/leeds/compensationStatement?"+period, hampshireOfficer, nil, nil); code != http.StatusForbidden {
		t.Fatalf("Leeds's statement as Hampshire's officer = %d: %s; want 403", code, body)
	}

	if err := in.terminate(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v, want status 0", err)
	}
}
