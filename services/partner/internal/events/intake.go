// Package events holds the partner service's consumer: it reads every
// service's topic in its own consumer group "partner" and queues each
// event for the webhook subscriptions that want it and whose owner may
// read it (the access matrix, through package eventaccess). Queuing is
// idempotent by event id, so a redelivered event is queued once.
//
// Events of types the suite does not map are visible to no one and are
// skipped; an event whose payload cannot be read goes to the group's
// dead-letter stream (the consumer's retries give up on it).
package events

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/turnaround-sli/turnaround/services/partner/internal/delivery"
	"github.com/turnaround-sli/turnaround/services/partner/internal/subscription"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/eventaccess"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Group is the partner service's consumer group on every topic.
const Group = "partner"

// Intake queues events for webhook subscriptions.
type Intake struct {
	subs       *subscription.Service
	deliveries *delivery.Service
	consumers  events.Consumers
}

// New returns the consumers of every mapped topic; opts.Group is set to
// Group.
func New(st *store.Store, subs *subscription.Service, deliveries *delivery.Service, log *slog.Logger, opts events.ConsumerOptions) (*Intake, error) {
	in := &Intake{subs: subs, deliveries: deliveries}
	opts.Group = Group
	if opts.Logger == nil {
		opts.Logger = log
	}
	handlers := make(map[string]events.Handler)
	for _, topic := range eventaccess.Topics() {
		handlers[topic] = in.Handle
	}
	var err error
	if in.consumers, err = events.SubscribeAll(st.BlockingClient(), st.Keyspace(), handlers, opts); err != nil {
		return nil, fmt.Errorf("partner: %w", err)
	}
	return in, nil
}

// Run consumes until ctx ends.
func (in *Intake) Run(ctx context.Context) error { return in.consumers.Run(ctx) }

// Owner is the principal a subscription's deliveries are judged for: its
// creator as their token named them.
func Owner(s subscription.Subscription) auth.Principal {
	p := auth.Principal{Subject: s.Owner.Subject, Authority: s.Owner.Authority, Sponsor: s.Owner.Sponsor}
	for _, r := range s.Owner.Roles {
		p.Roles = append(p.Roles, auth.Role(r))
	}
	return p
}

// Handle queues one event for every subscription that wants it and whose
// owner may read it.
func (in *Intake) Handle(ctx context.Context, e events.Event) error {
	d, ok, err := eventaccess.Decode(e)
	if err != nil {
		return err
	}
	if !ok {
		return nil
	}
	subs, err := in.subs.All(ctx)
	if err != nil {
		return err
	}
	var body []byte
	for _, s := range subs {
		if !s.Wants(d.Type, d.Council, d.Time) || !d.Visible(Owner(s)) {
			continue
		}
		if body == nil {
			if body, err = d.CloudEventJSON(); err != nil {
				return err
			}
		}
		ev := delivery.Event{ID: d.ID, Type: d.Type, Council: d.Council, Published: d.Time, TraceParent: d.TraceParent, Body: body}
		if err := in.deliveries.Enqueue(ctx, s.ID, ev); err != nil {
			return err
		}
	}
	return nil
}
