package console

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	oversightv1 "github.com/turnaround-sli/turnaround/proto/turnaround/oversight/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
)

// signedIn signs a browser in with the development sign-in and returns it
// with the session's CSRF token.
func signedIn(t *testing.T, base string, form url.Values) (*http.Client, string) {
	t.Helper()
	c := browser(t)
	_, body := get(t, c, base+"/console/sign-in")
	form.Set("csrf_token", csrfOf(t, body))
	if resp, body := post(t, c, base+"/console/sign-in", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in = %d:\n%s", resp.StatusCode, body)
	}
	_, body = get(t, c, base+"/console/plans") // any page: its forms carry the token
	return c, csrfOf(t, body)
}

// Every new form posts with the session's CSRF token: without it the
// console refuses before calling a service; with it the call is made (here
// to an upstream that does not answer, so the page says the service is
// unavailable).
func TestPlanAndDeploymentFormsNeedCSRF(t *testing.T) {
	_, srv := newTestConsole(t, Config{DevKey: []byte("0123456789abcdef0123456789abcdef")})
	c, token := signedIn(t, srv.URL, url.Values{"role": {"council_officer"}, "authority": {"E08000035"}})
	plan := srv.URL + "/console/localAuthorities/E08000035/improvementPlans/abc"
	for _, path := range []string{
		plan + "/priorities/new", plan + "/priorities/p1", plan + "/priorities/p1/remove",
		plan + "/priorities/p1/actions/new", plan + "/priorities/p1/actions/a1", plan + "/priorities/p1/actions/a1/remove",
		srv.URL + "/console/sponsors/hampshire/engagements/e1/deployments",
	} {
		for _, bad := range []string{"", "forged"} {
			if resp, _ := post(t, c, path, url.Values{"csrf_token": {bad}, "title": {"x"}}); resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with CSRF token %q = %d, want 403", path, bad, resp.StatusCode)
			}
		}
		if resp, _ := post(t, c, path, url.Values{"csrf_token": {token}, "title": {"x"}}); resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("POST %s with the session's token = %d, want 503 from the unreachable service", path, resp.StatusCode)
		}
	}
}

func TestParseAction(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values map[string]string
		errs   []string
		check  func(*improvementplanv1.Action) bool
	}{
		{"a milestone", map[string]string{"title": " New front door ", "owner_role": "DCS", "due-day": "1", "due-month": "3", "due-year": "2016",
			"measure": "milestone", "milestone": "Live", "evidence_expected": "Audit"}, nil,
			func(a *improvementplanv1.Action) bool {
				return a.GetTitle() == "New front door" && a.GetDueDate().GetMonth() == 3 && a.GetMilestone().GetEvidenceExpected() == "Audit"
			}},
		{"an indicator", map[string]string{"title": "Fewer agency staff", "measure": "indicator", "indicator": "AGENCY_RATE", "baseline": "24.5", "target": "12"}, nil,
			func(a *improvementplanv1.Action) bool {
				return a.GetIndicator().GetIndicator() == typev1.Indicator_INDICATOR_AGENCY_RATE &&
					a.GetIndicator().GetBaseline() == 24.5 && a.GetIndicator().GetTarget() == 12 && a.GetDueDate() == nil &&
					actionValues(a)["indicator"] == "AGENCY_RATE"
			}},
		{"an indicator by its full name", map[string]string{"title": "x", "measure": "indicator", "indicator": "INDICATOR_CASELOAD", "baseline": "20", "target": "16"}, nil,
			func(a *improvementplanv1.Action) bool {
				return a.GetIndicator().GetIndicator() == typev1.Indicator_INDICATOR_CASELOAD
			}},
		{"an indicator that is not one", map[string]string{"title": "x", "measure": "indicator", "indicator": "WELLBEING", "baseline": "1", "target": "2"}, []string{"indicator"}, nil},
		// An impossible date is the service's to judge: it is sent as typed.
		{"the 31st of February", map[string]string{"title": "x", "due-day": "31", "due-month": "2", "due-year": "2016"}, nil,
			func(a *improvementplanv1.Action) bool { return a.GetDueDate().GetDay() == 31 }},
		{"a date in words", map[string]string{"title": "x", "due-day": "first", "due-month": "2", "due-year": "2016"}, []string{"due-day"}, nil},
		{"half a date", map[string]string{"title": "x", "due-day": "1", "due-year": "2016"}, []string{"due-day"}, nil},
		{"numbers that are not", map[string]string{"title": "x", "measure": "indicator", "baseline": "lots"}, []string{"baseline", "target", "indicator"}, nil},
		{"an unknown measure", map[string]string{"title": "x", "measure": "vibes"}, []string{"measure"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &improvementplanv1.Action{Id: "a1", Status: improvementplanv1.ActionStatus_ACTION_STATUS_ON_TRACK}
			errs := parseAction(tc.values, a)
			var ids []string
			for _, e := range errs {
				ids = append(ids, e.ID)
			}
			if strings.Join(ids, ",") != strings.Join(tc.errs, ",") {
				t.Fatalf("errors on %v, want %v (%v)", ids, tc.errs, errs)
			}
			if tc.check != nil && !tc.check(a) {
				t.Fatalf("action = %v", a)
			}
			if a.GetId() != "a1" || a.GetStatus() != improvementplanv1.ActionStatus_ACTION_STATUS_ON_TRACK {
				t.Fatalf("the action's id and status were not kept: %v", a)
			}
		})
	}
}

// The service's field violations for the action being edited land on its
// fields, with the field's name leading; a violation elsewhere in the plan
// goes to the summary's fallback.
func TestActionViolationsLinkToFields(t *testing.T) {
	st, err := status.New(codes.InvalidArgument, "invalid").WithDetails(&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
		{Field: "improvement_plan.priorities[1].actions[2].title", Description: "is required"},
		{Field: "improvement_plan.priorities[1].actions[2].due_date", Description: "2016-02-31 is not a calendar date"},
		{Field: "improvement_plan.priorities[1].actions[2].milestone.evidence_expected", Description: "is 5000 bytes long; the limit is 2000"},
		{Field: "improvement_plan.priorities[0].actions[0].title", Description: "is required"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	errs, ok := planFormErrors(st.Err(), actionFieldIDs(1, 2), actionLabels, "save")
	if !ok {
		t.Fatal("not a form error")
	}
	want := []fieldError{
		{"title", "What will be done is required"},
		{"due-day", "The due date 2016-02-31 is not a calendar date"},
		{"evidence_expected", "The evidence expected is 5000 bytes long; the limit is 2000"},
		{"save", "Priority 1, action 1, title: is required"},
	}
	if len(errs) != len(want) {
		t.Fatalf("errors = %v", errs)
	}
	for i := range want {
		if errs[i] != want[i] {
			t.Errorf("error %d = %v, want %v", i, errs[i], want[i])
		}
	}
	// A plan no longer a draft: the service's message, on the save button,
	// not dressed as a field's.
	errs, ok = planFormErrors(status.Error(codes.FailedPrecondition, "only a draft plan's priorities can change; this plan is APPROVED"), actionFieldIDs(0, 0), actionLabels, "save")
	if !ok || len(errs) != 1 || errs[0] != (fieldError{"save", "Only a draft plan's priorities can change; this plan is APPROVED"}) {
		t.Errorf("a plan no longer a draft: %v", errs)
	}
	// A permission refusal is a page, not a form error.
	if _, ok := planFormErrors(status.Error(codes.PermissionDenied, "no"), actionFieldIDs(0, 0), actionLabels, "save"); ok {
		t.Error("PERMISSION_DENIED became a form error")
	}
}

func TestPlanAreasLeaveOutOverallEffectiveness(t *testing.T) {
	areas := planAreas()
	if len(areas) != 6 {
		t.Fatalf("areas = %v", areas)
	}
	for _, a := range areas {
		if a.Value == "OVERALL_EFFECTIVENESS" || a.Value == "UNSPECIFIED" {
			t.Errorf("a priority offered %s", a.Value)
		}
		if v, ok := parseArea(a.Value); !ok || areaName(v) != a.Label {
			t.Errorf("%s does not read back", a.Value)
		}
	}
	if _, ok := parseArea("UNSPECIFIED"); ok {
		t.Error("UNSPECIFIED is an area")
	}
}

func TestOverviewRowsAndMethod(t *testing.T) {
	ov := &oversightv1.NationalOverview{
		Grades: []*oversightv1.GradeCount{{Grade: typev1.Grade_GRADE_GOOD, Councils: 3}, {Grade: typev1.Grade_GRADE_UNSPECIFIED, Councils: 2}},
		Regions: []*oversightv1.RegionGrades{{Region: typev1.Region_REGION_LONDON, Councils: 5, Grades: []*oversightv1.GradeCount{
			{Grade: typev1.Grade_GRADE_GOOD, Councils: 3}, {Grade: typev1.Grade_GRADE_UNSPECIFIED, Councils: 2}}}},
	}
	rows, totals := gradeRows(ov)
	if len(rows) != 9 {
		t.Fatalf("%d regions", len(rows))
	}
	for _, r := range rows {
		want := 0
		if r.Region == "London" {
			want = 5
			if r.Counts[1] != 3 || r.Counts[4] != 2 {
				t.Errorf("London = %v", r.Counts)
			}
		}
		if r.Total != want {
			t.Errorf("%s has %d councils, want %d", r.Region, r.Total, want)
		}
	}
	if totals.Total != 5 || totals.Region != "England" {
		t.Errorf("totals = %+v", totals)
	}
	m := projectionMethod(&oversightv1.InadequacyProjection{Inspected: 80, Inadequate: 20, InadequateRate: 0.25, AllCouncils: 152, ProjectedInadequate: 38})
	for _, want := range []string{"Of the 80 councils", "20 were judged inadequate: a rate of 25.0%", "all 152 councils", "about 38 councils"} {
		if !strings.Contains(m, want) {
			t.Errorf("method lacks %q: %s", want, m)
		}
	}
	if m := projectionMethod(&oversightv1.InadequacyProjection{}); !strings.Contains(m, "nothing to project") {
		t.Errorf("method with nobody inspected: %s", m)
	}
}

func TestParseDeployment(t *testing.T) {
	dep, errs := parseDeployment(map[string]string{"date-day": "14", "date-month": "12", "date-year": "2015", "role": "SOCIAL_WORKER", "staff_days": "2.5", "notes": "Practice week"})
	if errs != nil || dep.GetDate().GetDay() != 14 || dep.GetDate().GetMonth() != 12 || dep.GetDate().GetYear() != 2015 || dep.GetRole().String() != "STAFF_ROLE_SOCIAL_WORKER" || dep.GetStaffDays() != 2.5 || dep.GetNotes() != "Practice week" {
		t.Fatalf("a whole deployment = %v %v", dep, errs)
	}
	// Nothing filled in: sent as it is, for the service to say what is missing.
	if dep, errs := parseDeployment(map[string]string{}); errs != nil || dep.GetDate() != nil || dep.GetStaffDays() != 0 {
		t.Fatalf("an empty form = %v %v", dep, errs)
	}
	_, errs = parseDeployment(map[string]string{"date-day": "fourteenth", "date-month": "12", "date-year": "2015", "role": "JANITOR", "staff_days": "two"})
	var ids []string
	for _, e := range errs {
		ids = append(ids, e.ID)
	}
	if strings.Join(ids, ",") != "date-day,role,staff_days" {
		t.Fatalf("errors on %v", ids)
	}
	if _, errs := parseDeployment(map[string]string{"role": "UNSPECIFIED"}); len(errs) != 1 || errs[0].ID != "role" {
		t.Fatalf("an unspecified role = %v", errs)
	}
}

// TestWarningText: each warning follows the success message as a sentence
// ending in one full stop, however the service ended or spaced it.
func TestWarningText(t *testing.T) {
	p := &improvementplanv1.ImprovementPlan{Warnings: []*improvementplanv1.PlanWarning{
		{Message: "action 2 is due after the deadline"}, {Message: "the deadline is soon. "},
	}}
	if got, want := warningText(p), " Action 2 is due after the deadline. The deadline is soon."; got != want {
		t.Errorf("warningText = %q, want %q", got, want)
	}
	if got := warningText(&improvementplanv1.ImprovementPlan{}); got != "" {
		t.Errorf("no warnings = %q", got)
	}
}
