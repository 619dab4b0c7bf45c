package sponsor

import (
	"context"
	"fmt"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
)

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
