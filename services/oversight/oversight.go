// Package oversight is the oversight service: read models over every
// service's events. It keeps each council's timeline (one entry per event
// about the council from every service, each shown only to callers who may
// read the record it points at), the national overview computed from each
// council's standing, and the audit trail of every mutation.
//
// New builds it from its dependencies; Register puts it on a gRPC server;
// Run consumes the inspection, peer-review, improvement-plan, sponsor and
// audit topics in its own consumer groups until its context ends; Rebuild
// purges the read models and replays the streams. It has no demo data of its
// own: the other services' demo events reach it like any others.
package oversight

import (
	"context"

	"google.golang.org/grpc"

	oversightv1 "github.com/turnaround-sli/turnaround/proto/turnaround/oversight/v1"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/api"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/audit"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/auditapi"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/auditstore"
	oversightevents "github.com/turnaround-sli/turnaround/services/oversight/internal/events"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/overview"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/overviewapi"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/timeline"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/timelineapi"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/timelinestore"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/component"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Name is the gRPC service name, used for health status.
const Name = "turnaround.oversight.v1.OversightService"

// Deps are what the service needs from the process that runs it.
type Deps struct {
	// Base is the store, the page token codec, the log and the clock the
	// overview's decision windows count from (nil means time.Now).
	component.Base
	// Consumer tunes the consumers; its Group is always "oversight".
	Consumer events.ConsumerOptions
}

// Service is the oversight service.
type Service struct {
	deps     Deps
	timeline *timelinestore.Store
	trail    *auditstore.Store
	consumer *oversightevents.Consumer
	server   *api.Server
	policies auth.Policies
}

// New builds the service.
func New(d Deps) (*Service, error) {
	policies, err := d.Start("oversight", api.Policies)
	if err != nil {
		return nil, err
	}
	s := &Service{deps: d, policies: policies, timeline: timelinestore.New(d.Store), trail: auditstore.New(d.Store)}
	stories := timeline.NewService(s.timeline)
	trail := audit.NewService(s.trail)
	s.consumer, err = oversightevents.New(d.Store, stories, trail, d.Logger, d.Consumer)
	if err != nil {
		return nil, err
	}
	s.server = api.NewServer(api.Handlers{
		Timeline: timelineapi.New(stories, d.Pages),
		Overview: overviewapi.New(overview.NewService(stories, d.Now)),
		Audit:    auditapi.New(trail, d.Pages),
	})
	return s, nil
}

// Register puts the service's handlers on g.
func (s *Service) Register(g grpc.ServiceRegistrar) {
	oversightv1.RegisterOversightServiceServer(g, s.server)
}

// Policies returns who may call each OversightService method.
func (s *Service) Policies() auth.Policies { return s.policies }

// Seed does nothing: the service's data are the other services' events.
func (s *Service) Seed(context.Context, bool) error { return nil }

// Run consumes the topics until ctx ends.
func (s *Service) Run(ctx context.Context) error { return s.consumer.Run(ctx) }

// RebuildStats reports what Rebuild replayed.
type RebuildStats = oversightevents.RebuildStats

// Rebuild purges the read models and replays every topic stream from its
// start. Run it while no oversight consumer runs (a consumer handling an
// event during the purge could record it on a read model then purged; the
// rebuild replays it anyway, so the result is the same, but the timeline
// is briefly incomplete). What it can rebuild is bounded by what the
// streams retain (docs/oversight.md).
func (s *Service) Rebuild(ctx context.Context) (RebuildStats, error) {
	var codes []string
	for _, c := range reference.Councils() {
		codes = append(codes, c.GSSCode)
	}
	if err := s.timeline.Purge(ctx, codes); err != nil {
		return RebuildStats{}, err
	}
	if err := s.trail.Purge(ctx); err != nil {
		return RebuildStats{}, err
	}
	return s.consumer.Rebuild(ctx)
}
