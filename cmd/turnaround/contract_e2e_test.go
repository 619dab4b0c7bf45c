package main

import (
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestOneSpellingPerValue is the contract as a frontend meets it over the
// real binary: a judgement area, a risk band and an indicator are each
// spelt one way in every service's responses, requests may leave an enum's
// prefix out, and a query value of the wrong type is refused naming the
// parameter.
func TestOneSpellingPerValue(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "dev.key")
	in := start(t, []string{"TURNAROUND_DEV_KEY_FILE=" + keyFile, "REDIS_URL="})
	inspector := devToken(t, keyFile, "-role", "ofsted_inspector")
	dfe := devToken(t, keyFile, "-role", "dfe_official")
	lga := devToken(t, keyFile, "-role", "lga_adviser")

	t.Run("query values of the wrong type", func(t *testing.T) {
		for _, tt := range []struct{ path, param, want string }{
			{"/v1/localAuthorities?page_size=many", "page_size", `expected a 32-bit integer, got "many"`},
			{"/v1/inadequacyProjection?as_of.year=2015&as_of.month=December&as_of.day=14", "as_of.month", "32-bit integer"},
			{"/v1/localAuthorities/-/improvementPlans?page_size=1&page_size=2", "page_size", "given 2 times"},
		} {
			code, body := in.get(t, tt.path, dfe)
			st := decodeStatus(t, body)
			if code != http.StatusBadRequest || st.reason() != "INVALID_QUERY_PARAMETER" || !strings.Contains(st.violations()[tt.param], tt.want) {
				t.Errorf("GET %s = %d: %s; want 400 with a violation on %s", tt.path, code, body, tt.param)
			}
			if strings.Contains(string(body), "strconv") || strings.Contains(string(body), "parsing field") {
				t.Errorf("GET %s shows the parser's text: %s", tt.path, body)
			}
		}
	})

	t.Run("an inspection takes enum values without their prefix and prints them in full", func(t *testing.T) {
		date := func(y, m, d int) map[string]int { return map[string]int{"year": y, "month": m, "day": d} }
		var ins struct {
			Name            string `json:"name"`
			Etag            string `json:"etag"`
			Framework       string `json:"framework"`
			Recommendations []struct {
				Area string `json:"area"`
			} `json:"recommendations"`
		}
		code, body := in.do(t, http.MethodPost, "/v1/localAuthorities/E09000033/inspections", inspector,
			map[string]any{"framework": "ILACS", "start_date": date(2019, 1, 14), "end_date": date(2019, 1, 25), "lead_inspector": "A. Inspector"}, &ins)
		if code != http.StatusOK || ins.Framework != "FRAMEWORK_ILACS" {
			t.Fatalf("create with framework ILACS = %d: %s", code, body)
		}
		code, body = in.do(t, http.MethodPatch, "/v1/"+ins.Name, inspector, map[string]any{
			"etag": ins.Etag,
			"recommendations": []map[string]string{
				{"text": "Ensure that strategy meetings happen promptly", "area": "HELP_AND_PROTECTION"},
				{"text": "Leaders know frontline practice", "area": "JUDGEMENT_AREA_LEADERSHIP_MANAGEMENT_GOVERNANCE"},
			},
		}, &ins)
		if code != http.StatusOK || len(ins.Recommendations) != 2 ||
			ins.Recommendations[0].Area != "JUDGEMENT_AREA_HELP_AND_PROTECTION" ||
			ins.Recommendations[1].Area != "JUDGEMENT_AREA_LEADERSHIP_MANAGEMENT_GOVERNANCE" {
			t.Fatalf("recommendations with a short and a full area = %d: %s", code, body)
		}
		code, body = in.do(t, http.MethodPatch, "/v1/"+ins.Name, inspector, map[string]any{
			"etag": ins.Etag, "recommendations": []map[string]string{{"text": "t", "area": "SCHOOLS"}},
		}, nil)
		if d := decodeStatus(t, body).violations()["inspection.recommendations[0].area"]; code != http.StatusBadRequest ||
			!strings.Contains(d, "JUDGEMENT_AREA_HELP_AND_PROTECTION") || !strings.Contains(d, "prefix may be left out") {
			t.Fatalf("an unknown area = %d: %s; want 400 listing the areas", code, body)
		}
	})

	t.Run("judgement areas read alike in plans, needs and sponsors", func(t *testing.T) {
		plans := listAll[struct {
			Priorities []struct {
				Area string `json:"area"`
			} `json:"priorities"`
		}](t, in, "/v1/localAuthorities/-/improvementPlans", "improvement_plans", dfe)
		var areas []string
		for _, p := range plans {
			for _, pr := range p.Priorities {
				areas = append(areas, pr.Area)
			}
		}
		type area struct {
			JudgementArea string `json:"judgement_area"`
			Theme         string `json:"theme"`
		}
		var ofPractice []area
		for _, n := range listAll[struct {
			Areas []area `json:"areas"`
		}](t, in, "/v1/localAuthorities/-/sponsorNeeds", "sponsor_needs", dfe) {
			ofPractice = append(ofPractice, n.Areas...)
		}
		for _, s := range listAll[struct {
			Expertise []area `json:"expertise"`
		}](t, in, "/v1/sponsors", "sponsors", dfe) {
			ofPractice = append(ofPractice, s.Expertise...)
		}
		themes := 0
		for _, a := range ofPractice {
			switch {
			case a.JudgementArea != "" && a.Theme == "":
				areas = append(areas, a.JudgementArea)
			case a.Theme != "" && a.JudgementArea == "" && strings.HasPrefix(a.Theme, "THEME_"):
				themes++
			default:
				t.Errorf("an area of practice names %+v: want a judgement area or a theme", a)
			}
		}
		if len(areas) == 0 || themes == 0 {
			t.Fatalf("the demo shows %d judgement areas and %d themes", len(areas), themes)
		}
		for _, a := range areas {
			if !strings.HasPrefix(a, "JUDGEMENT_AREA_") {
				t.Errorf("a judgement area printed as %q", a)
			}
		}
	})

	t.Run("a sponsor need takes a judgement area or a theme in either spelling", func(t *testing.T) {
		var nd struct {
			Areas []struct {
				JudgementArea string `json:"judgement_area"`
				Theme         string `json:"theme"`
			} `json:"areas"`
		}
		code, body := in.do(t, http.MethodPost, "/v1/localAuthorities/E06000001/sponsorNeeds", dfe, map[string]any{
			"areas":   []map[string]any{{"judgement_area": "LSCB", "weight": 5}, {"theme": "THEME_CASELOADS", "weight": 3}, {"theme": "VOICE_OF_THE_CHILD", "weight": 2}},
			"urgency": 3, "staff_days_needed": 20,
		}, &nd)
		var got []string
		for _, a := range nd.Areas {
			got = append(got, a.JudgementArea+a.Theme)
		}
		if code != http.StatusOK || !slices.Equal(got, []string{"JUDGEMENT_AREA_LSCB", "THEME_CASELOADS", "THEME_VOICE_OF_THE_CHILD"}) {
			t.Fatalf("create a need = %d: %s", code, body)
		}
		code, body = in.do(t, http.MethodPost, "/v1/localAuthorities/E06000001/sponsorNeeds", dfe, map[string]any{
			"areas": []map[string]any{{"theme": "LSCB", "weight": 5}}, "urgency": 3, "staff_days_needed": 20,
		}, nil)
		if d := decodeStatus(t, body).violations()["sponsor_need.areas[0].theme"]; code != http.StatusBadRequest || !strings.Contains(d, "THEME_CASELOADS") {
			t.Fatalf("a judgement area given as a theme = %d: %s; want 400 listing the themes", code, body)
		}
	})
	t.Run("a review priority's risk band is spelt as its risk assessment spells it", func(t *testing.T) {
		prios := listAll[struct {
			LocalAuthority string `json:"local_authority"`
			RiskBand       string `json:"risk_band"`
		}](t, in, "/v1/reviewPriorities", "priorities", lga)
		if len(prios) == 0 {
			t.Fatal("the demo has no review priorities")
		}
		for _, p := range prios {
			var risk struct {
				Band string `json:"band"`
			}
			code, body := in.do(t, http.MethodGet, "/v1/"+p.LocalAuthority+"/riskAssessment", lga, nil, &risk)
			if code != http.StatusOK {
				t.Fatalf("risk assessment of %s = %d: %s", p.LocalAuthority, code, body)
			}
			if p.RiskBand != risk.Band || !slices.Contains([]string{"RISK_BAND_MEDIUM", "RISK_BAND_HIGH", "RISK_BAND_SEVERE"}, p.RiskBand) {
				t.Errorf("%s: priority band %q, risk assessment band %q", p.LocalAuthority, p.RiskBand, risk.Band)
			}
		}
	})

	t.Run("an action's indicator is spelt as risk factors spell it, and a body takes either spelling", func(t *testing.T) {
		type action struct {
			Indicator *struct {
				Indicator string `json:"indicator"`
			} `json:"indicator"`
		}
		type plan struct {
			Name       string           `json:"name"`
			Etag       string           `json:"etag"`
			State      string           `json:"state"`
			Priorities []map[string]any `json:"priorities"`
		}
		due := map[string]int{"year": 2016, "month": 3, "day": 31}
		var (
			draft        *plan
			gss, officer string
			up           struct {
				Priorities []struct {
					Actions []action `json:"actions"`
				} `json:"priorities"`
			}
			code int
			body []byte
		)
		// The demo loader moves some of the plans the judgements opened on
		// through their states while the suite starts: a plan it changes
		// between the list and the write answers 409 to the etag read, and
		// the write is tried again on a plan read afresh.
		for attempt := 0; ; attempt++ {
			draft = nil
			for _, p := range listAll[plan](t, in, "/v1/localAuthorities/-/improvementPlans", "improvement_plans", dfe) {
				if p.State == "PLAN_STATE_DRAFT" && len(p.Priorities) > 0 {
					draft = &p
					break
				}
			}
			if draft == nil {
				t.Fatal("the demo has no draft plan with priorities")
			}
			gss = strings.Split(draft.Name, "/")[1]
			officer = devToken(t, keyFile, "-role", "council_officer", "-authority", gss)
			draft.Priorities[0]["actions"] = []map[string]any{
				{"title": "Fewer agency social workers", "owner_role": "Director", "due_date": due,
					"indicator": map[string]any{"indicator": "AGENCY_RATE", "baseline": 27, "target": 15}},
				{"title": "Lower caseloads", "owner_role": "Director", "due_date": due,
					"indicator": map[string]any{"indicator": "INDICATOR_CASELOAD", "baseline": 22, "target": 16}},
			}
			code, body = in.do(t, http.MethodPatch, "/v1/"+draft.Name, officer, map[string]any{"etag": draft.Etag, "priorities": draft.Priorities}, &up)
			if code != http.StatusConflict || attempt == 20 {
				break
			}
			time.Sleep(250 * time.Millisecond)
		}
		if code != http.StatusOK || len(up.Priorities) == 0 || len(up.Priorities[0].Actions) != 2 {
			t.Fatalf("write actions measured by a short and a full indicator = %d: %s", code, body)
		}
		var got []string
		for _, a := range up.Priorities[0].Actions {
			if a.Indicator != nil {
				got = append(got, a.Indicator.Indicator)
			}
		}
		if !slices.Equal(got, []string{"INDICATOR_AGENCY_RATE", "INDICATOR_CASELOAD"}) {
			t.Fatalf("the actions' indicators print as %v: %s", got, body)
		}

		var risk struct {
			Factors []struct {
				Indicator string `json:"indicator"`
			} `json:"factors"`
		}
		if code, body := in.do(t, http.MethodGet, "/v1/localAuthorities/"+gss+"/riskAssessment", dfe, nil, &risk); code != http.StatusOK {
			t.Fatalf("risk assessment of %s = %d: %s", gss, code, body)
		}
		factors := map[string]bool{}
		for _, f := range risk.Factors {
			factors[f.Indicator] = true
		}
		for _, g := range got {
			if !factors[g] {
				t.Errorf("risk factors of %s (%v) spell no indicator %q", gss, factors, g)
			}
		}

		draft.Priorities[0]["actions"] = []map[string]any{
			{"title": "Happier staff", "indicator": map[string]any{"indicator": "SOCIAL_WORKER_MORALE", "baseline": 3, "target": 4}},
		}
		code, body = in.do(t, http.MethodPatch, "/v1/"+draft.Name, officer, map[string]any{"etag": draft.Etag, "priorities": draft.Priorities}, nil)
		var desc string
		for f, d := range decodeStatus(t, body).violations() {
			if strings.HasSuffix(f, ".indicator.indicator") {
				desc = d
			}
		}
		if code != http.StatusBadRequest || !strings.Contains(desc, "INDICATOR_AGENCY_RATE") {
			t.Fatalf("an indicator that is not one = %d: %s; want 400 listing the indicators", code, body)
		}
	})
}
