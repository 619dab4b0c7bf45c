package interventionapi

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/intervention"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/interventionstore"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Enum name prefixes of the proto enums this package reads and writes
// beside the intervention's own (see interventionstore).
const (
	decisionPrefix = "PROGRESS_DECISION_"
	statePrefix    = "PLAN_STATE_"
	statusPrefix   = "ACTION_STATUS_"
	ratingPrefix   = "PROGRESS_RATING_"
)

// enumName is the domain value of a proto enum: its name without prefix,
// "" for the zero value, and for a number the enum does not define the
// number itself, which the domain rules then reject by name. Conversion
// never fails, so the rules see, and report, every problem at once.
func enumName(e protoreflect.Enum, prefix string) string {
	if e.Number() == 0 {
		return ""
	}
	if v := e.Descriptor().Values().ByNumber(e.Number()); v != nil {
		return strings.TrimPrefix(string(v.Name()), prefix)
	}
	return strconv.Itoa(int(e.Number()))
}

// orderFromProto reads the client-settable fields of an Intervention
// message: kind, reason, areas and improvement_plan. Output-only fields,
// the name and the state among them, are ignored (AIP-203).
func orderFromProto(m *improvementplanv1.Intervention) intervention.Order {
	return intervention.Order{
		Kind:   intervention.Kind(enumName(m.GetKind(), interventionstore.KindPrefix)),
		Reason: m.GetReason(),
		Areas:  slices.Clone(m.GetAreas()),
		Plan:   m.GetImprovementPlan(),
	}
}

// planProto renders a plan as the plan methods return it: with its etag,
// its late actions as of now, and the overall ratings of its progress
// reviews (oldest first) with their trend. DecideProgress answers with the
// decided plan, and its idempotency record must hold that answer before
// the decision commits, so the plan is rendered here rather than read back
// through the plan methods.
func planProto(p plan.Plan, now time.Time, ratings []string) *improvementplanv1.ImprovementPlan {
	m := &improvementplanv1.ImprovementPlan{
		Name:             p.Name(),
		Inspection:       p.Inspection,
		JudgementDate:    refproto.Date(p.JudgementDate),
		State:            planState(p.State),
		Deadline:         refproto.Date(p.Deadline),
		OriginalDeadline: refproto.Date(p.OriginalDeadline),
		LateActions:      p.LateActions(now),
		Intervention:     p.Intervention,
		Etag:             store.Etag(p.Version),
		CreateTime:       timestamppb.New(p.CreateTime),
		UpdateTime:       timestamppb.New(p.UpdateTime),
	}
	for _, e := range p.Extensions {
		m.Extensions = append(m.Extensions, &improvementplanv1.DeadlineExtension{
			PreviousDeadline: refproto.Date(e.PreviousDeadline),
			NewDeadline:      refproto.Date(e.NewDeadline),
			Reason:           e.Reason,
			ExtendedBy:       e.ExtendedBy,
			ExtendTime:       timestamppb.New(e.Time),
		})
	}
	for _, h := range p.History {
		m.History = append(m.History, &improvementplanv1.StateChange{
			From:       planState(h.From),
			To:         planState(h.To),
			Actor:      h.Actor,
			Reason:     h.Reason,
			ChangeTime: timestamppb.New(h.Time),
		})
	}
	for _, pr := range p.Priorities {
		mp := &improvementplanv1.Priority{
			Id:              pr.ID,
			Area:            pr.Area,
			JudgementGrade:  refproto.Grade(pr.JudgementGrade),
			TargetGrade:     refproto.Grade(pr.TargetGrade),
			Recommendations: slices.Clone(pr.Recommendations),
		}
		for _, a := range pr.Actions {
			ma := &improvementplanv1.Action{
				Id:            a.ID,
				Title:         a.Title,
				OwnerRole:     a.OwnerRole,
				DueDate:       refproto.Date(a.DueDate),
				Status:        improvementplanv1.ActionStatus(improvementplanv1.ActionStatus_value[statusPrefix+string(a.Status)]),
				EvidenceNotes: slices.Clone(a.EvidenceNotes),
			}
			switch {
			case a.Measure.Indicator != nil:
				i := a.Measure.Indicator
				ma.Measure = &improvementplanv1.Action_Indicator{Indicator: &improvementplanv1.IndicatorMeasure{
					Indicator: i.Name, Baseline: i.Baseline, Target: i.Target,
				}}
			case a.Measure.Milestone != nil:
				s := a.Measure.Milestone
				ma.Measure = &improvementplanv1.Action_Milestone{Milestone: &improvementplanv1.MilestoneMeasure{
					Milestone: s.Milestone, EvidenceExpected: s.EvidenceExpected,
				}}
			}
			mp.Actions = append(mp.Actions, ma)
		}
		m.Priorities = append(m.Priorities, mp)
	}
	var rated []plan.ProgressRating
	for _, r := range ratings {
		rating := plan.ProgressRating(strings.TrimPrefix(r, ratingPrefix))
		if !rating.Valid() {
			continue
		}
		rated = append(rated, rating)
		m.RatingTrend = append(m.RatingTrend, improvementplanv1.ProgressRating(improvementplanv1.ProgressRating_value[ratingPrefix+string(rating)]))
	}
	m.Trend = string(plan.TrendOf(rated))
	return m
}

func planState(s plan.State) improvementplanv1.PlanState {
	return improvementplanv1.PlanState(improvementplanv1.PlanState_value[statePrefix+string(s)])
}
