package concern

import (
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
)

// State is where a recommendation is in its lifecycle, named as the proto
// enum value without its RECOMMENDATION_STATE_ prefix.
type State string

// The states of a recommendation. PENDING is the only state a decision can
// leave; ACCEPTED and DISMISSED are final.
const (
	Pending   State = "PENDING"
	Accepted  State = "ACCEPTED"
	Dismissed State = "DISMISSED"
)

// States lists every state in the order of the proto enum.
var States = []State{Pending, Accepted, Dismissed}

// ReasonNotPending is the FAILED_PRECONDITION reason of a decision on a
// recommendation that has already been decided.
const ReasonNotPending = "RECOMMENDATION_NOT_PENDING"

// Recommendation is an emergency inspection recommendation: a rule fired
// on a council's concerns, and an Ofsted inspector decides whether to act.
type Recommendation struct {
	GSSCode string
	ID      string
	// Rule is the id of the rule that fired; RuleDescription its
	// description as configured then, so a later change of the rule set
	// does not rewrite history.
	Rule            string
	RuleDescription string
	// Concerns are the ids of the council's concerns behind it, oldest
	// received first.
	Concerns []string
	State    State
	// Rationale, DecidedBy and DecideTime record the decision: why, who
	// and when. They are empty while the recommendation is pending.
	Rationale  string
	DecidedBy  string
	DecideTime time.Time
	// Inspection is the EMERGENCY inspection scheduled on acceptance.
	Inspection string
	// Version is the record's check-and-set version; its etag.
	Version    int64
	CreateTime time.Time
}

// ResourceName is the recommendation's name,
// localAuthorities/{gss}/emergencyInspectionRecommendations/{id}.
func (r Recommendation) ResourceName() string { return RecommendationName(r.GSSCode, r.ID) }

// ConcernNames returns the resource names of the concerns behind r.
func (r Recommendation) ConcernNames() []string {
	out := make([]string, len(r.Concerns))
	for i, id := range r.Concerns {
		out[i] = ConcernName(r.GSSCode, id)
	}
	return out
}

// RecommendationName returns the resource name of recommendation id of
// council gss.
func RecommendationName(gss, id string) string {
	return resource.CouncilChildName(gss, RecommendationCollection, id)
}

// Decision is who decides on a recommendation, when and why.
type Decision struct {
	// By is the deciding principal's subject.
	By string
	// At is when the decision is made, from the caller's clock.
	At        time.Time
	Rationale string
}

// Schedule is the fieldwork of the emergency inspection an acceptance
// orders: first and last day, midnight UTC.
type Schedule struct {
	Start time.Time
	End   time.Time
}

// ValidateAcceptance reports every invalid field of an acceptance, named as
// the fields of the accept request: both dates are required and the end is
// on or after the start; the rationale is optional (the rule and its
// concerns already say why) but limited in length.
func ValidateAcceptance(s Schedule, rationale string) fault.Violations {
	var vs fault.Violations
	if s.Start.IsZero() {
		vs.Add("start_date", "is required")
	}
	if s.End.IsZero() {
		vs.Add("end_date", "is required")
	}
	if !s.Start.IsZero() && !s.End.IsZero() && s.End.Before(s.Start) {
		vs.Add("end_date", "%s is before start_date %s", s.End.Format(time.DateOnly), s.Start.Format(time.DateOnly))
	}
	textRule(MaxRationaleLen).Check(vs.Add, "rationale", rationale)
	return vs
}

// ValidateDismissal reports an invalid dismissal: the rationale is
// required, because a dismissed trigger must say why no inspection follows.
func ValidateDismissal(rationale string) fault.Violations {
	var vs fault.Violations
	textRule(MaxRationaleLen).Required().Check(vs.Add, "rationale", rationale)
	return vs
}

// Accept returns r accepted by d for an emergency inspection on s. The
// caller records the scheduled inspection in Inspection. Invalid input is
// INVALID_ARGUMENT; a recommendation that is not pending is
// FAILED_PRECONDITION.
func (r Recommendation) Accept(d Decision, s Schedule) (Recommendation, error) {
	if err := ValidateAcceptance(s, d.Rationale).Err(); err != nil {
		return Recommendation{}, err
	}
	return r.decide(Accepted, d)
}

// Dismiss returns r dismissed by d. A missing rationale is
// INVALID_ARGUMENT; a recommendation that is not pending is
// FAILED_PRECONDITION.
func (r Recommendation) Dismiss(d Decision) (Recommendation, error) {
	if err := ValidateDismissal(d.Rationale).Err(); err != nil {
		return Recommendation{}, err
	}
	return r.decide(Dismissed, d)
}

func (r Recommendation) decide(to State, d Decision) (Recommendation, error) {
	if r.State != Pending {
		return Recommendation{}, fault.FailedPrecondition(ReasonNotPending,
			"%s is %s; only a PENDING recommendation can be %s", r.ResourceName(), r.State, strings.ToLower(string(to))).
			With("state", string(r.State))
	}
	r.Concerns = append([]string(nil), r.Concerns...)
	r.State = to
	r.Rationale = d.Rationale
	r.DecidedBy = d.By
	r.DecideTime = d.At.UTC()
	return r, nil
}
