// Package api composes the improvement-plan service's handler sets into the
// one ImprovementPlanService server, and gathers their access policies.
package api

import (
	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/clockapi"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/interventionapi"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planapi"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/progressreviewapi"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
)

// fallback sits one level deeper than the handler sets in Handlers, so
// its UNIMPLEMENTED methods are promoted only for methods no set
// implements.
type fallback struct {
	improvementplanv1.UnimplementedImprovementPlanServiceServer
}

var _ improvementplanv1.ImprovementPlanServiceServer = (*Server)(nil)

// Handlers are the handler sets the service composes, one per resource,
// each embedded so that its methods serve the service's. The fallback
// answers UNIMPLEMENTED for any method no set implements.
type Handlers struct {
	fallback
	*planapi.Plans
	*progressreviewapi.Reviews
	*interventionapi.Interventions
	*clockapi.Clock
}

// Server is the whole ImprovementPlanService: one handler set per resource.
type Server struct{ Handlers }

// NewServer composes the handler sets into the service.
func NewServer(h Handlers) *Server { return &Server{h} }

// Policies returns who may call each ImprovementPlanService method,
// gathered from every handler set. It fails if two sets declare the same
// method or a method of the service has no policy, so a new RPC cannot ship
// unguarded.
func Policies() (auth.Policies, error) {
	return auth.ForService(improvementplanv1.ImprovementPlanService_ServiceDesc,
		planapi.Policies, progressreviewapi.Policies, interventionapi.Policies, clockapi.Policies)
}
