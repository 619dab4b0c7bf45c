package engagementapi

import (
	"testing"
	"time"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
)

// TestEncode renders a stored engagement as the API shows it.
func TestEncode(t *testing.T) {
	const slough = "E06000039"
	start := time.Date(2016, 4, 1, 0, 0, 0, 0, time.UTC)
	e, err := engagement.New(engagement.Start{
		Sponsor: "hampshire", Council: slough, Need: "localAuthorities/" + slough + "/sponsorNeeds/n1",
		MatchRun: "matchRuns/r1", StartDate: start, PlannedStaffDays: 40,
	}, "e1", "", start)
	if err != nil {
		t.Fatal(err)
	}
	e.Version = 1
	m := encode(e)
	if m.GetEtag() != `"1"` || m.GetLocalAuthority() != "localAuthorities/"+slough || m.GetState() != sponsorv1.EngagementState_ENGAGEMENT_STATE_ACTIVE ||
		m.GetStartDate().GetMonth() != 4 || m.GetDeployedStaffDays() != 0 {
		t.Errorf("encode = %v", m)
	}
}
