package intervention

import (
	"slices"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/platform/check"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// Decision is DfE's decision on a plan's progress at its deadline, named as
// the proto enum ProgressDecision without its PROGRESS_DECISION_ prefix.
type Decision string

// The decisions.
const (
	// SignificantImprovement: the council showed significant improvement;
	// the plan continues.
	SignificantImprovement Decision = "SIGNIFICANT_IMPROVEMENT"
	// Insufficient: progress is insufficient; DfE orders an intervention.
	Insufficient Decision = "INSUFFICIENT"
)

// Decisions lists the decisions in the order of the proto enum.
var Decisions = []Decision{SignificantImprovement, Insufficient}

// Valid reports whether d is one of Decisions.
func (d Decision) Valid() bool { return slices.Contains(Decisions, d) }

// DecisionInput is what DfE decides on a plan.
type DecisionInput struct {
	Decision Decision
	// Rationale says why; the decision and its reasons are the record the
	// councils asked for when they called the timescale impractical.
	Rationale string
	// Intervention is the intervention to order; required for an
	// insufficient decision, and must be nil otherwise.
	Intervention *Order
}

// Validate checks d for a plan of the council gss and reports every
// violation: a known decision, a rationale, and an intervention exactly
// when progress is insufficient, valid as Order.Validate requires (under
// "intervention."). An intervention that names a plan must name planName,
// the plan decided on.
func (d DecisionInput) Validate(gss, planName string) fault.Violations {
	var vs fault.Violations
	check.Enum(vs.Add, "decision", d.Decision, Decisions)
	text.RequiredFor("DfE records why it decided as it did").Check(vs.Add, "rationale", d.Rationale)
	switch {
	case d.Decision == Insufficient && d.Intervention == nil:
		vs.Add("intervention", "is required when progress is insufficient: the kind, the reason and the areas needing support")
	case d.Decision == Insufficient:
		vs = append(vs, d.Intervention.Validate("intervention.", gss)...)
		if p := d.Intervention.Plan; p != "" && p != planName && PlanOf(p, gss) {
			vs.Add("intervention.improvement_plan", "must be empty or name the plan decided on, %s, got %q", planName, p)
		}
	case d.Decision == SignificantImprovement && d.Intervention != nil:
		vs.Add("intervention", "must be empty when the decision is %s: only insufficient progress orders an intervention", SignificantImprovement)
	}
	return vs
}

// Outcome is what a decision changes: the plan, and the intervention an
// insufficient decision orders (nil otherwise).
type Outcome struct {
	Plan         plan.Plan
	Intervention *Intervention
}

// Decide applies DfE's decision d, made by actor as of now, to p. The plan
// must be DECISION_DUE (FAILED_PRECONDITION with reason DECISION_NOT_DUE
// otherwise) and d valid (see Validate). Significant improvement moves the
// plan to CONTINUED; insufficient progress orders the intervention, with id
// newID, that escalates the plan, and moves the plan to ESCALATED naming
// it. The plan's history records who decided, when, and the rationale. p
// itself is left unchanged.
func Decide(p plan.Plan, d DecisionInput, newID, actor string, now time.Time) (Outcome, error) {
	if err := d.Validate(p.GSSCode, p.Name()).Err(); err != nil {
		return Outcome{}, err
	}
	if p.State != plan.DecisionDue {
		return Outcome{}, fault.FailedPrecondition(ReasonDecisionNotDue,
			"%s is %s; DfE decides on progress only when the plan is %s, after its deadline",
			p.Name(), p.State, plan.DecisionDue).With("state", string(p.State))
	}
	next := p.Clone()
	rationale := strings.TrimSpace(d.Rationale)
	if d.Decision == SignificantImprovement {
		if err := next.Transition(plan.Continued, actor, "significant improvement: "+rationale, now); err != nil {
			return Outcome{}, err
		}
		return Outcome{Plan: next}, nil
	}
	o := *d.Intervention
	o.Plan = p.Name()
	iv, err := New(p.GSSCode, newID, o, "intervention.", actor, now)
	if err != nil {
		return Outcome{}, err
	}
	iv.AreaGrades = gradesOf(p, iv.Areas)
	reason := "insufficient progress: " + rationale + " (ordered " + string(iv.Kind) + " " + iv.Name() + ")"
	if err := next.Transition(plan.Escalated, actor, reason, now); err != nil {
		return Outcome{}, err
	}
	next.Intervention = iv.Name()
	return Outcome{Plan: next, Intervention: &iv}, nil
}
