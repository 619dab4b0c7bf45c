// Package api is the gRPC server of PartnerEventsService: Server composes
// the handler sets of every resource (watchapi, subscriptionapi,
// deliveryapi) into one PartnerEventsServiceServer, and Policies gathers
// the access policies each set declares beside its handlers.
package api

import (
	partnerv1 "github.com/turnaround-sli/turnaround/proto/turnaround/partner/v1"
	"github.com/turnaround-sli/turnaround/services/partner/internal/deliveryapi"
	"github.com/turnaround-sli/turnaround/services/partner/internal/subscriptionapi"
	"github.com/turnaround-sli/turnaround/services/partner/internal/watchapi"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
)

// fallback sits one level deeper than the handler sets in Handlers, so
// its UNIMPLEMENTED methods are promoted only for methods no set
// implements.
type fallback struct {
	partnerv1.UnimplementedPartnerEventsServiceServer
}

var _ partnerv1.PartnerEventsServiceServer = (*Server)(nil)

// Handlers are the handler sets the service composes, one per resource,
// each embedded so that its methods serve the service's. The fallback
// answers UNIMPLEMENTED for any method no set implements.
type Handlers struct {
	fallback
	*watchapi.Watch
	*subscriptionapi.Subscriptions
	*deliveryapi.Deliveries
}

// Server implements partnerv1.PartnerEventsServiceServer.
type Server struct{ Handlers }

// NewServer composes the handler sets into the service.
func NewServer(h Handlers) *Server { return &Server{h} }

// Policies are every method's access policy, checked to cover the service.
func Policies() (auth.Policies, error) {
	return auth.ForService(partnerv1.PartnerEventsService_ServiceDesc, watchapi.Policies, subscriptionapi.Policies, deliveryapi.Policies)
}
