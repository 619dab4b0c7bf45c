// Package api is the inspection service's gRPC face: Server composes the
// handler sets of every resource (councilapi, inspectionapi, concernapi,
// indicatorapi, projectionapi) into one InspectionServiceServer, and
// Policies gathers the access policies each set declares beside its
// handlers.
package api

import (
	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concernapi"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/councilapi"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/indicatorapi"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/inspectionapi"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/projectionapi"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
)

// fallback sits one level deeper than the handler sets in Handlers, so
// its UNIMPLEMENTED methods are promoted only for methods no set
// implements.
type fallback struct {
	inspectionv1.UnimplementedInspectionServiceServer
}

var _ inspectionv1.InspectionServiceServer = (*Server)(nil)

// Handlers are the handler sets the service composes, one per resource,
// each embedded so that its methods serve the service's. The fallback
// answers UNIMPLEMENTED for any method no set implements.
type Handlers struct {
	fallback
	*councilapi.Councils
	*inspectionapi.Inspections
	*concernapi.Concerns
	*indicatorapi.Indicators
	*projectionapi.Projections
}

// Server is the whole InspectionService: one handler set per resource.
type Server struct{ Handlers }

// NewServer composes the handler sets into the service.
func NewServer(h Handlers) *Server { return &Server{h} }

// Policies returns who may call each InspectionService method, gathered from
// every handler set. It fails if two sets declare the same method or a method
// of the service has no policy, so a new RPC cannot ship unguarded.
func Policies() (auth.Policies, error) {
	return auth.ForService(inspectionv1.InspectionService_ServiceDesc,
		councilapi.Policies, inspectionapi.Policies, concernapi.Policies, indicatorapi.Policies, projectionapi.Policies)
}
