package subscriptionapi

import (
	"fmt"

	"google.golang.org/protobuf/types/known/timestamppb"

	partnerv1 "github.com/turnaround-sli/turnaround/proto/turnaround/partner/v1"
	"github.com/turnaround-sli/turnaround/services/partner/internal/subscription"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/eventaccess"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
)

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
