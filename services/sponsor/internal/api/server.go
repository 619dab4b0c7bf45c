// Package api composes the sponsor service's handler sets into the one
// SponsorService server, and gathers their access policies.
package api

import (
	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagementapi"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/matchrunapi"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/needapi"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsorapi"
)

// fallback sits one level deeper than the handler sets in Handlers, so
// its UNIMPLEMENTED methods are promoted only for methods no set
// implements.
type fallback struct {
	sponsorv1.UnimplementedSponsorServiceServer
}

var _ sponsorv1.SponsorServiceServer = (*Server)(nil)

// Handlers are the handler sets the service composes, one per resource,
// each embedded so that its methods serve the service's. The fallback
// answers UNIMPLEMENTED for any method no set implements.
type Handlers struct {
	fallback
	*sponsorapi.Sponsors
	*needapi.Needs
	*engagementapi.Engagements
	*matchrunapi.MatchRuns
}

// Server is the whole SponsorService: one handler set per resource.
type Server struct{ Handlers }

// NewServer composes the handler sets into the service.
func NewServer(h Handlers) *Server { return &Server{h} }

// Policies returns who may call each SponsorService method, gathered from
// every handler set. It fails if two declare the same
// method or a method of the service has no policy, so a new RPC cannot
// ship unguarded.
func Policies() (auth.Policies, error) {
	return auth.ForService(sponsorv1.SponsorService_ServiceDesc,
		sponsorapi.Policies, needapi.Policies, engagementapi.Policies, matchrunapi.Policies)
}
