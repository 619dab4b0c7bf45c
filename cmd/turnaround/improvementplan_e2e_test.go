package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc/codes"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

// storyTimeout bounds every wait for asynchronous work in the story: the
// relay, the judgement consumer and the deadline schedule.
const storyTimeout = 30 * time.Second

// storyDate is a google.type.Date-like turnaround.type.v1.Date as the
// gateway renders it.
type storyDate struct {
	Year  int `json:"year"`
	Month int `json:"month"`
	Day   int `json:"day"`
}

func (d storyDate) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

func on(y, m, d int) *storyDate { return &storyDate{Year: y, Month: m, Day: d} }

// storyIndicator and storyMilestone are an action's two kinds of measure.
type storyIndicator struct {
	Indicator string  `json:"indicator"`
	Baseline  float64 `json:"baseline"`
	Target    float64 `json:"target"`
}

type storyMilestone struct {
	Milestone        string `json:"milestone"`
	EvidenceExpected string `json:"evidence_expected"`
}

type storyAction struct {
	ID        string          `json:"id,omitempty"`
	Title     string          `json:"title"`
	OwnerRole string          `json:"owner_role"`
	DueDate   *storyDate      `json:"due_date,omitempty"`
	Indicator *storyIndicator `json:"indicator,omitempty"`
	Milestone *storyMilestone `json:"milestone,omitempty"`
	Status    string          `json:"status,omitempty"`
}

type storyPriority struct {
	ID              string        `json:"id,omitempty"`
	Area            string        `json:"area"`
	JudgementGrade  string        `json:"judgement_grade,omitempty"`
	TargetGrade     string        `json:"target_grade,omitempty"`
	Recommendations []string      `json:"recommendations,omitempty"`
	Actions         []storyAction `json:"actions,omitempty"`
}

type storyStateChange struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Actor  string `json:"actor"`
	Reason string `json:"reason"`
}

// storyPlan is an ImprovementPlan as the gateway renders it.
type storyPlan struct {
	Name             string             `json:"name"`
	Inspection       string             `json:"inspection"`
	JudgementDate    storyDate          `json:"judgement_date"`
	State            string             `json:"state"`
	Deadline         storyDate          `json:"deadline"`
	OriginalDeadline storyDate          `json:"original_deadline"`
	Priorities       []storyPriority    `json:"priorities"`
	History          []storyStateChange `json:"history"`
	LateActions      []string           `json:"late_actions"`
	RatingTrend      []string           `json:"rating_trend"`
	Trend            string             `json:"trend"`
	Intervention     string             `json:"intervention"`
	Etag             string             `json:"etag"`
}

// priority returns the plan's priority for area.
func (p storyPlan) priority(area string) (storyPriority, bool) {
	i := slices.IndexFunc(p.Priorities, func(pr storyPriority) bool { return pr.Area == area })
	if i < 0 {
		return storyPriority{}, false
	}
	return p.Priorities[i], true
}

// actionCount is the number of actions across the plan's priorities.
func (p storyPlan) actionCount() int {
	n := 0
	for _, pr := range p.Priorities {
		n += len(pr.Actions)
	}
	return n
}

type storyCheck struct {
	Checks []struct {
		Rule     string   `json:"rule"`
		Passed   bool     `json:"passed"`
		Failures []string `json:"failures"`
	} `json:"checks"`
	Credible bool `json:"credible"`
}

// failed lists the rules that did not pass.
func (c storyCheck) failed() []string {
	var out []string
	for _, ch := range c.Checks {
		if !ch.Passed {
			out = append(out, ch.Rule)
		}
	}
	return out
}

type storyIntervention struct {
	Name            string   `json:"name"`
	Kind            string   `json:"kind"`
	Reason          string   `json:"reason"`
	Areas           []string `json:"areas"`
	ImprovementPlan string   `json:"improvement_plan"`
	OrderedBy       string   `json:"ordered_by"`
	State           string   `json:"state"`
	Etag            string   `json:"etag"`
}

// storyPoll calls probe every 100ms until it reports done, and fails the
// test with what probe last saw once storyTimeout has passed.
func storyPoll(t *testing.T, what string, probe func() (done bool, seen string)) {
	t.Helper()
	deadline := time.Now().Add(storyTimeout)
	for {
		done, seen := probe()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s; last seen: %s", what, storyTimeout, seen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// planRequest sends a request answered by a plan and returns the plan,
// decoded into a fresh value (the gateway leaves out empty fields, so
// decoding over an older plan would keep its stale values), failing the
// test with what unless the answer is 200.
func planRequest(t *testing.T, in *instance, what, method, path, token string, body any) storyPlan {
	t.Helper()
	var p storyPlan
	if code, raw := in.do(t, method, path, token, body, &p); code != http.StatusOK {
		t.Fatalf("%s: %s %s = %d: %s", what, method, path, code, raw)
	}
	return p
}

// waitForEvent waits until the topic stream holds an event of type typ
// about subject, as the relay puts it there, and returns it.
func waitForEvent(t *testing.T, client redis.UniversalClient, ks keyspace.Keyspace, topic, typ, subject string) events.Event {
	t.Helper()
	stream := ks.Topic(topic)
	var found events.Event
	storyPoll(t, fmt.Sprintf("%s about %s on %s", typ, subject, stream), func() (bool, string) {
		entries, err := client.XRange(context.Background(), stream, "-", "+").Result()
		if err != nil {
			t.Fatalf("XRANGE %s: %v", stream, err)
		}
		var types []string
		for _, e := range entries {
			types = append(types, fmt.Sprint(e.Values["type"], " ", e.Values["subject"]))
			if e.Values["type"] != typ || e.Values["subject"] != subject {
				continue
			}
			ev, err := events.Decode(e.Values)
			if err != nil {
				t.Fatalf("entry %s of %s: %v", e.ID, stream, err)
			}
			found = ev
			return true, ""
		}
		return false, fmt.Sprintf("%d entries: %v", len(entries), types)
	})
	return found
}

// TestImprovementPlanStory is the story end to end, over REST against
// the real binary and the real Redis: Ofsted publishes an inadequate
// judgement; the judgement event opens a draft plan with a six-month
// deadline; the council writes a credible plan and submits it; DfE approves
// it; progress is reviewed by DfE and by the council; the suite is stopped
// and started again after the deadline, which moves the plan to decision due
// exactly once and says so on the event bus; DfE finds progress insufficient
// and orders a children's services trust, which escalates the plan and is
// announced on the event bus.
func TestImprovementPlanStory(t *testing.T) {
	const (
		issuer = "https://idp.example"
		gss    = "E08000017" // Doncaster
		other  = "E08000016" // Barnsley
	)
	client, ks := redistest.New(t)
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
	// Tokens are judged by the wall clock, not the suite's, so they are
	// issued now whatever the suite's date.
	token := func(sub, role, authority string) string {
		claims := jwt.MapClaims{
			"sub": sub, "roles": []string{role}, "iss": issuer,
			"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(),
		}
		if authority != "" {
			claims["authority"] = authority
		}
		return signRS256(t, key, "k1", claims)
	}
	inspector := token("ofsted-lead", "ofsted_inspector", "")
	dfe := token("dfe-adviser", "dfe_official", "")
	officer := token("doncaster-dcs", "council_officer", gss)
	stranger := token("barnsley-dcs", "council_officer", other)

	in := start(t, env, args("2016-01-04T09:00:00Z")...)

	// 1. Ofsted publishes an inadequate SIF judgement of the council.
	var ins struct {
		Name  string `json:"name"`
		Etag  string `json:"etag"`
		State string `json:"state"`
	}
	code, body := in.do(t, http.MethodPost, "/v1/localAuthorities/"+gss+"/inspections?request_id=story-inspection", inspector,
		map[string]any{"framework": "FRAMEWORK_SIF", "start_date": on(2015, 11, 2), "end_date": on(2015, 11, 26), "lead_inspector": "A. Inspector"}, &ins)
	if code != http.StatusOK || ins.State != "INSPECTION_STATE_SCHEDULED" {
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
		"recommendations": []map[string]string{
			{"text": "Ensure that strategy meetings happen promptly", "area": "JUDGEMENT_AREA_HELP_AND_PROTECTION"},
			{"text": "Establish performance management that shows leaders frontline practice", "area": "JUDGEMENT_AREA_LEADERSHIP_MANAGEMENT_GOVERNANCE"},
		},
	}, &ins)
	if code != http.StatusOK {
		t.Fatalf("record the judgement = %d: %s", code, body)
	}
	code, body = in.do(t, http.MethodPost, "/v1/"+ins.Name+":publishJudgement", inspector,
		map[string]any{"etag": ins.Etag, "publish_date": on(2016, 1, 4), "request_id": "story-publish"}, &ins)
	if code != http.StatusOK || ins.State != "INSPECTION_STATE_PUBLISHED" {
		t.Fatalf("publish the judgement = %d: %s", code, body)
	}

	// 2. The JudgementPublished event, through the relay and the
	// improvement-plan service's consumer, opens a draft plan.
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
	if p.State != "PLAN_STATE_DRAFT" {
		t.Fatalf("opened plan state = %s, want PLAN_STATE_DRAFT", p.State)
	}
	if !strings.HasPrefix(p.Name, "localAuthorities/"+gss+"/improvementPlans/") {
		t.Fatalf("plan name %q is not under the council", p.Name)
	}
	if p.JudgementDate != *on(2016, 1, 4) || p.Deadline != *on(2016, 7, 4) || p.OriginalDeadline != p.Deadline {
		t.Fatalf("judged %s, deadline %s (original %s); want judged 2016-01-04 and six months to 2016-07-04",
			p.JudgementDate, p.Deadline, p.OriginalDeadline)
	}
	leadership, ok := p.priority("JUDGEMENT_AREA_LEADERSHIP_MANAGEMENT_GOVERNANCE")
	if !ok {
		t.Fatalf("no LEADERSHIP_MANAGEMENT_GOVERNANCE priority pre-filled: %+v", p.Priorities)
	}
	if leadership.JudgementGrade != "GRADE_INADEQUATE" || leadership.TargetGrade != "GRADE_REQUIRES_IMPROVEMENT" ||
		!slices.Contains(leadership.Recommendations, "Establish performance management that shows leaders frontline practice") {
		t.Fatalf("leadership priority = %+v; want judged inadequate, aiming at requires improvement, with its recommendation", leadership)
	}
	if _, ok := p.priority("JUDGEMENT_AREA_HELP_AND_PROTECTION"); !ok {
		t.Fatalf("no HELP_AND_PROTECTION priority for the other inadequate area: %+v", p.Priorities)
	}
	if _, ok := p.priority("JUDGEMENT_AREA_ADOPTION_PERFORMANCE"); ok {
		t.Fatalf("a priority for adoption, judged good: %+v", p.Priorities)
	}
	waitForEvent(t, client, ks, "improvementplan", "turnaround.events.v1.ImprovementPlanOpened", p.Name)

	// 3. The council writes its plan. As opened it is not credible: the
	// priorities have no actions.
	var check storyCheck
	if code, body := in.do(t, http.MethodGet, "/v1/"+p.Name+":check", officer, nil, &check); code != http.StatusOK {
		t.Fatalf("check the draft = %d: %s", code, body)
	}
	if check.Credible || !slices.Contains(check.failed(), "every-priority-has-an-action") || !slices.Contains(check.failed(), "early-progress") {
		t.Fatalf("the opened draft's checks = %+v; want it not credible, failing every-priority-has-an-action and early-progress", check)
	}
	if code, body := in.do(t, http.MethodPost, "/v1/"+p.Name+":submit", officer, map[string]any{"etag": p.Etag}, nil); code != http.StatusBadRequest ||
		decodeStatus(t, body).reason() != "PLAN_NOT_CREDIBLE" || decodeStatus(t, body).Code != int(codes.FailedPrecondition) {
		t.Fatalf("submitting the opened draft = %d: %s; want 400 FAILED_PRECONDITION PLAN_NOT_CREDIBLE", code, body)
	}

	// Every pre-filled priority keeps its id, area and target and gets
	// owned, measurable actions due before the deadline, one within three
	// months of the judgement.
	priorities := make([]storyPriority, len(p.Priorities))
	for i, pr := range p.Priorities {
		priorities[i] = storyPriority{ID: pr.ID, Area: pr.Area, TargetGrade: pr.TargetGrade, Recommendations: pr.Recommendations}
		switch pr.Area {
		case "JUDGEMENT_AREA_LEADERSHIP_MANAGEMENT_GOVERNANCE":
			priorities[i].Actions = []storyAction{
				{
					Title: "Monthly performance board chaired by the chief executive", OwnerRole: "Chief Executive",
					DueDate:   on(2016, 2, 29),
					Milestone: &storyMilestone{Milestone: "performance board meeting monthly", EvidenceExpected: "minutes and the performance report"},
				},
				{
					Title: "Reduce reliance on agency social workers", OwnerRole: "Director of Children's Services",
					DueDate:   on(2016, 6, 30),
					Indicator: &storyIndicator{Indicator: "AGENCY_RATE", Baseline: 32, Target: 18},
				},
			}
		case "HELP_AND_PROTECTION":
			priorities[i].Actions = []storyAction{{
				Title: "Hold strategy meetings within one working day of a referral", OwnerRole: "Head of Safeguarding",
				DueDate:   on(2016, 3, 31),
				Indicator: &storyIndicator{Indicator: "ASSESSMENTS_WITHIN_45_DAYS", Baseline: 61, Target: 85},
			}}
		default:
			priorities[i].Actions = []storyAction{{
				Title: "Audit practice in " + strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(pr.Area, "JUDGEMENT_AREA_"), "_", " ")), OwnerRole: "Principal Social Worker",
				DueDate:   on(2016, 5, 31),
				Milestone: &storyMilestone{Milestone: "audit completed and reported", EvidenceExpected: "the audit report to the improvement board"},
			}}
		}
	}
	p = planRequest(t, in, "write the plan's actions", http.MethodPatch, "/v1/"+p.Name, officer, map[string]any{"etag": p.Etag, "priorities": priorities})
	if p.State != "PLAN_STATE_DRAFT" || p.actionCount() != len(p.Priorities)+1 {
		t.Fatalf("after the update: state %s, %d actions in %d priorities", p.State, p.actionCount(), len(p.Priorities))
	}
	for _, pr := range p.Priorities {
		for _, a := range pr.Actions {
			if a.ID == "" || a.Status != "ACTION_STATUS_NOT_STARTED" {
				t.Fatalf("action %+v of %s lacks its assigned id or its default status", a, pr.ID)
			}
		}
	}
	var recheck storyCheck
	if code, body := in.do(t, http.MethodGet, "/v1/"+p.Name+":check", officer, nil, &recheck); code != http.StatusOK || !recheck.Credible {
		t.Fatalf("check the written plan = %d, failing %v: %s", code, recheck.failed(), body)
	}
	p = planRequest(t, in, "submit", http.MethodPost, "/v1/"+p.Name+":submit", officer, map[string]any{"etag": p.Etag, "request_id": "story-submit"})
	if p.State != "PLAN_STATE_SUBMITTED" {
		t.Fatalf("submitted plan state = %s", p.State)
	}

	// Another council's officer sees nothing of it.
	for _, path := range []string{"/v1/" + p.Name, "/v1/" + p.Name + ":check", "/v1/localAuthorities/" + gss + "/improvementPlans"} {
		if code, body := in.do(t, http.MethodGet, path, stranger, nil, nil); code != http.StatusForbidden {
			t.Fatalf("GET %s as %s's officer = %d, want 403: %s", path, other, code, body)
		}
	}

	p = planRequest(t, in, "approve", http.MethodPost, "/v1/"+p.Name+":approve", dfe,
		map[string]any{"etag": p.Etag, "reason": "Credible priorities with owners and measures", "request_id": "story-approve"})
	if p.State != "PLAN_STATE_APPROVED" {
		t.Fatalf("approved plan state = %s", p.State)
	}

	// Progress is reviewed by DfE, then by the council itself. The first
	// review puts the plan under monitoring.
	ratings := make([]map[string]string, len(p.Priorities))
	for i, pr := range p.Priorities {
		ratings[i] = map[string]string{"priority": pr.ID, "rating": "PROGRESS_RATING_SOME", "narrative": "Early signs of change in " + pr.Area}
	}
	var review struct {
		Name       string `json:"name"`
		RecordedBy string `json:"recorded_by"`
	}
	code, body = in.do(t, http.MethodPost, "/v1/"+p.Name+"/progressReviews?request_id=story-dfe-review", dfe, map[string]any{
		"review_date":      on(2016, 1, 4),
		"source":           "REVIEW_SOURCE_DFE_REVIEW",
		"overall_rating":   "PROGRESS_RATING_SOME",
		"priority_ratings": ratings,
		"narrative":        "The improvement adviser finds leaders committed and the first actions under way.",
		"evidence":         []string{"improvement board minutes"},
	}, &review)
	if code != http.StatusOK || !strings.HasPrefix(review.Name, p.Name+"/progressReviews/") || review.RecordedBy != "dfe-adviser" {
		t.Fatalf("DfE review = %d: %s", code, body)
	}
	for i := range ratings {
		ratings[i]["rating"] = "PROGRESS_RATING_SIGNIFICANT"
	}
	code, body = in.do(t, http.MethodPost, "/v1/"+p.Name+"/progressReviews?request_id=story-self-assessment", officer, map[string]any{
		"review_date":      on(2016, 1, 4),
		"source":           "REVIEW_SOURCE_SELF_ASSESSMENT",
		"overall_rating":   "PROGRESS_RATING_SIGNIFICANT",
		"priority_ratings": ratings,
		"narrative":        "The council's own audit shows strategy meetings now held on time.",
	}, &review)
	if code != http.StatusOK {
		t.Fatalf("self-assessment = %d: %s", code, body)
	}
	p = planRequest(t, in, "get the plan after its reviews", http.MethodGet, "/v1/"+p.Name, officer, nil)
	if p.State != "PLAN_STATE_MONITORING" || !slices.Equal(p.RatingTrend, []string{"PROGRESS_RATING_SOME", "PROGRESS_RATING_SIGNIFICANT"}) || p.Trend != "improving" {
		t.Fatalf("after two reviews: state %s, rating_trend %v, trend %q; want MONITORING, [SOME SIGNIFICANT], improving", p.State, p.RatingTrend, p.Trend)
	}

	// 4. The suite stops, and starts again after the deadline has passed.
	if err := in.terminate(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v, want status 0", err)
	}
	in = start(t, env, args("2016-07-05T09:00:00Z")...)
	storyPoll(t, "the passed deadline moves the plan to decision due", func() (bool, string) {
		p = planRequest(t, in, "get the plan after the restart", http.MethodGet, "/v1/"+p.Name, dfe, nil)
		return p.State == "PLAN_STATE_DECISION_DUE", p.State
	})
	var due []storyStateChange
	for _, h := range p.History {
		if h.To == "PLAN_STATE_DECISION_DUE" {
			due = append(due, h)
		}
	}
	if len(due) != 1 || due[0].From != "PLAN_STATE_MONITORING" || due[0].Actor != "system:improvementplan" {
		t.Fatalf("decision-due transitions = %+v; want one, from MONITORING, by the service", due)
	}
	if len(p.LateActions) != p.actionCount() {
		t.Fatalf("late actions after the deadline = %v; want all %d (none done)", p.LateActions, p.actionCount())
	}
	ev := waitForEvent(t, client, ks, "improvementplan", "turnaround.events.v1.ImprovementDeadlineReached", p.Name)
	var reached eventsv1.ImprovementDeadlineReached
	if err := ev.Unmarshal(&reached); err != nil {
		t.Fatal(err)
	}
	if reached.GetImprovementPlan() != p.Name || reached.GetLocalAuthority() != "localAuthorities/"+gss ||
		reached.GetDeadline().GetYear() != 2016 || reached.GetDeadline().GetMonth() != 7 || reached.GetDeadline().GetDay() != 4 {
		t.Fatalf("ImprovementDeadlineReached = %v", &reached)
	}

	// 5. DfE finds progress insufficient. An insufficient decision must
	// name the intervention it orders.
	code, body = in.do(t, http.MethodPost, "/v1/"+p.Name+":decideProgress", dfe, map[string]any{
		"etag": p.Etag, "decision": "PROGRESS_DECISION_INSUFFICIENT", "rationale": "Practice has not improved enough to keep children safe.",
	}, nil)
	if code != http.StatusBadRequest || decodeStatus(t, body).violations()["intervention"] == "" {
		t.Fatalf("insufficient without an intervention = %d: %s; want 400 with a violation on intervention", code, body)
	}
	var decided struct {
		Plan         storyPlan         `json:"improvement_plan"`
		Intervention storyIntervention `json:"intervention"`
	}
	// The request names the areas in short form; the intervention prints
	// them in full, as the one JudgementArea enum names them.
	areas := []string{"HELP_AND_PROTECTION", "LEADERSHIP_MANAGEMENT_GOVERNANCE"}
	fullAreas := []string{"JUDGEMENT_AREA_HELP_AND_PROTECTION", "JUDGEMENT_AREA_LEADERSHIP_MANAGEMENT_GOVERNANCE"}
	code, body = in.do(t, http.MethodPost, "/v1/"+p.Name+":decideProgress", dfe, map[string]any{
		"etag": p.Etag, "decision": "PROGRESS_DECISION_INSUFFICIENT", "request_id": "story-decide",
		"rationale": "Practice has not improved enough to keep children safe.",
		"intervention": map[string]any{
			"kind":   "INTERVENTION_KIND_CHILDRENS_SERVICES_TRUST",
			"reason": "Six months on, help and protection and leadership remain inadequate.",
			"areas":  areas,
		},
	}, &decided)
	if code != http.StatusOK {
		t.Fatalf("decide insufficient progress = %d: %s", code, body)
	}
	iv := decided.Intervention
	if decided.Plan.State != "PLAN_STATE_ESCALATED" || iv.Name == "" || decided.Plan.Intervention != iv.Name {
		t.Fatalf("after the decision: plan %s naming %q, intervention %q", decided.Plan.State, decided.Plan.Intervention, iv.Name)
	}
	if !strings.HasPrefix(iv.Name, "localAuthorities/"+gss+"/interventions/") || iv.Kind != "INTERVENTION_KIND_CHILDRENS_SERVICES_TRUST" ||
		iv.State != "INTERVENTION_STATE_IN_FORCE" || iv.ImprovementPlan != p.Name || !slices.Equal(iv.Areas, fullAreas) || iv.OrderedBy != "dfe-adviser" {
		t.Fatalf("ordered intervention = %+v", iv)
	}
	if p = planRequest(t, in, "get the plan after the decision", http.MethodGet, "/v1/"+p.Name, officer, nil); p.State != "PLAN_STATE_ESCALATED" || p.Intervention != iv.Name {
		t.Fatalf("the plan after the decision: state %s naming %q, want ESCALATED naming %s", p.State, p.Intervention, iv.Name)
	}
	var got storyIntervention
	if code, body := in.do(t, http.MethodGet, "/v1/"+iv.Name, dfe, nil, &got); code != http.StatusOK {
		t.Fatalf("get the intervention = %d: %s", code, body)
	}
	if got.Name != iv.Name || got.Kind != iv.Kind || got.State != iv.State || got.ImprovementPlan != p.Name || got.Reason != iv.Reason ||
		!slices.Equal(got.Areas, fullAreas) {
		t.Fatalf("stored intervention %+v differs from the one ordered %+v", got, iv)
	}
	// An ordered intervention is public (the access matrix): another
	// council's officer reads it too, where it used to be refused.
	if code, body := in.do(t, http.MethodGet, "/v1/"+iv.Name, stranger, nil, nil); code != http.StatusOK {
		t.Fatalf("GET the intervention as %s's officer = %d, want 200 (interventions are public): %s", other, code, body)
	}
	ev = waitForEvent(t, client, ks, "improvementplan", "turnaround.events.v1.InterventionOrdered", iv.Name)
	var ordered eventsv1.InterventionOrdered
	if err := ev.Unmarshal(&ordered); err != nil {
		t.Fatal(err)
	}
	if ordered.GetIntervention() != iv.Name || ordered.GetImprovementPlan() != p.Name || ordered.GetKind() != "CHILDRENS_SERVICES_TRUST" ||
		!slices.Equal(ordered.GetAreas(), areas) || ordered.GetLocalAuthority() != "localAuthorities/"+gss {
		t.Fatalf("InterventionOrdered = %v", &ordered)
	}

	if err := in.terminate(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v, want status 0", err)
	}
}
