// Package concern holds the sharper-trigger rules: concerns raised about a
// council (whistleblowing, leadership instability, serious incidents,
// complaints, data deterioration), the configurable rule set that decides
// when they justify an emergency inspection, and the lifecycle of the
// EmergencyInspectionRecommendation a firing rule creates. It is pure Go:
// the store and the transport live in concernstore and concernapi.
package concern

import (
	"slices"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/check"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
)

// Collections under a council, as they appear in resource names.
const (
	ConcernCollection        = "concerns"
	RecommendationCollection = "emergencyInspectionRecommendations"
)

// Length limits of free text, in characters. A narrative is a summary for
// the record, not the evidence itself; the limits keep records small enough
// to read in bulk for rule evaluation.
const (
	MaxNarrativeLen = 10000
	MaxSourceLen    = 200
	MaxRationaleLen = 10000
)

// Kind is the kind of a concern, named as the proto enum value without its
// CONCERN_KIND_ prefix.
type Kind string

// The kinds of concern.
const (
	Whistleblowing        Kind = "WHISTLEBLOWING"
	LeadershipInstability Kind = "LEADERSHIP_INSTABILITY"
	SeriousIncident       Kind = "SERIOUS_INCIDENT"
	Complaint             Kind = "COMPLAINT"
	DataDeterioration     Kind = "DATA_DETERIORATION"
)

// Kinds lists every kind in the order of the proto enum.
var Kinds = []Kind{Whistleblowing, LeadershipInstability, SeriousIncident, Complaint, DataDeterioration}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Severity is how serious a concern is, named as the proto enum value
// without its SEVERITY_ prefix.
type Severity string

// The severities, least serious first.
const (
	Low      Severity = "LOW"
	Medium   Severity = "MEDIUM"
	High     Severity = "HIGH"
	Critical Severity = "CRITICAL"
)

// Severities lists the severities least serious first.
var Severities = []Severity{Low, Medium, High, Critical}

// Rank orders severities: 1 for low to 4 for critical, 0 for anything else.
func (s Severity) Rank() int { return slices.Index(Severities, s) + 1 }

// Valid reports whether s is one of Severities.
func (s Severity) Valid() bool { return s.Rank() > 0 }

// AtLeast reports whether s is as serious as least or more; both must be
// valid.
func (s Severity) AtLeast(least Severity) bool {
	return s.Valid() && least.Valid() && s.Rank() >= least.Rank()
}

// Concern is a signal about a council that may justify an emergency
// inspection. Concerns are immutable once recorded.
type Concern struct {
	// GSSCode is the council's code; ID is unique within the council.
	GSSCode string
	ID      string
	Kind    Kind
	// Severity is how serious the concern is.
	Severity Severity
	// ReceivedDate is when the concern was received, midnight UTC.
	ReceivedDate time.Time
	Narrative    string
	// Source is who or what raised it; optional.
	Source string
	// RecordedBy is the subject of the principal who recorded it.
	RecordedBy string
	CreateTime time.Time
}

// ResourceName is the concern's name, localAuthorities/{gss}/concerns/{id}.
func (c Concern) ResourceName() string { return ConcernName(c.GSSCode, c.ID) }

// ConcernName returns the resource name of concern id of council gss.
func ConcernName(gss, id string) string {
	return resource.CouncilChildName(gss, ConcernCollection, id)
}

// Draft is a concern as a caller submits it, before it is recorded.
type Draft struct {
	Kind         Kind
	Severity     Severity
	ReceivedDate time.Time
	Narrative    string
	Source       string
}

// Validate reports every invalid field of d at once, named as the fields of
// the proto Concern (kind, severity, received_date, narrative, source). now
// is the current time, from the caller's clock: a concern cannot have been
// received after today.
func (d Draft) Validate(now time.Time) fault.Violations {
	var vs fault.Violations
	checkEnum(&vs, "kind", "a concern kind", d.Kind, Kinds)
	checkEnum(&vs, "severity", "a severity", d.Severity, Severities)
	check.Past(vs.Add, "received_date", d.ReceivedDate, now, "is required")
	textRule(MaxNarrativeLen).Required().Check(vs.Add, "narrative", d.Narrative)
	textRule(MaxSourceLen).Check(vs.Add, "source", d.Source)
	return vs
}

// checkEnum adds a violation of field when v is unset or not one of all;
// noun says what v is.
func checkEnum[T ~string](vs *fault.Violations, field, noun string, v T, all []T) {
	switch {
	case v == "":
		vs.Add(field, "is required; one of %s", check.List(all))
	case !slices.Contains(all, v):
		vs.Add(field, "%q is not %s; one of %s", v, noun, check.List(all))
	}
}

// textRule is the rule of a free-text field of at most limit
// characters.
func textRule(limit int) check.Text {
	return check.Text{Max: limit, Long: "has %d characters; at most %d are allowed"}
}

// ParseConcernName validates localAuthorities/{gss}/concerns/{id} and returns
// its parts. field names the request field for the violation.
func ParseConcernName(field, name string) (gss, id string, err error) {
	return resource.ParseCouncilChild(field, ConcernCollection, name)
}

// ParseRecommendationName validates
// localAuthorities/{gss}/emergencyInspectionRecommendations/{id} and returns
// its parts.
func ParseRecommendationName(field, name string) (gss, id string, err error) {
	return resource.ParseCouncilChild(field, RecommendationCollection, name)
}

// ParseParent validates a list parent: localAuthorities/{gss}, or, when
// wildcard is true, localAuthorities/- for every council, which yields "".
func ParseParent(field, parent string, wildcard bool) (string, error) {
	if !wildcard {
		return resource.ParseCouncil(field, parent)
	}
	gss, err := resource.ParseCouncilOrAll(field, parent)
	if gss == resource.AllCouncils {
		return "", nil
	}
	return gss, err
}
