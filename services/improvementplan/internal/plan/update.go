package plan

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Update mask paths.
const (
	PathPriorities    = "priorities"
	PathStatus        = "priorities.actions.status"
	PathEvidenceNotes = "priorities.actions.evidence_notes"
)

// Limits that keep a plan a document people can read, and its record a
// size Redis handles in one reply: priorities per plan, actions per
// priority, bytes per text (titles and owner roles take maxShortTextLen),
// notes per action and recommendations per priority.
const (
	MaxPriorities      = 20
	MaxActions         = 40
	MaxTextLen         = 1000
	MaxEvidenceNotes   = 100
	MaxRecommendations = 30
	maxShortTextLen    = 200
)

// prioritiesFieldPath is where violations of priorities are reported.
const prioritiesFieldPath = "improvement_plan.priorities"

// ignoredPaths identify the plan or are output only; a mask derived from a
// request body (as the REST gateway derives one) names them, and they are
// ignored as AIP-203 asks.
var ignoredPaths = []string{
	"name", "etag", "inspection", "judgement_date", "state", "deadline", "original_deadline", "extensions",
	"history", "late_actions", "rating_trend", "trend", "intervention", "create_time", "update_time",
}

// progressStates are the states in which the council reports progress:
// action statuses and evidence notes change, nothing else.
var progressStates = []State{Approved, Monitoring, Continued}

// Mask is a parsed update mask.
type Mask struct {
	// Priorities replaces the priorities and their actions (draft only).
	Priorities bool
	// Status and EvidenceNotes change those fields of the actions the
	// request names by ID (approved, monitoring and continued plans).
	Status        bool
	EvidenceNotes bool
}

// ParseMask reads an update mask (AIP-134, AIP-161). It accepts
// "priorities" (or "*", which means the same), "priorities.actions.status"
// and "priorities.actions.evidence_notes", and ignores the name, the etag
// and output-only fields. The first cannot be combined with the others.
// Any other path, or a mask that changes nothing, is a violation on
// update_mask. Callers that got no mask pass the paths of the fields the
// request sets (AIP-134).
func ParseMask(paths []string) (Mask, error) {
	var m Mask
	var vs fault.Violations
	for _, p := range paths {
		top, _, _ := strings.Cut(p, ".")
		switch {
		case p == "*" || p == PathPriorities:
			m.Priorities = true
		case p == PathStatus:
			m.Status = true
		case p == PathEvidenceNotes:
			m.EvidenceNotes = true
		case slices.Contains(ignoredPaths, top):
		default:
			vs.Add("update_mask", "path %q is not a field an update can change; updatable: %s (draft plans), %s and %s (approved, monitoring and continued plans)",
				p, PathPriorities, PathStatus, PathEvidenceNotes)
		}
	}
	if len(vs) == 0 {
		switch {
		case m.Priorities && (m.Status || m.EvidenceNotes):
			vs.Add("update_mask", "%s replaces every action whole, so it cannot be combined with %s or %s", PathPriorities, PathStatus, PathEvidenceNotes)
		case !m.Priorities && !m.Status && !m.EvidenceNotes:
			vs.Add("update_mask", "names no field to change; list %s, or %s and %s", PathPriorities, PathStatus, PathEvidenceNotes)
		}
	}
	if err := vs.Err(); err != nil {
		return Mask{}, err
	}
	return m, nil
}

// Apply returns the plan with the update the mask names applied as of now.
// patch holds the request's priorities as sent; violations are reported
// under "improvement_plan.priorities[i]...". A draft plan takes new
// priorities (see ReplacePriorities); an approved, monitoring or continued
// plan takes new action statuses and evidence notes (see ReportProgress);
// any other combination of state and mask is a FAILED_PRECONDITION fault
// with reason PLAN_NOT_EDITABLE.
func (p Plan) Apply(patch []Priority, m Mask, now time.Time) (Plan, error) {
	switch {
	case m.Priorities && p.State == Draft:
		return p.ReplacePriorities(patch, now)
	case !m.Priorities && slices.Contains(progressStates, p.State):
		return p.ReportProgress(patch, m, now)
	case m.Priorities:
		return Plan{}, fault.FailedPrecondition(ReasonNotEditable,
			"the priorities and actions of a plan in state %s cannot change: only a draft plan's can; "+
				"an approved, monitoring or continued plan takes %s and %s", p.State, PathStatus, PathEvidenceNotes).
			With("state", string(p.State))
	case p.State == Draft:
		return Plan{}, fault.FailedPrecondition(ReasonNotEditable,
			"progress is reported on approved, monitoring and continued plans; a draft plan changes with %s", PathPriorities).
			With("state", string(p.State))
	}
	return Plan{}, fault.FailedPrecondition(ReasonNotEditable,
		"a plan in state %s cannot be updated", p.State).With("state", string(p.State))
}

// ReplacePriorities returns the draft plan with its priorities and actions
// replaced by patch, as of now. Each priority needs a valid area; its
// judgement grade is the judgement's for that area, whatever the request
// says. Each action needs a title; its owner role, due date and measure (an
// indicator or a milestone, not both) may be missing from a draft, which
// the credibility rules then fail (see validateAction). A priority or action whose ID is empty is new and gets the next
// free ID (p1, p2 … and a1, a2 … across the plan); a given ID must be one
// the plan holds, and keeps it. An action's status defaults to not started.
// Every problem is reported at once.
func (p Plan) ReplacePriorities(patch []Priority, now time.Time) (Plan, error) {
	if p.State != Draft {
		return Plan{}, fault.FailedPrecondition(ReasonNotEditable,
			"only a draft plan's priorities can change; this plan is %s", p.State).With("state", string(p.State))
	}
	var vs fault.Violations
	if len(patch) > MaxPriorities {
		vs.Add(prioritiesFieldPath, "holds %d priorities; the limit is %d", len(patch), MaxPriorities)
		return Plan{}, vs.Err()
	}
	known := map[string]bool{}
	for _, pr := range p.Priorities {
		known[pr.ID] = true
		for _, a := range pr.Actions {
			known[a.ID] = true
		}
	}
	nextP, nextA := nextNumber(p, patch, 'p'), nextNumber(p, patch, 'a')
	seen := map[string]bool{}
	checkID := func(field, id string, prefix byte) {
		switch {
		case id == "":
		case id[0] != prefix || !known[id]:
			vs.Add(field, "%q is not an id this plan holds; leave id empty for a new one, which the service assigns", id)
		case seen[id]:
			vs.Add(field, "%q appears twice", id)
		}
		seen[id] = true
	}
	out := make([]Priority, 0, len(patch))
	for i, in := range patch {
		f := fmt.Sprintf("%s[%d].", prioritiesFieldPath, i)
		pr := in.Clone()
		checkID(f+"id", pr.ID, 'p')
		if pr.ID == "" {
			pr.ID = "p" + strconv.Itoa(nextP)
			nextP++
		}
		if !ValidArea(pr.Area) {
			vs.Add(f+"area", "must be one of %s, got %q", strings.Join(reference.JudgementAreas, ", "), pr.Area)
		}
		pr.JudgementGrade = p.KeyJudgements[pr.Area]
		if pr.TargetGrade != "" && !pr.TargetGrade.Valid() {
			vs.Add(f+"target_grade", "is not a grade: %q", pr.TargetGrade)
		}
		if len(pr.Recommendations) > MaxRecommendations {
			vs.Add(f+"recommendations", "holds %d recommendations; the limit is %d", len(pr.Recommendations), MaxRecommendations)
		}
		for j, r := range pr.Recommendations {
			checkText(&vs, fmt.Sprintf("%srecommendations[%d]", f, j), r, MaxTextLen, false)
		}
		if len(pr.Actions) > MaxActions {
			vs.Add(f+"actions", "holds %d actions; the limit is %d", len(pr.Actions), MaxActions)
		}
		for j := range pr.Actions {
			a := &pr.Actions[j]
			af := fmt.Sprintf("%sactions[%d].", f, j)
			checkID(af+"id", a.ID, 'a')
			if a.ID == "" {
				a.ID = "a" + strconv.Itoa(nextA)
				nextA++
			}
			validateAction(&vs, af, *a)
			if a.Status == "" {
				a.Status = NotStarted
			}
		}
		out = append(out, pr)
	}
	if err := vs.Err(); err != nil {
		return Plan{}, err
	}
	next := p.Clone()
	next.Priorities = out
	next.UpdateTime = now.UTC()
	return next, nil
}

// validateAction checks the shape of one action of a draft: a draft saves
// incomplete, so only its title is required (it is what the action is);
// the owner role, the due date and the measure may wait, and the
// credibility rules (CheckPlan, SubmitPlan) say what is missing. What is
// refused is what no plan could hold: texts over their limits, a status
// that is not one, an action measured both ways.
func validateAction(vs *fault.Violations, f string, a Action) {
	checkText(vs, f+"title", a.Title, maxShortTextLen, true)
	checkText(vs, f+"owner_role", a.OwnerRole, maxShortTextLen, false)
	if a.Status != "" && !a.Status.Valid() {
		vs.Add(f+"status", "is not an action status: %q", a.Status)
	}
	switch m := a.Measure; {
	case m.Indicator != nil && m.Milestone != nil:
		vs.Add(f+"measure", "must be one of indicator and milestone, not both")
	case m.Indicator != nil:
		if n := m.Indicator.Name; n != "" && !reference.ValidIndicator(n) {
			vs.Add(f+"indicator.indicator", "is not an indicator: %q", n)
		}
	case m.Milestone != nil:
		checkText(vs, f+"milestone.milestone", m.Milestone.Milestone, MaxTextLen, false)
		checkText(vs, f+"milestone.evidence_expected", m.Milestone.EvidenceExpected, MaxTextLen, false)
	}
	checkNotes(vs, f+"evidence_notes", a.EvidenceNotes)
}

func checkText(vs *fault.Violations, field, s string, limit int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		vs.Add(field, "is required")
	case len(s) > limit:
		vs.Add(field, "is %d bytes long; the limit is %d", len(s), limit)
	}
}

func checkNotes(vs *fault.Violations, field string, notes []string) {
	if len(notes) > MaxEvidenceNotes {
		vs.Add(field, "holds %d notes; the limit is %d", len(notes), MaxEvidenceNotes)
	}
	for i, n := range notes {
		checkText(vs, fmt.Sprintf("%s[%d]", field, i), n, MaxTextLen, true)
	}
}

// nextNumber is one more than the highest number of an ID with prefix
// (p for priorities, a for actions) in the plan or the patch, so a new ID
// never repeats one in use.
func nextNumber(p Plan, patch []Priority, prefix byte) int {
	high := 0
	see := func(id string) {
		if len(id) > 1 && id[0] == prefix {
			if n, err := strconv.Atoi(id[1:]); err == nil && n > high {
				high = n
			}
		}
	}
	for _, ps := range [][]Priority{p.Priorities, patch} {
		for _, pr := range ps {
			see(pr.ID)
			for _, a := range pr.Actions {
				see(a.ID)
			}
		}
	}
	return high + 1
}

// ReportProgress returns the plan with the statuses and evidence notes of
// the actions patch names by ID changed, as the mask says, as of now.
// Only approved, monitoring and continued plans take progress. Everything
// else in patch is ignored (the mask names only these fields). A named
// action must exist; with Status its status must be set; with
// EvidenceNotes the notes are a record of evidence and only grow: the list
// sent must begin with the notes the action holds, and add to them.
func (p Plan) ReportProgress(patch []Priority, m Mask, now time.Time) (Plan, error) {
	if !slices.Contains(progressStates, p.State) {
		return Plan{}, fault.FailedPrecondition(ReasonNotEditable,
			"progress is reported on approved, monitoring and continued plans; this plan is %s", p.State).
			With("state", string(p.State))
	}
	next := p.Clone()
	var vs fault.Violations
	named := 0
	seen := map[string]bool{}
	for i, pr := range patch {
		for j, in := range pr.Actions {
			f := fmt.Sprintf("%s[%d].actions[%d].", prioritiesFieldPath, i, j)
			if in.ID == "" {
				vs.Add(f+"id", "is required: progress is reported on actions named by id")
				continue
			}
			if seen[in.ID] {
				vs.Add(f+"id", "%q appears twice", in.ID)
				continue
			}
			seen[in.ID] = true
			cur, pi, ok := next.Action(in.ID)
			if !ok {
				vs.Add(f+"id", "%q is not an action of this plan", in.ID)
				continue
			}
			named++
			if m.Status {
				if !in.Status.Valid() {
					vs.Add(f+"status", "is required and must be an action status, got %q", in.Status)
				} else {
					cur.Status = in.Status
				}
			}
			if m.EvidenceNotes {
				switch {
				case len(in.EvidenceNotes) < len(cur.EvidenceNotes) || !slices.Equal(in.EvidenceNotes[:len(cur.EvidenceNotes)], cur.EvidenceNotes):
					vs.Add(f+"evidence_notes", "must begin with the %d notes the action holds: evidence notes are a record, and only grow", len(cur.EvidenceNotes))
				default:
					checkNotes(&vs, f+"evidence_notes", in.EvidenceNotes)
					cur.EvidenceNotes = slices.Clone(in.EvidenceNotes)
				}
			}
			acts := next.Priorities[pi].Actions
			acts[slices.IndexFunc(acts, func(a Action) bool { return a.ID == in.ID })] = cur
		}
	}
	if named == 0 && len(vs) == 0 {
		vs.Add(prioritiesFieldPath, "names no action; send the actions to change by id, inside any priority")
	}
	if err := vs.Err(); err != nil {
		return Plan{}, err
	}
	next.UpdateTime = now.UTC()
	return next, nil
}
