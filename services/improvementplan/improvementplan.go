// Package improvementplan is the improvement-plan service: the plan a
// council judged inadequate writes, checks for credibility and submits; DfE's
// approval; the progress reviews that evidence improvement; the six-month
// clock that brings the plan to DfE's decision; and the interventions DfE
// orders when progress is insufficient. It learns about judgements only from
// the inspection service's JudgementPublished events.
//
// New builds it from its dependencies: the stores, the use cases and their
// handlers, the judgement consumer (internal/events), the deadline schedule
// and the demo loader (internal/demo). Register puts it on a gRPC server;
// Run consumes the judgement events and runs the deadline schedule until its
// context ends. Every replica runs all three: the event consumer group and
// the durable schedule share the work between replicas.
package improvementplan

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/api"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/clockapi"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/deadline"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/demo"
	ipevents "github.com/turnaround-sli/turnaround/services/improvementplan/internal/events"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/intervention"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/interventionapi"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/interventionstore"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planapi"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planstore"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/progressreview"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/progressreviewapi"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/progressreviewstore"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/support"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/supportstore"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	suiteclock "github.com/turnaround-sli/turnaround/services/platform/clock"
	"github.com/turnaround-sli/turnaround/services/platform/component"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/schedule"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Name is the gRPC service name, used for health status.
const Name = "turnaround.improvementplan.v1.ImprovementPlanService"

// sweepInterval is the pause between reconciliations of the deadline
// schedule with the plans (deadline.Clock.Sweep).
const sweepInterval = time.Minute

// Deps are what the service needs from the process that runs it.
type Deps struct {
	// Base is the store, the page token codec, the log and the clock by which
	// deadlines, late actions and the history of every change are judged and
	// recorded (nil means Clock.Now, or time.Now without a Clock).
	component.Base
	// DeadlineMonths is the time a council judged inadequate has to show
	// significant improvement, from the judgement's publication; zero or
	// less means six months.
	DeadlineMonths int
	// Clock is the suite's clock that AdvanceClock moves (rehearsals of
	// the six-month clock); nil means a production clock over Store, which
	// refuses to move.
	Clock *suiteclock.Clock
}

// Service is the improvement-plan service.
type Service struct {
	deps          Deps
	plans         *planstore.Plans
	reviews       *progressreviewstore.Reviews
	interventions *interventionstore.Interventions
	clock         *deadline.Clock
	jobs          *schedule.Scheduler
	consumer      *events.Consumer
	engagements   *events.Consumer
	support       *support.Service
	server        *api.Server
	policies      auth.Policies
	demo          *demo.Loader
	withDemo      atomic.Bool
}

// New builds the service.
func New(d Deps) (*Service, error) {
	if d.Store == nil {
		return nil, errors.New("improvementplan: no store")
	}
	if d.Clock == nil {
		d.Clock = suiteclock.New(d.Store, suiteclock.Options{Base: d.Now, Logger: d.Logger})
	}
	if d.Now == nil {
		d.Now = d.Clock.Now
	}
	policies, err := d.Start("improvementplan", api.Policies)
	if err != nil {
		return nil, err
	}
	s := &Service{deps: d, policies: policies}
	s.plans = planstore.New(d.Store)
	s.reviews = progressreviewstore.New(d.Store, s.plans, store.ProtoCodec(
		func() *improvementplanv1.ProgressReview { return new(improvementplanv1.ProgressReview) }, progressreviewapi.ToProto, progressreviewapi.FromStored))
	s.interventions = interventionstore.New(d.Store, s.plans, store.ProtoCodec(
		func() *improvementplanv1.Intervention { return new(improvementplanv1.Intervention) }, interventionapi.ToStored, interventionapi.FromStored))
	s.jobs, err = schedule.New(d.Store.Client(), d.Store.Keyspace(), schedule.Options{
		Name: deadline.ScheduleName, Handler: s.handleDeadlineJob, Now: d.Now, Logger: d.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("improvementplan: deadline schedule: %w", err)
	}
	s.clock = deadline.New(s.plans, s.jobs, planstore.DeadlineReached, d.Now)
	judgements := ipevents.New(s.plans, s.clock, ipevents.Options{DeadlineMonths: d.DeadlineMonths, Now: d.Now, Logger: d.Logger})
	s.consumer, err = events.Subscribe(d.Store.BlockingClient(), d.Store.Keyspace(), ipevents.Topic, judgements.Consume,
		events.ConsumerOptions{Group: ipevents.Group, Logger: d.Logger})
	if err != nil {
		return nil, fmt.Errorf("improvementplan: judgement consumer: %w", err)
	}
	s.support = support.NewService(supportstore.New(d.Store))
	s.engagements, err = events.Subscribe(d.Store.BlockingClient(), d.Store.Keyspace(), ipevents.SponsorTopic,
		ipevents.NewEngagements(s.support).Consume, events.ConsumerOptions{Group: ipevents.Group, Logger: d.Logger})
	if err != nil {
		return nil, fmt.Errorf("improvementplan: engagement consumer: %w", err)
	}
	s.server = api.NewServer(api.Handlers{
		Plans:         planapi.New(plan.NewService(s.plans, s.reviews, s.clock, d.Now), d.Pages, s.support),
		Reviews:       progressreviewapi.New(progressreview.NewService(s.reviews, s.plans, d.Now), d.Pages, s.support),
		Interventions: interventionapi.New(intervention.NewService(s.interventions, s.plans, s.reviews, d.Now), d.Pages, s.support),
		Clock:         clockapi.New(deadline.NewRehearsal(d.Clock, s.fireDue, s.plans)),
	})
	s.demo = demo.New(demo.Deps{
		Store: d.Store, Plans: s.plans, Reviews: s.reviews, Interventions: s.interventions,
		Clock: s.clock, Logger: d.Logger, Now: d.Now,
	})
	return s, nil
}

// Register puts the service's handlers on g.
func (s *Service) Register(g grpc.ServiceRegistrar) {
	improvementplanv1.RegisterImprovementPlanServiceServer(g, s.server)
}

// Policies returns who may call each of the service's methods.
func (s *Service) Policies() auth.Policies { return s.policies }

// Seed prepares the service's data. The service has no reference data of
// its own (councils belong to the inspection service). With withDemo set,
// Run spreads the demo plans once the judgement consumer has opened them
// (see internal/demo): they come from the inspection service's demo
// judgements, whose events are relayed only once the process runs.
func (s *Service) Seed(_ context.Context, withDemo bool) error {
	s.withDemo.Store(withDemo)
	return nil
}

// Run consumes JudgementPublished events and the sponsor service's
// EngagementStarted events (which sponsors support which councils), runs the deadline schedule and
// reconciles it with the plans every minute, until ctx ends; then it
// returns nil, or the errors that stopped a part early. With demo data
// (Seed), the schedule starts once the demo plans are in place. Run may be
// called once.
func (s *Service) Run(ctx context.Context) error {
	return events.RunAll(ctx, s.consumer.Run, s.engagements.Run, s.runSchedule)
}

// runSchedule runs the deadline schedule, and the sweep that reconciles it
// with the plans, until ctx ends; with demo data, once the demo plans are
// in place.
func (s *Service) runSchedule(ctx context.Context) error {
	if s.withDemo.Load() {
		if err := s.demo.Load(ctx); err != nil && ctx.Err() == nil {
			s.deps.Logger.ErrorContext(ctx, "improvement plan demo data not loaded", "error", err)
		}
	}
	var inner sync.WaitGroup
	inner.Go(func() { s.sweep(ctx) })
	err := s.jobs.Run(ctx)
	inner.Wait()
	return err
}

// fireDue runs the deadline jobs due now at once, batch after batch, rather
// than waiting for the schedule's next tick (AdvanceClock). Jobs another
// replica holds are its to finish.
func (s *Service) fireDue(ctx context.Context) error {
	for range 100 {
		res, err := s.jobs.Tick(ctx)
		if err != nil || res.Claimed == 0 {
			return err
		}
	}
	return nil
}

// handleDeadlineJob is the schedule's handler: the job's ID is the plan's
// name.
func (s *Service) handleDeadlineJob(ctx context.Context, j schedule.Job) error {
	out, err := s.clock.Fire(ctx, j.ID)
	if err != nil {
		return err
	}
	s.deps.Logger.InfoContext(ctx, "improvement plan deadline job handled", "plan", j.ID, "outcome", string(out), "attempt", j.Attempt)
	return nil
}

// sweep reconciles the deadline schedule with the plans now and every
// sweepInterval until ctx ends. Errors are logged: the next sweep retries.
func (s *Service) sweep(ctx context.Context) {
	tick := time.NewTicker(sweepInterval)
	defer tick.Stop()
	for {
		n, err := s.clock.Sweep(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			s.deps.Logger.ErrorContext(ctx, "improvement plan deadline sweep", "error", err)
		case n > 0:
			s.deps.Logger.InfoContext(ctx, "improvement plan deadlines rescheduled by the sweep", "plans", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
