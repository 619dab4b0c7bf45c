// Package api composes the peer-review service's handler sets into one
// PeerReviewServiceServer and gathers their access policies.
package api

import (
	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offerapi"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/priorityapi"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewapi"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewerapi"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/whatworksapi"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
)

// fallback sits one level deeper than the handler sets in Handlers, so
// its UNIMPLEMENTED methods are promoted only for methods no set
// implements.
type fallback struct {
	peerreviewv1.UnimplementedPeerReviewServiceServer
}

var _ peerreviewv1.PeerReviewServiceServer = (*Server)(nil)

// Handlers are the handler sets the service composes, one per resource,
// each embedded so that its methods serve the service's. The fallback
// answers UNIMPLEMENTED for any method no set implements.
type Handlers struct {
	fallback
	*priorityapi.Priorities
	*reviewerapi.Reviewers
	*reviewapi.Reviews
	*offerapi.Offers
	*whatworksapi.WhatWorks
}

// Server is the whole PeerReviewService: one handler set per resource.
type Server struct{ Handlers }

// NewServer composes the handler sets into the service.
func NewServer(h Handlers) *Server { return &Server{h} }

// Policies returns who may call each PeerReviewService method, gathered from
// every handler set. It fails if two sets declare the same method or a method
// of the service has no policy, so a new RPC cannot ship unguarded.
func Policies() (auth.Policies, error) {
	return auth.ForService(peerreviewv1.PeerReviewService_ServiceDesc,
		priorityapi.Policies, reviewerapi.Policies, reviewapi.Policies, offerapi.Policies, whatworksapi.Policies)
}
