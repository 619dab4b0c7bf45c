package review

import (
	"slices"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/platform/check"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// Reasons of the faults the rules return, as google.rpc.ErrorInfo shows
// them.
const (
	// ReasonNotFound: no such review.
	ReasonNotFound = "PEER_REVIEW_NOT_FOUND"
	// ReasonInvalidTransition: the review's state does not allow the move.
	ReasonInvalidTransition = "INVALID_REVIEW_TRANSITION"
	// ReasonUnderWay: the council already has a review under way.
	ReasonUnderWay = "PEER_REVIEW_UNDER_WAY"
	// ReasonNotScheduled: a team is proposed and accepted only for a
	// scheduled review, whose dates say how many days it needs.
	ReasonNotScheduled = "PEER_REVIEW_NOT_SCHEDULED"
	// ReasonTeamNotAssigned: the team must be accepted before going on site.
	ReasonTeamNotAssigned = "TEAM_NOT_ASSIGNED"
	// ReasonTeamNotEligible: a proposed team breaks the team rules.
	ReasonTeamNotEligible = "TEAM_NOT_ELIGIBLE"
	// ReasonPoolChanged: the reviewer pool, or the days its reviewers have
	// committed, changed since the team was proposed.
	ReasonPoolChanged = "POOL_CHANGED"
	// ReasonNotCompleted: a support offer is linked only to a completed
	// review.
	ReasonNotCompleted = "PEER_REVIEW_NOT_COMPLETED"
	// ReasonOfferLinked: the review is already linked to another offer.
	ReasonOfferLinked = "SUPPORT_OFFER_ALREADY_LINKED"
)

// Limits that keep dates believable and text within what a report holds.
const (
	// MaxOnSiteDays bounds the days on site, first and last included.
	MaxOnSiteDays = 10
	// MaxScheduleAhead is how far after today a review may be scheduled.
	MaxScheduleAhead = 2 * 365 * 24 * time.Hour
	// MaxText bounds a reason, a finding's evidence and a cancellation
	// reason, in characters.
	MaxText = 4000
	// MaxNarrative bounds the conclusion's narrative, in characters.
	MaxNarrative = 20000
	// MaxFindings bounds the findings of one review.
	MaxFindings = 100
)

// EarliestDate is the first day a review may be on site: earlier dates
// predate the sector-led programme this service records.
var EarliestDate = time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)

// ErrNotFound is what a Storer returns for a review it does not hold.
var ErrNotFound = fault.NotFound(ReasonNotFound, "the peer review does not exist")

// ErrUnderWay is what a Storer returns when asked to create a review for a
// council that has one under way.
var ErrUnderWay = fault.FailedPrecondition(ReasonUnderWay,
	"the council already has a peer review under way; complete or cancel it first")

// ErrPoolChanged is the fault for accepting a team proposed from a pool
// that has changed since: ABORTED, so the caller proposes again.
var ErrPoolChanged = fault.Conflict(ReasonPoolChanged,
	"the reviewer pool or its reviewers' commitments changed since the team was proposed; propose again")

// Transitions lists, for each state, the states a review may move to.
// Completed and cancelled are final.
var Transitions = map[State][]State{
	Requested: {Scheduled, Cancelled},
	Scheduled: {OnSite, Cancelled},
	OnSite:    {Reporting, Cancelled},
	Reporting: {Completed, Cancelled},
}

// CanTransition reports whether a review may move from one state to another.
func CanTransition(from, to State) bool {
	return slices.Contains(Transitions[from], to)
}

// CheckTransition returns nil when a review may move from one state to
// another, and a FAILED_PRECONDITION fault with reason
// INVALID_REVIEW_TRANSITION otherwise.
func CheckTransition(from, to State) error {
	if CanTransition(from, to) {
		return nil
	}
	return fault.FailedPrecondition(ReasonInvalidTransition,
		"a peer review cannot move from %s to %s", from, to).With("from", string(from)).With("to", string(to))
}

// New returns a review of kind for the council gss, requested by subject
// at now; see CheckRequest.
func New(gss string, kind Kind, reason, subject string, now time.Time) (Review, error) {
	if err := CheckRequest(kind, reason); err != nil {
		return Review{}, err
	}
	return Review{
		GSSCode:     gss,
		Kind:        kind,
		State:       Requested,
		Reason:      strings.TrimSpace(reason),
		RequestedBy: subject,
		CreateTime:  now.UTC(),
	}, nil
}

// CheckRequest checks a request for a review and reports every violation
// at once, under "peer_review.": a kind is required and the reason, which
// is optional, is at most MaxText characters.
func CheckRequest(kind Kind, reason string) error {
	var vs fault.Violations
	check.Enum(vs.Add, "peer_review.kind", kind, Kinds)
	shortText.Check(vs.Add, "peer_review.reason", reason)
	return vs.Err()
}

// Schedule sets the days on site and moves a requested review to scheduled.
// The dates must be real, in order, at most MaxOnSiteDays apart (first and
// last included), not before EarliestDate and not more than
// MaxScheduleAhead after now. Past dates are allowed, so a review held
// before it was recorded here can be entered.
func (rv Review) Schedule(start, end, now time.Time) (Review, error) {
	if err := CheckTransition(rv.State, Scheduled); err != nil {
		return Review{}, err
	}
	if err := CheckDates(start, end, now); err != nil {
		return Review{}, err
	}
	next := rv.Clone()
	next.StartDate, next.EndDate = start.UTC(), end.UTC()
	next.State = Scheduled
	return next, nil
}

// CheckDates validates the days on site with the violations on start_date
// and end_date (zero times are missing dates); see Schedule.
func CheckDates(start, end, now time.Time) error {
	var vs fault.Violations
	latest := now.UTC().Add(MaxScheduleAhead)
	for _, d := range []struct {
		field string
		t     time.Time
	}{{"start_date", start}, {"end_date", end}} {
		switch {
		case d.t.IsZero():
			vs.Add(d.field, "is required")
		case d.t.Before(EarliestDate):
			vs.Add(d.field, "is before %s", EarliestDate.Format(time.DateOnly))
		case d.t.After(latest):
			vs.Add(d.field, "is more than two years ahead, after %s", latest.Format(time.DateOnly))
		}
	}
	if len(vs) == 0 {
		switch days := daysBetween(start, end) + 1; {
		case end.Before(start):
			vs.Add("end_date", "is before start_date")
		case days > MaxOnSiteDays:
			vs.Add("end_date", "makes %d days on site; the limit is %d", days, MaxOnSiteDays)
		}
	}
	return vs.Err()
}

// AssignTeam sets the team of a scheduled review, replacing any team
// accepted before. The team's shape is checked here (see CheckTeamShape);
// whether its reviewers may review this council is checked against the
// pool by CheckTeam.
func (rv Review) AssignTeam(team []Member) (Review, error) {
	if rv.State != Scheduled {
		return Review{}, fault.FailedPrecondition(ReasonNotScheduled,
			"a team is assigned only to a scheduled review; this one is %s", rv.State).With("state", string(rv.State))
	}
	if err := CheckTeamShape(team); err != nil {
		return Review{}, err
	}
	next := rv.Clone()
	next.Team = cloneTeam(team)
	return next, nil
}

// StartOnSite moves a scheduled review with a team to on site.
func (rv Review) StartOnSite() (Review, error) {
	if err := CheckTransition(rv.State, OnSite); err != nil {
		return Review{}, err
	}
	if _, ok := rv.Lead(); !ok {
		return Review{}, fault.FailedPrecondition(ReasonTeamNotAssigned,
			"accept a review team before the review goes on site")
	}
	next := rv.Clone()
	next.State = OnSite
	return next, nil
}

// RecordFindings replaces the findings of a review on site or reporting.
// The first recording moves an on-site review to reporting.
func (rv Review) RecordFindings(findings []Finding) (Review, error) {
	if rv.State != OnSite && rv.State != Reporting {
		return Review{}, fault.FailedPrecondition(ReasonInvalidTransition,
			"findings are recorded on site or while reporting; this review is %s", rv.State).
			With("from", string(rv.State)).With("to", string(Reporting))
	}
	if err := ValidateFindings(findings); err != nil {
		return Review{}, err
	}
	next := rv.Clone()
	next.Findings = normalizeFindings(findings)
	next.State = Reporting
	return next, nil
}

// Complete records the conclusion and moves a reporting review to
// completed; see CheckConclusion.
func (rv Review) Complete(risk Risk, conclusion string, now time.Time) (Review, error) {
	if err := CheckTransition(rv.State, Completed); err != nil {
		return Review{}, err
	}
	if err := CheckConclusion(risk, conclusion); err != nil {
		return Review{}, err
	}
	next := rv.Clone()
	next.State = Completed
	next.ConclusionRisk = risk
	next.Conclusion = strings.TrimSpace(conclusion)
	next.CompleteTime = now.UTC()
	return next, nil
}

// CheckConclusion checks a conclusion and reports every violation at once:
// a risk is required, and so is the narrative, of at most MaxNarrative
// characters.
func CheckConclusion(risk Risk, conclusion string) error {
	var vs fault.Violations
	check.Enum(vs.Add, "risk", risk, Risks)
	narrativeText.Required().Check(vs.Add, "conclusion", conclusion)
	return vs.Err()
}

// Cancel cancels a review that is neither completed nor cancelled; see
// CheckCancelReason.
func (rv Review) Cancel(reason string) (Review, error) {
	if err := CheckTransition(rv.State, Cancelled); err != nil {
		return Review{}, err
	}
	if err := CheckCancelReason(reason); err != nil {
		return Review{}, err
	}
	next := rv.Clone()
	next.State = Cancelled
	next.CancelReason = strings.TrimSpace(reason)
	return next, nil
}

// CheckCancelReason checks a cancellation's reason: required, at most
// MaxText characters.
func CheckCancelReason(reason string) error {
	var vs fault.Violations
	shortText.Required().Check(vs.Add, "reason", reason)
	return vs.Err()
}

// LinkOffer records the support offer a completed review's conclusion led
// to. Linking the same offer again changes nothing (changed is false);
// another offer, or a review not completed, is FAILED_PRECONDITION.
func (rv Review) LinkOffer(offer string) (next Review, changed bool, err error) {
	if rv.State != Completed {
		return Review{}, false, fault.FailedPrecondition(ReasonNotCompleted,
			"a support offer is linked only to a completed review; this one is %s", rv.State)
	}
	switch rv.SupportOffer {
	case offer:
		return rv, false, nil
	case "":
	default:
		return Review{}, false, fault.FailedPrecondition(ReasonOfferLinked,
			"the review is already linked to %s", rv.SupportOffer).With("support_offer", rv.SupportOffer)
	}
	next = rv.Clone()
	next.SupportOffer = offer
	return next, true, nil
}

// ValidateFindings checks a recording of findings and reports every
// violation at once, on findings[i].theme, .kind, .severity and .evidence:
// at least one and at most MaxFindings findings, each with a theme from the
// taxonomy, a kind, a severity for an area for improvement and none for a
// strength, and evidence text.
func ValidateFindings(findings []Finding) error {
	var vs fault.Violations
	switch {
	case len(findings) == 0:
		vs.Add("findings", "is required: record at least one finding")
	case len(findings) > MaxFindings:
		vs.Add("findings", "holds %d findings; the limit is %d", len(findings), MaxFindings)
	}
	for i, f := range findings {
		field := func(name string) string { return check.At("findings", i) + "." + name }
		check.Enum(vs.Add, field("theme"), f.Theme, reviewer.Themes)
		switch {
		case !f.Kind.Valid():
			vs.Add(field("kind"), "%s", fault.EnumMessage(string(f.Kind), FindingKinds))
		case f.Kind == Strength && f.Severity != "":
			vs.Add(field("severity"), "must be unset for a strength, got %s", f.Severity)
		case f.Kind == AreaForImprovement && !f.Severity.Valid():
			vs.Add(field("severity"), "%s", fault.EnumMessage(string(f.Severity), Severities)+" for an area for improvement")
		}
		shortText.Required().Check(vs.Add, field("evidence"), f.Evidence)
	}
	return vs.Err()
}

func normalizeFindings(fs []Finding) []Finding {
	out := make([]Finding, len(fs))
	for i, f := range fs {
		f.Evidence = strings.TrimSpace(f.Evidence)
		out[i] = f
	}
	return out
}

// The rules of a review's free text: a reason or a finding's evidence
// within MaxText characters, a conclusion within MaxNarrative.
var (
	shortText     = check.Text{Max: MaxText}
	narrativeText = check.Text{Max: MaxNarrative}
)
