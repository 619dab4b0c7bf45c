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

// fallback sits one level deeper than the handler sets in Server, so its
// UNIMPLEMENTED methods are promoted only for methods no set implements.
type fallback struct {
	peerreviewv1.UnimplementedPeerReviewServiceServer
}

// Server is the whole PeerReviewService: one handler set per resource.
type Server struct {
	fallback
	*priorityapi.Priorities
	*reviewerapi.Reviewers
	*reviewapi.Reviews
	*offerapi.Offers
	*whatworksapi.WhatWorks
}

var _ peerreviewv1.PeerReviewServiceServer = (*Server)(nil)

// Handlers are the handler sets Server composes.
type Handlers struct {
	Priorities *priorityapi.Priorities
	Reviewers  *reviewerapi.Reviewers
	Reviews    *reviewapi.Reviews
	Offers     *offerapi.Offers
	WhatWorks  *whatworksapi.WhatWorks
}

// NewServer composes the handler sets into the service.
func NewServer(h Handlers) *Server {
	return &Server{
		Priorities: h.Priorities,
		Reviewers:  h.Reviewers,
		Reviews:    h.Reviews,
		Offers:     h.Offers,
		WhatWorks:  h.WhatWorks,
	}
}

// Policies returns who may call each PeerReviewService method, gathered from
// every handler set. It fails if two sets declare the same method or a method
// of the service has no policy, so a new RPC cannot ship unguarded.
func Policies() (auth.Policies, error) {
	return auth.ForService(peerreviewv1.PeerReviewService_ServiceDesc,
		priorityapi.Policies, reviewerapi.Policies, reviewapi.Policies, offerapi.Policies, whatworksapi.Policies)
}
