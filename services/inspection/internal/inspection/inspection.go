// Package inspection holds the rules for Ofsted's inspections of a council's
// children's services: the frameworks and what each one's judgement must
// contain, the lifecycle from a scheduled inspection to a published
// judgement that can no longer change, the warnings a reader should see, and
// how inspection lists are filtered and ordered. It is pure Go: the store
// and the transport live in inspectionstore and inspectionapi.
package inspection

import (
	"slices"
	"time"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Collection is the resource collection of inspections under a council.
const Collection = "inspections"

// AllCouncils is the parent wildcard of a cross-council list,
// `localAuthorities/-`, in place of a GSS code.
const AllCouncils = "-"

// Framework is the inspection framework, named as the proto enum value
// without its FRAMEWORK_ prefix.
type Framework string

// The frameworks.
const (
	// SIF is the Single Inspection Framework (November 2013 to 2017).
	SIF Framework = "SIF"
	// ILACS is the Inspection of Local Authority Children's Services (2018 on).
	ILACS Framework = "ILACS"
	// MonitoringVisit is a visit to a council judged inadequate: findings
	// and a progress rating, no grade.
	MonitoringVisit Framework = "MONITORING_VISIT"
	// Emergency is an inspection ordered under the sharper triggers.
	Emergency Framework = "EMERGENCY"
)

// Frameworks lists the frameworks in the order of the proto enum.
var Frameworks = []Framework{SIF, ILACS, MonitoringVisit, Emergency}

// Valid reports whether f is one of Frameworks.
func (f Framework) Valid() bool { return slices.Contains(Frameworks, f) }

// Graded reports whether inspections under f end in a graded judgement
// rather than monitoring findings.
func (f Framework) Graded() bool { return f.Valid() && f != MonitoringVisit }

// State is where an inspection is in its life, named as the proto enum value
// without its INSPECTION_STATE_ prefix.
type State string

// The states. An inspection is created SCHEDULED and becomes PUBLISHED once,
// after which nothing about it changes.
const (
	Scheduled State = "SCHEDULED"
	Published State = "PUBLISHED"
)

// States lists the states in the order of the proto enum.
var States = []State{Scheduled, Published}

// Area names a part of a judgement, as the proto enum JudgementArea without
// its JUDGEMENT_AREA_ prefix. Recommendations are tagged with one.
type Area string

// The areas of a judgement.
const (
	OverallEffectiveness           Area = "OVERALL_EFFECTIVENESS"
	HelpAndProtection              Area = "HELP_AND_PROTECTION"
	LookedAfterAndPermanence       Area = "LOOKED_AFTER_AND_PERMANENCE"
	AdoptionPerformance            Area = "ADOPTION_PERFORMANCE"
	CareLeavers                    Area = "CARE_LEAVERS"
	LeadershipManagementGovernance Area = "LEADERSHIP_MANAGEMENT_GOVERNANCE"
	LSCB                           Area = "LSCB"
)

// Areas lists every area in the order of the proto enum, which is also the
// order of the Judgement message's fields.
var Areas = []Area{
	OverallEffectiveness, HelpAndProtection, LookedAfterAndPermanence, AdoptionPerformance,
	CareLeavers, LeadershipManagementGovernance, LSCB,
}

// KeyJudgements are the three key judgements of a SIF report. The overall
// effectiveness grade is compared with them: an overall grade better than
// any of them draws a warning. Adoption performance and care leavers are
// graded parts of looked after and permanence, and the LSCB review is a
// separate review, so they are not compared.
var KeyJudgements = []Area{HelpAndProtection, LookedAfterAndPermanence, LeadershipManagementGovernance}

// areaNames are how each area is spelt: its field in the Judgement message
// and its title in prose.
var areaNames = map[Area]struct{ field, title string }{
	OverallEffectiveness:           {"overall_effectiveness", "overall effectiveness"},
	HelpAndProtection:              {"help_and_protection", "children who need help and protection"},
	LookedAfterAndPermanence:       {"looked_after_and_permanence", "children looked after and achieving permanence"},
	AdoptionPerformance:            {"adoption_performance", "adoption performance"},
	CareLeavers:                    {"care_leavers", "experiences and progress of care leavers"},
	LeadershipManagementGovernance: {"leadership_management_governance", "leadership, management and governance"},
	LSCB:                           {"lscb_review", "the LSCB review"},
}

// Valid reports whether a is one of Areas.
func (a Area) Valid() bool { return slices.Contains(Areas, a) }

// Field is the name of a's field in the Judgement message, as field paths
// in violations and update masks spell it (the LSCB part is lscb_review).
func (a Area) Field() string { return areaNames[a].field }

// Title is a's name in words, for messages people read.
func (a Area) Title() string { return areaNames[a].title }

// AreaOfField returns the area whose Judgement field is named field.
func AreaOfField(field string) (Area, bool) {
	for a, n := range areaNames {
		if n.field == field {
			return a, true
		}
	}
	return "", false
}

// ProgressRating is a monitoring visit's view of a council's progress, as
// the proto enum without its PROGRESS_RATING_ prefix.
type ProgressRating string

// The progress ratings, best first.
const (
	ProgressStrong       ProgressRating = "STRONG"
	ProgressSome         ProgressRating = "SOME"
	ProgressInsufficient ProgressRating = "INSUFFICIENT"
	ProgressDeteriorated ProgressRating = "DETERIORATED"
)

// ProgressRatings lists the ratings in the order of the proto enum.
var ProgressRatings = []ProgressRating{ProgressStrong, ProgressSome, ProgressInsufficient, ProgressDeteriorated}

// Valid reports whether p is one of ProgressRatings.
func (p ProgressRating) Valid() bool { return slices.Contains(ProgressRatings, p) }

// GradedJudgement is one grade with the narrative that explains it.
type GradedJudgement struct {
	Grade     reference.Grade
	Narrative string
}

// Judgement is a graded inspection's outcome: the parts it holds, by area.
// A part that is absent is not in the map; an empty map is no judgement.
type Judgement map[Area]GradedJudgement

// Clone returns a copy of j that shares nothing with it.
func (j Judgement) Clone() Judgement {
	if j == nil {
		return nil
	}
	out := make(Judgement, len(j))
	for a, g := range j {
		out[a] = g
	}
	return out
}

// MonitoringFindings are a monitoring visit's outcome.
type MonitoringFindings struct {
	// Findings are what the inspectors found, one per entry.
	Findings []string
	// Progress is the overall progress rating; "" while not yet decided.
	Progress  ProgressRating
	Narrative string
}

// Clone returns a copy of m that shares nothing with it.
func (m *MonitoringFindings) Clone() *MonitoringFindings {
	if m == nil {
		return nil
	}
	c := *m
	c.Findings = append([]string(nil), m.Findings...)
	return &c
}

// Recommendation is one thing the inspectors ask the council to improve,
// tagged with the area it concerns.
type Recommendation struct {
	Text string
	Area Area
}

// Inspection is one Ofsted inspection of a council.
type Inspection struct {
	// GSSCode is the inspected council's code; ID is unique within it.
	GSSCode string
	ID      string
	// Framework is fixed at creation.
	Framework Framework
	State     State
	// StartDate and EndDate bound the fieldwork; PublishDate is set by
	// publication. All are midnight UTC; the zero time means unset.
	StartDate     time.Time
	EndDate       time.Time
	PublishDate   time.Time
	LeadInspector string
	// Judgement is the graded outcome; nil or empty for none, always so
	// for a monitoring visit.
	Judgement Judgement
	// MonitoringFindings is a monitoring visit's outcome; nil otherwise.
	MonitoringFindings *MonitoringFindings
	Recommendations    []Recommendation
	// EmergencyRecommendation names the emergency inspection
	// recommendation this inspection answers, if any.
	EmergencyRecommendation string
	// Historical is true for a judgement recorded as history: published
	// after its improvement window had passed, or imported as history. No
	// improvement plan or support offer follows it.
	Historical bool
	// PublicationWarnings are what the publisher should know about the
	// publication, kept with the record so a replay shows them too.
	PublicationWarnings []Warning
	// Version is the record's check-and-set version: its etag.
	Version    int64
	CreateTime time.Time
	UpdateTime time.Time
}

// Clone returns a deep copy of ins, so a rule can change the copy without
// touching a value its caller still holds.
func (ins Inspection) Clone() Inspection {
	ins.Judgement = ins.Judgement.Clone()
	ins.MonitoringFindings = ins.MonitoringFindings.Clone()
	ins.Recommendations = append([]Recommendation(nil), ins.Recommendations...)
	ins.PublicationWarnings = append([]Warning(nil), ins.PublicationWarnings...)
	return ins
}

// Name is the inspection's resource name,
// localAuthorities/{gss_code}/inspections/{id}.
func (ins Inspection) Name() string { return Name(ins.GSSCode, ins.ID) }

// Name returns the resource name of inspection id of the council gss.
func Name(gss, id string) string { return resource.CouncilChildName(gss, Collection, id) }

// OverallGrade returns the overall effectiveness grade, if the judgement
// holds a valid one.
func (ins Inspection) OverallGrade() (reference.Grade, bool) {
	g, ok := ins.Judgement[OverallEffectiveness]
	if !ok || !g.Grade.Valid() {
		return "", false
	}
	return g.Grade, true
}

// Latest returns the council's latest judgement as this published
// inspection makes it. It is false for an unpublished inspection and for a
// monitoring visit, which has no grade and so never becomes the council's
// latest graded judgement.
func (ins Inspection) Latest() (council.LatestJudgement, bool) {
	g, ok := ins.OverallGrade()
	if ins.State != Published || !ins.Framework.Graded() || !ok {
		return council.LatestJudgement{}, false
	}
	return council.LatestJudgement{
		Inspection:   ins.Name(),
		Framework:    string(ins.Framework),
		OverallGrade: g,
		PublishDate:  ins.PublishDate,
	}, true
}

// Warnings lists what a reader should notice about the judgement: an
// overall effectiveness grade better than one of the key judgements. Such a
// judgement is allowed (the inspectors may have reasons, given in the
// narrative) but it is flagged rather than silently accepted.
func (ins Inspection) Warnings() []string {
	overall, ok := ins.OverallGrade()
	if !ok {
		return nil
	}
	var out []string
	for _, a := range KeyJudgements {
		kj, ok := ins.Judgement[a]
		if ok && overall.BetterThan(kj.Grade) {
			out = append(out, "overall effectiveness is graded "+string(overall)+", better than the key judgement on "+
				a.Title()+" ("+a.Field()+"), graded "+string(kj.Grade))
		}
	}
	return out
}

// ParseName reads an inspection's resource name,
// localAuthorities/{gss_code}/inspections/{id}, and returns its council's
// GSS code and its ID. field names the request field for the violation.
func ParseName(field, name string) (gss, id string, err error) {
	return resource.ParseCouncilChild(field, Collection, name)
}
