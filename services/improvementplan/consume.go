package improvementplan

import (
	"context"
	"fmt"
	"strings"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	ipevents "github.com/turnaround-sli/turnaround/services/improvementplan/internal/events"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planstore"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/schedule"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// judgementPublished is the type of the events the consumer acts on; the
// inspection topic carries others too.
var judgementPublished = events.TypeName(&eventsv1.JudgementPublished{})

// handleInspectionEvent is the consumer's handler for the inspection topic.
// An event it cannot read fails, so the consumer retries it and finally
// moves it to the dead-letter stream where an operator sees it.
func (s *Service) handleInspectionEvent(ctx context.Context, e events.Event) error {
	if e.Type != judgementPublished {
		return nil
	}
	var msg eventsv1.JudgementPublished
	if err := e.Unmarshal(&msg); err != nil {
		return err
	}
	j, err := judgementFrom(&msg)
	if err != nil {
		return fmt.Errorf("improvementplan: event %s: %w", e.ID, err)
	}
	res, err := s.judgements.Handle(ctx, j, e)
	if err != nil {
		return err
	}
	if res.Opened != nil && res.Created {
		s.deps.Logger.InfoContext(ctx, "improvement plan opened", "plan", res.Opened.Name(),
			"inspection", j.Inspection, "deadline", res.Opened.Deadline.Format("2006-01-02"))
	}
	for _, p := range res.Improved {
		s.deps.Logger.InfoContext(ctx, "improvement plan improved", "plan", p.Name(), "inspection", j.Inspection)
	}
	return nil
}

// judgementFrom reads the event payload into the form the rules take.
func judgementFrom(m *eventsv1.JudgementPublished) (ipevents.Judgement, error) {
	gss, ok := strings.CutPrefix(m.GetLocalAuthority(), resource.Councils+"/")
	if !ok || !reference.ValidGSSCode(gss) {
		return ipevents.Judgement{}, fmt.Errorf("local_authority %q is not localAuthorities/{gss_code}", m.GetLocalAuthority())
	}
	published, ok, err := refproto.DateFrom(m.GetPublishDate())
	if err != nil || !ok {
		return ipevents.Judgement{}, fmt.Errorf("judgement %s: publish_date %v is not a date (%v)", m.GetInspection(), m.GetPublishDate(), err)
	}
	j := ipevents.Judgement{
		Inspection:      m.GetInspection(),
		GSSCode:         gss,
		Framework:       m.GetFramework(),
		Recommendations: m.GetRecommendations(),
		PublishDate:     published,
	}
	if g, ok := refproto.GradeFrom(m.GetOverallGrade()); ok {
		j.Overall = g
	}
	if len(m.GetKeyJudgements()) > 0 {
		j.KeyJudgements = make(map[string]reference.Grade, len(m.GetKeyJudgements()))
		for area, grade := range m.GetKeyJudgements() {
			if g, ok := refproto.GradeFrom(grade); ok {
				j.KeyJudgements[area] = g
			}
		}
	}
	return j, nil
}

// deadlineReached is the ImprovementDeadlineReached event of p.
func deadlineReached(ctx context.Context, p plan.Plan) (events.Event, error) {
	return events.NewEvent(ctx, planstore.Topic, p.Name(), &eventsv1.ImprovementDeadlineReached{
		ImprovementPlan: p.Name(),
		LocalAuthority:  resource.CouncilName(p.GSSCode),
		Deadline:        refproto.Date(p.Deadline),
	})
}

// handleDeadlineJob is the schedule's handler: the job's ID is the plan's
// name.
func (s *Service) handleDeadlineJob(ctx context.Context, j schedule.Job) error {
	out, err := s.clock.Fire(ctx, j.ID)
	if err != nil {
		return err
	}
	s.deps.Logger.InfoContext(ctx, "improvement plan deadline job handled", "plan", j.ID, "outcome", string(out), "attempt", j.Attempt)
	return nil
}
