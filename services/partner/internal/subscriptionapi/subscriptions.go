// Package subscriptionapi is the gRPC face of webhook subscriptions:
// Create, Get, List, Update, Delete and Enable of PartnerEventsService.
//
// Who may do what is the access matrix's (the WebhookSubscription rows): a
// partner system manages the subscriptions it created (its token's
// subject owns them) and DfE sees and manages them all; another partner's
// subscription is PERMISSION_DENIED.
package subscriptionapi

import (
	"context"
	"fmt"
	"slices"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	partnerv1 "github.com/turnaround-sli/turnaround/proto/turnaround/partner/v1"
	"github.com/turnaround-sli/turnaround/services/partner/internal/subscription"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/eventaccess"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
)

// Policies declares who may call each method, from the access matrix.
var Policies = access.Rules(access.WebhookSubscription, access.Methods{
	partnerv1.PartnerEventsService_CreateWebhookSubscription_FullMethodName: access.Subscribe,
	partnerv1.PartnerEventsService_GetWebhookSubscription_FullMethodName:    access.Read,
	partnerv1.PartnerEventsService_ListWebhookSubscriptions_FullMethodName:  access.Read,
	partnerv1.PartnerEventsService_UpdateWebhookSubscription_FullMethodName: access.Write,
	partnerv1.PartnerEventsService_DeleteWebhookSubscription_FullMethodName: access.Write,
	partnerv1.PartnerEventsService_EnableWebhookSubscription_FullMethodName: access.Write,
})

// Subscriptions implements the subscription methods.
type Subscriptions struct {
	rpc.Handlers[subscription.Service]
}

// New returns the handlers.
func New(svc *subscription.Service, pages *paging.Codec) *Subscriptions {
	return &Subscriptions{Handlers: rpc.Over(svc, pages)}
}

// Object is what the matrix judges of a subscription: its owner, who owns
// it as a partner system owns its records (access.Object.Sponsor names
// the owning subject).
func Object(s subscription.Subscription) access.Object {
	return access.Object{Sponsor: s.Owner.Subject, Name: s.Name()}
}

// Owned reads the subscription named name and checks that the caller of
// ctx may act on it with act.
func Owned(ctx context.Context, svc *subscription.Service, act access.Action, name string) (subscription.Subscription, error) {
	p, err := rpc.Caller(ctx)
	if err != nil {
		return subscription.Subscription{}, err
	}
	id, err := resource.ParseID("name", subscription.Collection, name)
	if err != nil {
		return subscription.Subscription{}, err
	}
	s, err := svc.Get(ctx, id)
	if err != nil {
		return subscription.Subscription{}, rpc.NotFound(err, subscription.ErrNotFound, subscription.ReasonNotFound, name)
	}
	if err := access.Check(p, access.WebhookSubscription, act, Object(s)); err != nil {
		return subscription.Subscription{}, err
	}
	return s, nil
}

// CreateWebhookSubscription implements PartnerEventsService.
func (h *Subscriptions) CreateWebhookSubscription(ctx context.Context, req *partnerv1.CreateWebhookSubscriptionRequest) (*partnerv1.WebhookSubscription, error) {
	var idErr error
	if id := req.GetWebhookSubscriptionId(); id != "" && !resource.ValidID(id) {
		idErr = fault.Field("webhook_subscription_id", "must be 1 to 63 lowercase letters, digits and hyphens, starting with a letter, got %q", id)
	}
	sub, r, err := rpc.Create[*partnerv1.WebhookSubscription, subscription.Subscription]{
		Method: partnerv1.PartnerEventsService_CreateWebhookSubscription_FullMethodName,
		Field:  "webhook_subscription",
		Needs:  "url and event_types",
		Decode: fromProto,
		Rules: func(sub subscription.Subscription) error {
			return sub.Violations("webhook_subscription.", KnownType).Err()
		},
		RulesWhenMissing: true,
	}.Read(ctx, req, req.GetWebhookSubscription(), idErr)
	if err != nil {
		return nil, err
	}
	p, err := rpc.Caller(ctx)
	if err != nil {
		return nil, err
	}
	owner := subscription.Owner{Subject: p.Subject, Authority: p.Authority, Sponsor: p.Sponsor}
	for _, role := range p.Roles {
		owner.Roles = append(owner.Roles, string(role))
	}
	out, err := h.Svc.Create(ctx, sub, owner, req.GetWebhookSubscriptionId(), r)
	if err != nil {
		return nil, err
	}
	return toProto(out, true), nil
}

// GetWebhookSubscription implements PartnerEventsService.
func (h *Subscriptions) GetWebhookSubscription(ctx context.Context, req *partnerv1.GetWebhookSubscriptionRequest) (*partnerv1.WebhookSubscription, error) {
	s, err := Owned(ctx, h.Svc, access.Read, req.GetName())
	if err != nil {
		return nil, err
	}
	return toProto(s, false), nil
}

// ListWebhookSubscriptions implements PartnerEventsService: the
// subscriptions the caller may read, by name.
func (h *Subscriptions) ListWebhookSubscriptions(ctx context.Context, req *partnerv1.ListWebhookSubscriptionsRequest) (*partnerv1.ListWebhookSubscriptionsResponse, error) {
	l, p, err := rpc.ReadListAs(ctx, req, nil, nil)
	if err != nil {
		return nil, err
	}
	q := paging.Query{Method: partnerv1.PartnerEventsService_ListWebhookSubscriptions_FullMethodName, Parent: subscription.Collection}
	wide := access.ViewOf(p, access.WebhookSubscription, access.Read, access.Object{}) == access.Full
	if !wide {
		q.Params = map[string]string{"owner": p.Subject}
	}
	if err := l.Resume(h.Pages, q); err != nil {
		return nil, err
	}
	all, err := h.Svc.All(ctx)
	if err != nil {
		return nil, err
	}
	all = slices.DeleteFunc(all, func(s subscription.Subscription) bool {
		return access.ViewOf(p, access.WebhookSubscription, access.Read, Object(s)) != access.Full
	})
	start, end := l.Window(len(all))
	page, next := all[start:end], l.NextToken(len(all))
	resp := &partnerv1.ListWebhookSubscriptionsResponse{NextPageToken: next, TotalSize: int32(len(all))}
	for _, s := range page {
		resp.WebhookSubscriptions = append(resp.WebhookSubscriptions, toProto(s, false))
	}
	return resp, nil
}

// UpdateWebhookSubscription implements PartnerEventsService.
func (h *Subscriptions) UpdateWebhookSubscription(ctx context.Context, req *partnerv1.UpdateWebhookSubscriptionRequest) (*partnerv1.WebhookSubscription, error) {
	in := req.GetWebhookSubscription()
	_, u, err := rpc.Update[*partnerv1.WebhookSubscription, subscription.Subscription, subscription.Mask]{
		Method: partnerv1.PartnerEventsService_UpdateWebhookSubscription_FullMethodName,
		Field:  "webhook_subscription",
		Mask:   subscription.ParseMask,
		Decode: fromProto,
	}.ReadID(ctx, req, in, subscription.Collection)
	if err != nil {
		return nil, err
	}
	cur, err := Owned(ctx, h.Svc, access.Write, in.GetName())
	if err != nil {
		return nil, err
	}
	out, err := h.Svc.Update(ctx, cur.ID, u.Values, u.Mask, u.Etag, u.Request)
	if err != nil {
		return nil, rpc.NotFound(err, subscription.ErrNotFound, subscription.ReasonNotFound, in.GetName())
	}
	return toProto(out, false), nil
}

// DeleteWebhookSubscription implements PartnerEventsService.
func (h *Subscriptions) DeleteWebhookSubscription(ctx context.Context, req *partnerv1.DeleteWebhookSubscriptionRequest) (*emptypb.Empty, error) {
	id, etag, r, err := h.change(ctx, partnerv1.PartnerEventsService_DeleteWebhookSubscription_FullMethodName, req.GetName(), req.GetEtag(), req)
	if err != nil {
		return nil, err
	}
	if err := h.Svc.Delete(ctx, id, etag, r); err != nil {
		return nil, rpc.NotFound(err, subscription.ErrNotFound, subscription.ReasonNotFound, req.GetName())
	}
	return &emptypb.Empty{}, nil
}

// EnableWebhookSubscription implements PartnerEventsService.
func (h *Subscriptions) EnableWebhookSubscription(ctx context.Context, req *partnerv1.EnableWebhookSubscriptionRequest) (*partnerv1.WebhookSubscription, error) {
	id, etag, r, err := h.change(ctx, partnerv1.PartnerEventsService_EnableWebhookSubscription_FullMethodName, req.GetName(), req.GetEtag(), req)
	if err != nil {
		return nil, err
	}
	out, err := h.Svc.Enable(ctx, id, etag, r)
	if err != nil {
		return nil, rpc.NotFound(err, subscription.ErrNotFound, subscription.ReasonNotFound, req.GetName())
	}
	return toProto(out, false), nil
}

// change reads what a change by method to the subscription named name
// needs: the optional etag the request carries, the subscription's ID,
// once the caller is found to own it, and the change.Request of req.
func (h *Subscriptions) change(ctx context.Context, method, name, etagText string, req proto.Message) (string, change.Etag, change.Request, error) {
	etag, err := rpc.ParseEtag("etag", etagText, false)
	if err != nil {
		return "", change.Etag{}, change.Request{}, err
	}
	cur, err := Owned(ctx, h.Svc, access.Write, name)
	if err != nil {
		return "", change.Etag{}, change.Request{}, err
	}
	r, err := rpc.NewRequest(ctx, method, "", req)
	if err != nil {
		return "", change.Etag{}, change.Request{}, err
	}
	return cur.ID, etag, r, nil
}

// KnownType reports whether name is the full name of an event type the
// suite publishes.
func KnownType(name string) bool {
	k, ok := eventaccess.Lookup(name)
	return ok && k.Type == name
}

// EventType is the full name of an event type given by full or short
// name; an unknown name is returned as given, for the rules to refuse.
func EventType(name string) string {
	if k, ok := eventaccess.Lookup(name); ok {
		return k.Type
	}
	return name
}

// fromProto reads the caller-settable fields, reporting under prefix.
func fromProto(in *partnerv1.WebhookSubscription, prefix string) (subscription.Subscription, fault.Violations) {
	var vs fault.Violations
	s := subscription.Subscription{URL: in.GetUrl(), Description: in.GetDescription()}
	for _, t := range in.GetEventTypes() {
		s.EventTypes = append(s.EventTypes, EventType(t))
	}
	for i, la := range in.GetLocalAuthorities() {
		gss, err := resource.ParseCouncil(fmt.Sprintf("%slocal_authorities[%d]", prefix, i), la)
		if err != nil {
			vs.Merge(err)
			continue
		}
		s.Councils = append(s.Councils, gss)
	}
	return s, vs
}

// toProto renders s; the secret only when withSecret (the create's answer).
func toProto(s subscription.Subscription, withSecret bool) *partnerv1.WebhookSubscription {
	out := &partnerv1.WebhookSubscription{
		Name: s.Name(), Url: s.URL, EventTypes: s.EventTypes, Description: s.Description,
		DisabledReason: s.DisabledReason, Owner: s.Owner.Subject,
		CreateTime: timestamppb.New(s.CreateTime), UpdateTime: timestamppb.New(s.UpdateTime),
		Etag: change.Format(s.Version),
	}
	for _, c := range s.Councils {
		out.LocalAuthorities = append(out.LocalAuthorities, resource.CouncilName(c))
	}
	switch s.State {
	case subscription.Active:
		out.State = partnerv1.WebhookSubscription_STATE_ACTIVE
	case subscription.Disabled:
		out.State = partnerv1.WebhookSubscription_STATE_DISABLED
	}
	if withSecret {
		out.SigningSecret = s.Secret
	}
	return out
}
