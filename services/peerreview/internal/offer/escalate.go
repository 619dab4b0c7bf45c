package offer

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/reference"
)

// SystemActor is who the history and the audit trail name for changes the
// service makes on its own, from a judgement or a review; the review store
// names itself the same way when it links an offer to a review.
const SystemActor = "system:peerreview"

// CauseKind is what kind of event created or upgraded an offer.
type CauseKind string

// The causes.
const (
	// CauseInspection is a published inadequate judgement.
	CauseInspection CauseKind = "inspection"
	// CausePeerReview is a completed peer review that found risk.
	CausePeerReview CauseKind = "peerReview"
)

// Cause names the one judgement or review an escalation answers. Each
// cause changes offers at most once, however often its event is delivered:
// the store records it beside the change in the same transaction.
type Cause struct {
	Kind CauseKind
	// GSSCode is the council; ID is the inspection's or the review's ID
	// within it.
	GSSCode string
	ID      string
}

// Judgement is a published inspection judgement as the inspection service
// announces it.
type Judgement struct {
	// Inspection is the inspection's resource name,
	// localAuthorities/{gss}/inspections/{id}.
	Inspection string
	// Framework is the framework's name, such as SIF.
	Framework    string
	OverallGrade reference.Grade
	// KeyJudgements are the other graded parts by area name, such as
	// LEADERSHIP_MANAGEMENT_GOVERNANCE.
	KeyJudgements map[string]reference.Grade
	// PublishDate is the day it was published; zero when unknown.
	PublishDate time.Time
	// Historical reports a judgement recorded as history: its six-month
	// improvement window had passed when it was published or imported.
	// The council's support then is long past, so it calls for no offer.
	Historical bool
}

// LeadershipArea is the judgement area whose inadequate grade adds
// leadership coaching to improvement support.
const LeadershipArea = "LEADERSHIP_MANAGEMENT_GOVERNANCE"

// areaTitles names the SIF judgement areas in words.
var areaTitles = map[string]string{
	"HELP_AND_PROTECTION":         "children who need help and protection",
	"LOOKED_AFTER_AND_PERMANENCE": "children looked after and achieving permanence",
	"ADOPTION_PERFORMANCE":        "adoption performance",
	"CARE_LEAVERS":                "experiences and progress of care leavers",
	LeadershipArea:                "leadership, management and governance",
	"LSCB":                        "the LSCB review",
}

// Improvement support's activities, in days. A council judged inadequate
// must show significant improvement within six months; these are the
// defaults the LGA adviser then adjusts with UpdateSupportOffer.
const (
	improvementPlanDays  = 20
	judgementCoachDays   = 10
	followUpDays         = 5
	followUpDaysHighRisk = 10
	workshopBaseDays     = 4
	workshopDaysPerTheme = 2
	reviewCoachDays      = 8
	mentoringDays        = 10
)

// JudgementPlan is the support a judgement calls for, and false when it
// calls for none: only an inadequate overall grade of a well-named
// inspection that is not history (Historical) does; the council is the
// inspection's. The plan is
// inadequate-council improvement support focused on a credible improvement
// plan: IMPROVEMENT_PLAN_SUPPORT always, and LEADERSHIP_COACHING when
// leadership, management and governance was also judged inadequate. Its
// reasons are the judgement and each inadequate key judgement.
func JudgementPlan(j Judgement) (Plan, bool) {
	gss, id, ok := ParseInspectionName(j.Inspection)
	if !ok || j.OverallGrade != reference.Inadequate || j.Historical {
		return Plan{}, false
	}
	head := "Inspection " + j.Inspection
	var detail []string
	if j.Framework != "" {
		detail = append(detail, j.Framework)
	}
	if !j.PublishDate.IsZero() {
		detail = append(detail, "published "+j.PublishDate.Format(time.DateOnly))
	}
	if len(detail) > 0 {
		head += " (" + strings.Join(detail, ", ") + ")"
	}
	p := Plan{
		GSSCode:    gss,
		Tier:       InadequateCouncil,
		Inspection: j.Inspection,
		Cause:      Cause{Kind: CauseInspection, GSSCode: gss, ID: id},
		Reasons:    []string{head + " judged overall effectiveness inadequate"},
		Summary:    "inspection " + j.Inspection + " judged the council inadequate; support focuses on a credible improvement plan",
		Activities: []Activity{{
			Kind: ImprovementPlanSupport,
			Days: improvementPlanDays,
			Description: "Help to write and carry out a credible improvement plan that answers the inspection's " +
				"recommendations and shows significant improvement within six months",
		}},
	}
	areas := make([]string, 0, len(j.KeyJudgements))
	for a := range j.KeyJudgements {
		areas = append(areas, a)
	}
	slices.Sort(areas)
	for _, a := range areas {
		if j.KeyJudgements[a] == reference.Inadequate {
			p.Reasons = append(p.Reasons, "The key judgement on "+areaTitle(a)+" was inadequate")
		}
	}
	if j.KeyJudgements[LeadershipArea] == reference.Inadequate {
		p.add(LeadershipCoaching, judgementCoachDays, "Coaching for the director of children's services and senior leaders: leadership, management and governance was judged inadequate")
	}
	return p, true
}

func areaTitle(area string) string {
	if t, ok := areaTitles[area]; ok {
		return t
	}
	return strings.ToLower(strings.ReplaceAll(area, "_", " "))
}

// ReviewConclusion is a completed peer review as its completion event
// announces it.
type ReviewConclusion struct {
	// PeerReview is the review's resource name,
	// localAuthorities/{gss}/peerReviews/{id}.
	PeerReview string
	// Kind is the review kind's name, such as SAFEGUARDING_PEER_REVIEW.
	Kind string
	// Risk is the conclusion's risk of an inadequate judgement at the next
	// inspection: NONE, LOW, MEDIUM or HIGH.
	Risk string
	// SevereThemes are the themes of severe areas for improvement, such as
	// LEADERSHIP (a THEME_ prefix is tolerated).
	SevereThemes []string
}

// The review risks that call for enhanced support.
const (
	RiskMedium = "MEDIUM"
	RiskHigh   = "HIGH"
)

// Themes that shape an enhanced offer's activities.
const (
	themeLeadership         = "LEADERSHIP"
	themeWorkforceStability = "WORKFORCE_STABILITY"
	themeCaseloads          = "CASELOADS"
)

// practiceThemes are the findings themes that practice workshops address.
var practiceThemes = []string{
	"FRONT_DOOR_AND_REFERRALS", "ASSESSMENT_TIMELINESS", "CHILD_PROTECTION_PRACTICE",
	"LOOKED_AFTER_PLACEMENTS", "PERMANENCE", "CARE_LEAVERS", "VOICE_OF_THE_CHILD",
}

// ReviewPlan is the support a completed review calls for, and false when
// it calls for none: a MEDIUM or HIGH risk of an inadequate judgement, or
// any severe area for improvement, calls for ENHANCED support. Its reasons
// are the risk and each severe theme. Its activities follow the themes:
//   - DIAGNOSTIC_FOLLOW_UP always: peers return to test progress on what the
//     review found (5 days, 10 at HIGH risk); it also covers the themes no
//     other activity addresses (quality assurance, data and performance,
//     partnership and the LSCB);
//   - PRACTICE_WORKSHOPS for severe practice themes (front door, assessment,
//     child protection, placements, permanence, care leavers, voice of the
//     child), 4 days plus 2 per theme, and also when the risk alone, with no
//     severe theme, calls for support;
//   - LEADERSHIP_COACHING for a severe leadership finding (8 days);
//   - MENTORING for severe workforce stability or caseload findings (10
//     days).
//
// Providing councils are left for the LGA adviser to choose.
func ReviewPlan(r ReviewConclusion) (Plan, bool) {
	gss, id, ok := ParseReviewName(r.PeerReview)
	if !ok {
		return Plan{}, false
	}
	risk := strings.ToUpper(strings.TrimSpace(r.Risk))
	atRisk := risk == RiskMedium || risk == RiskHigh
	var themes []string
	for _, t := range r.SevereThemes {
		t = strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(t)), "THEME_")
		if t != "" && !slices.Contains(themes, t) {
			themes = append(themes, t)
		}
	}
	if !atRisk && len(themes) == 0 {
		return Plan{}, false
	}
	kind := ""
	if r.Kind != "" {
		kind = " (" + r.Kind + ")"
	}
	p := Plan{
		GSSCode:    gss,
		Tier:       Enhanced,
		PeerReview: r.PeerReview,
		Cause:      Cause{Kind: CausePeerReview, GSSCode: gss, ID: id},
		Summary:    "peer review " + r.PeerReview + " found the council at risk of an inadequate judgement",
	}
	if atRisk {
		p.Reasons = append(p.Reasons, fmt.Sprintf("Peer review %s%s concluded a %s risk of an inadequate judgement at the next inspection",
			r.PeerReview, kind, risk))
	}
	for _, t := range themes {
		p.Reasons = append(p.Reasons, "Peer review "+r.PeerReview+" found a severe area for improvement in "+themeTitle(t))
	}

	followUp := followUpDays
	if risk == RiskHigh {
		followUp = followUpDaysHighRisk
	}
	p.add(DiagnosticFollowUp, followUp, "Peers return to test progress on the review's areas for improvement")
	var practice []string
	for _, t := range themes {
		if slices.Contains(practiceThemes, t) {
			practice = append(practice, themeTitle(t))
		}
	}
	if len(practice) > 0 || len(themes) == 0 {
		desc := "Practice workshops on the review's findings"
		if len(practice) > 0 {
			desc = "Practice workshops on " + strings.Join(practice, ", ")
		}
		p.add(PracticeWorkshops, min(workshopBaseDays+workshopDaysPerTheme*len(practice), MaxDays), desc)
	}
	if slices.Contains(themes, themeLeadership) {
		p.add(LeadershipCoaching, reviewCoachDays, "Coaching for senior leaders on the review's severe leadership findings")
	}
	if slices.Contains(themes, themeWorkforceStability) || slices.Contains(themes, themeCaseloads) {
		p.add(Mentoring, mentoringDays, "Mentoring for managers on workforce stability and caseloads")
	}
	return p, true
}

func themeTitle(t string) string {
	if t == "PARTNERSHIP_AND_LSCB" {
		return "partnership and the LSCB"
	}
	return strings.ToLower(strings.ReplaceAll(t, "_", " "))
}

// Plan is the support one judgement or review calls for, before it is
// matched with the council's offers.
type Plan struct {
	GSSCode    string
	Tier       Tier
	Reasons    []string
	Activities []Activity
	// Inspection or PeerReview names the cause's resource.
	Inspection string
	PeerReview string
	Cause      Cause
	// Summary is the history entry's "why".
	Summary string
}

// add appends an activity of kind: days of support, described.
func (p *Plan) add(kind ActivityKind, days int, description string) {
	p.Activities = append(p.Activities, Activity{Kind: kind, Days: days, Description: description})
}

// Escalate applies plan to the council's offers (all of them; closed ones
// are ignored) and returns the offer to store, and whether it is new.
//
// When the council has an open offer (offered, accepted or active), the
// plan upgrades it rather than adding a second: the one with the highest
// tier, then the newest. Its tier rises to the plan's if that is higher,
// the plan's reasons and the activities of kinds it lacks are added (those
// it has are left as the LGA set them), the cause's inspection or review
// becomes the offer's, and a history entry records the change; the state
// stays as it is, since the council has already answered the offer. With
// no open offer, a new OFFERED offer is made from the plan; the caller gives
// it an ID.
func Escalate(offers []Offer, p Plan, who string, now time.Time) (Offer, bool) {
	var cur *Offer
	for i := range offers {
		o := &offers[i]
		if o.GSSCode != p.GSSCode || !o.State.Open() {
			continue
		}
		if cur == nil || better(*o, *cur) {
			cur = o
		}
	}
	if cur == nil {
		acts := make([]Activity, len(p.Activities))
		for i, a := range p.Activities {
			acts[i] = a.Clone()
		}
		return Offer{
			GSSCode:    p.GSSCode,
			Tier:       p.Tier,
			State:      Offered,
			Reasons:    slices.Clone(p.Reasons),
			PeerReview: p.PeerReview,
			Inspection: p.Inspection,
			Activities: acts,
			History:    []string{HistoryLine(Offered, who, now, p.Summary)},
			CreateTime: now,
			UpdateTime: now,
		}, true
	}
	out := cur.Clone()
	why := p.Summary
	if p.Tier.Rank() > out.Tier.Rank() {
		why = "raised from " + string(out.Tier) + " to " + string(p.Tier) + ": " + why
		out.Tier = p.Tier
	}
	for _, r := range p.Reasons {
		if !slices.Contains(out.Reasons, r) {
			out.Reasons = append(out.Reasons, r)
		}
	}
	for _, a := range p.Activities {
		if !slices.ContainsFunc(out.Activities, func(have Activity) bool { return have.Kind == a.Kind }) {
			out.Activities = append(out.Activities, a.Clone())
		}
	}
	if p.Inspection != "" {
		out.Inspection = p.Inspection
	}
	if p.PeerReview != "" {
		out.PeerReview = p.PeerReview
	}
	out.History = append(out.History, HistoryLine(out.State, who, now, why))
	out.UpdateTime = now
	return out, false
}

// better reports whether open offer a is preferred over b for an upgrade:
// higher tier, then newer, then (for a stable choice) the greater name.
func better(a, b Offer) bool {
	if a.Tier.Rank() != b.Tier.Rank() {
		return a.Tier.Rank() > b.Tier.Rank()
	}
	if !a.CreateTime.Equal(b.CreateTime) {
		return a.CreateTime.After(b.CreateTime)
	}
	return a.Name() > b.Name()
}
