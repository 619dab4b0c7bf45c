// Package timeline is a council's whole story on one page: one Entry per
// event about the council from every service, and the council's Standing
// (its latest grades, its plans, recommendations, needs and engagements)
// that those events leave behind, from which the national overview is
// computed.
//
// A Fact is an event as this service understands it: what happened, when,
// who did it, the record it concerns and how it changes the Standing. The
// consumers (package events) build Facts from the other services' domain
// events and from the audit trail; Service.Record stores each Fact's entry
// and applies its effect exactly once, however often it is delivered.
//
// Effects are applied by time, not by arrival: events reach this service
// over several topic streams, so a later change may arrive first, and a
// record's state is that of its latest change.
package timeline

import (
	"errors"
	"maps"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/access"
)

// Collection is the timeline's collection id under a council.
const Collection = "timelineEntries"

// Errors of the timeline.
var (
	// ErrUnknownCouncil marks a fact about a council that is not one of the
	// 152 in the reference register.
	ErrUnknownCouncil = errors.New("timeline: unknown council")
	// ErrConflict is the store's report of a concurrent change.
	ErrConflict = errors.New("timeline: concurrent change")
)

// Kinds of records a Standing follows.
const (
	KindPlan           = "plan"
	KindRecommendation = "recommendation"
	KindNeed           = "need"
	KindEngagement     = "engagement"
)

// States of recommendations and needs; plans use the plan states'
// enum names (PLAN_STATE_DRAFT ...).
const (
	Open   = "OPEN"
	Closed = "CLOSED"
)

// Plan states, as the improvement-plan contract names them.
const (
	PlanDraft       = "PLAN_STATE_DRAFT"
	PlanSubmitted   = "PLAN_STATE_SUBMITTED"
	PlanApproved    = "PLAN_STATE_APPROVED"
	PlanMonitoring  = "PLAN_STATE_MONITORING"
	PlanDecisionDue = "PLAN_STATE_DECISION_DUE"
	PlanImproved    = "PLAN_STATE_IMPROVED"
	PlanContinued   = "PLAN_STATE_CONTINUED"
	PlanEscalated   = "PLAN_STATE_ESCALATED"
	PlanClosed      = "PLAN_STATE_CLOSED"
)

// PlanStates are every plan state, in the contract's order.
var PlanStates = []string{PlanDraft, PlanSubmitted, PlanApproved, PlanMonitoring, PlanDecisionDue,
	PlanImproved, PlanContinued, PlanEscalated, PlanClosed}

// Entry is one step of a council's story.
type Entry struct {
	// ID is the event's id, so a redelivered event finds its entry.
	ID string `json:"id"`
	// Council is the GSS code.
	Council string `json:"council"`
	// Kind is what happened, e.g. JUDGEMENT_PUBLISHED.
	Kind string    `json:"kind"`
	Time time.Time `json:"time"`
	// Role is who did it, by role, or "system".
	Role string `json:"role"`
	// Actor is the person's subject, when known.
	Actor   string `json:"actor,omitempty"`
	Summary string `json:"summary"`
	// Resource is the record the entry points at; Access is its kind in
	// the access matrix, Public whether it is published and Sponsor the
	// sponsor it belongs to, if any: a caller sees the entry only if it
	// may read that record.
	Resource string          `json:"resource"`
	Access   access.Resource `json:"access"`
	Public   bool            `json:"public,omitempty"`
	Sponsor  string          `json:"sponsor,omitempty"`
	// Service is the service that recorded it.
	Service string `json:"service"`
	// Hidden marks the entry of a fact another entry already tells (a
	// plan moving to decision due beside DEADLINE_REACHED): it is kept,
	// so its event is recorded once, and never listed.
	Hidden bool `json:"hidden,omitempty"`
}

// Name is the entry's resource name.
func (e Entry) Name() string {
	return "localAuthorities/" + e.Council + "/" + Collection + "/" + e.ID
}

// Get implements filter.Record over the fields ListTimelineEntries filters.
func (e Entry) Get(field string) (any, bool) { return columns.Record(&e).Get(field) }

// Record is one record a Standing follows: a plan, an emergency-inspection
// recommendation, a sponsor need or an engagement.
type Record struct {
	Kind  string `json:"kind"`
	State string `json:"state"`
	// Since is the time of the change that set State.
	Since time.Time `json:"since"`
	// Deadline is a plan's deadline in force (midnight UTC).
	Deadline time.Time `json:"deadline,omitzero"`
	// Pending says whether DfE's decision on a plan is still to come at
	// its deadline, as the improvement-plan service's events say.
	Pending bool `json:"pending,omitempty"`
	// Sponsor is an engagement's sponsor id.
	Sponsor string `json:"sponsor,omitempty"`
}

// Judgement is a council's latest graded judgement under some framework.
type Judgement struct {
	Inspection string    `json:"inspection"`
	Framework  string    `json:"framework"`
	Grade      string    `json:"grade"`
	Published  time.Time `json:"published"`
	// At is the event's time, which orders judgements published the same
	// day.
	At time.Time `json:"at"`
}

// later reports whether j is later than o.
func (j Judgement) later(o Judgement) bool {
	if !j.Published.Equal(o.Published) {
		return j.Published.After(o.Published)
	}
	return j.At.After(o.At)
}

// Standing is what the events say of one council now.
type Standing struct {
	Council string `json:"council"`
	// Latest is the latest graded judgement, under any framework; SIF the
	// latest graded under SIF. Both are zero for a council never graded.
	Latest Judgement `json:"latest,omitzero"`
	SIF    Judgement `json:"sif,omitzero"`
	// Records are the plans, recommendations, needs and engagements by
	// resource name.
	Records map[string]Record `json:"records,omitempty"`
	// Version is the store's version of the standing, 0 before the first.
	Version int64 `json:"-"`
}

// Clone is a copy of s that shares no map with it.
func (s Standing) Clone() Standing {
	if s.Records != nil {
		s.Records = maps.Clone(s.Records)
	}
	return s
}

// SupportedBy lists the sponsors with an active engagement in the council.
func (s Standing) SupportedBy() []string {
	var out []string
	for _, r := range s.Records {
		if r.Kind == KindEngagement && r.State == Open && r.Sponsor != "" {
			out = append(out, r.Sponsor)
		}
	}
	return out
}

// Effect changes a Standing; nil changes nothing.
type Effect func(s *Standing, at time.Time)

// Fact is an event about a council: its timeline entry and its effect.
type Fact struct {
	Entry  Entry
	Effect Effect
}

// set moves the record name of kind to state, unless a later change set it
// already. A record first seen here is created.
func (s *Standing) set(name, kind, state string, at time.Time) {
	if s.Records == nil {
		s.Records = map[string]Record{}
	}
	r, ok := s.Records[name]
	if ok && r.Since.After(at) {
		return
	}
	r.Kind, r.State, r.Since = kind, state, at
	s.Records[name] = r
}

// setPlan moves the plan name to state with its deadline in force and
// whether a decision is pending, unless a later change set it already.
func (s *Standing) setPlan(name, state string, deadline time.Time, pending bool, at time.Time) {
	s.set(name, KindPlan, state, at)
	r := s.Records[name]
	if !r.Since.Equal(at) {
		return // a later change holds
	}
	if !deadline.IsZero() {
		r.Deadline = deadline
	}
	r.Pending = pending
	s.Records[name] = r
}

// update changes the record name if it exists and was last set no later
// than at; a change of state is dated at.
func (s *Standing) update(name string, at time.Time, fn func(*Record)) {
	r, ok := s.Records[name]
	if !ok || r.Since.After(at) {
		return
	}
	before := r.State
	fn(&r)
	if r.State != before {
		r.Since = at
	}
	s.Records[name] = r
}
