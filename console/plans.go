package console

import (
	"net/http"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
)

// planRow is one line of a plan table.
type planRow struct {
	Plan      *improvementplanv1.ImprovementPlan
	Council   string
	Countdown string
	StateTag  string
}

func (c *Console) planRow(p *improvementplanv1.ImprovementPlan, council string) planRow {
	return planRow{Plan: p, Council: council, Countdown: c.countdown(p.GetDeadline()), StateTag: planStateTag(p.GetState())}
}

func planStateTag(s improvementplanv1.PlanState) string {
	switch s {
	case improvementplanv1.PlanState_PLAN_STATE_DRAFT:
		return "govuk-tag--grey"
	case improvementplanv1.PlanState_PLAN_STATE_SUBMITTED:
		return "govuk-tag--blue"
	case improvementplanv1.PlanState_PLAN_STATE_APPROVED, improvementplanv1.PlanState_PLAN_STATE_MONITORING:
		return "govuk-tag--turquoise"
	case improvementplanv1.PlanState_PLAN_STATE_DECISION_DUE:
		return "govuk-tag--orange"
	case improvementplanv1.PlanState_PLAN_STATE_ESCALATED:
		return "govuk-tag--red"
	case improvementplanv1.PlanState_PLAN_STATE_IMPROVED, improvementplanv1.PlanState_PLAN_STATE_CONTINUED:
		return "govuk-tag--green"
	}
	return "govuk-tag--grey"
}

type planListData struct {
	Rows    []planRow
	Options []option
	Total   int32
	State   string
}

// planList lists plans across councils (a council officer's list holds only
// their own council's, as the service decides), soonest deadline first,
// optionally in one state.
func (c *Console) planList(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	ctx := r.Context()
	state := r.URL.Query().Get("state")
	d := planListData{State: state, Options: []option{{Value: "", Label: "Any state", Selected: state == ""}}}
	valid := state == ""
	for v := improvementplanv1.PlanState_PLAN_STATE_DRAFT; v <= improvementplanv1.PlanState_PLAN_STATE_CLOSED; v++ {
		name := strings.TrimPrefix(v.String(), "PLAN_STATE_")
		d.Options = append(d.Options, option{Value: name, Label: enumLabel(v, "PLAN_STATE_"), Selected: state == name})
		valid = valid || state == name
	}
	if !valid {
		return nil, pageError{http.StatusBadRequest}
	}
	req := &improvementplanv1.ListImprovementPlansRequest{Parent: "localAuthorities/-", PageSize: 200, OrderBy: "deadline"}
	if state != "" {
		req.Filter = "state = " + state
	}
	resp, err := c.plans.ListImprovementPlans(ctx, req)
	if err != nil {
		return nil, err
	}
	d.Total = resp.GetTotalSize()
	for _, p := range resp.GetImprovementPlans() {
		d.Rows = append(d.Rows, c.planRow(p, c.councilName(ctx, p.GetName())))
	}
	return &view{Template: "plans", Title: "Improvement plans", Current: "plans", Data: d}, nil
}

type planData struct {
	Plan      *improvementplanv1.ImprovementPlan
	Council   string
	Check     *improvementplanv1.CheckPlanResponse
	Countdown string
	Overdue   bool
	StateTag  string
	Late      map[string]bool
	// What the signed-in role may do now (the service decides in the end).
	CanSubmit, CanApprove, CanDecide bool
	// CanEdit: a council officer may write the draft (the service decides).
	CanEdit bool
	Values  map[string]string
}

// planPage is one plan: deadline countdown, credibility check (failures as
// an error summary linking to each failed rule), priorities and actions,
// history, and the forms the role may use.
func (c *Console) planPage(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	return c.planView(r, s, nil, nil)
}

func (c *Console) planView(r *http.Request, s *session, errs []fieldError, values map[string]string) (*view, error) {
	ctx := r.Context()
	name := "localAuthorities/" + r.PathValue("gss") + "/improvementPlans/" + r.PathValue("id")
	p, err := c.plans.GetImprovementPlan(ctx, &improvementplanv1.GetImprovementPlanRequest{Name: name})
	if err != nil {
		return nil, err
	}
	chk, err := c.plans.CheckPlan(ctx, &improvementplanv1.CheckPlanRequest{Name: name})
	if err != nil {
		return nil, err
	}
	u := newUserView(s.user())
	d := planData{
		Plan: p, Council: c.councilName(ctx, name), Check: chk, Countdown: c.countdown(p.GetDeadline()),
		Overdue: p.GetDeadline() != nil && c.daysUntil(p.GetDeadline()) < 0, StateTag: planStateTag(p.GetState()),
		Late:       map[string]bool{},
		CanSubmit:  u.IsCouncil && p.GetState() == improvementplanv1.PlanState_PLAN_STATE_DRAFT,
		CanEdit:    u.IsCouncil && p.GetState() == improvementplanv1.PlanState_PLAN_STATE_DRAFT,
		CanApprove: u.IsDfE && p.GetState() == improvementplanv1.PlanState_PLAN_STATE_SUBMITTED,
		CanDecide:  u.IsDfE && p.GetState() == improvementplanv1.PlanState_PLAN_STATE_DECISION_DUE,
		Values:     values,
	}
	for _, id := range p.GetLateActions() {
		d.Late[id] = true
	}
	if errs == nil && !chk.GetCredible() && p.GetState() == improvementplanv1.PlanState_PLAN_STATE_DRAFT {
		errs = checkErrors(chk)
	}
	return &view{Template: "plan", Title: d.Council + " improvement plan", Current: "plans", Errors: errs, Data: d}, nil
}

// checkErrors lists each failed credibility check's failures, linked to the
// rule on the page.
func checkErrors(chk *improvementplanv1.CheckPlanResponse) []fieldError {
	var errs []fieldError
	for _, ch := range chk.GetChecks() {
		if ch.GetPassed() {
			continue
		}
		if len(ch.GetFailures()) == 0 {
			errs = append(errs, fieldError{ID: "check-" + ch.GetRule(), Message: sentence(ch.GetDescription())})
		}
		for _, f := range ch.GetFailures() {
			errs = append(errs, fieldError{ID: "check-" + ch.GetRule(), Message: sentence(f)})
		}
	}
	return errs
}

// planAction submits (council), approves, returns or decides progress on
// (DfE) a plan, with the etag the page was rendered with.
func (c *Console) planAction(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	ctx := r.Context()
	name := "localAuthorities/" + r.PathValue("gss") + "/improvementPlans/" + r.PathValue("id")
	f := r.PostForm
	etag, reqID := f.Get("etag"), f.Get("request_id")
	values := map[string]string{"reason": f.Get("reason"), "rationale": f.Get("rationale"), "decision": f.Get("decision"),
		"intervention_kind": f.Get("intervention_kind"), "intervention_reason": f.Get("intervention_reason")}
	var err error
	var done string
	fields := map[string]string{}
	fallback := ""
	switch r.PathValue("action") {
	case "submit":
		var sub *improvementplanv1.ImprovementPlan
		sub, err = c.plans.SubmitPlan(ctx, &improvementplanv1.SubmitPlanRequest{Name: name, Etag: etag, RequestId: reqID})
		done, fallback = "The plan was submitted to DfE."+warningText(sub), "submit"
		if errorReason(err) == "PLAN_NOT_CREDIBLE" {
			// The failures, one by one, linked to their rules.
			chk, cerr := c.plans.CheckPlan(ctx, &improvementplanv1.CheckPlanRequest{Name: name})
			if cerr != nil {
				return nil, cerr
			}
			errs := append([]fieldError{{ID: "submit", Message: "The plan cannot be submitted: it fails credibility checks"}}, checkErrors(chk)...)
			return c.planView(r, s, errs, values)
		}
	case "approve":
		var app *improvementplanv1.ImprovementPlan
		app, err = c.plans.ApprovePlan(ctx, &improvementplanv1.ApprovePlanRequest{Name: name, Etag: etag, Reason: f.Get("reason"), RequestId: reqID})
		done, fallback = "The plan was approved."+warningText(app), "reason"
		fields["reason"] = "reason"
	case "return":
		_, err = c.plans.ReturnPlan(ctx, &improvementplanv1.ReturnPlanRequest{Name: name, Etag: etag, Reason: f.Get("reason"), RequestId: reqID})
		done, fallback = "The plan was returned to the council.", "reason"
		fields["reason"] = "reason"
		if strings.TrimSpace(f.Get("reason")) == "" {
			return c.planView(r, s, []fieldError{{ID: "reason", Message: "Enter what must change before the plan can be approved"}}, values)
		}
	case "decide":
		dec, ok := improvementplanv1.ProgressDecision_value["PROGRESS_DECISION_"+f.Get("decision")]
		if !ok {
			return c.planView(r, s, []fieldError{{ID: "decision", Message: "Select a decision"}}, values)
		}
		req := &improvementplanv1.DecideProgressRequest{Name: name, Etag: etag, Decision: improvementplanv1.ProgressDecision(dec), Rationale: f.Get("rationale"), RequestId: reqID}
		if req.Decision == improvementplanv1.ProgressDecision_PROGRESS_DECISION_INSUFFICIENT {
			kind := improvementplanv1.InterventionKind(improvementplanv1.InterventionKind_value["INTERVENTION_KIND_"+f.Get("intervention_kind")])
			req.Intervention = &improvementplanv1.Intervention{Kind: kind, Reason: f.Get("intervention_reason")}
		}
		_, err = c.plans.DecideProgress(ctx, req)
		done, fallback = "The decision was recorded.", "decision"
		fields["rationale"], fields["decision"] = "rationale", "decision"
		fields["intervention.kind"], fields["intervention.reason"] = "intervention_kind", "intervention_reason"
		fields["intervention"] = "intervention_kind"
	default:
		return nil, errNotFound
	}
	if err != nil {
		if status.Code(err) == codes.Aborted {
			return c.planView(r, s, []fieldError{{ID: fallback, Message: "The plan changed since you opened it: check it again and resubmit"}}, values)
		}
		errs, ok := formErrors(err, fields, fallback)
		if !ok {
			return nil, err
		}
		return c.planView(r, s, errs, values)
	}
	return c.redirect(w, r, s, BasePath+"/"+name, done)
}

// warningText is what the service warns about a plan it has just submitted
// or approved (late actions, a deadline before the first milestone), to
// follow the success message.
func warningText(p *improvementplanv1.ImprovementPlan) string {
	var b strings.Builder
	for _, w := range p.GetWarnings() {
		msg := sentence(w.GetMessage())
		b.WriteString(" ")
		b.WriteString(msg)
		if !strings.HasSuffix(msg, ".") {
			b.WriteString(".")
		}
	}
	return b.String()
}
