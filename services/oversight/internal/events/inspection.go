package events

import (
	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/timeline"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// The inspection service's events: published judgements and emergency
// inspections recommended by its rules.
func init() {
	decoders[events.TypeName(&eventsv1.JudgementPublished{})] = judgementPublished
	decoders[events.TypeName(&eventsv1.EmergencyInspectionRecommended{})] = emergencyInspectionRecommended
}

func judgementPublished(e events.Event) (timeline.Fact, error) {
	var m eventsv1.JudgementPublished
	if err := e.Unmarshal(&m); err != nil {
		return timeline.Fact{}, err
	}
	te, err := councilEvent(e, m.GetLocalAuthority())
	if err != nil {
		return timeline.Fact{}, err
	}
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

func emergencyInspectionRecommended(e events.Event) (timeline.Fact, error) {
	var m eventsv1.EmergencyInspectionRecommended
	if err := e.Unmarshal(&m); err != nil {
		return timeline.Fact{}, err
	}
	te, err := councilEvent(e, m.GetLocalAuthority())
	if err != nil {
		return timeline.Fact{}, err
	}
	return timeline.EmergencyInspectionRecommended(te, m.GetRecommendation(), m.GetRule(), len(m.GetConcerns())), nil
}
