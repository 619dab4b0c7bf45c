package events

import (
	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/timeline"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// The inspection service's events: published judgements and emergency
// inspections recommended by its rules.
func init() {
	onCouncil(judgementPublished)
	onCouncil(emergencyInspectionRecommended)
}

func judgementPublished(te timeline.Event, m *eventsv1.JudgementPublished) (timeline.Fact, error) {
	published, _, err := refproto.DateFrom(m.GetPublishDate())
	if err != nil {
		return timeline.Fact{}, err
	}
	grade := ""
	if g, ok := refproto.GradeFrom(m.GetOverallGrade()); ok {
		grade = string(g)
	}
	return timeline.JudgementPublished(te, m.GetInspection(), m.GetFramework(), grade, published), nil
}

func emergencyInspectionRecommended(te timeline.Event, m *eventsv1.EmergencyInspectionRecommended) (timeline.Fact, error) {
	return timeline.EmergencyInspectionRecommended(te, m.GetRecommendation(), m.GetRule(), len(m.GetConcerns())), nil
}
