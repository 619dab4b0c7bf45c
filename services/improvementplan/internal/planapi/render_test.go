package planapi

import (
	"slices"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
)

// TestRenderFollowsTheDay: a plan's list message is kept per state, and
// the day its late actions are counted on is part of the state, so an
// action falls late on the first list of the day after its due date.
func TestRenderFollowsTheDay(t *testing.T) {
	var h Plans
	due := time.Date(2016, 3, 10, 0, 0, 0, 0, time.UTC)
	r := plan.Reviewed{Plan: plan.Plan{GSSCode: "E08000035", ID: "p1", Version: 3, Priorities: []plan.Priority{{
		ID: "pr1", Actions: []plan.Action{{ID: "a1", DueDate: due, Status: plan.OnTrack}},
	}}}}
	for _, tc := range []struct {
		now  time.Time
		late []string
	}{
		{due.Add(-time.Hour), nil},
		{due.Add(23 * time.Hour), nil},
		{due.Add(25 * time.Hour), []string{"a1"}},
		{due.Add(30 * time.Hour), []string{"a1"}},
	} {
		if got := h.render(r, tc.now).GetLateActions(); !slices.Equal(got, tc.late) {
			t.Errorf("at %s: late actions %v, want %v", tc.now, got, tc.late)
		}
	}
}
