// Package access is who may do what in Turnaround: ONE table of role ×
// resource × action, with the scope each grant reaches (every record, the
// caller's own council or sponsor, the councils a sponsor actively
// supports, published records only, or the fact of a record without its
// confidential content).
//
// The table follows the memorandum of understanding's "roles and
// boundaries": Ofsted records inspections and reads what informs them; the
// LGA runs sector-led peer reviews and support; DfE intervenes and matches
// sponsors and reads everything except the content of peer reviews; a
// council officer works on their own council only; a sponsor officer reads
// its own engagements and the plans, progress reviews and interventions of
// the councils it actively supports; a partner system reads what is
// published.
//
// Every RPC declares its (resource, action) with Rule, which the one
// authorisation interceptor enforces by role; handlers then call Check with
// the record's council, sponsor and publication state for the object-level
// decision. Markdown renders the table for the docs, so the docs never
// restate it by hand.
package access

import (
	"fmt"
	"slices"
	"strings"

	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// Resource is a kind of record, named as its protobuf message is.
type Resource string

// The resources of the suite.
const (
	LocalAuthority        Resource = "LocalAuthority"
	Inspection            Resource = "Inspection"
	Concern               Resource = "Concern"
	Recommendation        Resource = "EmergencyInspectionRecommendation"
	IndicatorSet          Resource = "IndicatorSet"
	RiskAssessment        Resource = "RiskAssessment"
	InadequacyProjection  Resource = "InadequacyProjection"
	PeerReview            Resource = "PeerReview"
	Reviewer              Resource = "Reviewer"
	ReviewPriority        Resource = "ReviewPriority"
	SupportOffer          Resource = "SupportOffer"
	Lesson                Resource = "Lesson"
	ThemeSummary          Resource = "ThemeSummary"
	ImprovementPlan       Resource = "ImprovementPlan"
	ProgressReview        Resource = "ProgressReview"
	Intervention          Resource = "Intervention"
	Sponsor               Resource = "Sponsor"
	SponsorNeed           Resource = "SponsorNeed"
	MatchRun              Resource = "MatchRun"
	Engagement            Resource = "Engagement"
	Deployment            Resource = "Deployment"
	CompensationStatement Resource = "CompensationStatement"
	TimelineEntry         Resource = "TimelineEntry"
	NationalOverview      Resource = "NationalOverview"
	AuditEntry            Resource = "AuditEntry"
	WebhookSubscription   Resource = "WebhookSubscription"
	// Delivery is one event sent to one webhook subscription, with its
	// attempts.
	Delivery Resource = "Delivery"
	// EventStream is the partner-events stream (WatchEvents): each event
	// on it reaches only callers who may read the record it concerns.
	EventStream Resource = "EventStream"
	// Clock is the suite's clock (services/platform/clock), which DfE
	// moves forward to rehearse the six-month clock.
	Clock Resource = "Clock"
)

// Action is what a caller does to a resource.
type Action string

// The actions. Read covers Get and List; Write covers Create, Update and
// Delete; the others are the domain's own verbs where their grants differ.
const (
	Read      Action = "read"
	Write     Action = "write"
	Publish   Action = "publish"
	Decide    Action = "decide"
	Import    Action = "import"
	Request   Action = "request"
	Run       Action = "run"
	Respond   Action = "respond"
	Submit    Action = "submit"
	Approve   Action = "approve"
	Review    Action = "review"
	Order     Action = "order"
	Record    Action = "record"
	Subscribe Action = "subscribe"
	Redeliver Action = "redeliver"
	Advance   Action = "advance"
)

// Scope is how far a grant reaches.
type Scope int

// The scopes, from widest to narrowest.
const (
	// Every record of the resource.
	Every Scope = iota + 1
	// Own: records of the caller's own council (council officers, by the
	// token's authority claim) or own sponsor (sponsor officers, by the
	// sponsor claim).
	Own
	// Supported: records of the councils the caller's sponsor actively
	// supports (an ACTIVE engagement), and of its own sponsor.
	Supported
	// Published: records that are public: published judgements, ordered
	// interventions, and the anonymised lessons and figures.
	Published
	// Summary: the fact of a record (that it exists, its kind, dates and
	// state), never its confidential content.
	Summary
)

func (s Scope) String() string {
	switch s {
	case Every:
		return "all"
	case Own:
		return "own"
	case Supported:
		return "supported"
	case Published:
		return "published"
	case Summary:
		return "summary"
	}
	return fmt.Sprintf("scope(%d)", int(s))
}

// Grant gives a role an action on a resource, as far as Scope reaches.
type Grant struct {
	Role  auth.Role
	Scope Scope
}

// Cell is one (resource, action) of the table and its grants.
type Cell struct {
	Resource Resource
	Action   Action
	Grants   []Grant
	// Why says, in the domain's words, why the cell is as it is.
	Why string
}

const (
	ofsted  = auth.RoleOfstedInspector
	lga     = auth.RoleLGAAdviser
	dfe     = auth.RoleDfEOfficial
	council = auth.RoleCouncilOfficer
	sponsor = auth.RoleSponsorOfficer
	partner = auth.RolePartnerSystem
)

func g(r auth.Role, s Scope) Grant { return Grant{Role: r, Scope: s} }

// everyone grants every role the whole resource.
var everyone = []Grant{g(ofsted, Every), g(lga, Every), g(dfe, Every), g(council, Every), g(sponsor, Every), g(partner, Every)}

// table is THE access matrix.
var table = []Cell{
	{LocalAuthority, Read, everyone, "the register of councils is public"},

	{Inspection, Read, []Grant{g(ofsted, Every), g(lga, Every), g(dfe, Every), g(council, Published), g(sponsor, Published), g(partner, Published)},
		"published judgements are public; work in progress is Ofsted's, shared with the LGA and DfE"},
	{Inspection, Write, []Grant{g(ofsted, Every)}, "Ofsted records inspections"},
	{Inspection, Publish, []Grant{g(ofsted, Every)}, "Ofsted publishes judgements"},
	{Inspection, Import, []Grant{g(ofsted, Every), g(dfe, Every)}, "Ofsted and DfE import the record of judgements already published"},

	{Concern, Read, []Grant{g(ofsted, Every), g(lga, Every), g(dfe, Every), g(council, Own)},
		"concerns inform inspection; a council sees the concerns about itself"},
	{Concern, Write, []Grant{g(ofsted, Every)}, "Ofsted records concerns (the sharper triggers)"},
	{Recommendation, Read, []Grant{g(ofsted, Every), g(lga, Every), g(dfe, Every), g(council, Own)},
		"as concerns: a council sees the recommendations about itself"},
	{Recommendation, Decide, []Grant{g(ofsted, Every)}, "emergency inspections are Ofsted's call"},

	{IndicatorSet, Read, []Grant{g(ofsted, Every), g(lga, Every), g(dfe, Every), g(council, Own)},
		"indicators inform risk; a council sees its own"},
	{IndicatorSet, Import, []Grant{g(dfe, Every), g(partner, Every)}, "DfE and partner systems supply the published indicators"},
	{RiskAssessment, Read, []Grant{g(ofsted, Every), g(lga, Every), g(dfe, Every), g(council, Own)},
		"risk scores are not public; a council sees its own"},
	{InadequacyProjection, Read, everyone, "the projection is computed from published judgements only"},

	{PeerReview, Read, []Grant{g(lga, Every), g(council, Own), g(dfe, Summary), g(ofsted, Summary)},
		"the content of a sector-led review (findings, team, report) is confidential to the council and the LGA; DfE and Ofsted see that a review took place, its kind, dates and state"},
	{PeerReview, Request, []Grant{g(lga, Every), g(council, Own)}, "a council or the LGA asks for a review"},
	{PeerReview, Run, []Grant{g(lga, Every)}, "the LGA runs peer reviews and diagnostics"},
	{Reviewer, Read, []Grant{g(lga, Every), g(dfe, Every)}, "the reviewer pool is the LGA's; DfE reads it (it is not review content)"},
	{Reviewer, Write, []Grant{g(lga, Every)}, "the LGA manages the reviewer pool"},
	{ReviewPriority, Read, []Grant{g(lga, Every), g(dfe, Every)}, "the LGA prioritises councils for peer review; DfE reads it"},
	{SupportOffer, Read, []Grant{g(lga, Every), g(dfe, Every), g(council, Own)}, "DfE reads support offers; a council its own"},
	{SupportOffer, Write, []Grant{g(lga, Every)}, "the LGA makes support offers"},
	{SupportOffer, Respond, []Grant{g(lga, Every), g(council, Own)}, "the LGA moves an offer on; a council accepts or declines its own (which move each may make is the offer's own rule)"},
	{Lesson, Read, everyone, "What Works lessons are good practice councils agreed to share, for everyone"},
	{Lesson, Write, []Grant{g(lga, Every)}, "the LGA curates What Works"},
	{ThemeSummary, Read, []Grant{g(lga, Every), g(council, Every)},
		"What Works theme summaries count peer review findings, each over at least the disclosure threshold of councils, for those who read findings: the LGA and councils; DfE and Ofsted see when each review completes, so two summaries apart would give one council's findings away"},

	{ImprovementPlan, Read, []Grant{g(ofsted, Every), g(lga, Every), g(dfe, Every), g(council, Own), g(sponsor, Supported)},
		"plans inform inspection and intervention; a council reads its own, a sponsor those of councils it actively supports"},
	{ImprovementPlan, Submit, []Grant{g(council, Own)}, "a council writes and submits its own plan"},
	{ImprovementPlan, Approve, []Grant{g(dfe, Every)}, "DfE approves or returns plans, extends deadlines and decides progress"},
	{ProgressReview, Read, []Grant{g(ofsted, Every), g(lga, Every), g(dfe, Every), g(council, Own), g(sponsor, Supported)},
		"as plans"},
	{ProgressReview, Review, []Grant{g(ofsted, Every), g(dfe, Every), g(council, Own)}, "progress is reviewed by Ofsted, DfE or the council itself"},
	{Intervention, Read, []Grant{g(ofsted, Every), g(lga, Every), g(dfe, Every), g(council, Own), g(sponsor, Supported), g(council, Published), g(sponsor, Published), g(partner, Published)},
		"an ordered intervention and its kind are public"},
	{Intervention, Order, []Grant{g(dfe, Every)}, "DfE orders and lifts interventions"},

	{Sponsor, Read, []Grant{g(dfe, Every), g(lga, Every), g(sponsor, Own)}, "DfE manages sponsors; the LGA sees who supports whom; a sponsor sees itself"},
	{Sponsor, Write, []Grant{g(dfe, Every)}, "DfE manages sponsors"},
	{SponsorNeed, Read, []Grant{g(dfe, Every), g(council, Own)}, "a council sees the support DfE seeks for it"},
	{SponsorNeed, Write, []Grant{g(dfe, Every)}, "DfE opens and changes needs"},
	{MatchRun, Read, []Grant{g(dfe, Every)}, "matching is DfE's"},
	{MatchRun, Run, []Grant{g(dfe, Every)}, "DfE runs matching"},
	{MatchRun, Approve, []Grant{g(dfe, Every)}, "a second DfE official approves or rejects a run (four eyes)"},
	{Engagement, Read, []Grant{g(dfe, Every), g(lga, Every), g(sponsor, Own), g(council, Own)},
		"the LGA sees which sponsor supports a council; a sponsor its own engagements; a council its own"},
	{Deployment, Read, []Grant{g(dfe, Every), g(sponsor, Own)}, "staff deployments and compensation are DfE's and the sponsor's"},
	{Deployment, Record, []Grant{g(sponsor, Own)}, "a sponsor logs the staff it deploys"},
	{CompensationStatement, Read, []Grant{g(dfe, Every), g(sponsor, Own)}, "as deployments"},

	{TimelineEntry, Read, []Grant{g(ofsted, Every), g(lga, Every), g(dfe, Every), g(council, Own), g(sponsor, Supported), g(partner, Published)},
		"each entry is shown only to callers who may read the record it points at"},
	{NationalOverview, Read, []Grant{g(ofsted, Every), g(lga, Every), g(dfe, Every)}, "the national picture is for Ofsted, the LGA and DfE"},
	{AuditEntry, Read, []Grant{g(dfe, Every), g(council, Own)}, "DfE reads the audit trail; a council its own"},
	{WebhookSubscription, Subscribe, []Grant{g(partner, Own), g(dfe, Every)}, "partner systems manage their own subscriptions; DfE sees all"},
	{WebhookSubscription, Read, []Grant{g(partner, Own), g(dfe, Every)}, "a partner system reads the subscriptions it created; DfE reads all"},
	{WebhookSubscription, Write, []Grant{g(partner, Own), g(dfe, Every)}, "a partner system changes, deletes and re-enables its own subscriptions; DfE any"},
	{Delivery, Read, []Grant{g(partner, Own), g(dfe, Every)}, "the deliveries of a subscription, with every attempt, are for whoever reads the subscription"},
	{Delivery, Redeliver, []Grant{g(partner, Own), g(dfe, Every)}, "a partner system replays an event to its own endpoint; DfE to any"},
	{EventStream, Subscribe, everyone, "anyone may watch; each event reaches only callers who may read the record it concerns (a partner system: published judgements and ordered interventions)"},
	{Clock, Advance, []Grant{g(dfe, Every)}, "DfE moves the suite's clock forward to rehearse the six-month clock in training (never in production)"},
}

// Cells returns the table, in its fixed order. The slice is a copy.
func Cells() []Cell { return slices.Clone(table) }

// cell finds the (resource, action) cell; ok is false when the table has
// none, which Rule treats as a programming error.
func cell(res Resource, act Action) (Cell, bool) {
	for _, c := range table {
		if c.Resource == res && c.Action == act {
			return c, true
		}
	}
	return Cell{}, false
}

// Roles returns the roles with any grant of act on res.
func Roles(res Resource, act Action) []auth.Role {
	c, _ := cell(res, act)
	var out []auth.Role
	for _, gr := range c.Grants {
		if !slices.Contains(out, gr.Role) {
			out = append(out, gr.Role)
		}
	}
	return out
}

// Rule is the role-level policy of an RPC that performs act on res: the
// interceptor admits any role with a grant in the cell. It panics on a
// cell the table lacks, so a typo fails when the service starts, in every
// test that builds it.
func Rule(res Resource, act Action) auth.Policy {
	if _, ok := cell(res, act); !ok {
		panic(fmt.Sprintf("access: no cell for %s %s", act, res))
	}
	return auth.Policy{Roles: Roles(res, act), Resource: string(res), Action: string(act)}
}

// Methods maps the methods of a handler set, by full gRPC name, to the
// action each performs on the set's resource.
type Methods map[string]Action

// Rules is the role-level policy of every method of a handler set whose
// methods all act on res: Rule of res and each method's action.
func Rules(res Resource, methods Methods) auth.Policies {
	ps := make(auth.Policies, len(methods))
	for method, act := range methods {
		ps[method] = Rule(res, act)
	}
	return ps
}

// Object describes the record a caller acts on, for Check.
type Object struct {
	// Council is the GSS code of the council the record belongs to; empty
	// for records of no council (sponsors, match runs).
	Council string
	// Sponsor is the id of the sponsor the record belongs to, if any.
	Sponsor string
	// Public reports whether the record is published (a published
	// judgement, an ordered intervention).
	Public bool
	// SupportedBy lists the sponsors actively supporting Council, for
	// sponsor officers' Supported grants. Handlers fill it only when the
	// caller is a sponsor officer.
	SupportedBy []string
	// Name is the record's resource name, for the error message.
	Name string
}

// View is how much of a record a permitted caller sees.
type View int

// Views.
const (
	// Denied: nothing.
	Denied View = iota
	// Summarised: the fact of the record, without confidential content.
	Summarised
	// Full: the whole record.
	Full
)

// Reasons of the PERMISSION_DENIED faults Check returns.
const (
	ReasonNotAllowed = "PERMISSION_DENIED_BY_MATRIX"
)

// ViewOf is the widest view of obj that any of p's roles grants for act on
// res: Full when a grant's scope covers the object, Summarised when only a
// Summary grant does, Denied otherwise. A narrow role never widens another:
// each grant is judged on its own.
func ViewOf(p auth.Principal, res Resource, act Action, obj Object) View {
	c, ok := cell(res, act)
	if !ok {
		return Denied
	}
	best := Denied
	for _, gr := range c.Grants {
		if !p.HasRole(gr.Role) {
			continue
		}
		switch gr.Scope {
		case Every:
			return Full
		case Own:
			if ownedBy(p, gr.Role, obj) {
				return Full
			}
		case Supported:
			if gr.Role == auth.RoleSponsorOfficer && p.Sponsor != "" &&
				(slices.Contains(obj.SupportedBy, p.Sponsor) || obj.Sponsor == p.Sponsor) {
				return Full
			}
		case Published:
			if obj.Public {
				return Full
			}
		case Summary:
			best = Summarised
		}
	}
	return best
}

// ownedBy reports whether obj is the caller's own under role: their council
// for a council officer, their sponsor for a sponsor officer, and for a
// partner system a record it owns (its own subscriptions, named by its
// subject in Sponsor-less records through Object.Sponsor = subject).
func ownedBy(p auth.Principal, role auth.Role, obj Object) bool {
	switch role {
	case auth.RoleCouncilOfficer:
		return p.Authority != "" && obj.Council == p.Authority
	case auth.RoleSponsorOfficer:
		return p.Sponsor != "" && obj.Sponsor == p.Sponsor
	case auth.RolePartnerSystem:
		return p.Subject != "" && obj.Sponsor == p.Subject
	}
	return false
}

// Check is the object-level decision: nil when p may act on obj in full,
// and a PERMISSION_DENIED fault otherwise (a Summarised view is denied too:
// handlers that can render a summary call ViewOf instead).
func Check(p auth.Principal, res Resource, act Action, obj Object) error {
	if ViewOf(p, res, act, obj) == Full {
		return nil
	}
	what := obj.Name
	if what == "" {
		what = "this " + string(res)
	}
	return fault.PermissionDenied(ReasonNotAllowed, "the caller may not %s %s", act, what).
		With("resource", string(res)).With("action", string(act))
}

// Markdown renders the table: one row per (resource, action), one column
// per role, each cell naming the scope granted ("all", "own", "supported",
// "published", "summary") or "—".
func Markdown() string {
	var b strings.Builder
	roles := auth.AllRoles()
	b.WriteString("| resource | action |")
	for _, r := range roles {
		b.WriteString(" " + string(r) + " |")
	}
	b.WriteString(" why |\n|---|---|")
	for range roles {
		b.WriteString("---|")
	}
	b.WriteString("---|\n")
	for _, c := range table {
		fmt.Fprintf(&b, "| %s | %s |", c.Resource, c.Action)
		for _, r := range roles {
			var scopes []string
			for _, gr := range c.Grants {
				if gr.Role == r {
					scopes = append(scopes, gr.Scope.String())
				}
			}
			if len(scopes) == 0 {
				b.WriteString(" — |")
			} else {
				b.WriteString(" " + strings.Join(scopes, ", ") + " |")
			}
		}
		fmt.Fprintf(&b, " %s |\n", c.Why)
	}
	return b.String()
}
