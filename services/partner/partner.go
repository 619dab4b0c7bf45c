// Package partner is the partner-events service: it tells partner systems
// what happens as it happens, so that they stop polling.
//
//   - WatchEvents is a gRPC server stream of the events a caller may see
//     (the access matrix decides, through platform/eventaccess), first the
//     backlog after a resume cursor, then live, each with its cursor.
//   - Webhook subscriptions send the same events to HTTPS endpoints as
//     CloudEvents 1.0 in structured JSON mode, signed as the Standard
//     Webhooks specification describes, retried with exponential backoff
//     and jitter for up to 24 hours and then dead-lettered, in order per
//     council. Endpoints must resolve to public addresses, checked again on
//     every connection (package egress).
//
// New builds it; Register puts it on a gRPC server; Run follows the topic
// streams for live watchers, queues events for subscriptions in the
// consumer group "partner" and sends the deliveries that are due.
package partner

import (
	"context"
	"crypto/x509"

	"google.golang.org/grpc"

	partnerv1 "github.com/turnaround-sli/turnaround/proto/turnaround/partner/v1"
	"github.com/turnaround-sli/turnaround/services/partner/internal/api"
	"github.com/turnaround-sli/turnaround/services/partner/internal/delivery"
	"github.com/turnaround-sli/turnaround/services/partner/internal/deliveryapi"
	"github.com/turnaround-sli/turnaround/services/partner/internal/deliverystore"
	"github.com/turnaround-sli/turnaround/services/partner/internal/egress"
	partnerevents "github.com/turnaround-sli/turnaround/services/partner/internal/events"
	"github.com/turnaround-sli/turnaround/services/partner/internal/streamstore"
	"github.com/turnaround-sli/turnaround/services/partner/internal/subscription"
	"github.com/turnaround-sli/turnaround/services/partner/internal/subscriptionapi"
	"github.com/turnaround-sli/turnaround/services/partner/internal/subscriptionstore"
	"github.com/turnaround-sli/turnaround/services/partner/internal/watch"
	"github.com/turnaround-sli/turnaround/services/partner/internal/watchapi"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/component"
	"github.com/turnaround-sli/turnaround/services/platform/eventaccess"
	"github.com/turnaround-sli/turnaround/services/platform/events"
)

// Name is the gRPC service name, used for health status.
const Name = "turnaround.partner.v1.PartnerEventsService"

// WatchOptions tune the event stream: the per-watcher buffer, the streams
// per caller, batch sizes.
type WatchOptions = watch.Options

// DeliveryOptions tune webhook delivery: the backoff schedule, the maximum
// age, when a failing subscription is disabled, concurrency.
type DeliveryOptions = delivery.Options

// Backoff is a retry schedule.
type Backoff = delivery.Backoff

// DefaultBackoff is the retry schedule when none is configured.
var DefaultBackoff = delivery.DefaultBackoff

// Deps are what the service needs from the process that runs it.
type Deps struct {
	// Base is the store, the page token codec, the log and the clock (nil
	// means time.Now).
	component.Base
	// Consumer tunes the webhook intake's consumers; its Group is always
	// "partner".
	Consumer events.ConsumerOptions
	Watch    WatchOptions
	Delivery DeliveryOptions
	// AllowHosts are webhook hosts (names, addresses or CIDR prefixes)
	// allowed even though they are not public, such as test receivers on
	// loopback.
	AllowHosts []string
	// RootCAs, when set, are the certificate authorities webhook endpoints
	// are verified against instead of the system's.
	RootCAs *x509.CertPool
	// Resolver looks webhook hosts up when a URL is given; nil means the
	// system's. Connections always resolve through the system and are
	// checked on the address dialled.
	Resolver Resolver
}

// Resolver looks host names up, as net.Resolver does.
type Resolver = egress.Resolver

// Service is the partner-events service.
type Service struct {
	server     *api.Server
	policies   auth.Policies
	watch      *watch.Service
	intake     *partnerevents.Intake
	deliveries *delivery.Service
}

// New builds the service.
func New(d Deps) (*Service, error) {
	policies, err := d.Start("partner", api.Policies)
	if err != nil {
		return nil, err
	}
	guard, err := egress.NewGuard(d.AllowHosts, d.Resolver)
	if err != nil {
		return nil, err
	}
	if d.Watch.Logger == nil {
		d.Watch.Logger = d.Logger
	}
	if d.Delivery.Logger == nil {
		d.Delivery.Logger = d.Logger
	}
	s := &Service{policies: policies}
	s.watch = watch.NewService(streamstore.New(d.Store, d.Logger), eventaccess.Topics(), d.Watch)
	subs := subscription.NewService(subscriptionstore.New(d.Store), guard, subscriptionapi.KnownType, d.Now)
	timeout := d.Delivery.Timeout
	if timeout <= 0 {
		timeout = delivery.DefaultTimeout
	}
	sender := delivery.HTTPSender{Client: guard.Client(timeout, d.RootCAs), Now: d.Now}
	s.deliveries = delivery.NewService(deliverystore.New(d.Store), subs, sender, d.Now, d.Delivery)
	subs.SetResumer(s.deliveries)
	if s.intake, err = partnerevents.New(d.Store, subs, s.deliveries, d.Logger, d.Consumer); err != nil {
		return nil, err
	}
	s.server = api.NewServer(api.Handlers{
		Watch:         watchapi.New(s.watch),
		Subscriptions: subscriptionapi.New(subs, d.Pages),
		Deliveries:    deliveryapi.New(subs, s.deliveries, d.Pages),
	})
	return s, nil
}

// Register puts the service's handlers on g.
func (s *Service) Register(g grpc.ServiceRegistrar) {
	partnerv1.RegisterPartnerEventsServiceServer(g, s.server)
}

// Policies returns who may call each method.
func (s *Service) Policies() auth.Policies { return s.policies }

// Seed does nothing: the service has no demo data of its own.
func (s *Service) Seed(context.Context, bool) error { return nil }

// Run follows the streams for watchers, queues events for webhooks and
// sends deliveries until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	return events.RunAll(ctx, s.watch.Run, s.intake.Run, s.deliveries.Run)
}
