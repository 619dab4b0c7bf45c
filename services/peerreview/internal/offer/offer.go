// Package offer holds the rules of the LGA's support offers to councils:
// the tiers (the standard sector-led offer, enhanced support for a council
// at risk of an inadequate judgement, and improvement support for a council
// judged inadequate), the activities each offer lends and who lends them,
// the lifecycle offered → accepted → active → completed (or offered →
// declined) with who may move it, and how a published inadequate judgement
// or a worrying peer review creates or upgrades a council's offer. It is
// pure Go: the store and the transport live in offerstore, offerapi and
// events.
package offer

import (
	"slices"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Resource name parts.
const (
	// Collection is the collection of offers under a council.
	Collection = "supportOffers"
	// AllCouncils is the parent wildcard of a cross-council list,
	// `localAuthorities/-`, in place of a GSS code.
	AllCouncils = resource.AllCouncils
)

// Tier is the level of support, named as the proto enum OfferTier without
// its OFFER_TIER_ prefix.
type Tier string

// The tiers, lowest first.
const (
	// Standard is the standard sector-led offer.
	Standard Tier = "STANDARD"
	// Enhanced is enhanced support for a council at risk of an inadequate
	// judgement at its next inspection.
	Enhanced Tier = "ENHANCED"
	// InadequateCouncil is improvement support for a council judged
	// inadequate, focused on a credible improvement plan.
	InadequateCouncil Tier = "INADEQUATE_COUNCIL"
)

// Tiers lists the tiers lowest first, in the order of the proto enum.
var Tiers = []Tier{Standard, Enhanced, InadequateCouncil}

// Valid reports whether t is one of Tiers.
func (t Tier) Valid() bool { return slices.Contains(Tiers, t) }

// Rank orders tiers: 1 for standard to 3 for inadequate-council support, 0
// for anything else, so a higher rank is more support.
func (t Tier) Rank() int { return slices.Index(Tiers, t) + 1 }

// State is where an offer is, named as the proto enum OfferState without
// its OFFER_STATE_ prefix.
type State string

// The states. An offer is created OFFERED; the council accepts or declines
// it; the LGA starts the accepted support (ACTIVE) and finishes it
// (COMPLETED).
const (
	Offered   State = "OFFERED"
	Accepted  State = "ACCEPTED"
	Active    State = "ACTIVE"
	Completed State = "COMPLETED"
	Declined  State = "DECLINED"
)

// States lists the states in the order of the proto enum.
var States = []State{Offered, Accepted, Active, Completed, Declined}

// Valid reports whether s is one of States.
func (s State) Valid() bool { return slices.Contains(States, s) }

// Open reports whether an offer in state s is still live: offered, accepted
// or active. Only open offers change; a judgement or review upgrades the
// council's open offer rather than adding a second one.
func (s State) Open() bool { return s == Offered || s == Accepted || s == Active }

// ActivityKind is a kind of support, named as the proto enum ActivityKind
// without its ACTIVITY_KIND_ prefix.
type ActivityKind string

// The kinds of support.
const (
	Mentoring              ActivityKind = "MENTORING"
	LeadershipCoaching     ActivityKind = "LEADERSHIP_COACHING"
	PracticeWorkshops      ActivityKind = "PRACTICE_WORKSHOPS"
	DiagnosticFollowUp     ActivityKind = "DIAGNOSTIC_FOLLOW_UP"
	ImprovementPlanSupport ActivityKind = "IMPROVEMENT_PLAN_SUPPORT"
)

// ActivityKinds lists the kinds in the order of the proto enum.
var ActivityKinds = []ActivityKind{Mentoring, LeadershipCoaching, PracticeWorkshops, DiagnosticFollowUp, ImprovementPlanSupport}

// Valid reports whether k is one of ActivityKinds.
func (k ActivityKind) Valid() bool { return slices.Contains(ActivityKinds, k) }

// Activity is one piece of support: so many days of a kind of help, lent by
// staff of the providing councils.
type Activity struct {
	Kind ActivityKind
	// Days of support, 1 to MaxDays.
	Days int
	// ProvidingCouncils are the GSS codes of the councils lending staff;
	// empty until the LGA has found lenders.
	ProvidingCouncils []string
	Description       string
}

// Clone returns a copy of a that shares nothing with it.
func (a Activity) Clone() Activity {
	a.ProvidingCouncils = slices.Clone(a.ProvidingCouncils)
	return a
}

// Offer is support offered to one council.
type Offer struct {
	// GSSCode is the supported council's code; ID is unique within it.
	GSSCode string
	ID      string
	Tier    Tier
	State   State
	// Reasons say why: the review's findings or the judgement behind it.
	Reasons []string
	// PeerReview is the resource name of the review that led to the offer,
	// if any; Inspection that of the inspection whose judgement did. Both
	// are set by the service, never by callers.
	PeerReview string
	Inspection string
	Activities []Activity
	// History holds every state change (and tier rise) as
	// "STATE by WHO at TIME: why", oldest first (see HistoryLine).
	History []string
	// Version is the record's check-and-set version: its etag.
	Version    int64
	CreateTime time.Time
	UpdateTime time.Time
}

// Clone returns a deep copy of o, so a rule can change the copy without
// touching a value its caller still holds.
func (o Offer) Clone() Offer {
	o.Reasons = slices.Clone(o.Reasons)
	o.History = slices.Clone(o.History)
	acts := make([]Activity, len(o.Activities))
	for i, a := range o.Activities {
		acts[i] = a.Clone()
	}
	if o.Activities == nil {
		acts = nil
	}
	o.Activities = acts
	return o
}

// Name is the offer's resource name,
// localAuthorities/{gss_code}/supportOffers/{id}.
func (o Offer) Name() string { return Name(o.GSSCode, o.ID) }

// Name returns the resource name of offer id of the council gss.
func Name(gss, id string) string { return resource.CouncilChildName(gss, Collection, id) }

// ParseInspectionName reads the name of an inspection in another service,
// localAuthorities/{gss_code}/inspections/{id}, as judgement events carry
// it. The ID is checked only for what keys built from it need (see
// validForeignID), since the inspection service owns its format.
func ParseInspectionName(name string) (gss, id string, ok bool) {
	gss, id, ok = splitChild(name, "inspections")
	return gss, id, ok && validForeignID(id)
}

// ParseReviewName reads a peer review's name,
// localAuthorities/{gss_code}/peerReviews/{id}, as review events carry it.
func ParseReviewName(name string) (gss, id string, ok bool) {
	gss, id, ok = splitChild(name, "peerReviews")
	return gss, id, ok && validForeignID(id)
}

// splitChild splits localAuthorities/{gss}/{collection}/{id}.
func splitChild(name, collection string) (gss, id string, ok bool) {
	rest, ok := strings.CutPrefix(name, resource.Councils+"/")
	if !ok {
		return "", "", false
	}
	gss, tail, ok := strings.Cut(rest, "/")
	if !ok || !reference.ValidGSSCode(gss) {
		return "", "", false
	}
	id, ok = strings.CutPrefix(tail, collection+"/")
	return gss, id, ok && id != ""
}

// validForeignID accepts the IDs another service's resource names can
// carry and that are safe inside a Redis key: 1 to 63 letters, digits,
// hyphens and underscores (no braces, which would move a key's hash tag,
// and no colons or slashes).
func validForeignID(id string) bool {
	if len(id) == 0 || len(id) > resource.MaxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// HistoryLine renders one history entry as "STATE by WHO at TIME: why",
// the time in RFC 3339 UTC; without a reason the ": why" part is left out.
func HistoryLine(state State, who string, at time.Time, why string) string {
	line := string(state) + " by " + who + " at " + at.UTC().Format(time.RFC3339)
	if why = strings.TrimSpace(why); why != "" {
		line += ": " + why
	}
	return line
}
