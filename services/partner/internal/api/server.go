// Package api is the gRPC server of PartnerEventsService: one method per
// RPC, each delegating to its handler package.
package api

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	partnerv1 "github.com/turnaround-sli/turnaround/proto/turnaround/partner/v1"
	"github.com/turnaround-sli/turnaround/services/partner/internal/deliveryapi"
	"github.com/turnaround-sli/turnaround/services/partner/internal/subscriptionapi"
	"github.com/turnaround-sli/turnaround/services/partner/internal/watchapi"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
)

// Handlers are the handler sets the server delegates to.
type Handlers struct {
	Watch         *watchapi.Watch
	Subscriptions *subscriptionapi.Subscriptions
	Deliveries    *deliveryapi.Deliveries
}

// Server implements partnerv1.PartnerEventsServiceServer.
type Server struct {
	partnerv1.UnimplementedPartnerEventsServiceServer
	h Handlers
}

// NewServer returns the server.
func NewServer(h Handlers) *Server { return &Server{h: h} }

// Policies are every method's access policy, checked to cover the service.
func Policies() (auth.Policies, error) {
	return auth.ForService(partnerv1.PartnerEventsService_ServiceDesc, watchapi.Policies, subscriptionapi.Policies, deliveryapi.Policies)
}

// WatchEvents implements PartnerEventsService.
func (s *Server) WatchEvents(req *partnerv1.WatchEventsRequest, stream grpc.ServerStreamingServer[partnerv1.WatchEventsResponse]) error {
	return s.h.Watch.WatchEvents(req, stream)
}

// CreateWebhookSubscription implements PartnerEventsService.
func (s *Server) CreateWebhookSubscription(ctx context.Context, req *partnerv1.CreateWebhookSubscriptionRequest) (*partnerv1.WebhookSubscription, error) {
	return s.h.Subscriptions.CreateWebhookSubscription(ctx, req)
}

// GetWebhookSubscription implements PartnerEventsService.
func (s *Server) GetWebhookSubscription(ctx context.Context, req *partnerv1.GetWebhookSubscriptionRequest) (*partnerv1.WebhookSubscription, error) {
	return s.h.Subscriptions.GetWebhookSubscription(ctx, req)
}

// ListWebhookSubscriptions implements PartnerEventsService.
func (s *Server) ListWebhookSubscriptions(ctx context.Context, req *partnerv1.ListWebhookSubscriptionsRequest) (*partnerv1.ListWebhookSubscriptionsResponse, error) {
	return s.h.Subscriptions.ListWebhookSubscriptions(ctx, req)
}

// UpdateWebhookSubscription implements PartnerEventsService.
func (s *Server) UpdateWebhookSubscription(ctx context.Context, req *partnerv1.UpdateWebhookSubscriptionRequest) (*partnerv1.WebhookSubscription, error) {
	return s.h.Subscriptions.UpdateWebhookSubscription(ctx, req)
}

// DeleteWebhookSubscription implements PartnerEventsService.
func (s *Server) DeleteWebhookSubscription(ctx context.Context, req *partnerv1.DeleteWebhookSubscriptionRequest) (*emptypb.Empty, error) {
	return s.h.Subscriptions.DeleteWebhookSubscription(ctx, req)
}

// EnableWebhookSubscription implements PartnerEventsService.
func (s *Server) EnableWebhookSubscription(ctx context.Context, req *partnerv1.EnableWebhookSubscriptionRequest) (*partnerv1.WebhookSubscription, error) {
	return s.h.Subscriptions.EnableWebhookSubscription(ctx, req)
}

// ListDeliveries implements PartnerEventsService.
func (s *Server) ListDeliveries(ctx context.Context, req *partnerv1.ListDeliveriesRequest) (*partnerv1.ListDeliveriesResponse, error) {
	return s.h.Deliveries.ListDeliveries(ctx, req)
}

// RedeliverEvent implements PartnerEventsService.
func (s *Server) RedeliverEvent(ctx context.Context, req *partnerv1.RedeliverEventRequest) (*partnerv1.Delivery, error) {
	return s.h.Deliveries.RedeliverEvent(ctx, req)
}
