// Package events holds the sponsor service's consumers of other services'
// events, one file per event. InterventionOrdered opens councils' sponsor
// needs from DfE's interventions: one consumer reads topic "improvementplan" in the sponsor
// service's consumer group: an InterventionOrdered event opens the need
// the intervention asks for (need.FromIntervention), with SponsorNeedOpened
// on topic "sponsor"; an InterventionLifted event ends the engagement that
// meets the need the intervention opened, with EngagementEnded on topic
// "sponsor". Other event types on the topic change nothing.
//
// Each intervention opens one need, however often its event is delivered
// and whatever its event ID: the need, the record that the intervention
// opened it, the event and the audit entry commit together under the
// council's hash tag (needstore), and a second delivery finds the record.
// An event that cannot be read fails, so the consumer retries it and
// finally moves it to the dead-letter stream, where an operator sees it.
package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
)

// Group is the consumer group of the sponsor service. Its replicas share
// it, so each event is handled by one of them.
const Group = "sponsor"

// Consumer opens needs from InterventionOrdered events and ends the
// engagements meeting them on InterventionLifted (intervention_lifted.go).
type Consumer struct {
	svc         *need.Service
	engagements *engagement.Service
	log         *slog.Logger
	consumer    *events.Consumer
}

// New subscribes the consumer to topic "improvementplan" of st's Redis.
// svc applies the need rules, engagements the engagement rules. opts
// tunes the consumer (batch size, idle time before a failed event is
// retried, dead-letter threshold, telemetry); an empty Group means Group
// and an empty Logger means logger. Nothing is read until Run.
func New(st *store.Store, svc *need.Service, engagements *engagement.Service, logger *slog.Logger, opts events.ConsumerOptions) (*Consumer, error) {
	if svc == nil || engagements == nil {
		return nil, errors.New("needevents: the need and engagement services are required")
	}
	if logger == nil {
		logger = slog.Default()
	}
	if opts.Group == "" {
		opts.Group = Group
	}
	if opts.Logger == nil {
		opts.Logger = logger
	}
	c := &Consumer{svc: svc, engagements: engagements, log: logger.With("component", "needevents")}
	cons, err := events.Subscribe(st.BlockingClient(), st.Keyspace(), Topic, c.Handle, opts)
	if err != nil {
		return nil, fmt.Errorf("needevents: subscribe to %s: %w", Topic, err)
	}
	c.consumer = cons
	return c, nil
}

// Run consumes until ctx is done, then returns nil. Run may be called
// once.
func (c *Consumer) Run(ctx context.Context) error { return c.consumer.Run(ctx) }

// Handle is the events.Handler of topic "improvementplan". The need is
// audited as opened by the sponsor service itself, with the event ID as
// the request ID.
func (c *Consumer) Handle(ctx context.Context, e events.Event) error {
	if e.Type == interventionLiftedType {
		return c.handleLifted(ctx, e)
	}
	iv, ok, err := DecodeInterventionOrdered(e)
	if err != nil || !ok {
		return err
	}
	n, created, err := c.svc.OpenFromIntervention(ctx, iv, change.Request{Subject: need.SystemActor, RequestID: e.ID})
	if err != nil {
		return fmt.Errorf("needevents: open the need of %s: %w", iv.Name, err)
	}
	if created {
		c.log.InfoContext(ctx, "sponsor need opened for an intervention",
			"intervention", iv.Name, "kind", string(iv.Kind), "sponsor_need", n.Name(), "urgency", n.Urgency, "event_id", e.ID)
	}
	return nil
}

// Topic is the topic the improvement-plan service publishes
// InterventionOrdered on.
const Topic = "improvementplan"

// ErrMalformedEvent reports an event whose payload cannot be what its
// publisher meant: a consumer gives up on it rather than retrying, since
// delivering it again cannot help.
var ErrMalformedEvent = errors.New("events: malformed event")

// DecodeInterventionOrdered reads an InterventionOrdered event. ok is false
// for an event of another type, which the caller skips. The intervention
// must be named as one of the council the event names, since the need it
// opens lives under that council.
func DecodeInterventionOrdered(e events.Event) (iv need.Intervention, ok bool, err error) {
	m, ok, err := events.As[eventsv1.InterventionOrdered](e)
	if err != nil {
		return need.Intervention{}, false, fmt.Errorf("%w: %w", ErrMalformedEvent, err)
	}
	if !ok {
		return need.Intervention{}, false, nil
	}
	gss, _, named := need.ParseInterventionName(m.GetIntervention())
	if !named || m.GetLocalAuthority() != need.CouncilName(gss) {
		return need.Intervention{}, false, fmt.Errorf("%w: event %s: intervention %q of council %q",
			ErrMalformedEvent, e.ID, m.GetIntervention(), m.GetLocalAuthority())
	}
	var grades map[string]reference.Grade
	if len(m.GetAreaGrades()) > 0 {
		grades = make(map[string]reference.Grade, len(m.GetAreaGrades()))
		for area, g := range m.GetAreaGrades() {
			grades[area] = reference.Grade(g)
		}
	}
	return need.Intervention{
		Name:      m.GetIntervention(),
		GSSCode:   gss,
		Kind:      need.InterventionKind(m.GetKind()),
		Areas:     slices.Clone(m.GetAreas()),
		Grades:    grades,
		Plan:      m.GetImprovementPlan(),
		OrderedBy: m.GetOrderedBy(),
	}, true, nil
}
