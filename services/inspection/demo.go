package inspection

import (
	"context"
	"fmt"
	"time"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concern"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/demo"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicator"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/inspection"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
)

// demoLoader is the subject the demo data is recorded under, so the audit
// trail shows it was loaded, not entered by a person.
const demoLoader = "turnaround-demo-loader"

// loadDemo loads the synthetic demo data set through the same rules and
// stores as the RPCs: inspections scheduled and published (so the councils'
// latest judgements and the JudgementPublished events follow), indicator sets
// imported, concerns raised (so the sharper triggers fire). The "load once"
// marker makes it run once per Redis, however many replicas start.
func (s *Service) loadDemo(ctx context.Context) error {
	first, err := s.deps.Store.FirstTime(ctx, "inspection")
	if err != nil {
		return fmt.Errorf("inspection: demo marker: %w", err)
	}
	if !first {
		s.deps.Logger.InfoContext(ctx, "demo data already loaded")
		return nil
	}
	data := demo.Generate()
	if err := s.loadDemoInspections(ctx, data.Inspections); err != nil {
		return err
	}
	if err := s.loadDemoIndicators(ctx, data.IndicatorSets); err != nil {
		return err
	}
	if err := s.loadDemoConcerns(ctx, data.Concerns); err != nil {
		return err
	}
	s.deps.Logger.InfoContext(ctx, "synthetic demo data loaded", "as_of", data.AsOf.Format(time.DateOnly),
		"inspections", len(data.Inspections), "indicator_sets", len(data.IndicatorSets), "concerns", len(data.Concerns))
	return nil
}

func (s *Service) loadDemoInspections(ctx context.Context, ins []demo.Inspection) error {
	roles := []string{string(auth.RoleOfstedInspector)}
	for _, d := range ins {
		j := inspection.Judgement{}
		for _, g := range d.Judgements {
			j[inspection.Area(g.Area)] = inspection.GradedJudgement{Grade: g.Grade, Narrative: g.Narrative}
		}
		var recs []inspection.Recommendation
		for _, r := range d.Recommendations {
			recs = append(recs, inspection.Recommendation{Area: inspection.Area(r.Area), Text: r.Text})
		}
		scheduled, err := s.inspections.Schedule(ctx, d.Council, inspection.Inspection{
			Framework:       inspection.Framework(d.Framework),
			StartDate:       d.StartDate,
			EndDate:         d.EndDate,
			LeadInspector:   d.LeadInspector,
			Judgement:       j,
			Recommendations: recs,
		}, change.Request{Subject: demoLoader, Roles: roles, Method: inspectionv1.InspectionService_CreateInspection_FullMethodName})
		if err != nil {
			return fmt.Errorf("inspection: demo inspection of %s: %w", d.Council, err)
		}
		_, err = s.inspections.Publish(ctx, d.Council, scheduled.ID, d.PublishDate, change.At(scheduled.Version),
			change.Request{Subject: demoLoader, Roles: roles, Method: inspectionv1.InspectionService_PublishJudgement_FullMethodName})
		if err != nil {
			return fmt.Errorf("inspection: publish demo inspection of %s: %w", d.Council, err)
		}
	}
	return nil
}

func (s *Service) loadDemoIndicators(ctx context.Context, sets []demo.IndicatorSet) error {
	drafts := make([]indicator.Draft, 0, len(sets))
	for _, d := range sets {
		period, err := indicator.ParsePeriod("period", d.Period)
		if err != nil {
			return fmt.Errorf("inspection: demo indicators of %s: %w", d.Council, err)
		}
		draft := indicator.Draft{Name: indicator.Name(d.Council, period), Source: d.Source}
		for _, v := range d.Values {
			draft.Values = append(draft.Values, indicator.Value{Indicator: indicator.Indicator(v.Indicator), Value: v.Value})
		}
		drafts = append(drafts, draft)
	}
	parsed, err := indicator.ParseBatch("indicator_sets", drafts)
	if err != nil {
		return fmt.Errorf("inspection: demo indicators: %w", err)
	}
	_, err = s.indicators.Import(ctx, parsed, change.Request{
		Subject: demoLoader, Roles: []string{string(auth.RoleDfEOfficial)},
		Method: inspectionv1.InspectionService_BatchImportIndicatorSets_FullMethodName,
	})
	if err != nil {
		return fmt.Errorf("inspection: import demo indicators: %w", err)
	}
	return nil
}

func (s *Service) loadDemoConcerns(ctx context.Context, concerns []demo.Concern) error {
	r := change.Request{Subject: demoLoader, Roles: []string{string(auth.RoleOfstedInspector)},
		Method: inspectionv1.InspectionService_RaiseConcern_FullMethodName}
	for _, d := range concerns {
		_, err := s.concerns.Raise(ctx, d.Council, concern.Draft{
			Kind:         concern.Kind(d.Kind),
			Severity:     concern.Severity(d.Severity),
			ReceivedDate: d.ReceivedDate,
			Narrative:    d.Narrative,
			Source:       d.Source,
		}, r)
		if err != nil {
			return fmt.Errorf("inspection: demo concern about %s: %w", d.Council, err)
		}
	}
	return nil
}
