// Package progressreview holds the rules for progress reviews: the evidence of a
// council's progress against its improvement plan, from an Ofsted
// monitoring visit, a DfE review or the council's own self-assessment. A
// review rates progress overall and per priority, always beside a
// narrative, since a rating alone says too little about whether a council
// is improving. Recording the first review of an approved plan puts the
// plan under monitoring. It is pure Go: the store and the transport live in
// reviewstore and progressreviewapi.
package progressreview

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/platform/check"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
)

// Collection is the collection of progress reviews under a plan.
const Collection = "progressReviews"

// Reasons of the faults the rules return, as google.rpc.ErrorInfo shows
// them.
const (
	// ReasonNotFound: no such progress review.
	ReasonNotFound = "PROGRESS_REVIEW_NOT_FOUND"
	// ReasonPlanNotMonitored: the plan is not in a state that takes
	// progress reviews.
	ReasonPlanNotMonitored = "PLAN_NOT_UNDER_REVIEW"
)

// Limits that keep a review within what a report holds.
const (
	// MaxNarrative bounds the review's narrative and each priority's, in
	// characters.
	MaxNarrative = 20000
	// MaxEvidenceItems bounds the evidence list.
	MaxEvidenceItems = 100
	// MaxEvidenceText bounds one evidence entry, in characters.
	MaxEvidenceText = 2000
)

// ErrNotFound is what a store returns for a review it does not hold.
var ErrNotFound = fault.NotFound(ReasonNotFound, "the progress review does not exist")

// Source is who assessed the progress, named as the proto enum
// ReviewSource without its REVIEW_SOURCE_ prefix.
type Source string

// The sources.
const (
	// OfstedMonitoringVisit is a monitoring visit Ofsted makes to a council
	// judged inadequate.
	OfstedMonitoringVisit Source = "OFSTED_MONITORING_VISIT"
	// DfEReview is a review by DfE, such as its improvement adviser's.
	DfEReview Source = "DFE_REVIEW"
	// SelfAssessment is the council's own assessment.
	SelfAssessment Source = "SELF_ASSESSMENT"
)

// Sources lists the sources in the order of the proto enum.
var Sources = []Source{OfstedMonitoringVisit, DfEReview, SelfAssessment}

// Valid reports whether s is one of Sources.
func (s Source) Valid() bool { return slices.Contains(Sources, s) }

// PriorityRating is a review's rating of one priority of the plan.
type PriorityRating struct {
	// Priority is the priority's ID within the plan.
	Priority  string
	Rating    plan.ProgressRating
	Narrative string
}

// Review is one progress review of a plan: the Draft as recorded, its
// Date the day of the review, midnight UTC.
type Review struct {
	// GSSCode and PlanID name the plan; ID is unique within it.
	GSSCode string
	PlanID  string
	ID      string
	Draft
	// RecordedBy is the subject of the caller who recorded it, at
	// CreateTime.
	RecordedBy string
	CreateTime time.Time
}

// Clone returns a copy of r that shares nothing with it.
func (r Review) Clone() Review {
	r.PriorityRatings = slices.Clone(r.PriorityRatings)
	r.Evidence = slices.Clone(r.Evidence)
	return r
}

// Name is the review's resource name,
// localAuthorities/{gss}/improvementPlans/{plan}/progressReviews/{id}.
func (r Review) Name() string { return Name(r.GSSCode, r.PlanID, r.ID) }

// Plan is the resource name of the reviewed plan.
func (r Review) Plan() string { return plan.Name(r.GSSCode, r.PlanID) }

// Name returns the resource name of review id of plan planID of council gss.
func Name(gss, planID, id string) string { return plan.Name(gss, planID) + "/" + Collection + "/" + id }

// ParseName validates a review's resource name,
// localAuthorities/{gss}/improvementPlans/{plan}/progressReviews/{id}, and
// returns its parts. field names the request field for the violation.
func ParseName(field, name string) (gss, planID, id string, err error) {
	planName, id, ok := strings.Cut(name, "/"+Collection+"/")
	if ok {
		gss, planID, err = plan.ParseName(field, planName)
	}
	if !ok || err != nil || !resource.ValidID(id) {
		return "", "", "", fault.Field(field, "must be localAuthorities/{gss_code}/improvementPlans/{plan}/progressReviews/{id} "+
			"with a GSS code such as E08000035 and ids of lowercase letters, digits and hyphens, got %q", name)
	}
	return gss, planID, id, nil
}

// Draft is what a caller records: the client-settable fields of a review.
type Draft struct {
	Date            time.Time
	Source          Source
	Overall         plan.ProgressRating
	PriorityRatings []PriorityRating
	Narrative       string
	Evidence        []string
}

// Check reports every violation of d that does not depend on the plan,
// each field path after prefix (such as "progress_review."): a review date
// not after today (as of now, UTC); a known source and overall rating; a
// narrative; per priority, an id, a known rating and a narrative, since the
// sector asked for text beside every rating; evidence entries with text,
// within the limits.
func (d Draft) Check(prefix string, now time.Time) fault.Violations {
	var vs fault.Violations
	add := func(field, format string, args ...any) { vs.Add(prefix+field, format, args...) }
	switch today := plan.Day(now); {
	case d.Date.IsZero():
		add("review_date", "is required: the day the progress was assessed")
	case d.Date.After(today):
		add("review_date", "is %s, in the future; a review records progress already assessed (today is %s)",
			d.Date.Format(time.DateOnly), today.Format(time.DateOnly))
	}
	check.Enum(add, "source", d.Source, Sources)
	check.Enum(add, "overall_rating", d.Overall, plan.ProgressRatings)
	narrative.RequiredFor("a rating alone does not show whether the council is improving").Check(add, "narrative", d.Narrative)
	for i, pr := range d.PriorityRatings {
		at := check.At("priority_ratings", i) + "."
		if pr.Priority == "" {
			add(at+"priority", "is required: the id of one of the plan's priorities")
		}
		check.Enum(add, at+"rating", pr.Rating, plan.ProgressRatings)
		narrative.RequiredFor("say what the rating rests on").Check(add, at+"narrative", pr.Narrative)
	}
	if len(d.Evidence) > MaxEvidenceItems {
		add("evidence", "holds %d entries; the limit is %d", len(d.Evidence), MaxEvidenceItems)
	}
	evidence := check.Text{Max: MaxEvidenceText}.RequiredFor("name the evidence considered, or leave the entry out")
	for i, e := range d.Evidence {
		evidence.Check(add, check.At("evidence", i), e)
	}
	return vs
}

// CheckAgainst reports the violations of d that depend on the plan p: a
// review date on or after the judgement that opened the plan, and priority
// ratings that each name one of p's priorities, at most once.
func (d Draft) CheckAgainst(prefix string, p plan.Plan) fault.Violations {
	var vs fault.Violations
	add := func(field, format string, args ...any) { vs.Add(prefix+field, format, args...) }
	if !d.Date.IsZero() && !p.JudgementDate.IsZero() && d.Date.Before(plan.Day(p.JudgementDate)) {
		add("review_date", "is %s, before the judgement of %s that opened the plan",
			d.Date.Format(time.DateOnly), p.JudgementDate.Format(time.DateOnly))
	}
	ids := make([]string, len(p.Priorities))
	for i, pr := range p.Priorities {
		ids[i] = pr.ID
	}
	seen := map[string]bool{}
	for i, pr := range d.PriorityRatings {
		field := check.At("priority_ratings", i) + ".priority"
		switch {
		case pr.Priority == "":
		case !slices.Contains(ids, pr.Priority):
			add(field, "names %q, which is not a priority of %s; its priorities are %s",
				pr.Priority, p.Name(), orNone(ids))
		case seen[pr.Priority]:
			add(field, "rates priority %q a second time; rate each priority at most once", pr.Priority)
		}
		seen[pr.Priority] = true
	}
	return vs
}

// Recordable reports whether a plan in state s takes progress reviews:
// once approved and until DfE's decision is final, and after a decision to
// continue.
func Recordable(s plan.State) bool {
	return s == plan.Approved || s == plan.Monitoring || s == plan.DecisionDue || s == plan.Continued
}

// Recorded is what recording a review changes: the review, and the plan
// when the review moved it (PlanChanged).
type Recorded struct {
	Review      Review
	Plan        plan.Plan
	PlanChanged bool
}

// Record records d against p as a review with id, by actor as of now. The
// plan must take reviews (see Recordable; FAILED_PRECONDITION with reason
// PLAN_NOT_UNDER_REVIEW otherwise) and d must be valid (see Check and
// CheckAgainst, with violations under prefix). The first review of an
// APPROVED plan moves it to MONITORING, recorded in its history as the
// actor's change. p itself is left unchanged.
func Record(p plan.Plan, d Draft, id, prefix, actor string, now time.Time) (Recorded, error) {
	vs := append(d.Check(prefix, now), d.CheckAgainst(prefix, p)...)
	if err := vs.Err(); err != nil {
		return Recorded{}, err
	}
	if !Recordable(p.State) {
		return Recorded{}, fault.FailedPrecondition(ReasonPlanNotMonitored,
			"%s is %s; progress is reviewed only on plans that are %s, %s, %s or %s",
			p.Name(), p.State, plan.Approved, plan.Monitoring, plan.DecisionDue, plan.Continued).
			With("state", string(p.State))
	}
	r := Review{
		GSSCode: p.GSSCode,
		PlanID:  p.ID,
		ID:      id,
		Draft: Draft{
			Date:      plan.Day(d.Date),
			Source:    d.Source,
			Overall:   d.Overall,
			Narrative: strings.TrimSpace(d.Narrative),
		},
		RecordedBy: actor,
		CreateTime: now.UTC(),
	}
	for _, pr := range d.PriorityRatings {
		pr.Narrative = strings.TrimSpace(pr.Narrative)
		r.PriorityRatings = append(r.PriorityRatings, pr)
	}
	for _, e := range d.Evidence {
		r.Evidence = append(r.Evidence, strings.TrimSpace(e))
	}
	out := Recorded{Review: r, Plan: p}
	if p.State == plan.Approved {
		next := p.Clone()
		reason := "first progress review recorded (" + string(d.Source) + ", " + r.Date.Format(time.DateOnly) + "): " + r.Name()
		if err := next.Transition(plan.Monitoring, actor, reason, now); err != nil {
			return Recorded{}, err
		}
		out.Plan, out.PlanChanged = next, true
	}
	return out, nil
}

// Sort orders reviews oldest first: by review date, then by when they were
// recorded, then by ID, so the order is total and pages are stable.
func Sort(reviews []Review) {
	slices.SortStableFunc(reviews, func(a, b Review) int {
		return cmp.Or(a.Date.Compare(b.Date), a.CreateTime.Compare(b.CreateTime), strings.Compare(a.ID, b.ID))
	})
}

// Trend returns the overall ratings of reviews in the order given, as
// rating names: the plan's rating trend.
func Trend(reviews []Review) []string {
	out := make([]string, len(reviews))
	for i, r := range reviews {
		out[i] = string(r.Overall)
	}
	return out
}

// narrative is the rule of a review's narratives: within MaxNarrative
// characters.
var narrative = check.Text{Max: MaxNarrative}

func orNone(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}
