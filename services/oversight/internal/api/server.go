// Package api composes the oversight service's handler sets into the one
// OversightService server, and gathers their access policies.
package api

import (
	oversightv1 "github.com/turnaround-sli/turnaround/proto/turnaround/oversight/v1"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/auditapi"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/overviewapi"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/timelineapi"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
)

// fallback sits one level deeper than the handler sets in Handlers, so
// its UNIMPLEMENTED methods are promoted only for methods no set
// implements.
type fallback struct {
	oversightv1.UnimplementedOversightServiceServer
}

var _ oversightv1.OversightServiceServer = (*Server)(nil)

// Handlers are the handler sets the service composes, one per resource,
// each embedded so that its methods serve the service's. The fallback
// answers UNIMPLEMENTED for any method no set implements.
type Handlers struct {
	fallback
	*timelineapi.Timeline
	*overviewapi.Overview
	*auditapi.Audit
}

// Server is the whole OversightService: one handler set per resource.
type Server struct{ Handlers }

// NewServer composes the handler sets into the service.
func NewServer(h Handlers) *Server { return &Server{h} }

// Policies returns who may call each OversightService method, gathered
// from every handler set; it fails if a method has none or two.
func Policies() (auth.Policies, error) {
	return auth.ForService(oversightv1.OversightService_ServiceDesc, timelineapi.Policies, overviewapi.Policies, auditapi.Policies)
}
