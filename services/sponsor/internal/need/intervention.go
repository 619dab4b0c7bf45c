package need

import (
	"fmt"
	"slices"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

// InterventionKind is DfE's tool, as the improvement-plan service's
// InterventionOrdered event names it (the InterventionKind enum name
// without prefix).
type InterventionKind string

// The kinds of intervention.
const (
	ImprovementNotice      InterventionKind = "IMPROVEMENT_NOTICE"
	StatutoryDirection     InterventionKind = "STATUTORY_DIRECTION"
	Commissioner           InterventionKind = "COMMISSIONER"
	ChildrensServicesTrust InterventionKind = "CHILDRENS_SERVICES_TRUST"
	SponsorPartnership     InterventionKind = "SPONSOR_PARTNERSHIP"
)

// Terms are what a kind of intervention asks of a sponsor: how urgent the
// need is, the staff time it takes and whether the sponsor must be able to
// lead a trust.
type Terms struct {
	Urgency       int
	StaffDays     int
	RequiresTrust bool
}

// InterventionTerms maps each kind of intervention to the terms of the
// need it opens. DfE can change any of them on the need afterwards.
//
// Urgency follows how far DfE has taken the service out of the council's
// hands. A children's services trust or a commissioner means the council
// has failed to improve and a new leadership must be in place at once: 5,
// immediate. A statutory direction, or a partnership in which a stronger
// council takes over the running of the service (Hampshire and the Isle
// of Wight, 2015), means DfE has directed change and named who supports
// it: 4. An improvement notice leaves the council in charge with an
// adviser: 3.
//
// Staff-days are per quarter, counting one full-time secondee as 60 days
// (a quarter's 65 working days less leave). An improvement notice needs
// an improvement adviser two or three days a week: 30. A statutory
// direction needs one full-time senior practitioner or manager: 60. A
// commissioner is DfE's appointment, but the sponsor supplies a
// director-level partner and a practice lead about one and a half
// full-time staff between them: 90. A trust or a partnership needs an
// interim leadership team of a director, an assistant director and a
// principal social worker, about two full-time staff: 120.
//
// Only a trust requires a sponsor able to lead one.
var InterventionTerms = map[InterventionKind]Terms{
	ImprovementNotice:      {Urgency: 3, StaffDays: 30},
	StatutoryDirection:     {Urgency: 4, StaffDays: 60},
	Commissioner:           {Urgency: 5, StaffDays: 90},
	ChildrensServicesTrust: {Urgency: 5, StaffDays: 120, RequiresTrust: true},
	SponsorPartnership:     {Urgency: 4, StaffDays: 120},
}

// InterventionAreaWeight is the weight of an area of a need opened from an
// intervention when the judgement's grade of the area is not known (the
// intervention names the area without one): the middle of the 1 to 10
// scale, which leaves DfE room to raise or lower it when it reviews the
// need.
const InterventionAreaWeight = 5

// GradeAreaWeights weight an area of a need opened from an intervention by
// the grade the judgement behind it gave the area: an area judged
// inadequate is where a sponsor's expertise matters most (8), one that
// requires improvement counts as an ungraded area does (5), and an area
// judged good or outstanding that DfE named all the same counts for less
// (3, 2). Any other grade counts as ungraded.
var GradeAreaWeights = map[reference.Grade]int{
	reference.Inadequate:          8,
	reference.RequiresImprovement: InterventionAreaWeight,
	reference.Good:                3,
	reference.Outstanding:         2,
}

// AreaWeightFor is the weight of an area of a need opened from an
// intervention that graded it g ("" for ungraded): GradeAreaWeights, or
// InterventionAreaWeight.
func AreaWeightFor(g reference.Grade) int {
	if w, ok := GradeAreaWeights[g]; ok {
		return w
	}
	return InterventionAreaWeight
}

// interventionCollection is the collection of a council's interventions in
// the improvement-plan service: localAuthorities/{gss}/interventions/{id}.
const interventionCollection = "interventions"

// Intervention is what an InterventionOrdered event says about an
// intervention DfE ordered.
type Intervention struct {
	// Name is localAuthorities/{gss}/interventions/{id}.
	Name    string
	GSSCode string
	Kind    InterventionKind
	// Areas are the areas needing support, as JudgementArea names without
	// prefix.
	Areas []string
	// Grades are the grades the judgement behind the intervention gave
	// the areas, by area; an area without one was not graded.
	Grades map[string]reference.Grade
	// Plan is the improvement plan it escalates; "" for none.
	Plan      string
	OrderedBy string
}

// ParseInterventionName validates an intervention's resource name and
// returns its council's GSS code and its ID. ok is false for a name of
// another shape.
func ParseInterventionName(name string) (gss, id string, ok bool) {
	gss, id, err := resource.ParseCouncilChild("intervention", interventionCollection, name)
	return gss, id, err == nil
}

// FromIntervention returns the need the intervention iv opens, OPEN in its
// council from now, with id: the terms of its kind (InterventionTerms), and
// its areas weighted by the grades the judgement gave them (AreaWeightFor:
// inadequate areas heavier than those requiring improvement), in the order
// given, each once.
// Areas outside sponsor.Areas are left out. An intervention of an unknown
// kind, or with no area the need could use, is an error: the event is not
// one this service understands, and retrying cannot help.
func FromIntervention(iv Intervention, id string, now time.Time) (Need, error) {
	terms, ok := InterventionTerms[iv.Kind]
	if !ok {
		return Need{}, fmt.Errorf("need: intervention %s: unknown kind %q", iv.Name, iv.Kind)
	}
	gss, _, named := ParseInterventionName(iv.Name)
	if !named || gss != iv.GSSCode {
		return Need{}, fmt.Errorf("need: intervention %q is not one of the council %s", iv.Name, iv.GSSCode)
	}
	draft := Need{
		Urgency:              terms.Urgency,
		StaffDaysNeeded:      terms.StaffDays,
		RequiresTrustSponsor: terms.RequiresTrust,
	}
	var seen []string
	for _, a := range iv.Areas {
		if !sponsor.ValidArea(a) || slices.Contains(seen, a) {
			continue
		}
		seen = append(seen, a)
		draft.Areas = append(draft.Areas, AreaWeight{Area: a, Weight: AreaWeightFor(iv.Grades[a])})
	}
	if len(draft.Areas) == 0 {
		return Need{}, fmt.Errorf("need: intervention %s names no area of need among %v", iv.Name, iv.Areas)
	}
	n, err := New(iv.GSSCode, id, draft, "", now)
	if err != nil {
		return Need{}, fmt.Errorf("need: intervention %s: %w", iv.Name, err)
	}
	n.Intervention = iv.Name
	return n, nil
}
