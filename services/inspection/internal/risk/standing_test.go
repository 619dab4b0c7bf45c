package risk

import (
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/reference"
)

func TestStanding(t *testing.T) {
	now := time.Date(2015, 12, 14, 9, 0, 0, 0, time.UTC)
	judged := func(g reference.Grade, y int) *council.LatestJudgement {
		return &council.LatestJudgement{Framework: "SIF", OverallGrade: g, PublishDate: time.Date(y, 6, 1, 0, 0, 0, 0, time.UTC)}
	}
	for _, tc := range []struct {
		latest *council.LatestJudgement
		want   Status
		note   bool
	}{
		{nil, Modelled, false},
		{judged(reference.Good, 2015), RecentlyJudged, true},
		{judged(reference.Good, 2011), Modelled, true},
		{judged(reference.Inadequate, 2015), AlreadyInadequate, true},
		// An inadequate judgement stands until the next inspection.
		{judged(reference.Inadequate, 2011), AlreadyInadequate, true},
	} {
		got, note := Standing(tc.latest, now)
		if got != tc.want || (note != "") != tc.note {
			t.Errorf("Standing(%+v) = %s, %q; want %s", tc.latest, got, note, tc.want)
		}
	}
}
