// Package review holds the rules of the LGA's peer reviews and practice
// diagnostics of a council's children's services: the kinds, the lifecycle
// from a request to a completed review (or a cancelled one), the dates on
// site, the team of peers, the findings against a fixed taxonomy of themes
// and the conclusion on the risk of an inadequate judgement. It is pure Go:
// the store and the transport live in reviewstore and reviewapi.
package review

import (
	"slices"
	"time"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
)

// Collection is the resource collection of peer reviews under a council.
const Collection = "peerReviews"

// AllCouncils is the parent wildcard of a cross-council list,
// `localAuthorities/-`, in place of a GSS code.
const AllCouncils = "-"

// Kind is the kind of review, named as the proto enum ReviewKind without
// its REVIEW_KIND_ prefix.
type Kind string

// The kinds of review.
const (
	// SafeguardingPeerReview is a full Safeguarding Peer Review.
	SafeguardingPeerReview Kind = "SAFEGUARDING_PEER_REVIEW"
	// SafeguardingPracticeDiagnostic is a Safeguarding Practice Diagnostic.
	SafeguardingPracticeDiagnostic Kind = "SAFEGUARDING_PRACTICE_DIAGNOSTIC"
	// CarePracticeDiagnostic is a Care Practice Diagnostic.
	CarePracticeDiagnostic Kind = "CARE_PRACTICE_DIAGNOSTIC"
)

// Kinds lists the kinds in the order of the proto enum.
var Kinds = []Kind{SafeguardingPeerReview, SafeguardingPracticeDiagnostic, CarePracticeDiagnostic}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// State is where a review is in its life, named as the proto enum
// ReviewState without its REVIEW_STATE_ prefix.
type State string

// The states; see Transitions for the moves between them.
const (
	Requested State = "REQUESTED"
	Scheduled State = "SCHEDULED"
	OnSite    State = "ON_SITE"
	Reporting State = "REPORTING"
	Completed State = "COMPLETED"
	Cancelled State = "CANCELLED"
)

// States lists the states in the order of the proto enum.
var States = []State{Requested, Scheduled, OnSite, Reporting, Completed, Cancelled}

// Valid reports whether s is one of States.
func (s State) Valid() bool { return slices.Contains(States, s) }

// UnderWay reports whether a review in state s is under way: requested and
// neither completed nor cancelled. A council has at most one review under
// way at a time.
func (s State) UnderWay() bool {
	return s == Requested || s == Scheduled || s == OnSite || s == Reporting
}

// Committing reports whether a review in state s holds its team's days:
// from scheduling until it is completed or cancelled. Reviewers' committed
// days are the sum over such reviews.
func (s State) Committing() bool {
	return s == Scheduled || s == OnSite || s == Reporting
}

// Theme is one theme of the fixed taxonomy of findings, which reviewers'
// expertise shares: the reviewer package owns it (reviewer.Themes lists
// it), so a finding's theme and a reviewer's expertise compare directly.
type Theme = reviewer.Theme

// FindingKind says whether a finding is a strength, named as the proto enum
// FindingKind without its FINDING_KIND_ prefix.
type FindingKind string

// The kinds of finding.
const (
	Strength           FindingKind = "STRENGTH"
	AreaForImprovement FindingKind = "AREA_FOR_IMPROVEMENT"
)

// FindingKinds lists the kinds of finding in the order of the proto enum.
var FindingKinds = []FindingKind{Strength, AreaForImprovement}

// Valid reports whether k is one of FindingKinds.
func (k FindingKind) Valid() bool { return slices.Contains(FindingKinds, k) }

// Severity is how serious an area for improvement is, named as the proto
// enum FindingSeverity without its FINDING_SEVERITY_ prefix. Strengths have
// none ("").
type Severity string

// The severities, least serious first.
const (
	Minor       Severity = "MINOR"
	Significant Severity = "SIGNIFICANT"
	// Severe puts the council at risk of an inadequate judgement.
	Severe Severity = "SEVERE"
)

// Severities lists the severities in the order of the proto enum.
var Severities = []Severity{Minor, Significant, Severe}

// Valid reports whether s is one of Severities.
func (s Severity) Valid() bool { return slices.Contains(Severities, s) }

// Finding is one thing a review found.
type Finding struct {
	Theme Theme
	Kind  FindingKind
	// Severity is set for an area for improvement and "" for a strength.
	Severity Severity
	Evidence string
}

// Risk is a completed review's view of the risk of an inadequate judgement
// at the council's next inspection, named as the proto enum InadequacyRisk
// without its INADEQUACY_RISK_ prefix.
type Risk string

// The risks, lowest first.
const (
	RiskNone   Risk = "NONE"
	RiskLow    Risk = "LOW"
	RiskMedium Risk = "MEDIUM"
	RiskHigh   Risk = "HIGH"
)

// Risks lists the risks in the order of the proto enum.
var Risks = []Risk{RiskNone, RiskLow, RiskMedium, RiskHigh}

// Valid reports whether r is one of Risks.
func (r Risk) Valid() bool { return slices.Contains(Risks, r) }

// Member is one reviewer on a review's team.
type Member struct {
	// ReviewerID is the reviewer's ID, the last segment of reviewers/{id}.
	ReviewerID string
	Lead       bool
	// Days are the days the reviewer commits to the review.
	Days int
}

// Review is one peer review or diagnostic of a council.
type Review struct {
	// GSSCode is the reviewed council's code; ID is unique within it.
	GSSCode string
	ID      string
	Kind    Kind
	State   State
	// Reason says why the review was requested.
	Reason string
	// StartDate and EndDate are the first and last days on site, midnight
	// UTC; the zero time until the review is scheduled.
	StartDate time.Time
	EndDate   time.Time
	// Team is set when a proposed team is accepted, lead first.
	Team     []Member
	Findings []Finding
	// ConclusionRisk and Conclusion are set on completion.
	ConclusionRisk Risk
	Conclusion     string
	// SupportOffer names the support offer the conclusion led to, once the
	// offer exists (localAuthorities/{gss}/supportOffers/{id}).
	SupportOffer string
	// RequestedBy is the subject of the caller who requested the review.
	RequestedBy  string
	CancelReason string
	CompleteTime time.Time
	// Version is the record's check-and-set version: its etag.
	Version    int64
	CreateTime time.Time
}

// Clone returns a deep copy of rv, so a rule can change the copy without
// touching a value its caller still holds.
func (rv Review) Clone() Review {
	rv.Team = slices.Clone(rv.Team)
	rv.Findings = slices.Clone(rv.Findings)
	return rv
}

// Name is the review's resource name,
// localAuthorities/{gss_code}/peerReviews/{id}.
func (rv Review) Name() string { return Name(rv.GSSCode, rv.ID) }

// Council is the reviewed council's resource name, localAuthorities/{gss}.
func (rv Review) Council() string { return resource.CouncilName(rv.GSSCode) }

// Lead returns the team's lead, if a team is assigned.
func (rv Review) Lead() (Member, bool) {
	for _, m := range rv.Team {
		if m.Lead {
			return m, true
		}
	}
	return Member{}, false
}

// SevereThemes lists, in taxonomy order and once each, the themes of the
// review's severe areas for improvement.
func (rv Review) SevereThemes() []Theme {
	var out []Theme
	for _, t := range reviewer.Themes {
		for _, f := range rv.Findings {
			if f.Theme == t && f.Kind == AreaForImprovement && f.Severity == Severe {
				out = append(out, t)
				break
			}
		}
	}
	return out
}

// NeedsEnhancedOffer reports whether a completed review's conclusion calls
// for an enhanced support offer: a medium or high risk of an inadequate
// judgement, or any severe area for improvement.
func (rv Review) NeedsEnhancedOffer() bool {
	if rv.State != Completed {
		return false
	}
	return rv.ConclusionRisk == RiskMedium || rv.ConclusionRisk == RiskHigh || len(rv.SevereThemes()) > 0
}

// Name returns the resource name of review id of the council gss.
func Name(gss, id string) string { return resource.CouncilChildName(gss, Collection, id) }

// daysBetween counts whole days from a to b (midnight UTC dates).
func daysBetween(a, b time.Time) int {
	return int(b.Sub(a).Hours() / 24)
}
