// Package intervention holds the rules for DfE's interventions in a
// council's children's services: the kinds of intervention DfE can order,
// what an order must say, the life of an intervention from in force to
// lifted, how intervention lists are filtered and ordered, and DfE's
// decision at a plan's deadline, which either lets the plan continue or
// escalates it to an intervention. It is pure Go: the store and the
// transport live in interventionstore and interventionapi.
package intervention

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/platform/check"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Collection is the collection of interventions under a council.
const Collection = "interventions"

// Reasons of the faults the rules return, as google.rpc.ErrorInfo shows
// them.
const (
	// ReasonNotFound: no such intervention.
	ReasonNotFound = "INTERVENTION_NOT_FOUND"
	// ReasonNotInForce: the intervention was lifted already.
	ReasonNotInForce = "INTERVENTION_NOT_IN_FORCE"
	// ReasonDecisionNotDue: DfE decides on a plan's progress only once its
	// deadline has passed and the plan is DECISION_DUE.
	ReasonDecisionNotDue = "DECISION_NOT_DUE"
)

// Limits that keep text within what a decision letter holds.
const (
	// MaxText bounds a reason, a rationale and a lift reason, in
	// characters.
	MaxText = 5000
)

// ErrNotFound is what a store returns for an intervention it does not hold.
var ErrNotFound = fault.NotFound(ReasonNotFound, "the intervention does not exist")

// Kind is DfE's tool, named as the proto enum InterventionKind without its
// INTERVENTION_KIND_ prefix.
type Kind string

// The kinds of intervention.
const (
	// ImprovementNotice is an improvement notice with an adviser.
	ImprovementNotice Kind = "IMPROVEMENT_NOTICE"
	// StatutoryDirection is a statutory direction.
	StatutoryDirection Kind = "STATUTORY_DIRECTION"
	// Commissioner is a commissioner appointed to the council.
	Commissioner Kind = "COMMISSIONER"
	// ChildrensServicesTrust moves the service into a trust, as at
	// Doncaster (2014) and Slough (2015).
	ChildrensServicesTrust Kind = "CHILDRENS_SERVICES_TRUST"
	// SponsorPartnership hands the service to a stronger council, as
	// Hampshire took on the Isle of Wight's in 2015.
	SponsorPartnership Kind = "SPONSOR_PARTNERSHIP"
)

// Kinds lists the kinds in the order of the proto enum.
var Kinds = []Kind{ImprovementNotice, StatutoryDirection, Commissioner, ChildrensServicesTrust, SponsorPartnership}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// State is where an intervention is in its life, named as the proto enum
// InterventionState without its INTERVENTION_STATE_ prefix.
type State string

// The states. An intervention is ordered IN_FORCE and may be LIFTED once.
const (
	InForce State = "IN_FORCE"
	Lifted  State = "LIFTED"
)

// States lists the states in the order of the proto enum.
var States = []State{InForce, Lifted}

// Intervention is one intervention DfE ordered in a council.
type Intervention struct {
	// GSSCode is the council's code; ID is unique within it.
	GSSCode string
	ID      string
	Kind    Kind
	// Reason says why DfE intervenes.
	Reason string
	// Areas are the parts of the service needing support, as
	// JudgementArea names without prefix (see reference.JudgementAreas), in the order
	// they were given. The sponsor service matches sponsors to them.
	Areas []string
	// Plan is the resource name of the improvement plan the intervention
	// escalates; "" for an intervention ordered on its own.
	Plan string
	// OrderedBy is the subject of the DfE official who ordered it, at
	// OrderTime.
	OrderedBy string
	OrderTime time.Time
	State     State
	// LiftReason says why it was lifted; "" while in force.
	LiftReason string
	// AreaGrades are the grades the judgement behind the escalated plan
	// gave each of Areas (grade names, by area), so the sponsor need opened
	// from the intervention weighs the failed areas most. It travels on
	// the InterventionOrdered event only; nil without a plan.
	AreaGrades map[string]string
	// Version is the record's check-and-set version: its etag.
	Version int64
}

// Clone returns a copy of iv that shares nothing with it.
func (iv Intervention) Clone() Intervention {
	iv.Areas = slices.Clone(iv.Areas)
	iv.AreaGrades = maps.Clone(iv.AreaGrades)
	return iv
}

// gradesOf returns the grade p's judgement gave each of areas, leaving out
// areas it did not grade; nil when it graded none of them.
func gradesOf(p plan.Plan, areas []string) map[string]string {
	var out map[string]string
	for _, a := range areas {
		if g, ok := p.KeyJudgements[a]; ok {
			if out == nil {
				out = make(map[string]string, len(areas))
			}
			out[a] = string(g)
		}
	}
	return out
}

// Name is the intervention's resource name,
// localAuthorities/{gss_code}/interventions/{id}.
func (iv Intervention) Name() string { return Name(iv.GSSCode, iv.ID) }

// Name returns the resource name of intervention id of the council gss.
func Name(gss, id string) string { return resource.CouncilChildName(gss, Collection, id) }

// Order is what DfE orders: the client-settable fields of an intervention.
type Order struct {
	Kind   Kind
	Reason string
	// Areas are JudgementArea names without prefix, from reference.JudgementAreas.
	Areas []string
	// Plan, when set, names the improvement plan of the same council that
	// the intervention escalates.
	Plan string
}

// Validate checks o for an intervention in the council gss and reports
// every violation, each field path after prefix (such as
// "intervention."): a known kind; a reason; at least one area, each one of
// reference.JudgementAreas and named once; and a plan, if any, named as a plan of the
// same council. Whether the plan exists is for the caller to check against
// the store.
func (o Order) Validate(prefix, gss string) fault.Violations {
	var vs fault.Violations
	add := func(field, format string, args ...any) { vs.Add(prefix+field, format, args...) }
	check.Enum(add, "kind", o.Kind, Kinds)
	text.RequiredFor("DfE records why it intervenes").Check(add, "reason", o.Reason)
	if len(o.Areas) == 0 {
		add("areas", "is required: name at least one area needing support, one of %s", strings.Join(reference.JudgementAreas, ", "))
	}
	seen := map[string]bool{}
	for i, a := range o.Areas {
		field := check.At("areas", i)
		switch {
		case !plan.ValidArea(a):
			add(field, "%s", fault.EnumMessage(a, reference.JudgementAreas))
		case seen[a]:
			add(field, "names %s a second time; name each area once", a)
		}
		seen[a] = true
	}
	if o.Plan != "" && !PlanOf(o.Plan, gss) {
		add("improvement_plan", "must name an improvement plan of the same council, "+
			"localAuthorities/%s/improvementPlans/{id}, got %q", gss, o.Plan)
	}
	return vs
}

// PlanOf reports whether name has the shape of an improvement plan's
// resource name under the council gss:
// localAuthorities/{gss}/improvementPlans/{id} with a valid id.
func PlanOf(name, gss string) bool {
	id, ok := strings.CutPrefix(name, resource.CouncilName(gss)+"/"+plan.Collection+"/")
	return ok && resource.ValidID(id)
}

// New returns the intervention o orders in the council gss, IN_FORCE from
// now, ordered by actor, with id. It validates o as Validate does, with
// violations under prefix.
func New(gss, id string, o Order, prefix, actor string, now time.Time) (Intervention, error) {
	if err := o.Validate(prefix, gss).Err(); err != nil {
		return Intervention{}, err
	}
	return Intervention{
		GSSCode:   gss,
		ID:        id,
		Kind:      o.Kind,
		Reason:    strings.TrimSpace(o.Reason),
		Areas:     slices.Clone(o.Areas),
		Plan:      o.Plan,
		OrderedBy: actor,
		OrderTime: now.UTC(),
		State:     InForce,
	}, nil
}

// Lift returns iv lifted for reason. Only an intervention in force can be
// lifted (FAILED_PRECONDITION otherwise); reason is required (a violation
// on the field "reason").
func (iv Intervention) Lift(reason string) (Intervention, error) {
	var vs fault.Violations
	text.RequiredFor("DfE records why an intervention ends").Check(vs.Add, "reason", reason)
	if err := vs.Err(); err != nil {
		return Intervention{}, err
	}
	if iv.State != InForce {
		return Intervention{}, fault.FailedPrecondition(ReasonNotInForce,
			"%s is %s; only an intervention in force can be lifted", iv.Name(), iv.State).With("state", string(iv.State))
	}
	out := iv.Clone()
	out.State = Lifted
	out.LiftReason = strings.TrimSpace(reason)
	return out, nil
}

// ParseName validates an intervention's resource name,
// localAuthorities/{gss_code}/interventions/{id}, and returns its council's
// GSS code and its ID. field names the request field for the violation.
func ParseName(field, name string) (gss, id string, err error) {
	return resource.ParseCouncilChild(field, Collection, name)
}

// text is the rule of an intervention's free text: within MaxText
// characters.
var text = check.Text{Max: MaxText}
