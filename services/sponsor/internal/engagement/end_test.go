package engagement

import (
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

func TestEnd(t *testing.T) {
	start := time.Date(2016, 2, 1, 0, 0, 0, 0, time.UTC)
	e, err := New(Start{Sponsor: "leeds", Council: "E08000024", Need: "localAuthorities/E08000024/sponsorNeeds/n1",
		MatchRun: "matchRuns/r1", StartDate: start, PlannedStaffDays: 10}, "e1", "", start)
	if err != nil {
		t.Fatal(err)
	}
	ended, err := e.End()
	if err != nil || ended.State != Ended || e.State != Active {
		t.Fatalf("End = %+v, %v; the original is %s", ended, err, e.State)
	}
	if _, err := ended.End(); err == nil {
		t.Fatal("an ended engagement ended again")
	} else if f, ok := fault.As(err); !ok || f.Reason != ReasonNotActive {
		t.Fatalf("ending an ended engagement: %v", err)
	}
}
