package console

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Writing a draft plan: a council officer adds, changes and removes
// priorities and their actions one form at a time. Every save reads the
// plan, applies the one change to its priorities and sends them whole
// (UpdateImprovementPlan with the mask `priorities`) with the etag the form
// was opened with, so a plan someone else changed in between is refused
// by the service (ABORTED) and the form comes back with what the person
// typed, the newer etag and a message saying so: nothing is lost and
// nothing is overwritten unseen.

// newID is the path segment of a priority or action not yet created.
const newID = "new"

// conflictMessage is shown when the plan changed since the form opened.
const conflictMessage = "Someone else changed this plan since you opened this page. Your changes are below and have not been saved: check the plan, then save again"

// planAreas are the judgement areas a priority can address (the shared
// JudgementArea enum, its values without their prefix in the form),
// without overall effectiveness, which is the sum of the others.
func planAreas() []option {
	var out []option
	for v := typev1.JudgementArea_JUDGEMENT_AREA_HELP_AND_PROTECTION; ; v++ {
		if _, ok := typev1.JudgementArea_name[int32(v)]; !ok {
			break
		}
		out = append(out, option{Value: refproto.JudgementAreaName(v), Label: areaName(v)})
	}
	return out
}

// parseArea reads a judgement area from the form.
func parseArea(v string) (typev1.JudgementArea, bool) {
	a := refproto.JudgementArea(v)
	return a, a != typev1.JudgementArea_JUDGEMENT_AREA_UNSPECIFIED
}

// areaName names a judgement area as Ofsted's reports do.
func areaName(a typev1.JudgementArea) string {
	switch a {
	case typev1.JudgementArea_JUDGEMENT_AREA_OVERALL_EFFECTIVENESS:
		return "Overall effectiveness"
	case typev1.JudgementArea_JUDGEMENT_AREA_HELP_AND_PROTECTION:
		return "Children who need help and protection"
	case typev1.JudgementArea_JUDGEMENT_AREA_LOOKED_AFTER_AND_PERMANENCE:
		return "Children looked after and achieving permanence"
	case typev1.JudgementArea_JUDGEMENT_AREA_ADOPTION_PERFORMANCE:
		return "Adoption performance"
	case typev1.JudgementArea_JUDGEMENT_AREA_CARE_LEAVERS:
		return "Experiences and progress of care leavers"
	case typev1.JudgementArea_JUDGEMENT_AREA_LEADERSHIP_MANAGEMENT_GOVERNANCE:
		return "Leadership, management and governance"
	case typev1.JudgementArea_JUDGEMENT_AREA_LSCB:
		return "Review of the Local Safeguarding Children Board"
	}
	return "Area not set"
}

// targetGrades are the grades a priority can aim for.
var targetGrades = []typev1.Grade{typev1.Grade_GRADE_OUTSTANDING, typev1.Grade_GRADE_GOOD, typev1.Grade_GRADE_REQUIRES_IMPROVEMENT}

// planIndicators are the indicators an action can be measured by.
func planIndicators() []option {
	var out []option
	for v := int32(1); ; v++ {
		name, ok := typev1.Indicator_name[v]
		if !ok {
			break
		}
		name = strings.TrimPrefix(name, refproto.IndicatorPrefix)
		out = append(out, option{Value: name, Label: enumLabelString(name)})
	}
	return out
}

// editData is what the priority and action forms show.
type editData struct {
	Plan     *improvementplanv1.ImprovementPlan
	Council  string
	Priority *improvementplanv1.Priority
	New      bool
	Etag     string
	Action   string
	Values   map[string]string
	Areas    []option
	Grades   []option
	Measures []option
	Inds     []option
}

func planName(r *http.Request) string {
	return "localAuthorities/" + r.PathValue("gss") + "/improvementPlans/" + r.PathValue("id")
}

// findPriority returns the index of the priority with id, or -1.
func findPriority(p *improvementplanv1.ImprovementPlan, id string) int {
	for i, pr := range p.GetPriorities() {
		if pr.GetId() == id {
			return i
		}
	}
	return -1
}

// findAction returns the index of the action with id in pr, or -1.
func findAction(pr *improvementplanv1.Priority, id string) int {
	for j, a := range pr.GetActions() {
		if a.GetId() == id {
			return j
		}
	}
	return -1
}

// loadDraft reads the plan to edit; a priority or action the plan does not
// hold is a 404.
func (c *Console) loadDraft(r *http.Request) (*improvementplanv1.ImprovementPlan, int, int, error) {
	p, err := c.plans.GetImprovementPlan(r.Context(), &improvementplanv1.GetImprovementPlanRequest{Name: planName(r)})
	if err != nil {
		return nil, 0, 0, err
	}
	pi, ai := -1, -1
	if pid := r.PathValue("pid"); pid != newID {
		if pi = findPriority(p, pid); pi < 0 {
			return nil, 0, 0, errNotFound
		}
	}
	aid := r.PathValue("aid")
	switch {
	case aid == "":
	case pi < 0: // an action of a priority not yet created
		return nil, 0, 0, errNotFound
	case aid != newID:
		if ai = findAction(p.GetPriorities()[pi], aid); ai < 0 {
			return nil, 0, 0, errNotFound
		}
	}
	return p, pi, ai, nil
}

// savePriorities sends the plan's priorities whole with the etag the form
// was opened with.
func (c *Console) savePriorities(r *http.Request, p *improvementplanv1.ImprovementPlan, etag string, prios []*improvementplanv1.Priority) error {
	_, err := c.plans.UpdateImprovementPlan(r.Context(), &improvementplanv1.UpdateImprovementPlanRequest{
		ImprovementPlan: &improvementplanv1.ImprovementPlan{Name: p.GetName(), Etag: etag, Priorities: prios},
		UpdateMask:      &fieldmaskpb.FieldMask{Paths: []string{"priorities"}},
	})
	return err
}

// clonePriorities copies the plan's priorities for an edit.
func clonePriorities(p *improvementplanv1.ImprovementPlan) []*improvementplanv1.Priority {
	out := make([]*improvementplanv1.Priority, len(p.GetPriorities()))
	for i, pr := range p.GetPriorities() {
		out[i] = proto.Clone(pr).(*improvementplanv1.Priority)
	}
	return out
}

// labelErrors puts the field's name before the service's words for it:
// "Title is required" rather than "Is required".
func labelErrors(errs []fieldError, labels map[string]string) []fieldError {
	for i, e := range errs {
		if l, ok := labels[e.ID]; ok && e.Message != "" {
			errs[i].Message = l + " " + strings.ToLower(e.Message[:1]) + e.Message[1:]
		}
	}
	return errs
}

// priorityForm shows the form to add (pid "new") or change a priority.
func (c *Console) priorityForm(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	p, pi, _, err := c.loadDraft(r)
	if err != nil {
		return nil, err
	}
	values := map[string]string{}
	if pi >= 0 {
		pr := p.GetPriorities()[pi]
		values["area"] = strings.TrimPrefix(pr.GetArea().String(), "JUDGEMENT_AREA_")
		if pr.GetTargetGrade() != typev1.Grade_GRADE_UNSPECIFIED {
			values["target_grade"] = strings.TrimPrefix(pr.GetTargetGrade().String(), "GRADE_")
		}
	}
	return c.priorityView(r, p, pi, p.GetEtag(), values, nil), nil
}

func (c *Console) priorityView(r *http.Request, p *improvementplanv1.ImprovementPlan, pi int, etag string, values map[string]string, errs []fieldError) *view {
	d := editData{Plan: p, Council: c.councilName(r.Context(), p.GetName()), New: pi < 0, Etag: etag, Values: values,
		Action: BasePath + "/" + p.GetName() + "/priorities/" + r.PathValue("pid"), Areas: planAreas()}
	if pi >= 0 {
		d.Priority = p.GetPriorities()[pi]
	}
	for _, g := range targetGrades {
		d.Grades = append(d.Grades, option{Value: strings.TrimPrefix(g.String(), "GRADE_"), Label: gradeLabel(g)})
	}
	title := "Add a priority"
	if pi >= 0 {
		title = "Change a priority"
	}
	return &view{Template: "priority", Title: title, Current: "plans", Errors: errs, Data: d, Back: BasePath + "/" + p.GetName() + "#priorities"}
}

// goneMessage is shown when a form's priority or action no longer exists.
const goneMessage = "Someone else removed the action or priority you were changing, so your changes were not saved"

// loadForSave is loadDraft for a form sent back: a priority or action
// removed since the form opened shows the plan as it is now, saying so.
func (c *Console) loadForSave(r *http.Request, s *session) (p *improvementplanv1.ImprovementPlan, pi, ai int, gone *view, err error) {
	p, pi, ai, err = c.loadDraft(r)
	if err == errNotFound {
		gone, err = c.planView(r, s, []fieldError{{ID: "priorities", Message: goneMessage}}, nil)
	}
	return p, pi, ai, gone, err
}

// savePriority adds or changes a priority.
func (c *Console) savePriority(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	p, pi, _, gone, err := c.loadForSave(r, s)
	if gone != nil || err != nil {
		return gone, err
	}
	f := r.PostForm
	etag := f.Get("etag")
	values := map[string]string{"area": f.Get("area"), "target_grade": f.Get("target_grade")}
	var errs []fieldError
	area, ok := parseArea(values["area"])
	if !ok {
		errs = append(errs, fieldError{ID: "area", Message: "Select the area the priority improves"})
	}
	grade := typev1.Grade_GRADE_UNSPECIFIED
	if v := values["target_grade"]; v != "" {
		g, ok := typev1.Grade_value["GRADE_"+v]
		if !ok {
			errs = append(errs, fieldError{ID: "target_grade", Message: "Select the grade the area aims for"})
		}
		grade = typev1.Grade(g)
	}
	if errs != nil {
		return c.priorityView(r, p, pi, etag, values, errs), nil
	}
	prios := clonePriorities(p)
	idx := pi
	if pi < 0 {
		prios = append(prios, &improvementplanv1.Priority{})
		idx = len(prios) - 1
	}
	prios[idx].Area, prios[idx].TargetGrade = area, grade
	if err := c.savePriorities(r, p, etag, prios); err != nil {
		prefix := fmt.Sprintf("improvement_plan.priorities[%d].", idx)
		return c.editFailed(r, err, func(fresh *improvementplanv1.ImprovementPlan, errs []fieldError) (*view, error) {
			fpi := findPriority(fresh, r.PathValue("pid"))
			if fpi < 0 && pi >= 0 {
				return c.planView(r, s, []fieldError{{ID: "priorities", Message: goneMessage}}, nil)
			}
			return c.priorityView(r, fresh, fpi, fresh.GetEtag(), values, errs), nil
		}, func(errs []fieldError) *view {
			return c.priorityView(r, p, pi, etag, values, errs)
		}, map[string]string{prefix + "area": "area", prefix + "target_grade": "target_grade", prefix + "actions": "area", "improvement_plan.etag": "save"}, "save",
			map[string]string{"area": "The area", "target_grade": "The target grade"})
	}
	done := "The priority was added."
	if pi >= 0 {
		done = "The priority was changed."
	}
	return c.redirect(w, r, s, BasePath+"/"+p.GetName()+"#priorities", done)
}

// editFailed turns a refused save into its form again: a conflict shows
// the form over the plan as it is now, with what the person typed and the
// newer etag; field violations show the same form with an error summary.
func (c *Console) editFailed(r *http.Request, err error, conflict func(*improvementplanv1.ImprovementPlan, []fieldError) (*view, error),
	invalid func([]fieldError) *view, fields map[string]string, fallback string, labels map[string]string) (*view, error) {
	if status.Code(err) == codes.Aborted {
		fresh, ferr := c.plans.GetImprovementPlan(r.Context(), &improvementplanv1.GetImprovementPlanRequest{Name: planName(r)})
		if ferr != nil {
			return nil, ferr
		}
		return conflict(fresh, []fieldError{{ID: fallback, Message: conflictMessage}})
	}
	errs, ok := planFormErrors(err, fields, labels, fallback)
	if !ok {
		return nil, err
	}
	return invalid(errs), nil
}

// violationPath reads where in the plan a field violation is.
var violationPath = regexp.MustCompile(`^improvement_plan\.priorities\[(\d+)\](?:\.actions\[(\d+)\])?\.?(.*)$`)

// planFormErrors is formErrors for the plan's forms: a violation of a
// field on the form is on that field, its name leading ("The due date
// 2016-02-31 is not a calendar date"); one elsewhere in the plan (another
// priority or action, which this form cannot change) says where it is, on
// the form's save button; a refusal without violations (a plan no longer
// a draft) is the service's message, on the save button too.
func planFormErrors(err error, fields, labels map[string]string, fallback string) ([]fieldError, bool) {
	errs, ok := formErrors(err, fields, fallback)
	if !ok {
		return nil, false
	}
	st, _ := status.FromError(err)
	var vs []*errdetails.BadRequest_FieldViolation
	for _, d := range st.Details() {
		if br, isBR := d.(*errdetails.BadRequest); isBR {
			vs = append(vs, br.GetFieldViolations()...)
		}
	}
	if len(vs) == 0 {
		return errs, true
	}
	out := make([]fieldError, 0, len(vs))
	for _, v := range vs {
		desc := strings.TrimSpace(v.GetDescription())
		if id, known := fieldID(fields, v.GetField()); known {
			if l, ok := labels[id]; ok && desc != "" {
				desc = l + " " + desc
			}
			out = append(out, fieldError{ID: id, Message: sentence(desc)})
			continue
		}
		where := v.GetField()
		if m := violationPath.FindStringSubmatch(v.GetField()); m != nil {
			pi, _ := strconv.Atoi(m[1])
			where = fmt.Sprintf("Priority %d", pi+1)
			if m[2] != "" {
				ai, _ := strconv.Atoi(m[2])
				where += fmt.Sprintf(", action %d", ai+1)
			}
			if m[3] != "" {
				where += ", " + strings.ReplaceAll(m[3], "_", " ")
			}
		}
		out = append(out, fieldError{ID: fallback, Message: where + ": " + desc})
	}
	return out, true
}

// fieldID finds the form input of a field path: exactly, or the list or
// message it is part of.
func fieldID(fields map[string]string, path string) (string, bool) {
	if id, ok := fields[path]; ok {
		return id, true
	}
	for f, id := range fields {
		if strings.HasPrefix(path, f+"[") || strings.HasPrefix(path, f+".") {
			return id, true
		}
	}
	return "", false
}

// removePriority removes a priority and its actions.
func (c *Console) removePriority(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	p, pi, _, gone, err := c.loadForSave(r, s)
	if gone != nil || err != nil {
		return gone, err
	}
	if pi < 0 {
		return nil, errNotFound
	}
	prios := clonePriorities(p)
	prios = append(prios[:pi], prios[pi+1:]...)
	return c.removeSave(w, r, s, p, prios, "The priority was removed.")
}

// removeSave saves a removal, or shows the plan with why it was refused.
func (c *Console) removeSave(w http.ResponseWriter, r *http.Request, s *session, p *improvementplanv1.ImprovementPlan, prios []*improvementplanv1.Priority, done string) (*view, error) {
	if err := c.savePriorities(r, p, r.PostForm.Get("etag"), prios); err != nil {
		if status.Code(err) == codes.Aborted {
			return c.planView(r, s, []fieldError{{ID: "priorities", Message: "Someone else changed this plan since you opened it, so nothing was removed: check the plan and try again"}}, nil)
		}
		errs, ok := formErrors(err, nil, "priorities")
		if !ok {
			return nil, err
		}
		return c.planView(r, s, errs, nil)
	}
	return c.redirect(w, r, s, BasePath+"/"+p.GetName()+"#priorities", done)
}

// actionValues are an action's form fields.
func actionValues(a *improvementplanv1.Action) map[string]string {
	v := map[string]string{"title": a.GetTitle(), "owner_role": a.GetOwnerRole()}
	if d := a.GetDueDate(); d != nil {
		v["due-day"], v["due-month"], v["due-year"] = strconv.Itoa(int(d.GetDay())), strconv.Itoa(int(d.GetMonth())), strconv.Itoa(int(d.GetYear()))
	}
	switch m := a.GetMeasure().(type) {
	case *improvementplanv1.Action_Milestone:
		v["measure"], v["milestone"], v["evidence_expected"] = "milestone", m.Milestone.GetMilestone(), m.Milestone.GetEvidenceExpected()
	case *improvementplanv1.Action_Indicator:
		v["measure"] = "indicator"
		v["indicator"] = refproto.IndicatorName(m.Indicator.GetIndicator())
		v["baseline"], v["target"] = fmtNum(m.Indicator.GetBaseline()), fmtNum(m.Indicator.GetTarget())
	}
	return v
}

// actionFields are the action form's inputs.
var actionFields = []string{"title", "owner_role", "due-day", "due-month", "due-year", "measure", "milestone", "evidence_expected", "indicator", "baseline", "target"}

// actionLabels name the action form's fields in error messages.
var actionLabels = map[string]string{"title": "What will be done", "owner_role": "The owner", "due-day": "The due date", "measure": "The measure",
	"milestone": "The milestone", "evidence_expected": "The evidence expected", "indicator": "The indicator", "baseline": "The baseline", "target": "The target"}

// formDate is the date a GOV.UK date input's day, month and year give, and
// false when one of them is not a whole number; whether it is a calendar
// date is the service's to judge.
func formDate(day, month, year string) (*typev1.Date, bool) {
	d, e1 := strconv.Atoi(day)
	m, e2 := strconv.Atoi(month)
	y, e3 := strconv.Atoi(year)
	if e1 != nil || e2 != nil || e3 != nil {
		return nil, false
	}
	return &typev1.Date{Year: int32(y), Month: int32(m), Day: int32(d)}, true
}

// parseAction reads the action form into an action (keeping its id, status
// and evidence notes), with the errors the console can see itself: what
// cannot be sent at all (a date or a number that is not one). Everything
// else is the service's to judge.
func parseAction(values map[string]string, into *improvementplanv1.Action) []fieldError {
	var errs []fieldError
	into.Title, into.OwnerRole = strings.TrimSpace(values["title"]), strings.TrimSpace(values["owner_role"])
	day, month, year := strings.TrimSpace(values["due-day"]), strings.TrimSpace(values["due-month"]), strings.TrimSpace(values["due-year"])
	into.DueDate = nil
	if day != "" || month != "" || year != "" {
		due, ok := formDate(day, month, year)
		switch {
		case day == "" || month == "" || year == "":
			errs = append(errs, fieldError{ID: "due-day", Message: "The due date must include a day, a month and a year"})
		case !ok:
			errs = append(errs, fieldError{ID: "due-day", Message: "The due date must be a real date, in numbers, such as 27 3 2016"})
		default:
			into.DueDate = due
		}
	}
	into.Measure = nil
	switch values["measure"] {
	case "milestone":
		into.Measure = &improvementplanv1.Action_Milestone{Milestone: &improvementplanv1.MilestoneMeasure{
			Milestone: strings.TrimSpace(values["milestone"]), EvidenceExpected: strings.TrimSpace(values["evidence_expected"])}}
	case "indicator":
		num := func(id, label string) float64 {
			s := strings.TrimSpace(values[id])
			if s == "" {
				errs = append(errs, fieldError{ID: id, Message: "Enter the " + label})
				return 0
			}
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				errs = append(errs, fieldError{ID: id, Message: "The " + label + " must be a number, such as 12.5"})
			}
			return f
		}
		ind := &improvementplanv1.IndicatorMeasure{Indicator: refproto.Indicator(strings.TrimSpace(values["indicator"]))}
		ind.Baseline = num("baseline", "baseline")
		ind.Target = num("target", "target")
		if ind.Indicator == typev1.Indicator_INDICATOR_UNSPECIFIED {
			errs = append(errs, fieldError{ID: "indicator", Message: "Select the indicator"})
		}
		into.Measure = &improvementplanv1.Action_Indicator{Indicator: ind}
	case "":
	default:
		errs = append(errs, fieldError{ID: "measure", Message: "Select how the action is measured"})
	}
	return errs
}

// actionFieldIDs maps the service's field paths for action aj of priority
// pi, as UpdateImprovementPlan reports them, to the action form's inputs.
func actionFieldIDs(pi, aj int) map[string]string {
	a := fmt.Sprintf("improvement_plan.priorities[%d].actions[%d].", pi, aj)
	return map[string]string{a + "title": "title", a + "owner_role": "owner_role", a + "due_date": "due-day", a + "measure": "measure",
		a + "indicator.indicator": "indicator", a + "indicator": "indicator", a + "milestone.milestone": "milestone",
		a + "milestone.evidence_expected": "evidence_expected", fmt.Sprintf("improvement_plan.priorities[%d].actions", pi): "title",
		"improvement_plan.etag": "save"}
}

// actionForm shows the form to add (aid "new") or change an action.
func (c *Console) actionForm(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	p, pi, ai, err := c.loadDraft(r)
	if err != nil {
		return nil, err
	}
	values := map[string]string{}
	if ai >= 0 {
		values = actionValues(p.GetPriorities()[pi].GetActions()[ai])
	}
	return c.actionView(r, p, pi, ai, p.GetEtag(), values, nil), nil
}

func (c *Console) actionView(r *http.Request, p *improvementplanv1.ImprovementPlan, pi, ai int, etag string, values map[string]string, errs []fieldError) *view {
	d := editData{Plan: p, Council: c.councilName(r.Context(), p.GetName()), New: ai < 0, Etag: etag, Values: values,
		Action: BasePath + "/" + p.GetName() + "/priorities/" + r.PathValue("pid") + "/actions/" + r.PathValue("aid"), Inds: planIndicators(),
		Measures: []option{{Value: "milestone", Label: "A milestone and the evidence that shows it was reached"},
			{Value: "indicator", Label: "An indicator moving from a baseline to a target"}}}
	if pi >= 0 && pi < len(p.GetPriorities()) {
		d.Priority = p.GetPriorities()[pi]
	}
	title := "Add an action"
	if ai >= 0 {
		title = "Change an action"
	}
	return &view{Template: "action", Title: title, Current: "plans", Errors: errs, Data: d, Back: BasePath + "/" + p.GetName() + "#priorities"}
}

// saveAction adds or changes an action.
func (c *Console) saveAction(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	p, pi, ai, gone, err := c.loadForSave(r, s)
	if gone != nil || err != nil {
		return gone, err
	}
	etag := r.PostForm.Get("etag")
	values := map[string]string{}
	for _, k := range actionFields {
		values[k] = r.PostForm.Get(k)
	}
	prios := clonePriorities(p)
	pr := prios[pi]
	aj := ai
	if ai < 0 {
		pr.Actions = append(pr.Actions, &improvementplanv1.Action{})
		aj = len(pr.Actions) - 1
	}
	if errs := parseAction(values, pr.Actions[aj]); errs != nil {
		return c.actionView(r, p, pi, ai, etag, values, errs), nil
	}
	if err := c.savePriorities(r, p, etag, prios); err != nil {
		fields := actionFieldIDs(pi, aj)
		return c.editFailed(r, err, func(fresh *improvementplanv1.ImprovementPlan, errs []fieldError) (*view, error) {
			fpi := findPriority(fresh, r.PathValue("pid"))
			fai := -1
			if fpi >= 0 && ai >= 0 {
				fai = findAction(fresh.GetPriorities()[fpi], r.PathValue("aid"))
			}
			if fpi < 0 || (ai >= 0 && fai < 0) {
				return c.planView(r, s, []fieldError{{ID: "priorities", Message: goneMessage}}, nil)
			}
			return c.actionView(r, fresh, fpi, fai, fresh.GetEtag(), values, errs), nil
		}, func(errs []fieldError) *view {
			return c.actionView(r, p, pi, ai, etag, values, errs)
		}, fields, "save", actionLabels)
	}
	done := "The action was added."
	if ai >= 0 {
		done = "The action was changed."
	}
	return c.redirect(w, r, s, BasePath+"/"+p.GetName()+"#priority-"+r.PathValue("pid"), done)
}

// removeAction removes an action.
func (c *Console) removeAction(w http.ResponseWriter, r *http.Request, s *session) (*view, error) {
	p, pi, ai, gone, err := c.loadForSave(r, s)
	if gone != nil || err != nil {
		return gone, err
	}
	if ai < 0 {
		return nil, errNotFound
	}
	prios := clonePriorities(p)
	pr := prios[pi]
	pr.Actions = append(pr.Actions[:ai], pr.Actions[ai+1:]...)
	return c.removeSave(w, r, s, p, prios, "The action was removed.")
}
