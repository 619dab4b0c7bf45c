// Package events turns events into support offers. Two consumers read
// in the peer-review service's consumer group:
//
//   - topic "inspection": a JudgementPublished with an inadequate overall
//     grade creates the council's inadequate-council improvement support
//     offer, focused on a credible improvement plan, or upgrades the
//     council's open offer to it (offer.JudgementPlan); a judgement
//     recorded as history (historical: its six-month window had passed
//     when it was published or imported) makes none;
//   - topic "peerreview": a PeerReviewCompleted with a MEDIUM or HIGH risk,
//     or any severe area for improvement, creates an ENHANCED offer or
//     upgrades the open one (offer.ReviewPlan), then links it to the review
//     through a ReviewLinker.
//
// Each judgement and each review changes offers exactly once, however often
// its event is delivered and whatever its event ID: the offer change, the
// record of its cause, the SupportOfferCreated event and the audit entry
// commit together under the council's hash tag (offerstore), and a second
// delivery finds the cause answered. The review link is made after that
// commit and again on every redelivery, so a failure between the two is
// repaired by the retry the failure causes.
//
// The package decodes no protobuf itself (offerstore does), keeping to the
// rule that only *api and *store packages touch transport and storage
// libraries.
package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offerstore"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Group is the consumer group of the peer-review service. Its replicas
// share it, so each event is handled by one of them.
const Group = "peerreview"

// ReviewLinker records on a completed peer review the support offer its
// conclusion led to. It must be idempotent: the consumer calls it again
// whenever the review's completion is delivered again. review.Service
// implements it.
type ReviewLinker interface {
	LinkOffer(ctx context.Context, gss, reviewID, offerName string, r change.Request) error
}

// Option configures Consumers.
type Option func(*config)

type config struct {
	consumer events.ConsumerOptions
}

// WithConsumerOptions tunes both consumers (batch size, idle time before a
// failed event is retried, dead-letter threshold, telemetry). An empty
// Group means Group; an empty Logger means the logger given to New.
func WithConsumerOptions(o events.ConsumerOptions) Option {
	return func(c *config) { c.consumer = o }
}

// Consumers are the offer consumers of the peer-review service.
type Consumers struct {
	svc       *offer.Service
	linker    ReviewLinker
	log       *slog.Logger
	consumers events.Consumers
}

// New subscribes the consumers to the topics of st's Redis. svc applies the
// offer rules; linker links enhanced offers to their reviews. Nothing is
// read until Run.
func New(st *store.Store, svc *offer.Service, linker ReviewLinker, logger *slog.Logger, opts ...Option) (*Consumers, error) {
	if svc == nil || linker == nil {
		return nil, errors.New("events: the offer service and the review linker are required")
	}
	if logger == nil {
		logger = slog.Default()
	}
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	copts := cfg.consumer
	if copts.Group == "" {
		copts.Group = Group
	}
	if copts.Logger == nil {
		copts.Logger = logger
	}
	c := &Consumers{svc: svc, linker: linker, log: logger.With("component", "events")}
	var err error
	c.consumers, err = events.SubscribeAll(st.BlockingClient(), st.Keyspace(), map[string]events.Handler{
		offerstore.InspectionTopic: c.HandleJudgement,
		offerstore.PeerReviewTopic: c.HandleReviewCompleted,
	}, copts)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	return c, nil
}

// Run consumes both topics until ctx is done, then returns nil, or the
// errors that stopped a consumer early. Run may be called once.
func (c *Consumers) Run(ctx context.Context) error { return c.consumers.Run(ctx) }

// request is how a change made from event e is audited: by the service
// itself, with the event ID as the request ID.
func request(e events.Event) change.Request {
	return change.Request{Subject: offer.SystemActor, RequestID: e.ID}
}

// LinkOfferMethod is the audit trail's method of a review's link to the
// support offer its completion led to, made from PeerReviewCompleted.
const LinkOfferMethod = "event:" + "turnaround.events.v1.PeerReviewCompleted"

// linkRequest is how the link of a review to its offer is audited: by the
// service itself, as the answer to the review's completion.
var linkRequest = change.Request{Subject: offer.SystemActor, Method: LinkOfferMethod}
