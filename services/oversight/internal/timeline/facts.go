package timeline

import (
	"fmt"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/access"
)

// KindEngagementStarted is the kind of a sponsor's engagement starting.
const KindEngagementStarted = "ENGAGEMENT_STARTED"

// System is the role of the steps the services take themselves.
const System = "system"

// who names a role in plain words for summaries.
func who(role string) string {
	switch role {
	case "ofsted_inspector":
		return "Ofsted"
	case "lga_adviser":
		return "The LGA"
	case "dfe_official":
		return "DfE"
	case "council_officer":
		return "The council"
	case "sponsor_officer":
		return "The sponsor"
	case "partner_system":
		return "A partner system"
	}
	return "The service"
}

// words turns an enum name such as REQUIRES_IMPROVEMENT or
// GRADE_REQUIRES_IMPROVEMENT into "requires improvement".
func words(enum, prefix string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(enum, prefix), "_", " "))
}

// Event is the envelope of a domain event, as the consumers pass it.
type Event struct {
	ID      string
	Time    time.Time
	Council string
}

func (e Event) entry(kind, service, role, actor, resource string, res access.Resource, summary string) Entry {
	return Entry{ID: e.ID, Council: e.Council, Kind: kind, Time: e.Time, Role: role, Actor: actor,
		Summary: summary, Resource: resource, Access: res, Service: service}
}

// JudgementPublished is Ofsted's publication of a judgement; a graded one
// becomes the council's latest grade. grade and framework are enum names
// without prefix; grade is "" for a monitoring visit.
func JudgementPublished(e Event, inspection, framework, grade string, published time.Time) Fact {
	summary := fmt.Sprintf("Ofsted published the %s judgement: %s", framework, words(grade, ""))
	if grade == "" {
		summary = fmt.Sprintf("Ofsted published the findings of a %s visit, which grades nothing", framework)
	}
	en := e.entry("JUDGEMENT_PUBLISHED", "inspection", "ofsted_inspector", "", inspection, access.Inspection, summary)
	en.Public = true
	return Fact{Entry: en, Effect: func(s *Standing, at time.Time) {
		if grade == "" {
			return
		}
		j := Judgement{Inspection: inspection, Framework: framework, Grade: grade, Published: published, At: at}
		if j.later(s.Latest) {
			s.Latest = j
		}
		if framework == "SIF" && j.later(s.SIF) {
			s.SIF = j
		}
	}}
}

// EmergencyInspectionRecommended is the inspection service's rules
// recommending an emergency inspection, which stays open until Ofsted
// accepts or dismisses it.
func EmergencyInspectionRecommended(e Event, recommendation, rule string, concerns int) Fact {
	en := e.entry("EMERGENCY_INSPECTION_RECOMMENDED", "inspection", System, "", recommendation, access.Recommendation,
		fmt.Sprintf("An emergency inspection was recommended (rule %s, %d concerns)", rule, concerns))
	return Fact{Entry: en, Effect: func(s *Standing, at time.Time) { s.set(recommendation, KindRecommendation, Open, at) }}
}

// PeerReviewCompleted is the LGA's completion of a peer review.
func PeerReviewCompleted(e Event, review, kind, risk string) Fact {
	return Fact{Entry: e.entry("PEER_REVIEW_COMPLETED", "peerreview", "lga_adviser", "", review, access.PeerReview,
		fmt.Sprintf("The LGA completed a %s: %s risk", words(kind, ""), words(risk, "")))}
}

// SupportOfferCreated is a support offer made to the council.
func SupportOfferCreated(e Event, offer, tier string) Fact {
	return Fact{Entry: e.entry("SUPPORT_OFFER_CREATED", "peerreview", "lga_adviser", "", offer, access.SupportOffer,
		fmt.Sprintf("The LGA offered %s support", words(tier, "")))}
}

// ImprovementPlanOpened is a draft plan opened from an inadequate
// judgement, with its deadline.
func ImprovementPlanOpened(e Event, plan string, deadline time.Time) Fact {
	en := e.entry("PLAN_OPENED", "improvementplan", System, "", plan, access.ImprovementPlan,
		"An improvement plan was opened, due "+deadline.Format("2 January 2006"))
	return Fact{Entry: en, Effect: func(s *Standing, at time.Time) { s.setPlan(plan, PlanDraft, deadline, true, at) }}
}

// ImprovementDeadlineReached is a plan's deadline passing: DfE must decide.
func ImprovementDeadlineReached(e Event, plan string, deadline time.Time) Fact {
	en := e.entry("DEADLINE_REACHED", "improvementplan", System, "", plan, access.ImprovementPlan,
		"The plan's deadline of "+deadline.Format("2 January 2006")+" passed: a decision is due")
	return Fact{Entry: en, Effect: func(s *Standing, at time.Time) { s.setPlan(plan, PlanDecisionDue, deadline, true, at) }}
}

// PlanChange is a change of a plan's state, as ImprovementPlanStateChanged
// announces it. States are the PlanState names without prefix (DRAFT,
// SUBMITTED, ...).
type PlanChange struct {
	Plan, From, To, Reason string
	// Actor and Role are who made it; both "" for the service's own.
	Actor, Role string
	// Deadline is the deadline in force after the change; Pending whether
	// DfE's decision is still to come at it.
	Deadline     time.Time
	Pending      bool
	Intervention string
}

// planKinds are the entries of plan state changes, by the state reached:
// the kind and what completes "<who> <phrase>". A change to a state not
// listed (MONITORING, DECISION_DUE), or back from DECISION_DUE when DfE
// extends the deadline, is told by another entry (PROGRESS_REVIEWED,
// DEADLINE_REACHED, DEADLINE_EXTENDED) and is hidden.
var planKinds = map[string]struct{ kind, phrase string }{
	"SUBMITTED": {"PLAN_SUBMITTED", "submitted the improvement plan"},
	"APPROVED":  {"PLAN_APPROVED", "approved the improvement plan"},
	"CONTINUED": {"PROGRESS_DECIDED", "decided the council made significant improvement: the plan continues"},
	"ESCALATED": {"PROGRESS_DECIDED", "decided progress was insufficient and escalated the plan"},
	"IMPROVED":  {"PLAN_IMPROVED", "found the council no longer inadequate at a re-inspection: the plan is no longer needed"},
	"CLOSED":    {"PLAN_CLOSED", "closed the improvement plan"},
}

// PlanStateChanged is a plan moving from one state to another: the plan's
// state, deadline and pending decision in the standing become the
// change's.
func PlanStateChanged(e Event, c PlanChange) Fact {
	role := c.Role
	if role == "" {
		role, c.Actor = System, ""
	}
	k, listed := planKinds[c.To]
	extension := c.From == "DECISION_DUE" && c.To != "CONTINUED" && c.To != "ESCALATED" && c.To != "IMPROVED"
	if c.From == "SUBMITTED" && c.To == "DRAFT" {
		k, listed = struct{ kind, phrase string }{"PLAN_RETURNED", "returned the improvement plan for more work"}, true
	}
	if !listed || extension {
		k = struct{ kind, phrase string }{"PLAN_STATE_CHANGED", "moved the plan from " + words(c.From, "") + " to " + words(c.To, "")}
	}
	en := e.entry(k.kind, "improvementplan", role, c.Actor, c.Plan, access.ImprovementPlan, who(role)+" "+k.phrase)
	en.Hidden = !listed || extension
	return Fact{Entry: en, Effect: planEffect(c)}
}

func planEffect(c PlanChange) Effect {
	return func(s *Standing, at time.Time) { s.setPlan(c.Plan, "PLAN_STATE_"+c.To, c.Deadline, c.Pending, at) }
}

// PlanDeadlineExtended is DfE extending a plan's deadline; state is the
// plan's state after it (PlanState name without prefix).
func PlanDeadlineExtended(e Event, plan string, previous, next time.Time, reason, by, state string, pending bool) Fact {
	summary := "DfE extended the plan's deadline from " + previous.Format("2 January 2006") + " to " + next.Format("2 January 2006")
	if reason != "" {
		summary += ": " + reason
	}
	en := e.entry("DEADLINE_EXTENDED", "improvementplan", "dfe_official", by, plan, access.ImprovementPlan, summary)
	return Fact{Entry: en, Effect: func(s *Standing, at time.Time) { s.setPlan(plan, "PLAN_STATE_"+state, next, pending, at) }}
}

// InterventionLifted is DfE lifting an intervention; like its order, it
// is public.
func InterventionLifted(e Event, intervention, kind, by string) Fact {
	en := e.entry("INTERVENTION_LIFTED", "improvementplan", "dfe_official", by, intervention, access.Intervention,
		"DfE lifted the intervention: "+words(kind, ""))
	en.Public = true
	return Fact{Entry: en}
}

// InterventionOrdered is DfE ordering an intervention, which escalates the
// plan it names.
func InterventionOrdered(e Event, intervention, kind, plan, orderedBy string) Fact {
	en := e.entry("INTERVENTION_ORDERED", "improvementplan", "dfe_official", orderedBy, intervention, access.Intervention,
		"DfE ordered an intervention: "+words(kind, ""))
	en.Public = true
	return Fact{Entry: en, Effect: func(s *Standing, at time.Time) {
		if plan != "" {
			s.setPlan(plan, PlanEscalated, time.Time{}, false, at)
		}
	}}
}

// SponsorNeedOpened is DfE seeking a sponsor for the council.
func SponsorNeedOpened(e Event, need string) Fact {
	en := e.entry("SPONSOR_NEED_OPENED", "sponsor", "dfe_official", "", need, access.SponsorNeed, "DfE began looking for a sponsor")
	return Fact{Entry: en, Effect: func(s *Standing, at time.Time) { s.set(need, KindNeed, Open, at) }}
}

// EngagementStarted is a sponsor starting to support the council, which
// meets the need it names.
func EngagementStarted(e Event, engagement, sponsor, need string) Fact {
	en := e.entry(KindEngagementStarted, "sponsor", "dfe_official", "", engagement, access.Engagement,
		"A sponsor ("+sponsor+") began supporting the council")
	en.Sponsor = sponsor
	return Fact{Entry: en, Effect: func(s *Standing, at time.Time) {
		s.set(engagement, KindEngagement, Open, at)
		r := s.Records[engagement]
		r.Sponsor = sponsor
		s.Records[engagement] = r
		if need != "" {
			s.set(need, KindNeed, Closed, at)
		}
	}}
}

// KindEngagementEnded is the kind of a sponsor's engagement ending.
const KindEngagementEnded = "ENGAGEMENT_ENDED"

// EngagementEnded is a sponsor's engagement ending: the sponsor no longer
// supports the council through it.
func EngagementEnded(e Event, engagement, sponsor, reason string) Fact {
	summary := "A sponsor (" + sponsor + ") stopped supporting the council"
	if reason != "" {
		summary += ": " + reason
	}
	en := e.entry(KindEngagementEnded, "sponsor", System, "", engagement, access.Engagement, summary)
	en.Sponsor = sponsor
	return Fact{Entry: en, Effect: func(s *Standing, at time.Time) {
		s.set(engagement, KindEngagement, Closed, at)
		r := s.Records[engagement]
		r.Sponsor = sponsor
		s.Records[engagement] = r
	}}
}

// SponsorNeedClosed is DfE closing a council's open need for a sponsor
// by hand.
func SponsorNeedClosed(e Event, need, by string) Fact {
	en := e.entry("SPONSOR_NEED_CLOSED", "sponsor", "dfe_official", by, need, access.SponsorNeed, "DfE stopped looking for a sponsor")
	return Fact{Entry: en, Effect: func(s *Standing, at time.Time) { s.set(need, KindNeed, Closed, at) }}
}

// Mutation is an audit entry about a council's record.
type Mutation struct {
	Event
	// Method is the full gRPC method name, or an event type's name for
	// changes a service made on an event.
	Method string
	// Resource is the record changed; Sponsor its sponsor, if any.
	Resource string
	Sponsor  string
	Actor    string
	Roles    []string
}

// method is what the timeline makes of one audited method.
type method struct {
	kind   string
	access access.Resource
	// phrase completes "<who> <phrase>".
	phrase string
	// effect, if any, with the record changed.
	effect func(s *Standing, name string, at time.Time)
	// under, when set, is the collection the changed record must be in:
	// a method that audits several records is one step, on that one.
	under string
}

// methods maps the audited methods worth a timeline entry of their own.
// Methods whose change already has a domain event (publishing a judgement,
// changing a plan's state or deadline, ordering or lifting an
// intervention, opening or closing a need, completing a review, creating
// an offer, approving a match run) are left out, as are the changes
// services make on events: the event gives that step's entry.
var methods = map[string]method{
	"InspectionService/CreateInspection":                         {"INSPECTION_SCHEDULED", access.Inspection, "scheduled an inspection", nil, ""},
	"InspectionService/RaiseConcern":                             {"CONCERN_RAISED", access.Concern, "raised a concern", nil, ""},
	"InspectionService/AcceptEmergencyInspectionRecommendation":  {"EMERGENCY_INSPECTION_ACCEPTED", access.Recommendation, "accepted the emergency-inspection recommendation", closeRecommendation, ""},
	"InspectionService/DismissEmergencyInspectionRecommendation": {"EMERGENCY_INSPECTION_DISMISSED", access.Recommendation, "dismissed the emergency-inspection recommendation", closeRecommendation, ""},
	"PeerReviewService/RequestPeerReview":                        {"PEER_REVIEW_REQUESTED", access.PeerReview, "asked for a peer review", nil, ""},
	"PeerReviewService/SchedulePeerReview":                       {"PEER_REVIEW_SCHEDULED", access.PeerReview, "scheduled the peer review", nil, ""},
	"PeerReviewService/StartOnSite":                              {"PEER_REVIEW_ON_SITE", access.PeerReview, "began the peer review on site", nil, ""},
	"PeerReviewService/CancelPeerReview":                         {"PEER_REVIEW_CANCELLED", access.PeerReview, "cancelled the peer review", nil, ""},
	"PeerReviewService/TransitionSupportOffer":                   {"SUPPORT_OFFER_CHANGED", access.SupportOffer, "changed the support offer's state", nil, ""},
	"ImprovementPlanService/CreateProgressReview":                {"PROGRESS_REVIEWED", access.ProgressReview, "recorded a progress review", nil, ""},
	"SponsorService/RecordDeployment":                            {"STAFF_DEPLOYED", access.Deployment, "recorded staff deployed to the council", nil, "deployments"},
}

func closeRecommendation(s *Standing, name string, at time.Time) {
	s.set(name, KindRecommendation, Closed, at)
}

// shortMethod is "Service/Method" of a full gRPC method name such as
// /turnaround.inspection.v1.InspectionService/RaiseConcern.
func shortMethod(full string) string {
	full = strings.TrimPrefix(full, "/")
	svc, m, ok := strings.Cut(full, "/")
	if !ok {
		return full
	}
	return svc[strings.LastIndex(svc, ".")+1:] + "/" + m
}

// FromMutation is the fact of an audited change, and false when the change
// is not a step of its own on the timeline.
func FromMutation(m Mutation) (Fact, bool) {
	def, ok := methods[shortMethod(m.Method)]
	if !ok || (def.under != "" && !strings.Contains(m.Resource, "/"+def.under+"/")) {
		return Fact{}, false
	}
	role := System
	if len(m.Roles) > 0 {
		role = m.Roles[0]
	}
	service := strings.ToLower(strings.TrimSuffix(strings.Split(shortMethod(m.Method), "/")[0], "Service"))
	en := m.entry(def.kind, service, role, m.Actor, m.Resource, def.access, who(role)+" "+def.phrase)
	en.Sponsor = m.Sponsor
	f := Fact{Entry: en}
	if def.effect != nil {
		name := m.Resource
		f.Effect = func(s *Standing, at time.Time) { def.effect(s, name, at) }
	}
	return f, true
}
