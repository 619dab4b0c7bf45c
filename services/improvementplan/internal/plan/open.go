package plan

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// ValidArea reports whether a is an area a priority can address: one of
// reference.JudgementAreas (the plan keeps areas as strings, since it learns
// them from events and never from the inspection service's packages).
func ValidArea(a string) bool { return slices.Contains(reference.JudgementAreas, a) }

// OpenInput is what a published judgement tells the service about a
// council judged inadequate.
type OpenInput struct {
	// GSSCode is the council's code; Inspection the inspection's resource
	// name.
	GSSCode    string
	Inspection string
	// JudgementDate is the publication date.
	JudgementDate time.Time
	// KeyJudgements are the grades by area name (OVERALL_EFFECTIVENESS, if
	// present, is kept but gets no priority).
	KeyJudgements map[string]reference.Grade
	// Recommendations are "AREA: text", as JudgementPublished carries them.
	Recommendations []string
	// DeadlineMonths is the time allowed; zero or less means
	// DefaultDeadlineMonths.
	DeadlineMonths int
}

// Open returns the draft plan a published inadequate judgement opens, as of
// now, with a fresh ID. Its deadline is the publication date plus
// in.DeadlineMonths (see AddMonths). It has one priority for each area
// graded inadequate and then for each graded requires improvement, each in
// the order of reference.JudgementAreas, carrying the recommendations tagged with its area and
// aiming one grade better than the judgement (inadequate to requires
// improvement, requires improvement to good). Recommendations of areas
// with no priority stay on the inspection. The priorities have no actions:
// writing them is the council's job, and the credibility rules say so until
// it is done.
func Open(in OpenInput, now time.Time) Plan {
	months := in.DeadlineMonths
	if months <= 0 {
		months = DefaultDeadlineMonths
	}
	now = now.UTC()
	judged := Day(in.JudgementDate)
	deadline := AddMonths(judged, months)
	p := Plan{
		GSSCode:          in.GSSCode,
		ID:               resource.NewID(),
		Inspection:       in.Inspection,
		JudgementDate:    judged,
		Deadline:         deadline,
		OriginalDeadline: deadline,
		State:            Draft,
		CreateTime:       now,
		UpdateTime:       now,
	}
	if len(in.KeyJudgements) > 0 {
		p.KeyJudgements = make(map[string]reference.Grade, len(in.KeyJudgements))
		for a, g := range in.KeyJudgements {
			p.KeyJudgements[a] = g
		}
	}
	recs := map[string][]string{}
	for _, r := range in.Recommendations {
		area, text, ok := strings.Cut(r, ":")
		if text = strings.TrimSpace(text); ok && text != "" {
			area = strings.TrimSpace(area)
			recs[area] = append(recs[area], text)
		}
	}
	for _, grade := range []reference.Grade{reference.Inadequate, reference.RequiresImprovement} {
		for _, area := range reference.JudgementAreas {
			if in.KeyJudgements[area] != grade {
				continue
			}
			p.Priorities = append(p.Priorities, Priority{
				ID:              fmt.Sprintf("p%d", len(p.Priorities)+1),
				Area:            area,
				JudgementGrade:  grade,
				TargetGrade:     reference.Grades[grade.Rank()-2],
				Recommendations: recs[area],
			})
		}
	}
	p.History = []StateChange{{
		To: Draft, Actor: ServiceActor, Time: now,
		Reason: fmt.Sprintf("opened by the inadequate judgement of %s published on %s; deadline %s",
			in.Inspection, judged.Format(time.DateOnly), deadline.Format(time.DateOnly)),
	}}
	return p
}

// AddMonths returns the calendar day n months after day t, on the same day
// of the month, or on the last day of the month when that month is shorter:
// 31 August 2015 plus six months is 29 February 2016, and 31 August 2016
// plus six months is 28 February 2017. (time.AddDate would roll over into
// March, moving a statutory deadline by days.)
func AddMonths(t time.Time, n int) time.Time {
	t = Day(t)
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(d, last), 0, 0, 0, 0, time.UTC)
}
