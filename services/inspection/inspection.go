// Package inspection is the inspection service: the record of every council
// with children's services responsibility, Ofsted's inspections and
// judgements, the concerns that can trigger an emergency inspection, the
// indicators and explained risk that prioritise councils, and the projection
// of inadequate judgements. New builds it from its dependencies; Register
// puts it on a gRPC server.
package inspection

import (
	"context"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/api"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concern"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concernapi"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concernstore"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/councilapi"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/councilstore"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/demo"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicator"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicatorapi"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicatorstore"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/inspection"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/inspectionapi"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/inspectionstore"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/projection"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/projectionapi"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/risk"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/component"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Name is the gRPC service name, used for health status.
const Name = "turnaround.inspection.v1.InspectionService"

// Deps are what the service needs from the process that runs it.
type Deps struct {
	// Base is the store, the page token codec, the log and the clock: "today"
	// for publication and received dates, and the time stamped on records (nil
	// means time.Now).
	component.Base
	// TriggerRulesFile is a JSON file of sharper-trigger rules; empty uses
	// the documented defaults.
	TriggerRulesFile string
	// RiskModelFile is a JSON file of risk model weights and constants;
	// empty uses the documented defaults.
	RiskModelFile string
}

// Service is the inspection service.
type Service struct {
	deps        Deps
	councils    *council.Service
	inspections *inspection.Service
	concerns    *concern.Service
	indicators  *indicator.Service
	server      *api.Server
	policies    auth.Policies
}

// New builds the service, reading the trigger rules and risk model files
// when they are configured.
func New(d Deps) (*Service, error) {
	if err := d.Check("inspection"); err != nil {
		return nil, err
	}
	rules := concern.DefaultRules()
	if d.TriggerRulesFile != "" {
		b, err := os.ReadFile(d.TriggerRulesFile)
		if err != nil {
			return nil, fmt.Errorf("inspection: trigger rules: %w", err)
		}
		if rules, err = concern.ParseRules(b); err != nil {
			return nil, fmt.Errorf("inspection: trigger rules %s: %w", d.TriggerRulesFile, err)
		}
	}
	model := risk.Default()
	if d.RiskModelFile != "" {
		b, err := os.ReadFile(d.RiskModelFile)
		if err != nil {
			return nil, fmt.Errorf("inspection: risk model: %w", err)
		}
		if model, err = risk.ParseModel(b); err != nil {
			return nil, fmt.Errorf("inspection: risk model %s: %w", d.RiskModelFile, err)
		}
	}

	councilStore := councilstore.NewCouncils(d.Store, store.ProtoCodec(func() *inspectionv1.LocalAuthority { return &inspectionv1.LocalAuthority{} }, councilapi.ToProto, councilapi.FromStored))
	councils := council.NewService(councilStore)
	inspections := inspection.NewService(inspectionstore.New(d.Store, store.ProtoCodec(func() *inspectionv1.Inspection { return &inspectionv1.Inspection{} }, inspectionapi.ToProto, inspectionapi.FromStored), councilStore), d.Now)
	concernStore := concernstore.New(d.Store,
		store.ProtoCodec(func() *inspectionv1.Concern { return &inspectionv1.Concern{} }, concernapi.ConcernToProto, concernapi.ConcernFromStored),
		store.ProtoCodec(func() *inspectionv1.EmergencyInspectionRecommendation {
			return &inspectionv1.EmergencyInspectionRecommendation{}
		},
			concernapi.RecommendationToProto, concernapi.RecommendationFromStored))
	concerns, err := concern.NewService(concernStore, concernstore.NewCouncilGrades(councilStore), inspections, rules, concern.WithClock(d.Now))
	if err != nil {
		return nil, fmt.Errorf("inspection: concerns: %w", err)
	}
	setStore := indicatorstore.New(d.Store,
		store.ProtoCodec(func() *inspectionv1.IndicatorSet { return &inspectionv1.IndicatorSet{} }, indicatorapi.SetToProto, indicatorapi.SetFromStored))
	indicators := indicator.NewService(setStore, d.Now)
	policies, err := api.Policies()
	if err != nil {
		return nil, err
	}
	return &Service{
		deps:        d,
		councils:    councils,
		inspections: inspections,
		concerns:    concerns,
		indicators:  indicators,
		policies:    policies,
		server: api.NewServer(api.Handlers{
			Councils:    councilapi.New(councils, d.Pages),
			Inspections: inspectionapi.NewInspections(inspections, d.Pages),
			Concerns:    concernapi.New(concerns, d.Pages),
			Indicators:  indicatorapi.New(indicators, risk.NewService(indicatorstore.NewCouncilsWithSets(councilStore, setStore), indicators, model, d.Now), d.Pages),
			Projections: projectionapi.NewProjections(publishedJudgements{inspections}, d.Now),
		}),
	}, nil
}

// Register puts the service's handlers on g.
func (s *Service) Register(g grpc.ServiceRegistrar) {
	inspectionv1.RegisterInspectionServiceServer(g, s.server)
}

// Policies returns who may call each of the service's methods.
func (s *Service) Policies() auth.Policies { return s.policies }

// Seed loads the 152 councils of the reference data when they are missing,
// and with demo set, the synthetic demo data set (see loadDemo).
func (s *Service) Seed(ctx context.Context, demo bool) error {
	added, err := s.councils.Seed(ctx, reference.Councils())
	if err != nil {
		return fmt.Errorf("inspection: seed councils: %w", err)
	}
	s.deps.Logger.InfoContext(ctx, "councils seeded", "added", added)
	if !demo {
		return nil
	}
	return s.loadDemo(ctx)
}

// publishedJudgements feeds the projection from the inspection use cases.
type publishedJudgements struct {
	inspections *inspection.Service
}

func (p publishedJudgements) Published(ctx context.Context) ([]projection.Judgement, error) {
	all, err := p.inspections.Published(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]projection.Judgement, 0, len(all))
	for _, ins := range all {
		grade, _ := ins.OverallGrade()
		out = append(out, projection.Judgement{
			Council:      ins.GSSCode,
			Framework:    string(ins.Framework),
			OverallGrade: grade,
			PublishDate:  ins.PublishDate,
		})
	}
	return out, nil
}

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
			Kind:         d.Kind,
			Severity:     d.Severity,
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
