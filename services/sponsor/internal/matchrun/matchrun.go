// Package matchrun holds the rules for match runs: one matching of open
// sponsor needs to sponsors by the engine (package match), stored with its
// input and its full result so that it explains itself, can be compared
// with another run and is approved, by a second DfE official, only while
// its inputs still hold.
//
// A run is PROPOSED when it can be approved, DRY_RUN when it was computed
// only to look at (a dry run, or any run with what-if overrides; never
// approvable), and moves once from PROPOSED to APPROVED or REJECTED. The
// official who ran a run may not decide it (the four-eyes rule).
//
// The package is pure Go: the store (matchrunstore) and the gRPC face
// (matchrunapi) live elsewhere.
package matchrun

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/match"
)

// Collection is the collection of match runs: matchRuns/{id}.
const Collection = engagement.MatchRunCollection

// Reasons of the faults the rules return, as google.rpc.ErrorInfo shows
// them.
const (
	// ReasonNotFound: no such run.
	ReasonNotFound = "MATCH_RUN_NOT_FOUND"
	// ReasonFourEyes: the official who ran a run may not decide it.
	ReasonFourEyes = "FOUR_EYES"
	// ReasonNotProposed: only a PROPOSED run can be approved or rejected.
	ReasonNotProposed = "MATCH_RUN_NOT_PROPOSED"
	// ReasonInputsChanged: the open needs or the sponsors changed since the
	// run; run again.
	ReasonInputsChanged = "INPUTS_CHANGED"
	// ReasonNoOpenNeeds: a run was asked for when no open need (of those
	// its filter selects) waits for a sponsor; there is nothing to match.
	ReasonNoOpenNeeds = "NO_OPEN_NEEDS"
	// ReasonNeedChanged: a need of the run was closed or matched elsewhere
	// while the run's approval was being carried out.
	ReasonNeedChanged = "SPONSOR_NEED_CHANGED"
)

// ErrNotFound is what a store returns for a run it does not hold.
var ErrNotFound = fault.NotFound(ReasonNotFound, "the match run does not exist")

// ErrConflict is what a store returns when a write's pinned version moved,
// and what the rules return for a stale etag. It matches store.ErrConflict
// under errors.Is, since faults compare by kind and reason.
var ErrConflict = change.StaleEtag("the match run")

// State is where a run is, named as the proto enum RunState without its
// RUN_STATE_ prefix.
type State string

// The states.
const (
	// Proposed runs wait for a second official's decision.
	Proposed State = "PROPOSED"
	// Approved runs have created their engagements.
	Approved State = "APPROVED"
	// Rejected runs were turned down, with a reason.
	Rejected State = "REJECTED"
	// DryRun runs were computed to look at and can never be approved.
	DryRun State = "DRY_RUN"
)

// States lists the states in the order of the proto enum.
var States = []State{Proposed, Approved, Rejected, DryRun}

// Valid reports whether s is one of States.
func (s State) Valid() bool { return slices.Contains(States, s) }

// Approval records an approval under way. Approval spans several hash tags
// (the run's, each sponsor's, each council's), so it is carried out in
// steps; the run records the claim first, so that a retry finishes the
// same approval instead of checking inputs its own first steps changed.
type Approval struct {
	// By is the approving official's subject.
	By string
	// FromVersion is the run's version before the claim: the etag the
	// approver read, which a retry may still present.
	FromVersion int64
	// Time is when the approval was claimed; the engagements start on its
	// date.
	Time time.Time
}

// Run is one match run.
type Run struct {
	// ID is unique among runs: matchRuns/{ID}.
	ID    string
	State State
	// Filter is the AIP-160 filter over open needs the run was asked for,
	// in canonical form; "" for every open need.
	Filter string
	// Input is everything the engine was given, so a run can be explained
	// and its inputs compared with another run's.
	Input match.Input
	// Result is the engine's full result; Result.Fingerprint is the input
	// fingerprint approval checks.
	Result *match.Result
	// RunBy is the subject of the official who ran it.
	RunBy string
	// DecidedBy is the subject of the official who approved or rejected it.
	DecidedBy    string
	RejectReason string
	// Engagements are the resource names of the engagements approval
	// created, by need.
	Engagements []string
	// Approving is set while an approval is under way.
	Approving  *Approval
	CreateTime time.Time
	// DecideTime is when it was approved or rejected.
	DecideTime time.Time
	// Version is the record's check-and-set version: its etag.
	Version int64
	// Solved is set on a run a list returned without its input and
	// result (see Storer.All): where the store keeps them, for
	// Storer.Explain; "" when they are present. It is never stored.
	Solved string `json:"-"`
}

// Name is the run's resource name, matchRuns/{id}.
func (r Run) Name() string { return Name(r.ID) }

// Name returns the resource name of run id.
func Name(id string) string { return Collection + "/" + id }

// Fingerprint is the run's input fingerprint.
func (r Run) Fingerprint() string {
	if r.Result == nil {
		return ""
	}
	return r.Result.Fingerprint
}

// StateFor is the state a new run takes: DRY_RUN when it was asked to be
// one or carries any what-if override, PROPOSED otherwise.
func StateFor(dryRun bool, o match.Overrides) State {
	if dryRun || HasOverrides(o) {
		return DryRun
	}
	return Proposed
}

// HasOverrides reports whether o changes anything.
func HasOverrides(o match.Overrides) bool {
	return len(o.ExcludeSponsors) > 0 || len(o.Capacities) > 0 || len(o.Pin) > 0 || len(o.Forbid) > 0
}

// CheckDecider applies the four-eyes rule and the state rule to an
// official subject who would approve or reject r: r must be PROPOSED and
// subject must not be the official who ran it. The four-eyes rule is
// checked first: it does not depend on the run's state.
func (r Run) CheckDecider(subject string) error {
	if subject == r.RunBy {
		return fault.PermissionDenied(ReasonFourEyes,
			"%s was run by %s; a DfE official other than the one who ran it must decide it", r.Name(), subject).
			With("run_by", r.RunBy)
	}
	if r.State != Proposed {
		what := "decided"
		if r.State == DryRun {
			what = "a dry run or what-if and can never be approved; run it again without dry_run and what_if"
		}
		return fault.FailedPrecondition(ReasonNotProposed, "%s is %s: %s; only a PROPOSED run can be approved or rejected",
			r.Name(), r.State, what).With("state", string(r.State))
	}
	return nil
}

// CheckEtag compares the version a caller read with the run: a mismatch is
// ErrConflict. While an approval is under way the version it started from
// is accepted too, so that its retry can finish it.
func (r Run) CheckEtag(read int64) error {
	if read == r.Version || (r.Approving != nil && read == r.Approving.FromVersion) {
		return nil
	}
	return ErrConflict
}

// CheckInputs refuses approval when current, the fingerprint of the inputs
// as they stand now, differs from the run's. ch says what changed (see
// InputChanges): the message lists it, and the ErrorInfo metadata names the
// needs (needs), the sponsors (sponsors) and every change in words
// (changes, separated by "; ").
func (r Run) CheckInputs(current string, ch ...Change) error {
	if current == r.Fingerprint() {
		return nil
	}
	what := "the open needs or the sponsors (or their capacity in use)"
	var words, needs, sponsors []string
	for _, c := range ch {
		words = append(words, c.Words)
		switch {
		case c.Need != "":
			needs = append(needs, c.Need)
		case c.Sponsor != "":
			sponsors = append(sponsors, c.Sponsor)
		}
	}
	if len(words) > 0 {
		what = strings.Join(words, "; ")
	}
	f := fault.FailedPrecondition(ReasonInputsChanged,
		"the inputs of %s have changed since it was run: %s; run again", r.Name(), what).
		With("input_fingerprint", r.Fingerprint()).
		With("current_fingerprint", current)
	if len(words) > 0 {
		f = f.With("changes", strings.Join(words, "; "))
	}
	if len(needs) > 0 {
		f = f.With("needs", strings.Join(slices.Compact(needs), ","))
	}
	if len(sponsors) > 0 {
		f = f.With("sponsors", strings.Join(slices.Compact(sponsors), ","))
	}
	return f
}

// Claim returns r with an approval by subject under way from now; r must
// pass CheckDecider. A run already being approved is returned as it is:
// the approval already claimed is the one to finish.
func (r Run) Claim(subject string, now time.Time) Run {
	if r.Approving != nil {
		return r
	}
	out := r.clone()
	out.Approving = &Approval{By: subject, FromVersion: r.Version, Time: now.UTC()}
	return out
}

// Approve returns the run being approved APPROVED with its engagements.
func (r Run) Approve(engagements []string) (Run, error) {
	if r.Approving == nil || r.State != Proposed {
		return Run{}, fault.FailedPrecondition(ReasonNotProposed, "%s has no approval under way", r.Name())
	}
	out := r.clone()
	out.State = Approved
	out.DecidedBy = r.Approving.By
	out.DecideTime = r.Approving.Time
	out.Engagements = slices.Clone(engagements)
	out.Approving = nil
	return out, nil
}

// MaxReason bounds a rejection's reason, in bytes.
const MaxReason = 2000

// Reject returns r REJECTED by subject at now for reason, which is
// required. r must pass CheckDecider, and no approval may be under way.
func (r Run) Reject(subject, reason string, now time.Time) (Run, error) {
	if err := ReasonViolations(reason).Err(); err != nil {
		return Run{}, err
	}
	if err := r.CheckDecider(subject); err != nil {
		return Run{}, err
	}
	if r.Approving != nil {
		return Run{}, fault.FailedPrecondition(ReasonNotProposed, "%s is being approved by %s", r.Name(), r.Approving.By)
	}
	out := r.clone()
	out.State = Rejected
	out.DecidedBy = subject
	out.RejectReason = strings.TrimSpace(reason)
	out.DecideTime = now.UTC()
	return out, nil
}

// ReasonViolations checks a rejection's reason: required (blank is not a
// reason) and at most MaxReason bytes.
func ReasonViolations(reason string) fault.Violations {
	reason = strings.TrimSpace(reason)
	var vs fault.Violations
	switch {
	case reason == "":
		vs.Add("reason", "is required: say why the run is rejected")
	case len(reason) > MaxReason:
		vs.Add("reason", "must be at most %d bytes, got %d", MaxReason, len(reason))
	}
	return vs
}

func (r Run) clone() Run {
	r.Engagements = slices.Clone(r.Engagements)
	if r.Approving != nil {
		a := *r.Approving
		r.Approving = &a
	}
	return r
}

// EngagementID is the id of the engagement the approval of run creates for
// need (its resource name): derived from both, so that a retried approval
// finds the engagements it already created instead of creating others.
func EngagementID(run, need string) string {
	sum := sha256.Sum256([]byte(run + "\x00" + need))
	return "m" + hex.EncodeToString(sum[:])[:31]
}

// IDFor is the id of a run created with request_id requestID by subject:
// derived, so that a retry finds the run the first attempt stored. Without
// a request ID the run gets a random id.
func IDFor(subject, requestID string) string {
	if requestID == "" {
		return engagement.NewID()
	}
	sum := sha256.Sum256([]byte("matchrun\x00" + subject + "\x00" + requestID))
	return "r" + hex.EncodeToString(sum[:])[:25]
}
