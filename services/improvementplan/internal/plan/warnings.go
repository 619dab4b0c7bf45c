package plan

import (
	"fmt"
	"strings"
	"time"
)

// The codes of the warnings SubmitPlan and ApprovePlan answer with.
const (
	// WarnLateActions: actions already past their due date and not done.
	WarnLateActions = "LATE_ACTIONS"
	// WarnDeadlineBeforeFirstMilestone: the deadline in force falls before
	// the first milestone is due, so DfE decides before any milestone can
	// show progress.
	WarnDeadlineBeforeFirstMilestone = "DEADLINE_BEFORE_FIRST_MILESTONE"
	// WarnDeadlinePassed: the deadline in force has already passed, so the
	// plan comes to DfE's decision at once.
	WarnDeadlinePassed = "DEADLINE_PASSED"
)

// Warning is something the reader of a plan should know that does not stop
// the action: a plan may be submitted or approved with late actions, but
// nobody should do so without seeing them.
type Warning struct {
	Code    string
	Message string
}

// Warnings are the plan's warnings as of now, in the order of the codes
// above; none for a plan with nothing to warn about.
func (p Plan) Warnings(now time.Time) []Warning {
	var out []Warning
	if late := p.LateActions(now); len(late) > 0 {
		total := 0
		for _, pr := range p.Priorities {
			total += len(pr.Actions)
		}
		out = append(out, Warning{WarnLateActions, fmt.Sprintf("%d of %d actions are past their due date and not done: %s",
			len(late), total, strings.Join(late, ", "))})
	}
	var first time.Time
	var firstID string
	for _, pr := range p.Priorities {
		for _, a := range pr.Actions {
			if a.Measure.Milestone != nil && !a.DueDate.IsZero() && (first.IsZero() || a.DueDate.Before(first)) {
				first, firstID = a.DueDate, a.ID
			}
		}
	}
	if !first.IsZero() && p.Deadline.Before(first) {
		out = append(out, Warning{WarnDeadlineBeforeFirstMilestone, fmt.Sprintf(
			"the deadline of %s falls before the first milestone (action %s, due %s): DfE decides before any milestone can show progress",
			date(p.Deadline), firstID, date(first))})
	}
	if !p.Deadline.IsZero() && !now.Before(p.Deadline.AddDate(0, 0, 1)) {
		out = append(out, Warning{WarnDeadlinePassed, fmt.Sprintf(
			"the deadline of %s has passed: the plan comes to DfE's decision at once", date(p.Deadline))})
	}
	return out
}
