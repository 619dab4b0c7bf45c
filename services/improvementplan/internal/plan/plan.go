// Package plan holds the rules of a council's improvement plan after an
// inadequate judgement: the plan and its priorities, actions and measures,
// how it is opened from a published judgement, the six-month deadline and
// its extensions, the credibility rules a plan must pass before it is
// submitted, the state machine with its history of who changed what and
// why, and how plan lists are filtered and ordered. It is pure Go: the store
// and the transport live in planstore and planapi.
package plan

import (
	"slices"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Collection is the collection of plans under their council,
// localAuthorities/{gss_code}/improvementPlans/{id}.
const Collection = "improvementPlans"

// AllCouncils is the parent wildcard of a cross-council list,
// `localAuthorities/-`, in place of a GSS code.
const AllCouncils = resource.AllCouncils

// ServiceActor is the actor recorded for changes the service makes by
// itself: a plan opened from a published judgement, the deadline passing, a
// re-inspection that is no longer inadequate.
const ServiceActor = "system:improvementplan"

// DefaultDeadlineMonths is the time a council judged inadequate has to show
// significant improvement (the Prime Minister's announcement of December
// 2015): the deadline is the judgement's publication date plus this many
// months.
const DefaultDeadlineMonths = 6

// Reasons of the faults the rules return, as google.rpc.ErrorInfo shows
// them.
const (
	// ReasonNotFound: no such plan.
	ReasonNotFound = "IMPROVEMENT_PLAN_NOT_FOUND"
	// ReasonInvalidTransition: the plan's state does not allow the change.
	ReasonInvalidTransition = "INVALID_PLAN_TRANSITION"
	// ReasonNotCredible: the plan fails credibility rules; metadata
	// failed_checks lists their ids.
	ReasonNotCredible = "PLAN_NOT_CREDIBLE"
	// ReasonNotEditable: the plan's state does not allow the fields the
	// update names to change.
	ReasonNotEditable = "PLAN_NOT_EDITABLE"
)

// ErrNotFound is what a store returns for a plan it does not hold.
var ErrNotFound = fault.NotFound(ReasonNotFound, "the improvement plan does not exist")

// State is where a plan is in its life, named as the proto enum PlanState
// without its PLAN_STATE_ prefix.
type State string

// The states. See Transition for the changes allowed between them.
const (
	// Draft: opened from an inadequate judgement; the council writes it.
	Draft State = "DRAFT"
	// Submitted to DfE.
	Submitted State = "SUBMITTED"
	// Approved by DfE.
	Approved State = "APPROVED"
	// Monitoring: progress reviews are being recorded.
	Monitoring State = "MONITORING"
	// DecisionDue: the deadline has passed; DfE must decide.
	DecisionDue State = "DECISION_DUE"
	// Improved: a re-inspection is no longer inadequate.
	Improved State = "IMPROVED"
	// Continued: DfE judged significant improvement; the plan continues.
	Continued State = "CONTINUED"
	// Escalated: DfE judged progress insufficient and ordered an
	// intervention.
	Escalated State = "ESCALATED"
	// Closed: nothing more happens to the plan.
	Closed State = "CLOSED"
)

// States lists the states in the order of the proto enum.
var States = []State{Draft, Submitted, Approved, Monitoring, DecisionDue, Improved, Continued, Escalated, Closed}

// Valid reports whether s is one of States.
func (s State) Valid() bool { return slices.Contains(States, s) }

// ActionStatus is how an action is going, named as the proto enum without
// its ACTION_STATUS_ prefix.
type ActionStatus string

// The action statuses.
const (
	NotStarted ActionStatus = "NOT_STARTED"
	OnTrack    ActionStatus = "ON_TRACK"
	AtRisk     ActionStatus = "AT_RISK"
	OffTrack   ActionStatus = "OFF_TRACK"
	Done       ActionStatus = "DONE"
)

// ActionStatuses lists the statuses in the order of the proto enum.
var ActionStatuses = []ActionStatus{NotStarted, OnTrack, AtRisk, OffTrack, Done}

// Valid reports whether s is one of ActionStatuses.
func (s ActionStatus) Valid() bool { return slices.Contains(ActionStatuses, s) }

// Indicator measures an action by an indicator moving from a baseline to a
// target by the due date.
type Indicator struct {
	// Name is one of reference.Indicators, e.g. AGENCY_RATE; a plan stored
	// while the API took any text here may name something else, which the
	// credibility check reports.
	Name     string
	Baseline float64
	Target   float64
}

// Milestone measures an action by a milestone reached and the evidence
// that will show it.
type Milestone struct {
	Milestone        string
	EvidenceExpected string
}

// Measure is how an action's success is measured: exactly one of Indicator
// and Milestone is set in a valid action.
type Measure struct {
	Indicator *Indicator
	Milestone *Milestone
}

// Clone returns a copy of m that shares nothing with it.
func (m Measure) Clone() Measure {
	if m.Indicator != nil {
		i := *m.Indicator
		m.Indicator = &i
	}
	if m.Milestone != nil {
		s := *m.Milestone
		m.Milestone = &s
	}
	return m
}

// Action is one step of a priority.
type Action struct {
	// ID is unique within the plan; the service assigns it.
	ID        string
	Title     string
	OwnerRole string
	// DueDate is midnight UTC; the zero time means unset.
	DueDate       time.Time
	Measure       Measure
	Status        ActionStatus
	EvidenceNotes []string
}

// Clone returns a copy of a that shares nothing with it.
func (a Action) Clone() Action {
	a.Measure = a.Measure.Clone()
	a.EvidenceNotes = slices.Clone(a.EvidenceNotes)
	return a
}

// Priority is one area the plan must improve.
type Priority struct {
	// ID is unique within the plan; the service assigns it.
	ID string
	// Area is the judgement area, as the inspection service's
	// JudgementArea enum name without prefix.
	Area string
	// JudgementGrade is the grade the judgement gave the area; "" when the
	// area was not graded (a priority the council added).
	JudgementGrade reference.Grade
	// TargetGrade is the grade the council aims for at re-inspection.
	TargetGrade     reference.Grade
	Recommendations []string
	Actions         []Action
}

// Clone returns a copy of p that shares nothing with it.
func (p Priority) Clone() Priority {
	p.Recommendations = slices.Clone(p.Recommendations)
	if p.Actions != nil {
		acts := make([]Action, len(p.Actions))
		for i, a := range p.Actions {
			acts[i] = a.Clone()
		}
		p.Actions = acts
	}
	return p
}

// Extension records one extension of the deadline.
type Extension struct {
	PreviousDeadline time.Time
	NewDeadline      time.Time
	Reason           string
	ExtendedBy       string
	Time             time.Time
}

// StateChange records one transition: who made it, when and why.
type StateChange struct {
	From, To State
	Actor    string
	Reason   string
	Time     time.Time
}

// Plan is a council's improvement plan after an inadequate judgement.
type Plan struct {
	// GSSCode is the council's code; ID is unique within it.
	GSSCode string
	ID      string
	// Inspection is the resource name of the inspection whose published
	// judgement opened the plan.
	Inspection string
	// JudgementDate is the judgement's publication date; Deadline the
	// deadline in force and OriginalDeadline the one set when the plan
	// opened. All are midnight UTC.
	JudgementDate    time.Time
	Deadline         time.Time
	OriginalDeadline time.Time
	State            State
	// KeyJudgements are the grades of the judgement that opened the plan,
	// by area name; the credibility rules check the priorities against
	// them, so a council cannot drop an inadequate area from its plan.
	KeyJudgements map[string]reference.Grade
	Priorities    []Priority
	// Extensions and History are oldest first.
	Extensions []Extension
	History    []StateChange
	// Intervention names the intervention ordered when the plan was
	// escalated.
	Intervention string
	// Version is the record's check-and-set version: its etag.
	Version    int64
	CreateTime time.Time
	UpdateTime time.Time
	// Stored is how much of History and Extensions the stored version
	// holds (the store sets it when it reads or saves the plan): the
	// entries after it are the change being made, which the store
	// announces as events in the same commit as the plan.
	Stored Mark
}

// Mark counts a plan's History and Extensions entries.
type Mark struct{ History, Extensions int }

// Recorded is the mark of everything p holds now.
func (p Plan) Recorded() Mark { return Mark{History: len(p.History), Extensions: len(p.Extensions)} }

// Unannounced returns the state changes and extensions made since p was
// read (after p.Stored), oldest first.
func (p Plan) Unannounced() ([]StateChange, []Extension) {
	h, x := min(p.Stored.History, len(p.History)), min(p.Stored.Extensions, len(p.Extensions))
	return p.History[h:], p.Extensions[x:]
}

// Clone returns a deep copy of p, so a rule can change the copy without
// touching a value its caller still holds.
func (p Plan) Clone() Plan {
	if p.KeyJudgements != nil {
		kj := make(map[string]reference.Grade, len(p.KeyJudgements))
		for k, v := range p.KeyJudgements {
			kj[k] = v
		}
		p.KeyJudgements = kj
	}
	if p.Priorities != nil {
		ps := make([]Priority, len(p.Priorities))
		for i, pr := range p.Priorities {
			ps[i] = pr.Clone()
		}
		p.Priorities = ps
	}
	p.Extensions = slices.Clone(p.Extensions)
	p.History = slices.Clone(p.History)
	return p
}

// Name is the plan's resource name,
// localAuthorities/{gss_code}/improvementPlans/{id}.
func (p Plan) Name() string { return Name(p.GSSCode, p.ID) }

// Name returns the resource name of plan id of the council gss.
func Name(gss, id string) string { return resource.CouncilChildName(gss, Collection, id) }

// ParseName validates a plan's resource name,
// localAuthorities/{gss_code}/improvementPlans/{id}, and returns its
// council's GSS code and its ID. field names the request field for the
// violation.
func ParseName(field, name string) (gss, id string, err error) {
	return resource.ParseCouncilChild(field, Collection, name)
}

// Open reports whether the plan is still live: neither improved nor closed.
// An escalated plan stays open, since a re-inspection can still find the
// council improved.
func (p Plan) Open() bool { return p.State != Improved && p.State != Closed }

// Action returns the action with id and the index of its priority.
func (p Plan) Action(id string) (Action, int, bool) {
	for i, pr := range p.Priorities {
		for _, a := range pr.Actions {
			if a.ID == id {
				return a, i, true
			}
		}
	}
	return Action{}, -1, false
}

// Day returns the calendar day of t in UTC, as midnight UTC, the form every
// date of a plan takes.
func Day(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
