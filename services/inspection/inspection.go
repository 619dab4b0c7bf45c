// Package inspection is the inspection service: the record of every council
// with children's services responsibility and of Ofsted's inspections. New
// builds it from its dependencies; Register puts it on a gRPC server.
package inspection

import (
	"context"
	"fmt"
	"log/slog"

	"google.golang.org/grpc"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/api"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/councilstore"
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
}

// Service is the inspection service.
type Service struct {
	deps     Deps
	councils *councilstore.Councils
	server   *api.Server
}

// New builds the service.
func New(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	councils := councilstore.NewCouncils(d.Store)
	return &Service{deps: d, councils: councils, server: api.NewServer(councils, d.Pages)}
}

// Register puts the service's handlers on g.
func (s *Service) Register(g grpc.ServiceRegistrar) {
	inspectionv1.RegisterInspectionServiceServer(g, s.server)
}

// Policies returns who may call each of the service's methods.
func (s *Service) Policies() auth.Policies { return api.Policies }

// Seed loads the 152 councils of the reference data when they are missing.
// The demo flag adds nothing yet beyond the councils themselves.
func (s *Service) Seed(ctx context.Context, demo bool) error {
	added, err := s.councils.Seed(ctx, reference.Councils())
	if err != nil {
		return fmt.Errorf("inspection: seed councils: %w", err)
	}
	s.deps.Logger.InfoContext(ctx, "councils seeded", "added", added, "demo", demo)
	return nil
}
