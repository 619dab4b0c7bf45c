package inspection

import (
	"slices"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/check"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Reasons of the faults the rules return, as google.rpc.ErrorInfo shows
// them.
const (
	// ReasonPublished: the inspection is published and can no longer change.
	ReasonPublished = "INSPECTION_PUBLISHED"
	// ReasonIncomplete: the judgement lacks parts its framework requires
	// for publication.
	ReasonIncomplete = "JUDGEMENT_INCOMPLETE"
	// ReasonNotFound: no such inspection (or none the caller may see).
	ReasonNotFound = "INSPECTION_NOT_FOUND"
	// ReasonRecommendationAnswered: another inspection already answers the
	// emergency inspection recommendation.
	ReasonRecommendationAnswered = "EMERGENCY_INSPECTION_EXISTS"
)

// EarliestDate is the first day an inspection's dates may fall on: earlier
// dates predate every framework this service records.
var EarliestDate = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Limits that keep dates believable and text within what a report holds.
const (
	// MaxScheduleAhead is how far after today fieldwork may be scheduled.
	MaxScheduleAhead = 2 * 365 * 24 * time.Hour
	// MaxFieldworkDays bounds the fieldwork from first to last day; SIF
	// fieldwork takes four weeks, monitoring visits two days.
	MaxFieldworkDays = 92
	// MaxPublishDelayDays bounds the time from the end of fieldwork to
	// publication; reports are published within weeks.
	MaxPublishDelayDays = 365
	// MaxNarrative bounds a narrative, in characters.
	MaxNarrative = 20000
	// MaxText bounds a recommendation, a finding, and the lead inspector's
	// name, in characters.
	MaxText = 2000
	// MaxItems bounds the recommendations and the findings of one
	// inspection.
	MaxItems = 100
)

// The rules of the free text of an inspection.
var (
	shortText     = check.Text{Max: MaxText}
	narrativeText = check.Text{Max: MaxNarrative}
)

// ErrPublished is the fault for any change to a published inspection.
var ErrPublished = fault.FailedPrecondition(ReasonPublished,
	"the inspection is published and can no longer change")

// frameworkRules says what each framework's outcome may and must hold.
type frameworkRules struct {
	// allowed are the judgement parts the framework grades; nil for a
	// monitoring visit, which has no judgement.
	allowed []Area
	// required are the parts publication needs, each with its narrative.
	required []Area
}

var rulesOf = map[Framework]frameworkRules{
	// SIF: the overall grade, the three key judgements, the two graded
	// parts of looked after and permanence, and the LSCB review.
	SIF: {allowed: Areas, required: Areas},
	// ILACS dropped the adoption, care leavers and LSCB grades.
	ILACS: {
		allowed:  []Area{OverallEffectiveness, HelpAndProtection, LookedAfterAndPermanence, LeadershipManagementGovernance},
		required: []Area{OverallEffectiveness, HelpAndProtection, LookedAfterAndPermanence, LeadershipManagementGovernance},
	},
	// An emergency inspection may grade any part but must at least give
	// the overall grade.
	Emergency:       {allowed: Areas, required: []Area{OverallEffectiveness}},
	MonitoringVisit: {},
}

// AllowedAreas lists the judgement parts framework f grades.
func AllowedAreas(f Framework) []Area { return rulesOf[f].allowed }

// RequiredAreas lists the judgement parts publication under f requires.
func RequiredAreas(f Framework) []Area { return rulesOf[f].required }

// Validate checks everything about ins that holds at every stage of its
// life, and reports every violation at once as an INVALID_ARGUMENT fault:
// a known framework; start and end dates present, in order and believable
// relative to now; only the judgement parts the framework grades, each with
// a known grade; monitoring findings only on a monitoring visit, with a
// known progress rating; recommendations with text and an area. What
// publication additionally requires is checked by Publish. prefix is put
// before every field path, such as "inspection.".
func (ins Inspection) Validate(prefix string, now time.Time) error {
	var vs fault.Violations
	add := func(field, format string, args ...any) { vs.Add(prefix+field, format, args...) }

	check.Enum(add, "framework", ins.Framework, Frameworks)
	ins.validateDates(add, now)
	shortText.Check(add, "lead_inspector", ins.LeadInspector)
	ins.validateJudgement(add)
	ins.validateFindings(add)
	ins.validateRecommendations(add)
	if ins.EmergencyRecommendation != "" {
		switch {
		case ins.Framework != Emergency:
			add("emergency_recommendation", "only an EMERGENCY inspection answers an emergency inspection recommendation")
		case !strings.HasPrefix(ins.EmergencyRecommendation, recommendationPrefix(ins.GSSCode)) ||
			!resource.ValidID(strings.TrimPrefix(ins.EmergencyRecommendation, recommendationPrefix(ins.GSSCode))):
			add("emergency_recommendation", "must be %s{id}, a recommendation about the same council, got %q",
				recommendationPrefix(ins.GSSCode), ins.EmergencyRecommendation)
		}
	}
	return vs.Err()
}

func recommendationPrefix(gss string) string {
	return "localAuthorities/" + gss + "/emergencyInspectionRecommendations/"
}

func (ins Inspection) validateDates(add func(string, string, ...any), now time.Time) {
	latest := day(now.Add(MaxScheduleAhead))
	inRange := func(field string, d time.Time) bool {
		switch {
		case d.IsZero():
			add(field, "is required")
		case d.Before(EarliestDate):
			add(field, "is %s, before %s; no inspection this service records is that old", d.Format(time.DateOnly), EarliestDate.Format(time.DateOnly))
		case d.After(latest):
			add(field, "is %s; fieldwork cannot be scheduled after %s", d.Format(time.DateOnly), latest.Format(time.DateOnly))
		default:
			return true
		}
		return false
	}
	startOK := inRange("start_date", ins.StartDate)
	endOK := inRange("end_date", ins.EndDate)
	if !startOK || !endOK {
		return
	}
	switch {
	case ins.EndDate.Before(ins.StartDate):
		add("end_date", "is %s, before the start date %s", ins.EndDate.Format(time.DateOnly), ins.StartDate.Format(time.DateOnly))
	case days(ins.StartDate, ins.EndDate) > MaxFieldworkDays:
		add("end_date", "is %d days after the start date; fieldwork lasts at most %d days", days(ins.StartDate, ins.EndDate), MaxFieldworkDays)
	}
}

func (ins Inspection) validateJudgement(add func(string, string, ...any)) {
	if len(ins.Judgement) == 0 {
		return
	}
	if ins.Framework == MonitoringVisit {
		add("judgement", "a monitoring visit has findings and a progress rating, not a graded judgement")
		return
	}
	allowed := AllowedAreas(ins.Framework)
	for _, a := range Areas {
		g, ok := ins.Judgement[a]
		if !ok {
			continue
		}
		field := "judgement." + a.Field()
		if ins.Framework.Valid() && !slices.Contains(allowed, a) {
			add(field, "is not part of a%s %s judgement, which grades only %s", article(ins.Framework), ins.Framework, fieldList(allowed))
			continue
		}
		check.Enum(add, field+".grade", g.Grade, reference.Grades)
		narrativeText.Check(add, field+".narrative", g.Narrative)
	}
	for a := range ins.Judgement {
		if !a.Valid() {
			add("judgement", "holds an unknown area %q", a)
		}
	}
}

func (ins Inspection) validateFindings(add func(string, string, ...any)) {
	m := ins.MonitoringFindings
	if m == nil {
		return
	}
	if ins.Framework.Graded() {
		add("monitoring_findings", "only a monitoring visit has findings; a%s %s inspection has a graded judgement", article(ins.Framework), ins.Framework)
		return
	}
	if len(m.Findings) > MaxItems {
		add("monitoring_findings.findings", "holds %d findings; the limit is %d", len(m.Findings), MaxItems)
	}
	finding := check.Text{Max: MaxText, Blank: "is empty; leave out findings with no text"}
	for i, f := range m.Findings {
		finding.Check(add, check.At("monitoring_findings.findings", i), f)
	}
	if m.Progress != "" {
		check.Enum(add, "monitoring_findings.progress", m.Progress, ProgressRatings)
	}
	narrativeText.Check(add, "monitoring_findings.narrative", m.Narrative)
}

func (ins Inspection) validateRecommendations(add func(string, string, ...any)) {
	if len(ins.Recommendations) > MaxItems {
		add("recommendations", "holds %d recommendations; the limit is %d", len(ins.Recommendations), MaxItems)
	}
	for i, r := range ins.Recommendations {
		field := check.At("recommendations", i)
		shortText.Required().Check(add, field+".text", r.Text)
		if check.Enum(add, field+".area", r.Area, Areas) && ins.Framework.Graded() && !slices.Contains(AllowedAreas(ins.Framework), r.Area) {
			add(field+".area", "is %s, which a%s %s judgement does not grade; use one of %s",
				r.Area, article(ins.Framework), ins.Framework, check.List(AllowedAreas(ins.Framework)))
		}
	}
}

// Publish returns ins published on date, or the reason it cannot be:
// ErrPublished when it already is; INVALID_ARGUMENT on publish_date when the
// date is missing, before the end of fieldwork, after today or implausibly
// late; FAILED_PRECONDITION with reason JUDGEMENT_INCOMPLETE, listing every
// missing part as a field violation under "inspection.", when the outcome
// lacks what the framework requires (see Complete).
func (ins Inspection) Publish(date, now time.Time) (Inspection, error) {
	if ins.State == Published {
		return Inspection{}, ErrPublished
	}
	var vs fault.Violations
	today := day(now)
	switch {
	case date.IsZero():
		vs.Add("publish_date", "is required")
	case date.Before(ins.EndDate):
		vs.Add("publish_date", "is %s, before the end of fieldwork on %s", date.Format(time.DateOnly), ins.EndDate.Format(time.DateOnly))
	case date.After(today):
		vs.Add("publish_date", "is %s, after today (%s); publish on or before today", date.Format(time.DateOnly), today.Format(time.DateOnly))
	case days(ins.EndDate, date) > MaxPublishDelayDays:
		vs.Add("publish_date", "is %d days after the end of fieldwork; the limit is %d", days(ins.EndDate, date), MaxPublishDelayDays)
	}
	if err := vs.Err(); err != nil {
		return Inspection{}, err
	}
	if err := ins.Complete("inspection."); err != nil {
		return Inspection{}, err
	}
	out := ins.Clone()
	out.State = Published
	out.PublishDate = date
	out.UpdateTime = now
	return out, nil
}

// Complete reports, as one FAILED_PRECONDITION fault with reason
// JUDGEMENT_INCOMPLETE and a violation per missing field, what ins lacks for
// publication: under SIF all seven graded parts, under ILACS the overall
// grade and the three key judgements, for an emergency inspection at least
// the overall grade, every graded part with its narrative; for a monitoring
// visit at least one finding and the progress rating.
func (ins Inspection) Complete(prefix string) error {
	var vs fault.Violations
	add := func(field, format string, args ...any) { vs.Add(prefix+field, format, args...) }
	if ins.Framework == MonitoringVisit {
		m := ins.MonitoringFindings
		if m == nil {
			m = &MonitoringFindings{}
		}
		if len(m.Findings) == 0 {
			add("monitoring_findings.findings", "needs at least one finding to publish a monitoring visit")
		}
		if m.Progress == "" {
			add("monitoring_findings.progress", "is required to publish a monitoring visit")
		}
	} else {
		for _, a := range RequiredAreas(ins.Framework) {
			if _, ok := ins.Judgement[a]; !ok {
				add("judgement."+a.Field(), "is required to publish a%s %s judgement", article(ins.Framework), ins.Framework)
			}
		}
		for _, a := range Areas {
			if g, ok := ins.Judgement[a]; ok && strings.TrimSpace(g.Narrative) == "" {
				add("judgement."+a.Field()+".narrative", "is required to publish: every grade carries the narrative that explains it")
			}
		}
	}
	if len(vs) == 0 {
		return nil
	}
	slices.SortStableFunc(vs, func(a, b fault.Violation) int { return strings.Compare(a.Field, b.Field) })
	f := fault.FailedPrecondition(ReasonIncomplete, "the inspection lacks what its framework requires for publication; update it and publish again")
	f.Violations = vs
	return f
}

func fieldList(as []Area) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = a.Field()
	}
	return strings.Join(parts, ", ")
}

func article(f Framework) string {
	if f == ILACS || f == Emergency {
		return "n"
	}
	return ""
}

// day is t's calendar day in UTC, at midnight.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// days counts the calendar days from a to b.
func days(a, b time.Time) int { return int(day(b).Sub(day(a)).Hours() / 24) }
