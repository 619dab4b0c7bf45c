// Package api composes the improvement-plan service's handler sets into the
// one ImprovementPlanService server, and gathers their access policies.
package api

import (
	"fmt"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/interventionapi"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planapi"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/reviewapi"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
)

// fallback sits one level deeper than the handler sets in Server, so its
// UNIMPLEMENTED methods are promoted only for methods no set implements.
type fallback struct {
	improvementplanv1.UnimplementedImprovementPlanServiceServer
}

// Server is the whole ImprovementPlanService: one handler set per resource.
type Server struct {
	fallback
	*planapi.Plans
	*reviewapi.Reviews
	*interventionapi.Interventions
}

var _ improvementplanv1.ImprovementPlanServiceServer = (*Server)(nil)

// Handlers are the handler sets Server composes.
type Handlers struct {
	Plans         *planapi.Plans
	Reviews       *reviewapi.Reviews
	Interventions *interventionapi.Interventions
}

// NewServer composes the handler sets into the service.
func NewServer(h Handlers) *Server {
	return &Server{Plans: h.Plans, Reviews: h.Reviews, Interventions: h.Interventions}
}

// Policies returns who may call each ImprovementPlanService method,
// gathered from every handler set. It fails if two sets declare the same
// method or a method of the service has no policy, so a new RPC cannot ship
// unguarded.
func Policies() (auth.Policies, error) {
	all := auth.Policies{}
	for _, set := range []auth.Policies{planapi.Policies, reviewapi.Policies, interventionapi.Policies} {
		for method, p := range set {
			if _, dup := all[method]; dup {
				return nil, fmt.Errorf("improvementplan: policy for %s declared twice", method)
			}
			all[method] = p
		}
	}
	desc := improvementplanv1.ImprovementPlanService_ServiceDesc
	for _, m := range desc.Methods {
		full := "/" + desc.ServiceName + "/" + m.MethodName
		if _, ok := all[full]; !ok {
			return nil, fmt.Errorf("improvementplan: no policy for %s", full)
		}
	}
	if len(all) != len(desc.Methods) {
		return nil, fmt.Errorf("improvementplan: %d policies for the %d methods of %s", len(all), len(desc.Methods), desc.ServiceName)
	}
	return all, all.Validate()
}
