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
	"log/slog"
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
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Name is the gRPC service name, used for health status.
const Name = "turnaround.inspection.v1.InspectionService"

// Deps are what the service needs from the process that runs it.
type Deps struct {
	Store  *store.Store
	Pages  *paging.Codec
	Logger *slog.Logger
	// TriggerRulesFile is a JSON file of sharper-trigger rules; empty uses
	// the documented defaults.
	TriggerRulesFile string
	// RiskModelFile is a JSON file of risk model weights and constants;
	// empty uses the documented defaults.
	RiskModelFile string
	// Now is the service's clock ("today" for publication and received
	// dates, and the time stamped on records); nil means time.Now.
	Now func() time.Time
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
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
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
	indicators := indicator.NewService(indicatorstore.New(d.Store,
		store.ProtoCodec(func() *inspectionv1.IndicatorSet { return &inspectionv1.IndicatorSet{} }, indicatorapi.SetToProto, indicatorapi.SetFromStored)),
		d.Now)
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
			Indicators:  indicatorapi.New(indicators, risk.NewService(councilStore, indicators, model), d.Pages),
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
// and with demo set, the synthetic demo data set (see demo.go).
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
