package matchrun

import (
	"context"
	"fmt"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/usecase"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/match"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
)

// Storer is the storage the match-run use cases need. Every write with a
// request ID and hash also stores the run it returns, so that a retry
// replays it (AIP-155).
type Storer interface {
	// Get returns one run, or ErrNotFound.
	Get(ctx context.Context, id string) (Run, error)
	// All returns every run, newest first, each without what lists do
	// not need unless it is at hand: its state, filter, officials, times,
	// engagements and Input.Algorithm, which list filters read, are
	// always there; its input and result may be left out, with Solved
	// saying where they are, for Explain.
	All(ctx context.Context) ([]Run, error)
	// Explain returns runs with their input and result.
	Explain(ctx context.Context, runs []Run) ([]Run, error)
	// Sources reads what a run's input is built from: every sponsor, every
	// open need, capacity in use and every engagement. It may leave the
	// capacity in use nil: the service then works it out from the
	// engagements at its clock (engagement.UsageOf), as the engagement
	// store would, which spares a store reading them twice.
	Sources(ctx context.Context) (Sources, error)
	// Replay returns the run a previous call with r's request ID
	// returned, if any. A reused request ID with another hash is an
	// INVALID_ARGUMENT fault.
	Replay(ctx context.Context, r change.Request) (Run, bool, error)
	// Insert stores a new run at version 1.
	Insert(ctx context.Context, run Run, r change.Request) (Run, error)
	// Save stores a changed run over the version it was read at, and
	// returns it at its new version; ErrConflict when it moved.
	Save(ctx context.Context, run Run, r change.Request) (Run, error)
	// Claim is Save for an approval's first step: it records no response
	// to replay, since the approval is not finished.
	Claim(ctx context.Context, run Run, r change.Request) (Run, error)
	// EngagementExists reports whether the engagement id of the sponsor
	// is stored.
	EngagementExists(ctx context.Context, sponsor, id string) (bool, error)
	// Need returns one need, or need.ErrNotFound.
	Need(ctx context.Context, gss, id string) (need.Need, error)
	// CommitApproval carries out an approval that Approve decided: it
	// creates the engagements (one commit per sponsor), stores the needs
	// as matched over the versions read (one commit per council), and
	// then stores the approved run with MatchRunApproved, in that order,
	// so that a failure between steps leaves the run PROPOSED with its
	// claim for a retry to finish. It returns the run at its new version.
	CommitApproval(ctx context.Context, a ApprovalChanges, r change.Request) (Run, error)
}

// ApprovalChanges is what an approval changes: the run, APPROVED with its
// engagements; the engagements an earlier attempt did not create yet; and
// the needs, MATCHED, that are not matched yet.
type ApprovalChanges struct {
	Run         Run
	Engagements []engagement.Engagement
	Needs       []need.Need
}

// Service carries out the match-run use cases over a Storer. The gRPC
// handlers call it, and so does the demo data loader.
type Service struct {
	usecase.Core[Storer]
	solved solvedCache
}

// NewService returns the use cases over st, reading the time from now (nil
// means time.Now).
func NewService(st Storer, now func() time.Time) *Service {
	return &Service{Core: usecase.New(st, now)}
}

// Spec is what a caller asks a run for.
type Spec struct {
	Algorithm match.Algorithm
	Weights   match.Weights
	Overrides match.Overrides
	// Filter selects the open needs; nil for all.
	Filter    *filter.Filter
	DryRun    bool
	TimeLimit time.Duration
}

// Run matches the open needs spec selects to the sponsors and stores the
// run, PROPOSED, or DRY_RUN for a dry run or any what-if. Overrides that
// name a sponsor that does not exist or a need the run does not consider
// are INVALID_ARGUMENT. With no open need to match (none open, or none the
// filter selects) nothing is stored: the run is refused with
// FAILED_PRECONDITION NO_OPEN_NEEDS, saying why, rather than stored empty.
// A repeat of r's request ID returns the first run. An input this service
// solved before (the same fingerprint and overrides) takes that result
// rather than being solved again: the engine is deterministic.
func (s *Service) Run(ctx context.Context, spec Spec, r change.Request) (Run, error) {
	if prev, ok, err := s.Store.Replay(ctx, r); err != nil || ok {
		return prev, err
	}
	src, err := s.sources(ctx, spec.Filter)
	if err != nil {
		return Run{}, err
	}
	if len(src.Needs) == 0 {
		return Run{}, noOpenNeeds(spec.Filter)
	}
	in := BuildInput(src, spec.Algorithm, spec.Weights, spec.Overrides)
	if err := CheckOverrides(spec.Overrides, in); err != nil {
		return Run{}, err
	}
	in.TimeLimit = spec.TimeLimit
	in, res, err := s.solve(ctx, in)
	if err != nil {
		return Run{}, fmt.Errorf("match: %w", err)
	}
	return s.Store.Insert(ctx, Run{
		ID:         IDFor(r.Subject, r.RequestID),
		State:      StateFor(spec.DryRun, spec.Overrides),
		Filter:     spec.Filter.String(),
		Input:      in,
		Result:     res,
		RunBy:      r.Subject,
		CreateTime: s.Now(),
		Version:    1,
	}, r)
}

// noOpenNeeds is the refusal of a run with no open need to match.
func noOpenNeeds(f *filter.Filter) error {
	if fs := f.String(); fs != "" {
		return fault.FailedPrecondition(ReasonNoOpenNeeds,
			"no open sponsor need matches the filter %q: there is nothing to match; widen the filter, or open a need first", fs).
			With("filter", fs)
	}
	return fault.FailedPrecondition(ReasonNoOpenNeeds,
		"no sponsor need is open: every need is matched or closed, so there is nothing to match; "+
			"a need opens when DfE orders an intervention, or by hand (CreateSponsorNeed)")
}

// Get returns one run, or ErrNotFound.
func (s *Service) Get(ctx context.Context, id string) (Run, error) {
	return s.Store.Get(ctx, id)
}

// List returns the runs f (nil for all) selects, newest first, possibly
// without their input and result: Explain adds them to the ones a caller
// shows, so that a page of a long list reads and decodes only its own.
func (s *Service) List(ctx context.Context, f *filter.Filter) ([]Run, error) {
	all, err := s.Store.All(ctx)
	if err != nil {
		return nil, err
	}
	return SelectRuns(all, f), nil
}

// Explain returns runs List returned with their input and result.
func (s *Service) Explain(ctx context.Context, runs []Run) ([]Run, error) {
	return s.Store.Explain(ctx, runs)
}

// Compare reads two runs, first and second.
func (s *Service) Compare(ctx context.Context, first, second string) (Run, Run, error) {
	a, err := s.Store.Get(ctx, first)
	if err != nil {
		return Run{}, Run{}, err
	}
	b, err := s.Store.Get(ctx, second)
	if err != nil {
		return Run{}, Run{}, err
	}
	return a, b, nil
}

// Approve approves run id for the official r names, who must not be the one
// who ran it (the four-eyes rule). etag, when given, must be the run's
// current version or, while an approval is under way, the version it
// started from. The inputs must still hold (INPUTS_CHANGED otherwise).
//
// Approval creates one engagement per assignment and marks each need
// MATCHED with its engagement. Those records live under several hash tags
// (each sponsor's, each council's and the runs'), so it is carried out in
// steps, each a transaction, made safe to retry:
//
//  1. the run records the approval as claimed (who, when, from which
//     version), after the fingerprint check; a retry finds the claim and
//     finishes that approval rather than checking inputs its own steps
//     have changed;
//  2. engagements get ids derived from the run and the need
//     (EngagementID), so a retry creates only those not created yet;
//  3. needs already matched to the run's engagement are left alone; one
//     closed or matched elsewhere meanwhile stops the approval;
//  4. the run becomes APPROVED with its engagements (Storer.CommitApproval
//     commits 2 to 4).
func (s *Service) Approve(ctx context.Context, id string, etag change.Etag, r change.Request) (Run, error) {
	if prev, ok, err := s.Store.Replay(ctx, r); err != nil || ok {
		return prev, err
	}
	run, err := s.decidable(ctx, id, etag, r.Subject)
	if err != nil {
		return Run{}, err
	}
	if run.Approving == nil {
		if err := s.checkInputs(ctx, run); err != nil {
			return Run{}, err
		}
		if run, err = s.Store.Claim(ctx, run.Claim(r.Subject, s.Clock()), r); err != nil {
			return Run{}, err
		}
	}
	var a ApprovalChanges
	names := make([]string, len(run.Result.Assignments))
	for i, as := range run.Result.Assignments {
		eid := EngagementID(run.ID, as.Need)
		names[i] = engagement.Name(as.Sponsor, eid)
		exists, err := s.Store.EngagementExists(ctx, as.Sponsor, eid)
		if err != nil {
			return Run{}, err
		}
		if exists {
			continue
		}
		e, err := engagement.New(engagement.Start{
			Sponsor: as.Sponsor, Council: as.Council, Need: as.Need, MatchRun: run.Name(),
			StartDate: run.Approving.Time, PlannedStaffDays: as.StaffDays,
		}, eid, "", run.Approving.Time)
		if err != nil {
			return Run{}, fmt.Errorf("%s: engagement for %s: %w", run.Name(), as.Need, err)
		}
		a.Engagements = append(a.Engagements, e)
	}
	for i, as := range run.Result.Assignments {
		gss, nid, err := resource.ParseCouncilChild("need", need.Collection, as.Need)
		if err != nil {
			return Run{}, fmt.Errorf("%s: stored need %q: %w", run.Name(), as.Need, err)
		}
		n, err := s.Store.Need(ctx, gss, nid)
		if err != nil {
			return Run{}, err
		}
		if n.State == need.Matched && n.Engagement == names[i] {
			continue
		}
		matched, err := n.Match(names[i])
		if err != nil {
			return Run{}, fault.FailedPrecondition(ReasonNeedChanged,
				"%s changed while %s was being approved: %v; its engagements exist, but the need was not matched", n.Name(), run.Name(), err)
		}
		a.Needs = append(a.Needs, matched)
	}
	if a.Run, err = run.Approve(names); err != nil {
		return Run{}, err
	}
	return s.Store.CommitApproval(ctx, a, r)
}

// Reject rejects run id, PROPOSED, for reason, by the official r names, who
// must not be the one who ran it. etag, when given, must be current.
func (s *Service) Reject(ctx context.Context, id string, etag change.Etag, reason string, r change.Request) (Run, error) {
	if prev, ok, err := s.Store.Replay(ctx, r); err != nil || ok {
		return prev, err
	}
	run, err := s.decidable(ctx, id, etag, r.Subject)
	if err != nil {
		return Run{}, err
	}
	rejected, err := run.Reject(r.Subject, reason, s.Clock())
	if err != nil {
		return Run{}, err
	}
	return s.Store.Save(ctx, rejected, r)
}

// decidable reads run id and applies the four-eyes, state and etag rules
// for subject deciding it.
func (s *Service) decidable(ctx context.Context, id string, etag change.Etag, subject string) (Run, error) {
	run, err := s.Store.Get(ctx, id)
	if err != nil {
		return Run{}, err
	}
	if err := run.CheckDecider(subject); err != nil {
		return Run{}, err
	}
	if etag.Given() {
		if err := run.CheckEtag(etag.Version()); err != nil {
			return Run{}, err
		}
	}
	return run, nil
}

// sources reads what a run's input is built from, with the open needs f
// selects.
func (s *Service) sources(ctx context.Context, f *filter.Filter) (Sources, error) {
	src, err := s.Store.Sources(ctx)
	if err != nil {
		return Sources{}, err
	}
	if src.Usage == nil {
		src.Usage = engagement.UsageOf(src.Engagements, s.Clock())
	}
	src.Needs = SelectNeeds(src.Needs, f)
	return src, nil
}

// checkInputs rebuilds the run's input from the data as it stands and
// refuses when its fingerprint differs from the run's.
func (s *Service) checkInputs(ctx context.Context, run Run) error {
	f, err := filter.Compile(run.Filter, NeedFilterSchema)
	if err != nil {
		return fmt.Errorf("%s: stored filter: %w", run.Name(), err)
	}
	src, err := s.sources(ctx, f)
	if err != nil {
		return err
	}
	w := match.DefaultWeights()
	if run.Input.Weights != nil {
		w = *run.Input.Weights
	}
	now := BuildInput(src, run.Input.Algorithm, w, run.Input.Overrides)
	fp, err := match.Fingerprint(now)
	if fault.IsKind(err, fault.KindInvalid) {
		// The data as it stands no longer makes a valid input for this
		// run: it has changed.
		return run.CheckInputs("", InputChanges(run.Input, now)...)
	}
	if err != nil {
		return err
	}
	if fp == run.Fingerprint() {
		return nil
	}
	return run.CheckInputs(fp, InputChanges(run.Input, now)...)
}

// CheckOverrides refuses overrides that name a sponsor that does not exist
// or a need the run over in does not consider, as violations on the
// request's what_if fields.
func CheckOverrides(o match.Overrides, in match.Input) error {
	sponsors := map[string]bool{}
	for _, s := range in.Sponsors {
		sponsors[s.ID] = true
	}
	needs := map[string]bool{}
	for _, n := range in.Needs {
		needs[n.ID] = true
	}
	sponsorName := func(id string) string { return resource.Name(engagement.SponsorCollection, id) }
	var vs fault.Violations
	for i, s := range o.ExcludeSponsors {
		if !sponsors[s] {
			vs.Add(fmt.Sprintf("what_if.exclude_sponsors[%d]", i), "%s does not exist", sponsorName(s))
		}
	}
	for i, c := range o.Capacities {
		if !sponsors[c.Sponsor] {
			vs.Add(fmt.Sprintf("what_if.capacities[%d].sponsor", i), "%s does not exist", sponsorName(c.Sponsor))
		}
	}
	check := func(what string, ps []match.Pair) {
		for i, p := range ps {
			at := fmt.Sprintf("what_if.%s[%d]", what, i)
			if !needs[p.Need] {
				vs.Add(at+".need", "%s is not an open need this run considers", p.Need)
			}
			if !sponsors[p.Sponsor] {
				vs.Add(at+".sponsor", "%s does not exist", sponsorName(p.Sponsor))
			}
		}
	}
	check("pin", o.Pin)
	check("forbid", o.Forbid)
	return vs.Err()
}
