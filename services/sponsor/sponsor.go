// Package sponsor is the sponsor-matching service: the sponsors DfE
// matches to councils under intervention (high-performing councils,
// partnerships of councils and charities) with their capacity; councils'
// needs for a sponsor, opened by hand or from the improvement-plan
// service's InterventionOrdered events; the engagements approved matches
// create, the staff sponsors deploy to them and the compensation owed.
//
// New builds it from its dependencies; Register puts it on a gRPC server;
// Seed loads the demo sponsors; Run consumes the intervention events (and,
// with demo data, opens the demo needs) until its context ends. Every
// replica runs all of them: the consumer group shares the events between
// replicas, and the demo loader is safe to run on several at once.
package sponsor

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/component"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/api"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagementapi"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagementstore"
	sponsorevents "github.com/turnaround-sli/turnaround/services/sponsor/internal/events"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/matchrun"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/matchrunapi"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/matchrunstore"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/needapi"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/needstore"
	sponsors "github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsorapi"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsorstore"
)

// Name is the gRPC service name, used for health status.
const Name = "turnaround.sponsor.v1.SponsorService"

// Deps are what the service needs from the process that runs it.
type Deps struct {
	// Base is the store, the page token codec, the log and the clock, by which
	// needs are opened, sponsors changed and capacity in use counted (nil
	// means time.Now).
	component.Base
}

// Service is the sponsor-matching service.
type Service struct {
	deps         Deps
	sponsors     *sponsorstore.Sponsors
	needs        *needstore.Needs
	engagements  *engagementstore.Engagements
	needRules    *need.Service
	sponsorRules *sponsors.Service
	consumer     *sponsorevents.Consumer
	server       *api.Server
	policies     auth.Policies
	demo         atomic.Bool
}

// New builds the service.
func New(d Deps) (*Service, error) {
	policies, err := d.Start("sponsor", api.Policies)
	if err != nil {
		return nil, err
	}
	s := &Service{deps: d, policies: policies}
	s.sponsors = sponsorstore.New(d.Store, store.ProtoCodec(func() *sponsorv1.Sponsor { return new(sponsorv1.Sponsor) }, sponsorapi.ToStored, sponsorapi.FromStored))
	s.needs = needstore.New(d.Store, store.ProtoCodec(func() *sponsorv1.SponsorNeed { return new(sponsorv1.SponsorNeed) }, needapi.ToStored, needapi.FromStored))
	s.engagements = engagementstore.New(d.Store, engagementstore.WithClock(d.Now))
	s.needRules = need.NewService(s.needs, s.sponsors, d.Now)
	s.sponsorRules = sponsors.NewService(s.sponsors, d.Now)
	s.consumer, err = sponsorevents.New(d.Store, s.needRules, engagement.NewService(s.engagements, s.sponsors, d.Now), d.Logger, events.ConsumerOptions{})
	if err != nil {
		return nil, fmt.Errorf("sponsor: intervention consumer: %w", err)
	}
	s.server = api.NewServer(api.Handlers{
		Sponsors:    sponsorapi.New(s.sponsorRules, d.Pages, usage{s.engagements}),
		Needs:       needapi.New(s.needRules, d.Pages),
		Engagements: engagementapi.New(engagement.NewService(s.engagements, s.sponsors, d.Now), d.Pages, d.Now),
		MatchRuns:   matchrunapi.New(matchrun.NewService(matchrunstore.New(d.Store, s.sponsors, s.needs, s.engagements), d.Now), d.Pages),
	})
	return s, nil
}

// Register puts the service's handlers on g.
func (s *Service) Register(g grpc.ServiceRegistrar) {
	sponsorv1.RegisterSponsorServiceServer(g, s.server)
}

// Policies returns who may call each of the service's methods: a policy
// for every SponsorService method.
func (s *Service) Policies() auth.Policies { return s.policies }

// Seed prepares the service's data. With demo set it stores the demo
// sponsors (see demo.go), unless the demo has been claimed before, and Run
// then opens the demo needs: one comes from the improvement-plan demo's
// escalation, whose event is relayed only once the process runs.
func (s *Service) Seed(ctx context.Context, demo bool) error {
	if !demo {
		return nil
	}
	claimed, err := s.seedDemoSponsors(ctx)
	s.demo.Store(claimed)
	return err
}

// Run consumes InterventionOrdered events until ctx ends, and with demo
// data (Seed) opens the demo needs; then it returns nil, or the error
// that stopped the consumer early. A demo that cannot be loaded is logged,
// not returned: the service works without it. Run may be called once.
func (s *Service) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	var consumeErr error
	wg.Go(func() { consumeErr = s.consumer.Run(ctx) })
	if s.demo.Load() {
		if err := s.loadDemoNeeds(ctx); err != nil && ctx.Err() == nil {
			s.deps.Logger.ErrorContext(ctx, "sponsor demo needs not loaded", "error", err)
		}
	}
	wg.Wait()
	return consumeErr
}

// usage adapts the engagement store to the sponsor handlers' view of
// capacity in use.
type usage struct{ engs *engagementstore.Engagements }

// Usage implements sponsors.UsageSource.
func (u usage) Usage(ctx context.Context, ids ...string) (map[string]sponsors.Usage, error) {
	in, err := u.engs.Usage(ctx, ids...)
	if err != nil {
		return nil, err
	}
	out := make(map[string]sponsors.Usage, len(in))
	for id, x := range in {
		out[id] = sponsors.Usage{ActiveEngagements: x.Active, CommittedStaffDays: x.CommittedStaffDays}
	}
	return out, nil
}
