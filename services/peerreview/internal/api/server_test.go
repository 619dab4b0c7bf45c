package api

import (
	"slices"
	"strings"
	"testing"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offerapi"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/priorityapi"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewapi"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewerapi"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/whatworksapi"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
)

func TestPoliciesCoverEveryMethodOnce(t *testing.T) {
	rpctest.ServicePolicies(t, peerreviewv1.PeerReviewService_ServiceDesc, Policies)
}

func TestPoliciesRefuseGapsAndDuplicates(t *testing.T) {
	ps := rpctest.ServicePolicies(t, peerreviewv1.PeerReviewService_ServiceDesc, Policies)
	list := peerreviewv1.PeerReviewService_ListReviewPriorities_FullMethodName
	without := auth.Policies{}
	for m, p := range ps {
		if m != list {
			without[m] = p
		}
	}
	cases := []struct {
		name string
		sets []auth.Policies
		want string
	}{
		{"a method without a policy", []auth.Policies{without}, "no policy for " + list},
		{"a method declared twice", []auth.Policies{ps, {list: auth.Allow(auth.RoleLGAAdviser)}}, "declared twice"},
		{"a method the service lacks", []auth.Policies{ps, {"/turnaround.peerreview.v1.PeerReviewService/Nothing": auth.AnyAuthenticated()}}, "does not have"},
		{"a policy admitting nobody", []auth.Policies{without, {list: auth.Allow()}}, "admits no role"},
	}
	for _, tc := range cases {
		if _, err := auth.ForService(peerreviewv1.PeerReviewService_ServiceDesc, tc.sets...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
}

// TestConfidentialMethodsAreClosedToOutsiders pins the boundary the access
// matrix draws: sponsor officers and partner systems reach only the
// published lessons; Ofsted inspectors those and the reviews in summary;
// DfE officials also the reviewer pool, the review priorities and the
// support offers (DfE and Ofsted were refused all of these before the
// matrix). None of them reads the What Works theme summaries, which count
// review findings, or writes anything.
func TestConfidentialMethodsAreClosedToOutsiders(t *testing.T) {
	ps := rpctest.ServicePolicies(t, peerreviewv1.PeerReviewService_ServiceDesc, Policies)
	whatWorks := []string{
		peerreviewv1.PeerReviewService_GetLesson_FullMethodName,
		peerreviewv1.PeerReviewService_ListLessons_FullMethodName,
	}
	summaries := []string{
		peerreviewv1.PeerReviewService_GetPeerReview_FullMethodName,
		peerreviewv1.PeerReviewService_ListPeerReviews_FullMethodName,
	}
	dfeReads := []string{
		peerreviewv1.PeerReviewService_GetReviewer_FullMethodName,
		peerreviewv1.PeerReviewService_ListReviewers_FullMethodName,
		peerreviewv1.PeerReviewService_ListReviewPriorities_FullMethodName,
		peerreviewv1.PeerReviewService_GetSupportOffer_FullMethodName,
		peerreviewv1.PeerReviewService_ListSupportOffers_FullMethodName,
	}
	open := map[auth.Role][]string{
		auth.RoleSponsorOfficer:  whatWorks,
		auth.RolePartnerSystem:   whatWorks,
		auth.RoleOfstedInspector: slices.Concat(whatWorks, summaries),
		auth.RoleDfEOfficial:     slices.Concat(whatWorks, summaries, dfeReads),
	}
	for method, p := range ps {
		for r, methods := range open {
			admitted := auth.Principal{Roles: []auth.Role{r}}.HasRole(p.Roles...)
			if admitted != slices.Contains(methods, method) {
				t.Errorf("%s: %s admitted = %v", method, r, admitted)
			}
		}
	}
}

// TestEveryMethodHasOneHandlerSet checks that each method of the service is
// implemented by exactly one handler set, so none falls through to the
// UNIMPLEMENTED fallback.
func TestEveryMethodHasOneHandlerSet(t *testing.T) {
	rpctest.OneHandlerEach(t, peerreviewv1.PeerReviewService_ServiceDesc,
		(*priorityapi.Priorities)(nil), (*reviewerapi.Reviewers)(nil), (*reviewapi.Reviews)(nil), (*offerapi.Offers)(nil), (*whatworksapi.WhatWorks)(nil))
}
