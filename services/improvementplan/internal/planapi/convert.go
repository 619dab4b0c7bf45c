package planapi

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Enum name prefixes of the proto enums the API uses.
const (
	statePrefix  = "PLAN_STATE_"
	statusPrefix = "ACTION_STATUS_"
	gradePrefix  = "GRADE_"
	ratingPrefix = "PROGRESS_RATING_"
)

// RatingProto is the proto enum of r; PROGRESS_RATING_UNSPECIFIED for a
// rating that is not one of plan.ProgressRatings.
func RatingProto(r plan.ProgressRating) improvementplanv1.ProgressRating {
	return improvementplanv1.ProgressRating(improvementplanv1.ProgressRating_value[ratingPrefix+string(r)])
}

// RatingFrom is the domain value of a ProgressRating enum (see
// refproto.EnumName).
func RatingFrom(r improvementplanv1.ProgressRating) plan.ProgressRating {
	return plan.ProgressRating(refproto.EnumName(r, ratingPrefix))
}

func stateProto(s plan.State) improvementplanv1.PlanState {
	return improvementplanv1.PlanState(improvementplanv1.PlanState_value[statePrefix+string(s)])
}

// prioritiesFromProto reads the client-settable fields of priorities and
// their actions; output-only fields (a priority's judgement grade) are
// ignored. Only what cannot be represented at all, an impossible date, is
// reported here, as a violation under field; the domain rules judge the
// rest.
func prioritiesFromProto(in []*improvementplanv1.Priority, field string) ([]plan.Priority, fault.Violations) {
	var vs fault.Violations
	out := make([]plan.Priority, 0, len(in))
	for i, m := range in {
		pr := plan.Priority{
			ID:              m.GetId(),
			Area:            refproto.JudgementAreaName(m.GetArea()),
			TargetGrade:     reference.Grade(refproto.EnumName(m.GetTargetGrade(), gradePrefix)),
			Recommendations: slices.Clone(m.GetRecommendations()),
		}
		for j, a := range m.GetActions() {
			due, _, err := refproto.DateFrom(a.GetDueDate())
			if err != nil {
				vs.Add(fmt.Sprintf("%s[%d].actions[%d].due_date", field, i, j), "%s", err.Error())
			}
			act := plan.Action{
				ID:            a.GetId(),
				Title:         a.GetTitle(),
				OwnerRole:     a.GetOwnerRole(),
				DueDate:       due,
				Status:        plan.ActionStatus(refproto.EnumName(a.GetStatus(), statusPrefix)),
				EvidenceNotes: slices.Clone(a.GetEvidenceNotes()),
			}
			switch ms := a.GetMeasure().(type) {
			case *improvementplanv1.Action_Indicator:
				i := ms.Indicator
				act.Measure.Indicator = &plan.Indicator{Name: refproto.IndicatorName(i.GetIndicator()), Baseline: i.GetBaseline(), Target: i.GetTarget()}
			case *improvementplanv1.Action_Milestone:
				m := ms.Milestone
				act.Measure.Milestone = &plan.Milestone{Milestone: m.GetMilestone(), EvidenceExpected: m.GetEvidenceExpected()}
			}
			pr.Actions = append(pr.Actions, act)
		}
		out = append(out, pr)
	}
	return out, vs
}

// ToProto renders a plan as the API returns it: with its etag, its late
// actions as of now, and the ratings of its progress reviews (oldest
// first) with their trend.
func ToProto(r plan.Reviewed, now time.Time) *improvementplanv1.ImprovementPlan {
	p, ratings := r.Plan, r.Ratings
	m := &improvementplanv1.ImprovementPlan{
		Name:             p.Name(),
		Inspection:       p.Inspection,
		JudgementDate:    refproto.Date(p.JudgementDate),
		State:            stateProto(p.State),
		Deadline:         refproto.Date(p.Deadline),
		OriginalDeadline: refproto.Date(p.OriginalDeadline),
		LateActions:      p.LateActions(now),
		Intervention:     p.Intervention,
		Etag:             change.Format(p.Version),
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
			From:       stateProto(h.From),
			To:         stateProto(h.To),
			Actor:      h.Actor,
			Reason:     h.Reason,
			ChangeTime: timestamppb.New(h.Time),
		})
	}
	for _, pr := range p.Priorities {
		mp := &improvementplanv1.Priority{
			Id:              pr.ID,
			Area:            refproto.JudgementArea(pr.Area),
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
					Indicator: refproto.Indicator(i.Name), Baseline: i.Baseline, Target: i.Target,
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
	rs := make([]plan.ProgressRating, 0, len(ratings))
	for _, r := range ratings {
		rating := plan.ProgressRating(strings.TrimPrefix(r, ratingPrefix))
		if !rating.Valid() {
			continue
		}
		rs = append(rs, rating)
		m.RatingTrend = append(m.RatingTrend, RatingProto(rating))
	}
	m.Trend = string(plan.TrendOf(rs))
	return m
}

// checksToProto renders credibility results.
func checksToProto(checks []plan.Check) *improvementplanv1.CheckPlanResponse {
	resp := &improvementplanv1.CheckPlanResponse{Credible: plan.Credible(checks)}
	for _, c := range checks {
		resp.Checks = append(resp.Checks, &improvementplanv1.CredibilityCheck{
			Rule:        c.Rule,
			Description: c.Description,
			Passed:      c.Passed,
			Failures:    slices.Clone(c.Failures),
		})
	}
	return resp
}
