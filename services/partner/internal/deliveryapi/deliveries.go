// Package deliveryapi is the gRPC face of webhook deliveries:
// ListDeliveries and RedeliverEvent of PartnerEventsService. A caller sees
// and replays the deliveries of the subscriptions it may read (the access
// matrix's Delivery rows: a partner system its own, DfE all).
package deliveryapi

import (
	"context"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	partnerv1 "github.com/turnaround-sli/turnaround/proto/turnaround/partner/v1"
	"github.com/turnaround-sli/turnaround/services/partner/internal/delivery"
	"github.com/turnaround-sli/turnaround/services/partner/internal/subscription"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
)

// Policies declares who may call each method, from the access matrix.
var Policies = access.Rules(access.Delivery, access.Methods{
	partnerv1.PartnerEventsService_ListDeliveries_FullMethodName: access.Read,
	partnerv1.PartnerEventsService_RedeliverEvent_FullMethodName: access.Redeliver,
})

// Deliveries implements the delivery methods.
type Deliveries struct {
	subs  *subscription.Service
	svc   *delivery.Service
	pages *paging.Codec
}

// New returns the handlers.
func New(subs *subscription.Service, svc *delivery.Service, pages *paging.Codec) *Deliveries {
	return &Deliveries{subs: subs, svc: svc, pages: pages}
}

// owned reads the subscription named name and checks p may act on its
// deliveries.
func (h *Deliveries) owned(ctx context.Context, field, name string, act access.Action) (subscription.Subscription, error) {
	id, err := resource.ParseID(field, subscription.Collection, name)
	if err != nil {
		return subscription.Subscription{}, err
	}
	p, err := rpc.Caller(ctx)
	if err != nil {
		return subscription.Subscription{}, err
	}
	s, err := h.subs.Get(ctx, id)
	if err != nil {
		return subscription.Subscription{}, rpc.NotFound(err, subscription.ErrNotFound, subscription.ReasonNotFound, name)
	}
	if err := access.Check(p, access.Delivery, act, access.Object{Sponsor: s.Owner.Subject, Name: name + "/deliveries"}); err != nil {
		return subscription.Subscription{}, err
	}
	return s, nil
}

// ListDeliveries implements PartnerEventsService: newest first.
func (h *Deliveries) ListDeliveries(ctx context.Context, req *partnerv1.ListDeliveriesRequest) (*partnerv1.ListDeliveriesResponse, error) {
	l, err := rpc.ReadList(req, nil, nil)
	if err != nil {
		return nil, err
	}
	s, err := h.owned(ctx, "parent", req.GetParent(), access.Read)
	if err != nil {
		return nil, err
	}
	q := paging.Query{Method: partnerv1.PartnerEventsService_ListDeliveries_FullMethodName, Parent: req.GetParent()}
	if err := l.Resume(h.pages, q); err != nil {
		return nil, err
	}
	page, total, err := h.svc.List(ctx, s.ID, l.Offset, l.Size)
	if err != nil {
		return nil, err
	}
	resp := &partnerv1.ListDeliveriesResponse{TotalSize: int32(total),
		NextPageToken: l.NextToken(total)}
	for _, d := range page {
		resp.Deliveries = append(resp.Deliveries, ToProto(d))
	}
	return resp, nil
}

// RedeliverEvent implements PartnerEventsService.
func (h *Deliveries) RedeliverEvent(ctx context.Context, req *partnerv1.RedeliverEventRequest) (*partnerv1.Delivery, error) {
	var vs fault.Violations
	rpc.CheckRequestID(&vs, req.GetRequestId())
	parent, eventID, ok := strings.Cut(req.GetName(), "/"+delivery.Collection+"/")
	if !ok || eventID == "" || strings.Contains(eventID, "/") {
		vs.Add("name", "must be webhookSubscriptions/{id}/deliveries/{event_id}, got %q", req.GetName())
	}
	if err := vs.Err(); err != nil {
		return nil, err
	}
	s, err := h.owned(ctx, "name", parent, access.Redeliver)
	if err != nil {
		return nil, err
	}
	d, err := h.svc.Redeliver(ctx, s.ID, eventID)
	if err != nil {
		return nil, rpc.NotFound(err, delivery.ErrNotFound, delivery.ReasonNotFound, req.GetName())
	}
	return ToProto(d), nil
}

// ToProto renders a delivery.
func ToProto(d delivery.Delivery) *partnerv1.Delivery {
	out := &partnerv1.Delivery{Name: d.Name(), EventId: d.EventID, EventType: d.EventType,
		CreateTime: timestamppb.New(d.CreateTime)}
	if d.Council != delivery.NoCouncil {
		out.LocalAuthority = resource.CouncilName(d.Council)
	}
	switch d.State {
	case delivery.Pending:
		out.State = partnerv1.Delivery_STATE_PENDING
	case delivery.Retrying:
		out.State = partnerv1.Delivery_STATE_RETRYING
	case delivery.Succeeded:
		out.State = partnerv1.Delivery_STATE_SUCCEEDED
	case delivery.DeadLettered:
		out.State = partnerv1.Delivery_STATE_DEAD_LETTERED
	}
	if (d.State == delivery.Pending || d.State == delivery.Retrying) && !d.NextAttempt.IsZero() {
		out.NextAttemptTime = timestamppb.New(d.NextAttempt)
	}
	for _, a := range d.Attempts {
		out.Attempts = append(out.Attempts, &partnerv1.DeliveryAttempt{AttemptTime: timestamppb.New(a.Time),
			StatusCode: int32(a.StatusCode), Latency: durationpb.New(a.Latency.Round(time.Microsecond)), Error: a.Error})
	}
	return out
}
