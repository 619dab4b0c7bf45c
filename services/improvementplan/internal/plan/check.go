package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// EarlyActionMonths is the window, from the judgement, in which at least
// one action must fall due (see the rule early-progress).
const EarlyActionMonths = 3

// Check is one credibility rule's result.
type Check struct {
	// Rule is the rule's id, e.g. every-priority-has-an-action.
	Rule string
	// Description says what the rule asks.
	Description string
	Passed      bool
	// Failures say why the plan fails, naming the priorities and actions
	// concerned; empty when it passes.
	Failures []string
}

// Rule is one credibility rule: what DfE and its advisers look for before
// they accept that a plan can deliver improvement in time.
type Rule struct {
	ID          string
	Description string
	// check returns the failures, one per priority or action concerned.
	check func(p Plan) []string
}

// Rules are the credibility rules, in the order CheckPlan reports them.
// The first five are the issue's; the last three are what a DfE
// improvement adviser would insist on:
//
//   - every-priority-has-an-action: the plan has at least one priority, and
//     each has at least one action. A priority with no action is a wish.
//   - every-action-has-an-owner: each action names an owner by role, so
//     someone answers for it even when people change.
//   - every-action-due-in-time: each action has a due date on or after the
//     judgement's publication and before the deadline in force, so its
//     result is known when DfE decides.
//   - every-action-has-a-measurable-outcome: each action is measured by an
//     indicator whose target differs from its baseline (a target equal to
//     the baseline measures no change), or by a milestone with the evidence
//     expected to show it was reached. This is the councils' own ask:
//     progress judged on explicit evidence.
//   - leadership-priority: when leadership, management and governance was
//     judged inadequate, a priority addresses it. Ofsted finds weak
//     leadership behind almost every inadequate service.
//   - every-inadequate-area-has-a-priority: every other area the judgement
//     graded inadequate has a priority; a plan that leaves one out will
//     not move the next inspection's overall grade.
//   - early-progress: at least one action is due within EarlyActionMonths
//     of the judgement, so progress shows at the first monitoring visit,
//     well before the six-month decision.
//   - targets-raise-the-grade: every priority names a target grade better
//     than the one judged (an inadequate area aims at requires improvement
//     or better, a requires-improvement area at good or better): a priority
//     aiming to stay where it is is no improvement.
var Rules = []Rule{
	{"every-priority-has-an-action", "The plan has at least one priority, and every priority has at least one action.", everyPriorityHasAnAction},
	{"every-action-has-an-owner", "Every action names its owner by role.", everyActionHasAnOwner},
	{"every-action-due-in-time", "Every action has a due date on or after the judgement's publication and before the deadline.", everyActionDueInTime},
	{"every-action-has-a-measurable-outcome", "Every action is measured by an indicator with a baseline and a different target, or by a milestone with the evidence expected.", everyActionMeasurable},
	{"leadership-priority", "When leadership, management and governance was judged inadequate, a priority addresses it.", leadershipPriority},
	{"every-inadequate-area-has-a-priority", "Every other area the judgement graded inadequate has a priority.", everyInadequateAreaHasAPriority},
	{"early-progress", fmt.Sprintf("At least one action is due within %d months of the judgement, so progress shows before the decision.", EarlyActionMonths), earlyProgress},
	{"targets-raise-the-grade", "Every priority aims for a grade better than the one judged.", targetsRaiseTheGrade},
}

// Check runs every rule on the plan, in the order of Rules.
func (p Plan) Check() []Check {
	out := make([]Check, len(Rules))
	for i, r := range Rules {
		failures := r.check(p)
		out[i] = Check{Rule: r.ID, Description: r.Description, Passed: len(failures) == 0, Failures: failures}
	}
	return out
}

// Credible reports whether every check passed.
func Credible(checks []Check) bool {
	for _, c := range checks {
		if !c.Passed {
			return false
		}
	}
	return true
}

// NotCredible is the FAILED_PRECONDITION fault of a submission that fails
// checks: reason PLAN_NOT_CREDIBLE, metadata failed_checks listing the
// failed rules' ids separated by commas, and a message naming each failure.
func NotCredible(checks []Check) error {
	var ids, lines []string
	for _, c := range checks {
		if c.Passed {
			continue
		}
		ids = append(ids, c.Rule)
		lines = append(lines, c.Rule+": "+strings.Join(c.Failures, "; "))
	}
	return fault.FailedPrecondition(ReasonNotCredible,
		"the plan fails %d of %d credibility checks: %s", len(ids), len(checks), strings.Join(lines, " | ")).
		With("failed_checks", strings.Join(ids, ","))
}

func describePriority(pr Priority) string { return fmt.Sprintf("priority %s (%s)", pr.ID, pr.Area) }

func describeAction(pr Priority, a Action) string {
	return fmt.Sprintf("action %s %q of priority %s", a.ID, a.Title, pr.ID)
}

func everyPriorityHasAnAction(p Plan) []string {
	if len(p.Priorities) == 0 {
		return []string{"the plan has no priorities"}
	}
	var out []string
	for _, pr := range p.Priorities {
		if len(pr.Actions) == 0 {
			out = append(out, describePriority(pr)+" has no actions")
		}
	}
	return out
}

func everyActionHasAnOwner(p Plan) []string {
	var out []string
	for _, pr := range p.Priorities {
		for _, a := range pr.Actions {
			if strings.TrimSpace(a.OwnerRole) == "" {
				out = append(out, describeAction(pr, a)+" has no owner role")
			}
		}
	}
	return out
}

func everyActionDueInTime(p Plan) []string {
	var out []string
	for _, pr := range p.Priorities {
		for _, a := range pr.Actions {
			switch {
			case a.DueDate.IsZero():
				out = append(out, describeAction(pr, a)+" has no due date")
			case a.DueDate.Before(p.JudgementDate):
				out = append(out, fmt.Sprintf("%s is due on %s, before the judgement was published on %s",
					describeAction(pr, a), date(a.DueDate), date(p.JudgementDate)))
			case !a.DueDate.Before(p.Deadline):
				out = append(out, fmt.Sprintf("%s is due on %s, not before the deadline of %s",
					describeAction(pr, a), date(a.DueDate), date(p.Deadline)))
			}
		}
	}
	return out
}

func everyActionMeasurable(p Plan) []string {
	var out []string
	for _, pr := range p.Priorities {
		for _, a := range pr.Actions {
			m := a.Measure
			switch {
			case m.Indicator != nil && m.Milestone != nil:
				out = append(out, describeAction(pr, a)+" has both an indicator and a milestone; choose one")
			case m.Indicator != nil && strings.TrimSpace(m.Indicator.Name) == "":
				out = append(out, describeAction(pr, a)+" has an indicator measure that names no indicator")
			case m.Indicator != nil && !reference.ValidIndicator(m.Indicator.Name):
				out = append(out, fmt.Sprintf("%s is measured by %q, which is not one of the indicators; choose one", describeAction(pr, a), m.Indicator.Name))
			case m.Indicator != nil && m.Indicator.Baseline == m.Indicator.Target:
				out = append(out, fmt.Sprintf("%s has %s target %g equal to its baseline, which measures no change",
					describeAction(pr, a), m.Indicator.Name, m.Indicator.Target))
			case m.Milestone != nil && strings.TrimSpace(m.Milestone.Milestone) == "":
				out = append(out, describeAction(pr, a)+" has a milestone measure that names no milestone")
			case m.Milestone != nil && strings.TrimSpace(m.Milestone.EvidenceExpected) == "":
				out = append(out, fmt.Sprintf("%s has milestone %q but no evidence expected", describeAction(pr, a), m.Milestone.Milestone))
			case m.Indicator == nil && m.Milestone == nil:
				out = append(out, describeAction(pr, a)+" has no measure")
			}
		}
	}
	return out
}

// hasPriority reports whether some priority addresses area.
func (p Plan) hasPriority(area string) bool {
	for _, pr := range p.Priorities {
		if pr.Area == area {
			return true
		}
	}
	return false
}

func leadershipPriority(p Plan) []string {
	if p.KeyJudgements[reference.AreaLeadershipManagementGovernance] != reference.Inadequate || p.hasPriority(reference.AreaLeadershipManagementGovernance) {
		return nil
	}
	return []string{"leadership, management and governance was judged inadequate, and no priority addresses " + reference.AreaLeadershipManagementGovernance}
}

func everyInadequateAreaHasAPriority(p Plan) []string {
	var out []string
	for _, area := range reference.JudgementAreas {
		if area == reference.AreaLeadershipManagementGovernance {
			continue // the rule leadership-priority reports it
		}
		if p.KeyJudgements[area] == reference.Inadequate && !p.hasPriority(area) {
			out = append(out, area+" was judged inadequate, and no priority addresses it")
		}
	}
	return out
}

func earlyProgress(p Plan) []string {
	by := AddMonths(p.JudgementDate, EarlyActionMonths)
	for _, pr := range p.Priorities {
		for _, a := range pr.Actions {
			if !a.DueDate.IsZero() && !a.DueDate.Before(p.JudgementDate) && !a.DueDate.After(by) {
				return nil
			}
		}
	}
	return []string{fmt.Sprintf("no action is due by %s, %d months after the judgement", date(by), EarlyActionMonths)}
}

func targetsRaiseTheGrade(p Plan) []string {
	var out []string
	for _, pr := range p.Priorities {
		judged := pr.JudgementGrade
		if !judged.Valid() {
			judged = p.KeyJudgements[pr.Area]
		}
		switch {
		case !pr.TargetGrade.Valid():
			out = append(out, describePriority(pr)+" has no target grade")
		case judged.Valid() && !pr.TargetGrade.BetterThan(judged):
			out = append(out, fmt.Sprintf("%s aims for %s, no better than the %s judged", describePriority(pr), pr.TargetGrade, judged))
		case pr.TargetGrade == reference.Inadequate:
			out = append(out, describePriority(pr)+" aims for "+string(reference.Inadequate))
		}
	}
	return out
}

func date(t time.Time) string { return t.Format(time.DateOnly) }
