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

// fallback sits one level deeper than the handler sets in Server, so its
// UNIMPLEMENTED methods are promoted only for methods no set implements.
type fallback struct {
	oversightv1.UnimplementedOversightServiceServer
}

// Server is the whole OversightService: one handler set per resource.
type Server struct {
	fallback
	*timelineapi.Timeline
	*overviewapi.Overview
	*auditapi.Audit
}

var _ oversightv1.OversightServiceServer = (*Server)(nil)

// Handlers are the handler sets Server composes.
type Handlers struct {
	Timeline *timelineapi.Timeline
	Overview *overviewapi.Overview
	Audit    *auditapi.Audit
}

// NewServer composes the handler sets into the service.
func NewServer(h Handlers) *Server {
	return &Server{Timeline: h.Timeline, Overview: h.Overview, Audit: h.Audit}
}

// Policies returns who may call each OversightService method, gathered
// from every handler set; it fails if a method has none or two.
func Policies() (auth.Policies, error) {
	return auth.ForService(oversightv1.OversightService_ServiceDesc, timelineapi.Policies, overviewapi.Policies, auditapi.Policies)
}
