package offer

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
	// ReasonNotFound: no such offer.
	ReasonNotFound = "SUPPORT_OFFER_NOT_FOUND"
	// ReasonInvalidTransition: the offer's state does not allow the move.
	ReasonInvalidTransition = "INVALID_OFFER_TRANSITION"
	// ReasonClosed: the offer is completed or declined and can no longer
	// change.
	ReasonClosed = "SUPPORT_OFFER_CLOSED"
	// ReasonCouncilDecides: only an officer of the supported council
	// accepts or declines its offer.
	ReasonCouncilDecides = "COUNCIL_DECIDES"
	// ReasonLGARunsSupport: only an LGA adviser starts and finishes
	// support.
	ReasonLGARunsSupport = "LGA_RUNS_SUPPORT"
)

// Limits that keep an offer within what people read and plan.
const (
	// MinDays and MaxDays bound one activity's days of support.
	MinDays = 1
	MaxDays = 100
	// MaxText bounds a reason, a description and a transition's reason,
	// in characters.
	MaxText = 2000
	// MaxReasons bounds an offer's reasons; upgrades add one or a few.
	MaxReasons = 50
	// MaxActivities bounds an offer's activities.
	MaxActivities = 20
	// MaxProviders bounds the councils lending staff to one activity.
	MaxProviders = 10
)

// ErrNotFound is what a Storer returns for an offer it does not hold.
var ErrNotFound = fault.NotFound(ReasonNotFound, "the support offer does not exist")

// Validate checks everything about o that callers set, and reports every
// violation at once as an INVALID_ARGUMENT fault: a known tier; one to
// MaxReasons non-empty reasons; at most MaxActivities activities, each of
// a known kind, MinDays to MaxDays days, and providing councils that are
// GSS codes of the 152, never repeated and never the supported council
// itself (it cannot lend staff to itself). prefix is put before every field
// path, such as "support_offer.".
//
// A providing council that is itself judged inadequate should not lend
// staff either, but whether it is lives in the inspection service, which
// these rules do not call; the LGA adviser choosing lenders checks it.
func (o Offer) Validate(prefix string) error {
	var vs fault.Violations
	check.Enum(vs.Add, prefix+"tier", o.Tier, Tiers)
	validateReasons(&vs, prefix+"reasons", o.Reasons)
	validateActivities(&vs, prefix+"activities", o.Activities, o.GSSCode)
	return vs.Err()
}

func validateReasons(vs *fault.Violations, field string, reasons []string) {
	switch {
	case len(reasons) == 0:
		vs.Add(field, "is required: say why the council is offered support (findings, or the judgement)")
	case len(reasons) > MaxReasons:
		vs.Add(field, "holds %d reasons; the limit is %d", len(reasons), MaxReasons)
	}
	for i, r := range reasons {
		entryText.Check(vs.Add, check.At(field, i), r)
	}
}

func validateActivities(vs *fault.Violations, field string, acts []Activity, supported string) {
	if len(acts) > MaxActivities {
		vs.Add(field, "holds %d activities; the limit is %d", len(acts), MaxActivities)
	}
	for i, a := range acts {
		f := check.At(field, i)
		check.Enum(vs.Add, f+".kind", a.Kind, ActivityKinds)
		if a.Days < MinDays || a.Days > MaxDays {
			vs.Add(f+".days", "is %d; an activity gives %d to %d days of support", a.Days, MinDays, MaxDays)
		}
		if len(a.ProvidingCouncils) > MaxProviders {
			vs.Add(f+".providing_councils", "holds %d councils; the limit is %d", len(a.ProvidingCouncils), MaxProviders)
		}
		seen := map[string]bool{}
		for j, p := range a.ProvidingCouncils {
			pf := check.At(f+".providing_councils", j)
			switch _, known := reference.CouncilByCode(p); {
			case !known:
				vs.Add(pf, "is not one of the 152 councils: %q", p)
			case p == supported:
				vs.Add(pf, "is the supported council itself; staff are lent by other councils")
			case seen[p]:
				vs.Add(pf, "repeats %s", p)
			}
			seen[p] = true
		}
		freeText.Check(vs.Add, f+".description", a.Description)
	}
}

// The rules of an offer's free text: a description or a reason for a move
// within MaxText characters, and an entry of a list, which is never blank.
var (
	freeText  = check.Text{Max: MaxText}
	entryText = check.Text{Max: MaxText, Blank: "is empty; give the text or leave the entry out"}
)

// Actor is who moves an offer, as the transition rules need to know them.
type Actor struct {
	// Subject names the caller in the history.
	Subject string
	// LGA is true for an LGA adviser, who starts and finishes support.
	LGA bool
	// Council is the GSS code of the council a council officer works for,
	// "" for anyone else; only that council's officers accept or decline
	// its offers.
	Council string
}

// CheckTransition reports, as INVALID_ARGUMENT violations, what is wrong
// with a request to move an offer to state to with reason whatever the
// offer: an unknown or missing state, a decline without a reason, a reason
// over MaxText. Handlers call it before reading the offer, so a malformed
// request is refused as such.
func CheckTransition(to State, reason string) error {
	var vs fault.Violations
	check.Enum(vs.Add, "state", to, States)
	if to == Declined && strings.TrimSpace(reason) == "" {
		vs.Add("reason", "is required to decline: say why, so the LGA can offer something that fits")
	}
	freeText.Check(vs.Add, "reason", reason)
	return vs.Err()
}

// transitions lists where each state may go.
var transitions = map[State][]State{
	Offered:  {Accepted, Declined},
	Accepted: {Active},
	Active:   {Completed},
}

// CanTransition reports whether an offer in state from may move to to.
func CanTransition(from, to State) bool { return slices.Contains(transitions[from], to) }

// Transition returns o moved to state to by a, with a history entry giving
// reason, or the reason it cannot move:
//   - INVALID_ARGUMENT on "state" for an unknown or missing state, and on
//     "reason" for a decline without a reason or a reason over MaxText;
//   - PERMISSION_DENIED (COUNCIL_DECIDES) when anyone but an officer of the
//     supported council accepts or declines, and (LGA_RUNS_SUPPORT) when
//     anyone but an LGA adviser starts or completes support;
//   - FAILED_PRECONDITION (INVALID_OFFER_TRANSITION) for any move but
//     offered → accepted or declined, accepted → active, active → completed.
func (o Offer) Transition(to State, a Actor, reason string, now time.Time) (Offer, error) {
	if err := CheckTransition(to, reason); err != nil {
		return Offer{}, err
	}
	switch to {
	case Accepted, Declined:
		if a.Council == "" || a.Council != o.GSSCode {
			return Offer{}, fault.PermissionDenied(ReasonCouncilDecides,
				"only an officer of %s accepts or declines its support offer", resource.CouncilName(o.GSSCode))
		}
	case Active, Completed:
		if !a.LGA {
			return Offer{}, fault.PermissionDenied(ReasonLGARunsSupport,
				"only an LGA adviser starts or completes support")
		}
	}
	if !CanTransition(o.State, to) {
		return Offer{}, fault.FailedPrecondition(ReasonInvalidTransition,
			"a support offer that is %s cannot become %s; offers go OFFERED → ACCEPTED → ACTIVE → COMPLETED, or OFFERED → DECLINED",
			o.State, to).With("state", string(o.State))
	}
	out := o.Clone()
	out.State = to
	out.History = append(out.History, HistoryLine(to, a.Subject, now, reason))
	out.UpdateTime = now
	return out, nil
}

// Mask says which fields an update changes.
type Mask struct {
	Activities bool
	Reasons    bool
	// Tier is named in the mask; the tier cannot change through an update,
	// so the patch must repeat the current one.
	Tier bool
}

// MaskFields are the fields an update may change.
var MaskFields = []string{"activities", "reasons"}

// ignoredFields identify the offer or are output only; a mask derived from
// a request body (as the REST gateway derives one) names them, and they are
// ignored as AIP-203 asks.
var ignoredFields = []string{"name", "etag", "state", "peer_review", "inspection", "history", "create_time", "update_time"}

// ParseMask reads an update mask's paths. Unknown paths, and paths below
// a field (activities are replaced whole), are INVALID_ARGUMENT on
// update_mask; an empty mask is too, since it would change nothing.
func ParseMask(paths []string) (Mask, error) {
	var m Mask
	var vs fault.Violations
	for _, p := range paths {
		switch {
		case p == "activities":
			m.Activities = true
		case p == "reasons":
			m.Reasons = true
		case p == "tier":
			m.Tier = true
		case slices.Contains(ignoredFields, p):
		default:
			vs.Add("update_mask", "names %q; an update changes only %s (each replaced whole)", p, strings.Join(MaskFields, ", "))
		}
	}
	if len(vs) == 0 && !m.Activities && !m.Reasons && !m.Tier {
		vs.Add("update_mask", "changes nothing; name activities, reasons or both")
	}
	return m, vs.Err()
}

// Apply returns o with the fields m names replaced by patch's. Only an
// open offer (offered, accepted or active) changes: a completed or declined
// one gives FAILED_PRECONDITION (SUPPORT_OFFER_CLOSED). A tier other than
// the current one, and an invalid result, are INVALID_ARGUMENT under
// "support_offer.".
func (o Offer) Apply(patch Offer, m Mask, now time.Time) (Offer, error) {
	if !o.State.Open() {
		return Offer{}, fault.FailedPrecondition(ReasonClosed,
			"the support offer is %s and can no longer change", o.State).With("state", string(o.State))
	}
	out := o.Clone()
	var vs fault.Violations
	if m.Tier && patch.Tier != o.Tier {
		vs.Add("support_offer.tier", "is %s and cannot change by an update: judgements and reviews raise it", o.Tier)
	}
	if m.Activities {
		out.Activities = patch.Clone().Activities
	}
	if m.Reasons {
		out.Reasons = slices.Clone(patch.Reasons)
	}
	if err := fault.Join(vs.Err(), out.Validate("support_offer.")); err != nil {
		return Offer{}, err
	}
	out.UpdateTime = now
	return out, nil
}
