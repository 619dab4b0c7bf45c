package risk

import (
	"fmt"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// RecentJudgementYears is how long a published judgement counts as recent
// beside a modelled score.
const RecentJudgementYears = 3

// Status tells a modelled risk from a judgement already made, named as the
// proto enum RiskStatus without its RISK_STATUS_ prefix.
type Status string

// The statuses.
const (
	// Modelled: no graded judgement in the last three years, so the score
	// is the modelled risk of a future inadequate judgement.
	Modelled Status = "MODELLED"
	// RecentlyJudged: judged within the last three years, not inadequate.
	RecentlyJudged Status = "RECENTLY_JUDGED"
	// AlreadyInadequate: the latest judgement is inadequate, and it stands
	// until the council is inspected again, whatever the modelled score.
	AlreadyInadequate Status = "ALREADY_INADEQUATE"
)

// Statuses lists the statuses in the order of the proto enum.
var Statuses = []Status{Modelled, RecentlyJudged, AlreadyInadequate}

// Standing is what a council's latest judgement means for its score as of
// now: the status and, when the council has a judgement, a note saying what
// it was and when.
func Standing(latest *council.LatestJudgement, now time.Time) (Status, string) {
	if latest == nil {
		return Modelled, ""
	}
	grade := strings.ToLower(strings.ReplaceAll(string(latest.OverallGrade), "_", " "))
	on := latest.PublishDate.Format(time.DateOnly)
	recent := !latest.PublishDate.AddDate(RecentJudgementYears, 0, 0).Before(now)
	switch {
	case latest.OverallGrade == reference.Inadequate:
		return AlreadyInadequate, fmt.Sprintf("judged inadequate (%s) on %s: the council is already inadequate; "+
			"the score models the risk from indicators only and says nothing about whether it will be", latest.Framework, on)
	case recent:
		return RecentlyJudged, fmt.Sprintf("judged %s (%s) on %s, within the last %d years: "+
			"the score is modelled risk beside that judgement", grade, latest.Framework, on, RecentJudgementYears)
	}
	return Modelled, fmt.Sprintf("last judged %s (%s) on %s, more than %d years ago: the score is the modelled risk "+
		"of a future inadequate judgement", grade, latest.Framework, on, RecentJudgementYears)
}
