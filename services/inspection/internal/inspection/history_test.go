package inspection

import (
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// The six-month window: history after it, unless published live; a
// monitoring visit has none.
func TestPublishAs(t *testing.T) {
	old := scheduled(SIF)
	old.StartDate, old.EndDate = storetest.Day(2015, 3, 2), storetest.Day(2015, 3, 20)
	old.Judgement = graded(reference.Inadequate, Areas...)
	now := storetest.Day(2015, 12, 14).Add(9 * time.Hour)
	for _, tc := range []struct {
		name       string
		date       time.Time
		live       bool
		historical bool
		warning    string
	}{
		{name: "window passed", date: storetest.Day(2015, 6, 1), historical: true, warning: WarningWindowPassed},
		{name: "window passed, live", date: storetest.Day(2015, 6, 1), live: true, warning: WarningWindowPassedLive},
		{name: "window ends today", date: storetest.Day(2015, 6, 14)},
		{name: "within the window", date: storetest.Day(2015, 11, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := old.PublishAs(tc.date, now, tc.live)
			if err != nil {
				t.Fatal(err)
			}
			var code string
			if len(got.PublicationWarnings) == 1 {
				code = got.PublicationWarnings[0].Code
			}
			if got.Historical != tc.historical || code != tc.warning || len(got.PublicationWarnings) > 1 {
				t.Fatalf("historical %v, warnings %+v; want %v, %q", got.Historical, got.PublicationWarnings, tc.historical, tc.warning)
			}
		})
	}
	visit := scheduled(MonitoringVisit)
	visit.StartDate, visit.EndDate = storetest.Day(2015, 3, 2), storetest.Day(2015, 3, 3)
	visit.MonitoringFindings = &MonitoringFindings{Findings: []string{"f"}, Progress: ProgressRating("ADEQUATE")}
	if got, err := visit.PublishAs(storetest.Day(2015, 4, 1), now, false); err == nil && (got.Historical || len(got.PublicationWarnings) > 0) {
		t.Fatalf("a monitoring visit has no window: %+v", got)
	}
}

func TestImportID(t *testing.T) {
	ins := Inspection{Framework: MonitoringVisit, StartDate: storetest.Day(2015, 3, 2), EndDate: storetest.Day(2015, 3, 3)}
	if got := ImportID(ins); got != "monitoring-visit-20150302-20150303" {
		t.Fatalf("ImportID = %q", got)
	}
}
