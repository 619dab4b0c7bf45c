package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/deadline"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/intervention"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/progressreview"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// demoLoader is the subject the demo changes are recorded under, so the
// audit trail shows they were loaded, not made by a person.
const demoLoader = "turnaround-demo-loader"

// demoNote prefixes every text the demo writes.
const demoNote = "Synthetic demo data. "

// demoRole is the state a demo plan is moved into.
type demoRole string

// The roles the demo plans play.
const (
	roleDraftEmpty   demoRole = "draft with no actions yet"
	roleDraftPartial demoRole = "draft failing credibility checks"
	roleSubmitted    demoRole = "submitted to DfE"
	roleApproved     demoRole = "approved"
	roleOnTrack      demoRole = "monitoring, on track"
	roleOffTrack     demoRole = "monitoring, off track"
	roleContinued    demoRole = "continued after significant improvement"
	roleDecisionDue  demoRole = "past its deadline, awaiting DfE's decision"
	roleEscalated    demoRole = "escalated to an intervention"
)

// demoRoles are the roles of the plans in order of judgement date (then
// council): the three unique roles first, so a smaller data set still shows
// them.
var demoRoles = []demoRole{
	roleDecisionDue, roleEscalated, roleContinued,
	roleDraftEmpty, roleOffTrack, roleOnTrack, roleSubmitted, roleDraftPartial, roleApproved, roleOnTrack,
	roleOffTrack, roleDraftEmpty, roleOnTrack, roleOffTrack, roleSubmitted, roleDraftPartial, roleOnTrack,
	roleOffTrack, roleApproved, roleOnTrack,
}

// uniqueDemoRoles is how many leading roles of demoRoles occur once.
const uniqueDemoRoles = 3

// demoRoleOf is the role of the i-th plan; beyond demoRoles the common
// roles repeat.
func demoRoleOf(i int) demoRole {
	if i < len(demoRoles) {
		return demoRoles[i]
	}
	return demoRoles[uniqueDemoRoles+(i-uniqueDemoRoles)%(len(demoRoles)-uniqueDemoRoles)]
}

// demoStep saves one change of a demo plan, audited as method by a caller
// with role.
func (l *Loader) demoStep(ctx context.Context, p plan.Plan, method string, role auth.Role) (plan.Plan, error) {
	return l.plans.Save(ctx, p, change.Request{Subject: demoLoader, Roles: []string{string(role)}, Method: method})
}

// demoPlan moves p, an untouched draft, into role. i varies the dates.
func (l *Loader) demoPlan(ctx context.Context, p plan.Plan, role demoRole, i int) error {
	var err error
	switch role {
	case roleDecisionDue, roleEscalated, roleContinued:
		// These meet their original deadline.
	default:
		newDeadline := plan.AddMonths(l.now(), 3+i%4)
		reason := demoNote + "The demonstration runs long after the 2015 judgement, so the deadline is moved to " +
			newDeadline.Format(time.DateOnly) + " to show this plan in progress; the original deadline is kept."
		if err := p.Extend(newDeadline, reason, demoLoader, l.now()); err != nil {
			return err
		}
		if p, err = l.demoStep(ctx, p, improvementplanv1.ImprovementPlanService_ExtendDeadline_FullMethodName, auth.RoleDfEOfficial); err != nil {
			return err
		}
		if err := l.clock.Reschedule(ctx, p); err != nil {
			return err
		}
	}
	switch role {
	case roleDraftEmpty:
		return nil
	case roleDraftPartial:
		_, err := l.demoFill(ctx, p, false)
		return err
	}
	if p, err = l.demoFill(ctx, p, true); err != nil {
		return err
	}
	if err := p.Submit(demoLoader, l.now()); err != nil {
		return err
	}
	if p, err = l.demoStep(ctx, p, improvementplanv1.ImprovementPlanService_SubmitPlan_FullMethodName, auth.RoleCouncilOfficer); err != nil {
		return err
	}
	if role == roleSubmitted {
		return nil
	}
	if err := p.Approve(demoLoader, demoNote+"Approved: the plan passes every credibility check.", l.now()); err != nil {
		return err
	}
	if p, err = l.demoStep(ctx, p, improvementplanv1.ImprovementPlanService_ApprovePlan_FullMethodName, auth.RoleDfEOfficial); err != nil {
		return err
	}
	if role == roleApproved {
		// Approved, with the council's first progress report but no
		// review yet.
		_, err := l.demoProgress(ctx, p, progressOnTrack)
		return err
	}
	ratings := map[demoRole][2]plan.ProgressRating{
		roleOnTrack:     {plan.RatingSome, plan.RatingSignificant},
		roleContinued:   {plan.RatingSome, plan.RatingSignificant},
		roleOffTrack:    {plan.RatingSome, plan.RatingLittle},
		roleDecisionDue: {plan.RatingLittle, plan.RatingLittle},
		roleEscalated:   {plan.RatingLittle, plan.RatingDeteriorated},
	}[role]
	if p, err = l.demoReviews(ctx, p, ratings); err != nil {
		return err
	}
	progress := map[demoRole]progressReport{
		roleOnTrack: progressOnTrack, roleContinued: progressDone,
		roleOffTrack: progressOffTrack, roleDecisionDue: progressOffTrack, roleEscalated: progressOffTrack,
	}[role]
	if p, err = l.demoProgress(ctx, p, progress); err != nil {
		return err
	}
	if role == roleOnTrack || role == roleOffTrack {
		return nil
	}
	return l.demoDeadline(ctx, p, role)
}

// demoDeadline lets the original deadline of p pass through the clock's own
// path, then records DfE's decision for the escalated and continued plans.
func (l *Loader) demoDeadline(ctx context.Context, p plan.Plan, role demoRole) error {
	out, err := l.clock.Fire(ctx, p.Name())
	if err != nil {
		return err
	}
	if out != deadline.Reached {
		return fmt.Errorf("the deadline of %s did not pass: %s", p.Name(), out)
	}
	if p, err = l.plans.Get(ctx, p.GSSCode, p.ID); err != nil {
		return err
	}
	if err := l.clock.Reschedule(ctx, p); err != nil {
		return err
	}
	var d intervention.DecisionInput
	switch role {
	case roleDecisionDue:
		return nil
	case roleEscalated:
		var areas []string
		for _, pr := range p.Priorities {
			if pr.JudgementGrade == reference.Inadequate {
				areas = append(areas, pr.Area)
			}
		}
		if len(areas) == 0 {
			areas = []string{reference.AreaLeadershipManagementGovernance}
		}
		d = intervention.DecisionInput{
			Decision:  intervention.Insufficient,
			Rationale: demoNote + "Two monitoring visits found little progress and practice deteriorating; the council cannot improve in time on its own.",
			Intervention: &intervention.Order{
				Kind:   intervention.ChildrensServicesTrust,
				Reason: demoNote + "Insufficient progress six months after the inadequate judgement: the service moves to an independent trust.",
				Areas:  areas,
			},
		}
	case roleContinued:
		d = intervention.DecisionInput{
			Decision:  intervention.SignificantImprovement,
			Rationale: demoNote + "Monitoring visits show significant improvement in help and protection and a stable leadership team.",
		}
	}
	decided, err := intervention.Decide(p, d, resource.NewID(), demoLoader, l.now())
	if err != nil {
		return err
	}
	r := change.Request{Subject: demoLoader, Roles: []string{string(auth.RoleDfEOfficial)},
		Method: improvementplanv1.ImprovementPlanService_DecideProgress_FullMethodName}
	if decided, err = l.interventions.Decide(ctx, decided, r); err != nil {
		return err
	}
	p = decided.Plan
	if role == roleContinued {
		newDeadline := plan.AddMonths(l.now(), 6)
		if err := p.Extend(newDeadline, demoNote+"Six more months to show the improvement is sustained.", demoLoader, l.now()); err != nil {
			return err
		}
		if p, err = l.demoStep(ctx, p, improvementplanv1.ImprovementPlanService_ExtendDeadline_FullMethodName, auth.RoleDfEOfficial); err != nil {
			return err
		}
	}
	return l.clock.Reschedule(ctx, p)
}

// demoAction is the text of one demo action.
type demoAction struct {
	title, owner string
	// Exactly one of indicator and milestone is set.
	indicator           string
	baseline, target    float64
	milestone, evidence string
}

// demoActions are, per judgement area, an early milestone and a later
// measure: what councils in this position typically committed to.
var demoActions = map[string][2]demoAction{
	reference.AreaHelpAndProtection: {
		{title: "Open a multi-agency front door for every contact about a child", owner: "Head of Safeguarding",
			milestone: "Every contact is triaged within one working day", evidence: "Daily triage log audited by the principal social worker"},
		{title: "Complete single assessments within 45 working days", owner: "Service Manager, Assessment",
			indicator: "ASSESSMENTS_WITHIN_45_DAYS", baseline: 58, target: 85},
	},
	reference.AreaLookedAfterAndPermanence: {
		{title: "Review the care plan of every child looked after for over two years", owner: "Head of Children in Care",
			milestone: "A permanence decision is recorded for every long-term care plan", evidence: "Independent reviewing officers' audit of permanence decisions"},
		{title: "Reduce moves between placements", owner: "Head of Placements and Sufficiency",
			indicator: "PLACEMENT_INSTABILITY", baseline: 14, target: 10},
	},
	reference.AreaAdoptionPerformance: {
		{title: "Join a regional adoption partnership", owner: "Head of Adoption",
			milestone: "Partnership agreement signed", evidence: "Signed agreement and minutes of the joint matching panel"},
		{title: "Track every child with a plan for adoption monthly", owner: "Head of Adoption",
			milestone: "A monthly tracking meeting reviews every child with an adoption plan", evidence: "Tracker and meeting minutes"},
	},
	reference.AreaCareLeavers: {
		{title: "Allocate a personal adviser to every care leaver", owner: "Leaving Care Team Manager",
			milestone: "Every care leaver aged 18 to 21 has a named personal adviser", evidence: "Allocation report from the case management system"},
		{title: "Review every pathway plan with the young person", owner: "Leaving Care Team Manager",
			milestone: "Every pathway plan reviewed in the last six months", evidence: "Audit of pathway plans signed by young people"},
	},
	reference.AreaLeadershipManagementGovernance: {
		{title: "Appoint a permanent Director of Children's Services", owner: "Chief Executive",
			milestone: "A permanent director is in post", evidence: "Appointment confirmed by full council"},
		{title: "Reduce reliance on agency social workers", owner: "Director of Children's Services",
			indicator: "AGENCY_RATE", baseline: 27, target: 15},
	},
	reference.AreaLSCB: {
		{title: "Appoint an independent chair of the safeguarding board", owner: "LSCB Business Manager",
			milestone: "An independent chair is in post", evidence: "Board terms of reference and appointment letter"},
		{title: "Run quarterly multi-agency case audits", owner: "LSCB Independent Chair",
			milestone: "Four quarterly audits reported to the board", evidence: "Audit reports and board minutes"},
	},
}

// action turns a into a plan action due on due.
func (a demoAction) action(due time.Time) plan.Action {
	out := plan.Action{Title: a.title, OwnerRole: a.owner, DueDate: plan.Day(due)}
	if a.indicator != "" {
		out.Measure.Indicator = &plan.Indicator{Name: a.indicator, Baseline: a.baseline, Target: a.target}
	} else {
		out.Measure.Milestone = &plan.Milestone{Milestone: a.milestone, EvidenceExpected: a.evidence}
	}
	return out
}

// demoFill writes the council's actions into the draft p, through the same
// rule as UpdateImprovementPlan. A credible plan passes every check; one
// that is not leaves out the leadership priority, measures an indicator
// that does not move, expects no evidence for a milestone and has nothing
// due early, so CheckPlan has several failures to show.
func (l *Loader) demoFill(ctx context.Context, p plan.Plan, credible bool) (plan.Plan, error) {
	early := plan.AddMonths(p.JudgementDate, 2)
	later := plan.AddMonths(p.JudgementDate, 4)
	if deadline.DueAt(p).After(l.now()) {
		// An extended plan's later actions fall due in the months ahead.
		later = plan.AddMonths(l.now(), 1)
	}
	patch := make([]plan.Priority, 0, len(p.Priorities))
	for i, pr := range p.Priorities {
		acts, ok := demoActions[pr.Area]
		if !ok {
			continue
		}
		first, second := acts[0].action(early.AddDate(0, 0, 7*i)), acts[1].action(later.AddDate(0, 0, 7*i))
		if !credible {
			if pr.Area == reference.AreaLeadershipManagementGovernance {
				continue
			}
			first.DueDate = plan.AddMonths(p.JudgementDate, 4)
			if m := second.Measure.Indicator; m != nil {
				m.Target = m.Baseline
			}
			if m := second.Measure.Milestone; m != nil {
				m.EvidenceExpected = ""
			}
		}
		pr = pr.Clone()
		pr.Actions = []plan.Action{first, second}
		patch = append(patch, pr)
	}
	next, err := p.ReplacePriorities(patch, l.now())
	if err != nil {
		return plan.Plan{}, err
	}
	return l.demoStep(ctx, next, improvementplanv1.ImprovementPlanService_UpdateImprovementPlan_FullMethodName, auth.RoleCouncilOfficer)
}

// demoReviews records two progress reviews with the overall ratings given,
// an Ofsted monitoring visit three months after the judgement and a DfE
// review two months later; the first moves the approved plan to
// MONITORING.
func (l *Loader) demoReviews(ctx context.Context, p plan.Plan, ratings [2]plan.ProgressRating) (plan.Plan, error) {
	steps := []struct {
		months int
		source progressreview.Source
		role   auth.Role
		method string
	}{
		{3, progressreview.OfstedMonitoringVisit, auth.RoleOfstedInspector, improvementplanv1.ImprovementPlanService_CreateProgressReview_FullMethodName},
		{5, progressreview.DfEReview, auth.RoleDfEOfficial, improvementplanv1.ImprovementPlanService_CreateProgressReview_FullMethodName},
	}
	for k, step := range steps {
		d := progressreview.Draft{
			Date:      plan.AddMonths(p.JudgementDate, step.months),
			Source:    step.source,
			Overall:   ratings[k],
			Narrative: demoNote + "Progress against the plan's priorities rated " + string(ratings[k]) + ".",
			Evidence:  []string{demoNote + "Case file audit of 40 children's records."},
		}
		for _, pr := range p.Priorities {
			d.PriorityRatings = append(d.PriorityRatings, progressreview.PriorityRating{
				Priority: pr.ID, Rating: ratings[k], Narrative: demoNote + "Rated on the evidence of the audit.",
			})
		}
		rec, err := progressreview.Record(p, d, resource.NewID(), "progress_review.", demoLoader, l.now())
		if err != nil {
			return plan.Plan{}, err
		}
		r := change.Request{Subject: demoLoader, Roles: []string{string(step.role)}, Method: step.method}
		if err := l.reviews.Insert(ctx, rec, r); err != nil {
			return plan.Plan{}, err
		}
		if p, err = l.plans.Get(ctx, p.GSSCode, p.ID); err != nil {
			return plan.Plan{}, err
		}
	}
	return p, nil
}

// progressReport is the progress a demo plan reports.
type progressReport int

// The progress reports.
const (
	// progressOnTrack: the early actions are done, the later ones on track.
	progressOnTrack progressReport = iota + 1
	// progressOffTrack: the first priority's early action is off track
	// (and so late), the later actions at risk or off track.
	progressOffTrack
	// progressDone: every action is done.
	progressDone
)

// demoProgress reports action statuses and evidence, through the same rule
// as UpdateImprovementPlan.
func (l *Loader) demoProgress(ctx context.Context, p plan.Plan, progress progressReport) (plan.Plan, error) {
	patch := make([]plan.Priority, len(p.Priorities))
	for i, pr := range p.Priorities {
		for j, a := range pr.Actions {
			status := plan.Done
			switch {
			case progress == progressOnTrack && j > 0:
				status = plan.OnTrack
			case progress == progressOffTrack && j == 0 && i == 0:
				status = plan.OffTrack
			case progress == progressOffTrack && j > 0 && i%2 == 0:
				status = plan.AtRisk
			case progress == progressOffTrack && j > 0:
				status = plan.OffTrack
			}
			note := demoNote + "Status " + string(status) + " reported by the council's improvement board."
			patch[i].Actions = append(patch[i].Actions, plan.Action{
				ID: a.ID, Status: status, EvidenceNotes: append(slices.Clone(a.EvidenceNotes), note),
			})
		}
	}
	next, err := p.ReportProgress(patch, plan.Mask{Status: true, EvidenceNotes: true}, l.now())
	if err != nil {
		return plan.Plan{}, err
	}
	return l.demoStep(ctx, next, improvementplanv1.ImprovementPlanService_UpdateImprovementPlan_FullMethodName, auth.RoleCouncilOfficer)
}
