package main

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

// storyTimelineEntry is a timeline entry as the REST API returns it.
type storyTimelineEntry struct {
	Kind      string `json:"kind"`
	ActorRole string `json:"actor_role"`
	Actor     string `json:"actor"`
	Resource  string `json:"resource"`
	Service   string `json:"service"`
	Summary   string `json:"summary"`
}

// storyOverview is the national overview as the REST API returns it.
type storyOverview struct {
	Grades []struct {
		Grade    string `json:"grade"`
		Councils int    `json:"councils"`
	} `json:"grades"`
	InspectedUnderSIF int `json:"inspected_under_sif"`
	Projection        struct {
		Inspected  int     `json:"inspected"`
		Inadequate int     `json:"inadequate"`
		Rate       float64 `json:"inadequate_rate"`
	} `json:"projection"`
	PlansByState []struct {
		State string `json:"state"`
		Plans int    `json:"plans"`
	} `json:"plans_by_state"`
	DecisionsDue []struct {
		Days     int      `json:"days"`
		Plans    int      `json:"plans"`
		Councils []string `json:"councils"`
	} `json:"decisions_due"`
	OpenRecommendations int `json:"open_emergency_recommendations"`
	OpenSponsorNeeds    int `json:"open_sponsor_needs"`
	ActiveEngagements   int `json:"active_engagements"`
}

// listAll reads every page of a REST list into items (by its JSON field).
func listAll[T any](t *testing.T, in *instance, path, field, token string) []T {
	t.Helper()
	var out []T
	next := ""
	for {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		code, body := in.get(t, path+sep+"page_size=200&page_token="+url.QueryEscape(next), token)
		if code != http.StatusOK {
			t.Fatalf("GET %s = %d: %s", path, code, body)
		}
		var page map[string]json.RawMessage
		var items []T
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		if raw, ok := page[field]; ok {
			if err := json.Unmarshal(raw, &items); err != nil {
				t.Fatalf("GET %s: %s: %v", path, field, err)
			}
		}
		_ = json.Unmarshal(page["next_page_token"], &next)
		out = append(out, items...)
		if next == "" {
			return out
		}
	}
}

// isSubsequence reports whether want appears in got in order.
func isSubsequence(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

// TestOversightStory drives a council's story through all four services
// over REST against the real binary, then reads it back from the oversight
// service: the timeline shows every step in order and each role exactly
// what the access matrix lets it read; the national overview equals what
// the services' own lists say; the audit trail finds every mutation by its
// request id; the timeline exports as CSV; and `turnaround rebuild` gives
// back the same timeline from the streams.
func TestOversightStory(t *testing.T) {
	const (
		issuer = "https://idp.example"
		gss    = "E08000017" // Doncaster
		la     = "localAuthorities/" + gss
	)
	_, ks := redistest.New(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks := filepath.Join(t.TempDir(), "jwks.json")
	writeJWKS(t, jwks, "k1", &key.PublicKey)
	env := []string{"REDIS_URL=" + redistest.URL()}
	token := func(sub, role string, extra map[string]string) string {
		claims := jwt.MapClaims{"sub": sub, "roles": []string{role}, "iss": issuer,
			"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()}
		for k, v := range extra {
			claims[k] = v
		}
		return signRS256(t, key, "k1", claims)
	}
	inspector := token("ofsted-lead", "ofsted_inspector", nil)
	lga := token("lga-adviser", "lga_adviser", nil)
	dfe := token("dfe-adviser", "dfe_official", nil)
	director := token("dfe-director", "dfe_official", nil)
	officer := token("doncaster-dcs", "council_officer", map[string]string{"authority": gss})
	partner := token("partner-feed", "partner_system", nil)
	leedsOfficer := token("leeds-lead", "sponsor_officer", map[string]string{"sponsor": "leeds"})

	args := []string{"-jwks-file=" + jwks, "-key-prefix=" + ks.Prefix, "-jwt-issuer=" + issuer, "-demo=false"}
	in := start(t, env, args...)
	// The services' own clock: events some services stamp with it and the
	// audit entries stamped with the wall clock must agree for the timeline
	// to be in order, so the story runs today, and its judgement is live.
	now := time.Now().UTC()
	dayOf := func(t time.Time) *storyDate { return on(t.Year(), int(t.Month()), t.Day()) }
	today := dayOf(now)
	must := func(what string, code int, body []byte) {
		t.Helper()
		if code != http.StatusOK {
			t.Fatalf("%s = %d: %s", what, code, body)
		}
	}
	var requestIDs []string
	post := func(what, path, tok, requestID string, body, out any) {
		t.Helper()
		requestIDs = append(requestIDs, requestID)
		// Actions (`:verb`) and runs take the whole body, request_id
		// included; creations take it in the query.
		target := path
		if m, ok := body.(map[string]any); ok && (strings.Contains(path, ":") || path == "/v1/matchRuns") {
			m["request_id"] = requestID
		} else {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			target = path + sep + "request_id=" + requestID
		}
		code, raw := in.do(t, http.MethodPost, target, tok, body, out)
		must(what, code, raw)
	}

	// Inspection: Ofsted schedules, grades and publishes an inadequate
	// SIF judgement; the judgement opens a plan.
	var ins struct {
		Name string `json:"name"`
		Etag string `json:"etag"`
	}
	post("create the inspection", "/v1/"+la+"/inspections", inspector, "ov-inspection",
		map[string]any{"framework": "FRAMEWORK_SIF", "start_date": dayOf(now.AddDate(0, 0, -30)), "end_date": dayOf(now.AddDate(0, 0, -10)), "lead_inspector": "A. Inspector"}, &ins)
	graded := func(grade string) map[string]string {
		return map[string]string{"grade": grade, "narrative": "As found."}
	}
	code, body := in.do(t, http.MethodPatch, "/v1/"+ins.Name, inspector, map[string]any{"etag": ins.Etag, "judgement": map[string]any{
		"overall_effectiveness": graded("GRADE_INADEQUATE"), "help_and_protection": graded("GRADE_INADEQUATE"),
		"looked_after_and_permanence": graded("GRADE_REQUIRES_IMPROVEMENT"), "adoption_performance": graded("GRADE_GOOD"),
		"care_leavers": graded("GRADE_REQUIRES_IMPROVEMENT"), "leadership_management_governance": graded("GRADE_INADEQUATE"),
		"lscb_review": graded("GRADE_REQUIRES_IMPROVEMENT"),
	}}, &ins)
	must("record the judgement", code, body)
	post("publish the judgement", "/v1/"+ins.Name+":publishJudgement", inspector, "ov-publish",
		map[string]any{"etag": ins.Etag, "publish_date": today}, nil)
	storyPoll(t, "the judgement opens a plan", func() (bool, string) {
		plans := listAll[storyPlan](t, in, "/v1/"+la+"/improvementPlans", "improvement_plans", dfe)
		return len(plans) == 1, fmt.Sprint(plans)
	})

	// A concern, a peer review, an intervention, its sponsor need, a
	// match approved by a second official and the sponsor's staff.
	post("raise a concern", "/v1/"+la+"/concerns", inspector, "ov-concern", map[string]any{
		"kind": "CONCERN_KIND_WHISTLEBLOWING", "severity": "SEVERITY_MEDIUM", "received_date": today,
		"narrative": "A social worker reports unallocated cases.", "source": "whistleblower"}, nil)
	post("request a peer review", "/v1/"+la+"/peerReviews", lga, "ov-review",
		map[string]any{"kind": "REVIEW_KIND_SAFEGUARDING_PEER_REVIEW", "reason": "Inadequate judgement"}, nil)
	var iv struct {
		Name string `json:"name"`
	}
	post("order an intervention", "/v1/"+la+"/interventions", dfe, "ov-intervention", map[string]any{
		"kind": "INTERVENTION_KIND_CHILDRENS_SERVICES_TRUST", "reason": "Children are not safe.",
		"areas": []string{"HELP_AND_PROTECTION", "LEADERSHIP_MANAGEMENT_GOVERNANCE"}}, &iv)
	storyPoll(t, "the intervention opens a sponsor need", func() (bool, string) {
		needs := listAll[storySponsorNeed](t, in, "/v1/"+la+"/sponsorNeeds", "sponsor_needs", dfe)
		return len(needs) == 1, fmt.Sprint(needs)
	})
	post("create the sponsor", "/v1/sponsors?sponsor_id=leeds", dfe, "ov-sponsor", map[string]any{
		"display_name": "Leeds City Council", "kind": "SPONSOR_KIND_COUNCIL", "member_councils": []string{"localAuthorities/E08000035"},
		"expertise": []map[string]string{
			{"judgement_area": "HELP_AND_PROTECTION", "strength": "STRENGTH_LEADING"},
			{"judgement_area": "LEADERSHIP_MANAGEMENT_GOVERNANCE", "strength": "STRENGTH_LEADING"},
		},
		"max_engagements": 2, "staff_days_per_quarter": 240, "day_rate_pence": 55000, "can_lead_trust": true,
	}, nil)
	var run storyMatchRun
	post("run matching", "/v1/matchRuns", dfe, "ov-run", map[string]any{"algorithm": "ALGORITHM_OPTIMAL"}, &run)
	post("approve the run", "/v1/"+run.Name+":approve", director, "ov-approve-run", map[string]any{"etag": run.Etag}, nil)
	var engagement string
	storyPoll(t, "the approved run starts an engagement", func() (bool, string) {
		engs := listAll[map[string]any](t, in, "/v1/sponsors/leeds/engagements", "engagements", dfe)
		if len(engs) == 1 {
			engagement, _ = engs[0]["name"].(string)
		}
		return engagement != "", fmt.Sprint(engs)
	})
	post("record a deployment", "/v1/"+engagement+"/deployments", leedsOfficer, "ov-deploy",
		map[string]any{"date": today, "role": "STAFF_ROLE_DIRECTOR", "staff_days": 1, "notes": "Interim director"}, nil)

	// The six-month clock: DfE extends the plan's deadline by ten days;
	// the suite stops and starts again, as a rehearsal, 200 days on, past
	// the deadline; DfE decides the council has made significant
	// improvement and sets the deadline the plan faces next. The services
	// stamp the events of these steps with the wall clock, as they stamp
	// the audit, so the timeline stays in order.
	plans := listAll[storyPlan](t, in, "/v1/"+la+"/improvementPlans", "improvement_plans", dfe)
	p := plans[0]
	deadline := time.Date(p.Deadline.Year, time.Month(p.Deadline.Month), p.Deadline.Day, 0, 0, 0, 0, time.UTC)
	post("extend the deadline", "/v1/"+p.Name+":extendDeadline", dfe, "ov-extend", map[string]any{
		"etag": p.Etag, "new_deadline": dayOf(deadline.AddDate(0, 0, 10)), "reason": "The new director starts next month."}, &p)
	if err := in.terminate(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	suiteToday := now.AddDate(0, 0, 200)
	in = start(t, env, append(args, "-clock-start="+suiteToday.Format(time.RFC3339))...)
	storyPoll(t, "the passed deadline brings the plan to a decision", func() (bool, string) {
		code, body = in.do(t, http.MethodGet, "/v1/"+p.Name, dfe, nil, &p)
		must("read the plan", code, body)
		return p.State == "PLAN_STATE_DECISION_DUE", p.State
	})
	var decided struct {
		Plan storyPlan `json:"improvement_plan"`
	}
	post("decide on progress", "/v1/"+p.Name+":decideProgress", dfe, "ov-decide", map[string]any{
		"etag": p.Etag, "decision": "PROGRESS_DECISION_SIGNIFICANT_IMPROVEMENT",
		"rationale": "Referrals are seen within a day and leaders know frontline practice."}, &decided)
	if decided.Plan.State != "PLAN_STATE_CONTINUED" {
		t.Fatalf("after the decision the plan is %s", decided.Plan.State)
	}
	post("set the next deadline", "/v1/"+p.Name+":extendDeadline", dfe, "ov-next-deadline", map[string]any{
		"etag": decided.Plan.Etag, "new_deadline": dayOf(suiteToday.AddDate(0, 0, 20)), "reason": "Three weeks to embed the changes."}, &p)

	// The timeline: every step, from all four services, in order.
	steps := []string{"INSPECTION_SCHEDULED", "JUDGEMENT_PUBLISHED", "PLAN_OPENED", "CONCERN_RAISED", "PEER_REVIEW_REQUESTED",
		"INTERVENTION_ORDERED", "SPONSOR_NEED_OPENED", "ENGAGEMENT_STARTED", "STAFF_DEPLOYED",
		"DEADLINE_EXTENDED", "DEADLINE_REACHED", "PROGRESS_DECIDED", "DEADLINE_EXTENDED"}
	timeline := func(tok string) []storyTimelineEntry {
		return listAll[storyTimelineEntry](t, in, "/v1/"+la+"/timelineEntries", "timeline_entries", tok)
	}
	kindsOf := func(es []storyTimelineEntry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Kind)
		}
		return out
	}
	var all []storyTimelineEntry
	storyPoll(t, "the whole story on the council's timeline", func() (bool, string) {
		all = timeline(dfe)
		return isSubsequence(kindsOf(all), steps), fmt.Sprint(kindsOf(all))
	})
	services := map[string]bool{}
	for _, e := range all {
		services[e.Service] = true
	}
	if len(services) != 4 {
		t.Errorf("the timeline has entries from %v, want all four services", services)
	}
	// Each role sees exactly what it may read.
	except := func(drop ...string) []string {
		return slices.DeleteFunc(kindsOf(all), func(k string) bool { return slices.Contains(drop, k) })
	}
	for _, tc := range []struct {
		who, tok string
		want     []string
	}{
		{"a partner system", partner, []string{"JUDGEMENT_PUBLISHED", "INTERVENTION_ORDERED"}},
		{"the supporting sponsor", leedsOfficer, except("INSPECTION_SCHEDULED", "CONCERN_RAISED", "PEER_REVIEW_REQUESTED", "SUPPORT_OFFER_CREATED", "SPONSOR_NEED_OPENED", "EMERGENCY_INSPECTION_RECOMMENDED")},
		// Staff deployments are DfE's and the sponsor's.
		{"the council", officer, except("INSPECTION_SCHEDULED", "STAFF_DEPLOYED")},
		{"the LGA", lga, except("SPONSOR_NEED_OPENED", "STAFF_DEPLOYED")},
	} {
		if got := kindsOf(timeline(tc.tok)); !slices.Equal(got, tc.want) {
			t.Errorf("%s sees %v, want %v", tc.who, got, tc.want)
		}
	}
	for _, e := range timeline(lga) {
		if e.Actor != "" {
			t.Errorf("the LGA sees who did %s: %s", e.Kind, e.Actor)
		}
	}

	// The national overview equals the services' own lists.
	// The oversight consumers run behind the services a little, so the
	// figures are compared until they agree (or the story times out).
	overviewMismatches := func() []string {
		var bad []string
		var o storyOverview
		code, body = in.do(t, http.MethodGet, "/v1/nationalOverview", dfe, nil, &o)
		must("the national overview", code, body)
		councils := listAll[struct {
			Latest struct {
				Grade string `json:"overall_grade"`
			} `json:"latest_judgement"`
			SIF bool `json:"inspected_under_sif"`
		}](t, in, "/v1/localAuthorities", "local_authorities", dfe)
		byGrade := map[string]int{}
		sif := 0
		for _, c := range councils {
			g := c.Latest.Grade
			if g == "" {
				g = "GRADE_UNSPECIFIED"
			}
			byGrade[g]++
			if c.SIF {
				sif++
			}
		}
		for _, g := range o.Grades {
			if g.Councils != byGrade[g.Grade] {
				bad = append(bad, fmt.Sprintf("overview: %d councils graded %s; the council list says %d", g.Councils, g.Grade, byGrade[g.Grade]))
			}
		}
		if o.InspectedUnderSIF != sif {
			bad = append(bad, fmt.Sprintf("overview: %d inspected under SIF; the council list says %d", o.InspectedUnderSIF, sif))
		}
		var proj struct {
			Inspected  int     `json:"inspected_count"`
			Inadequate int     `json:"inadequate_count"`
			Rate       float64 `json:"inadequate_rate"`
		}
		code, body = in.do(t, http.MethodGet, "/v1/inadequacyProjection", dfe, nil, &proj)
		must("the inspection service's projection", code, body)
		if o.Projection.Inspected != proj.Inspected || o.Projection.Inadequate != proj.Inadequate {
			bad = append(bad, fmt.Sprintf("overview projection %+v; the inspection service's %+v", o.Projection, proj))
		}
		plans := listAll[storyPlan](t, in, "/v1/localAuthorities/-/improvementPlans", "improvement_plans", dfe)
		for _, s := range o.PlansByState {
			n := 0
			for _, p := range plans {
				if p.State == s.State {
					n++
				}
			}
			if s.Plans != n {
				bad = append(bad, fmt.Sprintf("overview: %d plans %s; the plan list says %d", s.Plans, s.State, n))
			}
		}
		// The overview counts from the suite's clock. A decision is still
		// to come on a plan not yet decided, and on one DfE let continue
		// and gave a deadline not yet passed (a decision is made only
		// after the deadline, so a later one was set after it).
		midnight := time.Date(suiteToday.Year(), suiteToday.Month(), suiteToday.Day(), 0, 0, 0, 0, time.UTC)
		for _, w := range o.DecisionsDue {
			n := 0
			for _, p := range plans {
				d := time.Date(p.Deadline.Year, time.Month(p.Deadline.Month), p.Deadline.Day, 0, 0, 0, 0, time.UTC)
				pending := slices.Contains([]string{"PLAN_STATE_DRAFT", "PLAN_STATE_SUBMITTED", "PLAN_STATE_APPROVED", "PLAN_STATE_MONITORING", "PLAN_STATE_DECISION_DUE"}, p.State) ||
					(p.State == "PLAN_STATE_CONTINUED" && !d.Before(midnight))
				if !d.After(midnight.AddDate(0, 0, w.Days)) && pending {
					n++
				}
			}
			if w.Plans != n {
				bad = append(bad, fmt.Sprintf("overview: %d decisions due within %d days; the plan list says %d", w.Plans, w.Days, n))
			}
		}
		needs := listAll[storySponsorNeed](t, in, "/v1/localAuthorities/-/sponsorNeeds", "sponsor_needs", dfe)
		open := 0
		for _, n := range needs {
			if n.State == "NEED_STATE_OPEN" {
				open++
			}
		}
		if o.OpenSponsorNeeds != open {
			bad = append(bad, fmt.Sprintf("overview: %d open sponsor needs; the need list says %d", o.OpenSponsorNeeds, open))
		}
		engs := listAll[map[string]any](t, in, "/v1/sponsors/-/engagements", "engagements", dfe)
		active := 0
		for _, e := range engs {
			if e["state"] == "ENGAGEMENT_STATE_ACTIVE" {
				active++
			}
		}
		if o.ActiveEngagements != active {
			bad = append(bad, fmt.Sprintf("overview: %d active engagements; the engagement list says %d", o.ActiveEngagements, active))
		}
		recs := listAll[map[string]any](t, in, "/v1/localAuthorities/-/emergencyInspectionRecommendations", "emergency_inspection_recommendations", dfe)
		pending := 0
		for _, r := range recs {
			if r["state"] == "RECOMMENDATION_STATE_PENDING" {
				pending++
			}
		}
		if o.OpenRecommendations != pending {
			bad = append(bad, fmt.Sprintf("overview: %d open recommendations; the list says %d", o.OpenRecommendations, pending))
		}
		return bad
	}
	storyPoll(t, "the national overview agrees with the services' lists", func() (bool, string) {
		bad := overviewMismatches()
		return len(bad) == 0, strings.Join(bad, "; ")
	})
	// The continued plan, due in 20 days, is the one decision due within
	// 30 days, and its state is CONTINUED, as the plan list says.
	var o storyOverview
	code, body = in.do(t, http.MethodGet, "/v1/nationalOverview", dfe, nil, &o)
	must("the national overview", code, body)
	for _, w := range o.DecisionsDue {
		if w.Plans != 1 || !slices.Equal(w.Councils, []string{la}) {
			t.Errorf("decisions due within %d days: %d plans of %v, want the story's plan", w.Days, w.Plans, w.Councils)
		}
	}
	for _, s := range o.PlansByState {
		if (s.State == "PLAN_STATE_CONTINUED") != (s.Plans == 1) {
			t.Errorf("%d plans %s, want the one plan continued", s.Plans, s.State)
		}
	}

	// DfE lifts the intervention: the engagement meeting its need ends,
	// the timeline says so, and the overview follows.
	var ivNow struct {
		Etag string `json:"etag"`
	}
	code, body = in.do(t, http.MethodGet, "/v1/"+iv.Name, dfe, nil, &ivNow)
	must("read the intervention", code, body)
	post("lift the intervention", "/v1/"+iv.Name+":lift", dfe, "ov-lift", map[string]any{
		"etag": ivNow.Etag, "reason": "The trust is no longer needed."}, nil)
	storyPoll(t, "the engagement ends on the timeline", func() (bool, string) {
		got := kindsOf(timeline(dfe))
		return isSubsequence(got, []string{"INTERVENTION_LIFTED", "ENGAGEMENT_ENDED"}), fmt.Sprint(got)
	})
	engs := listAll[map[string]any](t, in, "/v1/sponsors/leeds/engagements", "engagements", dfe)
	if len(engs) != 1 || engs[0]["state"] != "ENGAGEMENT_STATE_ENDED" {
		t.Errorf("after the lift: %v", engs)
	}
	storyPoll(t, "the national overview agrees after the lift", func() (bool, string) {
		bad := overviewMismatches()
		return len(bad) == 0, strings.Join(bad, "; ")
	})

	// The audit trail finds every mutation of the story by its request id.
	for _, id := range requestIDs {
		var entries []map[string]any
		storyPoll(t, "the audit entry of "+id, func() (bool, string) {
			entries = listAll[map[string]any](t, in, "/v1/localAuthorities/-/auditEntries?filter="+url.QueryEscape(`request_id = "`+id+`"`), "audit_entries", dfe)
			return len(entries) >= 1, fmt.Sprint(entries)
		})
		for _, e := range entries {
			if e["actor"] == "" || e["method"] == "" || e["resource"] == "" || e["time"] == "" {
				t.Errorf("audit entry of %s lacks who, what or when: %v", id, e)
			}
		}
	}
	own := listAll[map[string]any](t, in, "/v1/"+la+"/auditEntries", "audit_entries", officer)
	for _, e := range own {
		if r, _ := e["resource"].(string); r != la && !strings.HasPrefix(r, la+"/") {
			t.Errorf("the council's trail holds %s", r)
		}
	}
	if code, body := in.do(t, http.MethodGet, "/v1/localAuthorities/-/auditEntries", lga, nil, nil); code != http.StatusForbidden {
		t.Errorf("the LGA reads the audit trail: %d %s", code, body)
	}

	// CSV: the same rows as the JSON list, with a header.
	req, _ := http.NewRequest(http.MethodGet, in.http+"/v1/"+la+"/timelineEntries?alt=csv&page_size=2", nil)
	req.Header.Set("Authorization", "Bearer "+dfe)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(resp.Body).ReadAll()
	_ = resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || len(rows) != len(timeline(dfe))+1 || rows[0][0] != "name" {
		t.Errorf("CSV export: %d, %d rows for %d entries, %v", resp.StatusCode, len(rows), len(all), err)
	}

	// A rebuild from the streams gives the same timeline.
	before := kindsOf(timeline(dfe))
	out, err := exec.Command(binary(t), "rebuild", "-target=oversight", "-redis-url="+redistest.URL(), "-key-prefix="+ks.Prefix).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "rebuilt oversight") {
		t.Fatalf("turnaround rebuild: %v: %s", err, out)
	}
	if after := kindsOf(timeline(dfe)); !slices.Equal(after, before) {
		t.Errorf("after the rebuild: %v; before: %v", after, before)
	}
	if err := in.terminate(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}
