package sponsor

import (
	"context"
	"errors"
	"fmt"
	"time"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"

	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/demo"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
)

// demoLoader is the subject the demo changes are recorded under, so the
// audit trail shows they were loaded, not made by a person.
const demoLoader = "turnaround-demo-loader"

// Bounds of the wait for the escalation's need. They are wall-clock
// durations: they bound work, and mean nothing to the rules.
const (
	demoWait = 2 * time.Minute
	demoPoll = 250 * time.Millisecond
)

// Names of the demo's load-once markers (store.FirstTime): claimed by the
// one replica that loads the demo, and loaded once it has, which is what
// a reader waiting for the demo watches.
const (
	demoClaimed = "sponsor-claimed"
	demoLoaded  = "sponsor"
)

// seedDemoSponsors claims the demo for this replica, unless another
// replica or an earlier start has, and stores the demo sponsors. It
// reports whether the claim was this call's, so that Run goes on with the
// needs.
func (s *Service) seedDemoSponsors(ctx context.Context) (bool, error) {
	first, err := s.deps.Store.FirstTime(ctx, demoClaimed)
	if err != nil || !first {
		return false, err
	}
	added, err := s.sponsorRules.Seed(ctx, demo.Sponsors(), change.Request{
		Subject: demoLoader, Roles: []string{string(auth.RoleDfEOfficial)},
	})
	if err != nil {
		return true, fmt.Errorf("sponsor: demo sponsors: %w", err)
	}
	s.deps.Logger.InfoContext(ctx, "synthetic sponsor demo data: sponsors stored", "added", added)
	return true, nil
}

// loadDemoNeeds waits for the need the improvement-plan demo's escalation
// opens (up to demoWait), opens the hand needs of councils that have none,
// runs and approves the demo's match run, opens the needs that wait for the
// next run (demo.AwaitingNeeds) and marks the demo loaded.
func (s *Service) loadDemoNeeds(ctx context.Context) error {
	all, err := s.waitForEscalation(ctx, time.Now().Add(demoWait))
	if err != nil {
		return err
	}
	has := map[string]bool{}
	fromInterventions := 0
	for _, n := range all {
		has[n.GSSCode] = true
		if n.Intervention != "" {
			fromInterventions++
		}
	}
	opened, err := s.openDemoNeeds(ctx, demo.Needs(), has)
	if err != nil {
		return err
	}
	if err := s.loadDemoRun(ctx); err != nil {
		return err
	}
	// Opened after the approved run, so that one need waits for the next
	// run (the documented dry run has something to match).
	awaiting, err := s.openDemoNeeds(ctx, demo.AwaitingNeeds(), has)
	if err != nil {
		return err
	}
	opened += awaiting
	if _, err := s.deps.Store.FirstTime(ctx, demoLoaded); err != nil {
		return fmt.Errorf("sponsor: demo marker: %w", err)
	}
	s.deps.Logger.InfoContext(ctx, "synthetic sponsor demo data loaded", "needs_from_interventions", fromInterventions, "needs_opened_by_hand", opened)
	return nil
}

// openDemoNeeds opens the hand needs ds of councils has does not mark as
// having a need, and returns how many it opened; a need stored already (by
// another replica) is left alone.
func (s *Service) openDemoNeeds(ctx context.Context, ds []demo.Need, has map[string]bool) (int, error) {
	r := change.Request{Subject: demoLoader, Roles: []string{string(auth.RoleDfEOfficial)}}
	opened := 0
	for _, d := range ds {
		if has[d.GSS] {
			continue
		}
		n, err := need.New(d.GSS, d.ID, d.Draft, "", s.deps.Now())
		if err != nil {
			return opened, fmt.Errorf("sponsor: demo need %s: %w", need.Name(d.GSS, d.ID), err)
		}
		_, err = s.needs.Insert(ctx, n, r)
		switch {
		case errors.Is(err, store.ErrConflict):
		case err != nil:
			return opened, fmt.Errorf("sponsor: demo need %s: %w", n.Name(), err)
		default:
			opened++
		}
	}
	return opened, nil
}

// waitForEscalation polls every council's needs until one opened by an
// intervention is there or until passes, and returns the needs there are.
func (s *Service) waitForEscalation(ctx context.Context, until time.Time) ([]need.Need, error) {
	for {
		all, err := s.needs.List(ctx, need.AllCouncils)
		if err != nil {
			return nil, fmt.Errorf("sponsor: demo needs: %w", err)
		}
		for _, n := range all {
			if n.Intervention != "" {
				return all, nil
			}
		}
		if time.Now().After(until) {
			s.deps.Logger.WarnContext(ctx, "no need opened by an intervention yet; opening the demo's hand needs without it", "waited", demoWait)
			return all, nil
		}
		t := time.NewTimer(demoPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// The two DfE officials of the demo's approved run: the four-eyes rule needs
// one to run it and another to approve it.
const (
	demoRunner   = "turnaround-demo-dfe-runner"
	demoApprover = "turnaround-demo-dfe-approver"
)

// loadDemoRun matches the demo's open needs through the same handlers as the
// API: one OPTIMAL run by one official, approved by another, then a day of
// staff deployed by each engaged sponsor's officer, so engagements, capacity
// in use and a compensation statement have something to show.
func (s *Service) loadDemoRun(ctx context.Context) error {
	runner := auth.NewContext(ctx, auth.Principal{Subject: demoRunner, Roles: []auth.Role{auth.RoleDfEOfficial}})
	run, err := s.server.MatchRuns.RunMatching(runner, &sponsorv1.RunMatchingRequest{
		Algorithm: sponsorv1.Algorithm_ALGORITHM_OPTIMAL,
		RequestId: "synthetic-demo-run",
	})
	if err != nil {
		return fmt.Errorf("sponsor: demo match run: %w", err)
	}
	if len(run.GetAssignments()) == 0 {
		s.deps.Logger.WarnContext(ctx, "the demo match run assigned no need; nothing to approve")
		return nil
	}
	approver := auth.NewContext(ctx, auth.Principal{Subject: demoApprover, Roles: []auth.Role{auth.RoleDfEOfficial}})
	approved, err := s.server.MatchRuns.ApproveMatchRun(approver, &sponsorv1.ApproveMatchRunRequest{
		Name: run.GetName(), Etag: run.GetEtag(), RequestId: "synthetic-demo-approval",
	})
	if err != nil {
		return fmt.Errorf("sponsor: approve demo match run: %w", err)
	}
	today := refproto.Date(s.deps.Now())
	for _, name := range approved.GetEngagements() {
		sponsorID, engagementID, err := engagement.ParseName("engagements", name)
		if err != nil {
			return fmt.Errorf("sponsor: demo engagement: %w", err)
		}
		officer := auth.NewContext(ctx, auth.Principal{
			Subject: "turnaround-demo-" + sponsorID + "-officer", Roles: []auth.Role{auth.RoleSponsorOfficer}, Sponsor: sponsorID,
		})
		_, err = s.server.Engagements.RecordDeployment(officer, &sponsorv1.RecordDeploymentRequest{
			Parent: name,
			Deployment: &sponsorv1.Deployment{
				Date: today, Role: sponsorv1.StaffRole_STAFF_ROLE_MANAGER, StaffDays: 1,
				Notes: "Synthetic demo data: a service manager's first day with the council.",
			},
			RequestId: "synthetic-demo-deployment-" + engagementID,
		})
		if err != nil {
			return fmt.Errorf("sponsor: demo deployment to %s: %w", name, err)
		}
	}
	s.deps.Logger.InfoContext(ctx, "synthetic sponsor demo data: match run approved",
		"match_run", approved.GetName(), "engagements", len(approved.GetEngagements()))
	return nil
}
