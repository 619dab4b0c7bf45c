// Package peerreview is the peer-review service: the LGA's sector-led offer.
// It prioritises the councils not yet inspected under SIF that are at risk
// (reading risk from the inspection service over gRPC), keeps the pool of
// peer reviewers, runs safeguarding peer reviews and practice diagnostics
// with teams proposed from the pool, turns what reviews find (and
// inadequate judgements) into support offers, and shares what works
// without naming councils. New builds it from its dependencies; Register
// puts it on a gRPC server; Run consumes the events that create offers.
package peerreview

import (
	"context"
	"errors"
	"fmt"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/priority"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/whatworks"

	"google.golang.org/grpc"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/api"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/events"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/inspectionclient"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offerapi"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offerstore"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/priorityapi"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewapi"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewerapi"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewerstore"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewstore"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/whatworksapi"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/whatworksstore"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/component"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Name is the gRPC service name, used for health status.
const Name = "turnaround.peerreview.v1.PeerReviewService"

// Deps are what the service needs from the process that runs it.
type Deps struct {
	// Base is the store, the page token codec, the log and the clock (nil
	// means time.Now).
	component.Base
	// Inspection is the inspection service's client. Its connection must
	// forward the caller's authorization (serve.Dial with
	// auth.ForwardAuthorization), since the service reads risk and
	// judgements as its caller.
	Inspection inspectionv1.InspectionServiceClient
}

// Service is the peer-review service.
type Service struct {
	deps      Deps
	reviewers *reviewerstore.Reviewers
	reviews   *reviewstore.Reviews
	offers    *offerstore.Offers
	offerSvc  *offer.Service
	whatWorks *whatworks.Service
	consumers *events.Consumers
	server    *api.Server
	policies  auth.Policies
}

// New builds the service and subscribes its event consumers (which read
// nothing until Run).
func New(d Deps) (*Service, error) {
	policies, err := d.Start("peerreview", api.Policies)
	if err != nil {
		return nil, err
	}
	if d.Inspection == nil {
		return nil, errors.New("peerreview: no inspection client")
	}
	reviewers := reviewerstore.New(d.Store, store.ProtoCodec(func() *peerreviewv1.Reviewer { return new(peerreviewv1.Reviewer) }, reviewerapi.ToStored, reviewerapi.FromStored))
	reviews := reviewstore.New(d.Store, store.ProtoCodec(func() *peerreviewv1.PeerReview { return new(peerreviewv1.PeerReview) }, reviewapi.ToStored, reviewapi.FromStored))
	reviewSvc := review.NewService(reviews, d.Now)
	offers := offerstore.New(d.Store, store.ProtoCodec(func() *peerreviewv1.SupportOffer { return new(peerreviewv1.SupportOffer) }, offerapi.ToStored, offerapi.FromStored))
	offerSvc := offer.NewService(offers, d.Now)
	lessons := whatworksstore.New(d.Store, store.ProtoCodec(func() *peerreviewv1.Lesson { return new(peerreviewv1.Lesson) }, whatworksapi.ToStored, whatworksapi.FromStored))
	inspection := inspectionclient.NewCouncils(d.Inspection)
	whatWorks := whatworks.NewService(lessons, reviews, inspection)
	consumers, err := events.New(d.Store, offerSvc, reviewSvc, d.Logger)
	if err != nil {
		return nil, fmt.Errorf("peerreview: %w", err)
	}
	return &Service{
		deps:      d,
		reviewers: reviewers,
		reviews:   reviews,
		offers:    offers,
		offerSvc:  offerSvc,
		whatWorks: whatWorks,
		consumers: consumers,
		policies:  policies,
		server: api.NewServer(api.Handlers{
			Priorities: priorityapi.New(priority.NewService(inspection, reviews, d.Now), d.Pages),
			Reviewers:  reviewerapi.NewReviewers(reviewer.NewService(reviewers, reviews, d.Now), d.Pages, reviews),
			Reviews:    reviewapi.NewReviews(reviewSvc, review.NewTeams(reviewSvc, reviewers, inspection), d.Pages),
			Offers:     offerapi.New(offerSvc, d.Pages),
			WhatWorks:  whatworksapi.New(whatWorks, d.Pages, d.Now),
		}),
	}, nil
}

// Register puts the service's handlers on g.
func (s *Service) Register(g grpc.ServiceRegistrar) {
	peerreviewv1.RegisterPeerReviewServiceServer(g, s.server)
}

// Policies returns who may call each of the service's methods.
func (s *Service) Policies() auth.Policies { return s.policies }

// Seed loads, with demo set, the synthetic demo data set (see demo.go). The
// service has no reference data of its own to seed: councils are the
// inspection service's.
func (s *Service) Seed(ctx context.Context, demo bool) error {
	if !demo {
		return nil
	}
	return s.loadDemo(ctx)
}

// Run consumes the events that create support offers (inadequate
// judgements from the inspection service, completed reviews from this one)
// until ctx is done. The process must also run the outbox relay, which
// moves committed events to their topics.
func (s *Service) Run(ctx context.Context) error {
	return s.consumers.Run(ctx)
}
