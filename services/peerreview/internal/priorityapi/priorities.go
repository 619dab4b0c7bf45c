// Package priorityapi is the gRPC face of ListReviewPriorities of
// PeerReviewService: the councils the LGA should offer a peer review, from
// the inspection service's risk assessments (read over gRPC for the caller)
// and this service's own reviews, ranked by package priority.
//
// Only LGA advisers may call it: risk scores are not public, and the list
// is the LGA's work queue.
package priorityapi

import (
	"context"
	"strings"
	"time"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/inspectionclient"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/priority"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// riskFilter asks the inspection service for the councils not yet
// inspected under SIF; the band is filtered here, since the filter
// language has no "in".
const riskFilter = "inspected_under_sif = false"

// bandPrefix is the inspection service's RiskBand enum value prefix.
const bandPrefix = "RISK_BAND_"

// Policies declares who may call each method of this package.
var Policies = auth.Policies{
	peerreviewv1.PeerReviewService_ListReviewPriorities_FullMethodName: auth.Allow(auth.RoleLGAAdviser),
}

// Reviews is what the priorities need from the review store: every
// council's reviews, to leave out councils with a review under way or
// completed recently. reviewstore.Reviews implements it.
type Reviews interface {
	All(ctx context.Context) ([]review.Review, error)
}

// Priorities implements ListReviewPriorities of
// peerreviewv1.PeerReviewServiceServer. It embeds no Unimplemented server,
// so the service's composite server can embed it beside the other handler
// sets.
type Priorities struct {
	inspection inspectionv1.InspectionServiceClient
	reviews    Reviews
	pages      *paging.Codec
	now        func() time.Time
}

// New returns the handler over the inspection service's client (whose
// connection must forward the caller's authorization), the review store,
// the page token codec and the clock.
func New(inspection inspectionv1.InspectionServiceClient, reviews Reviews, pages *paging.Codec, now func() time.Time) *Priorities {
	return &Priorities{inspection: inspection, reviews: reviews, pages: pages, now: now}
}

// ListReviewPriorities implements PeerReviewService.ListReviewPriorities.
// The whole list is computed on every call (152 councils at most) and paged
// by offset; page tokens are bound to the method. When the inspection
// service cannot be reached the call fails UNAVAILABLE with reason
// INSPECTION_UNAVAILABLE: an empty list would wrongly say no council is at
// risk.
func (h *Priorities) ListReviewPriorities(ctx context.Context, req *peerreviewv1.ListReviewPrioritiesRequest) (*peerreviewv1.ListReviewPrioritiesResponse, error) {
	size, err := rpc.PageSize(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	q := paging.Query{Method: peerreviewv1.PeerReviewService_ListReviewPriorities_FullMethodName}
	offset, err := h.pages.DecodeOffset(req.GetPageToken(), q)
	if err != nil {
		return nil, err
	}
	assessments, err := inspectionclient.RiskAssessments(ctx, h.inspection, riskFilter)
	if err != nil {
		return nil, err
	}
	reviews, err := h.reviews.All(ctx)
	if err != nil {
		return nil, err
	}
	ranked := priority.Rank(fromAssessments(assessments), fromReviews(reviews), h.now())
	page, next := rpc.Page(h.pages, q, ranked, offset, size)
	resp := &peerreviewv1.ListReviewPrioritiesResponse{
		Priorities:    make([]*peerreviewv1.ReviewPriority, 0, len(page)),
		NextPageToken: next,
		TotalSize:     int32(len(ranked)),
	}
	for _, p := range page {
		resp.Priorities = append(resp.Priorities, &peerreviewv1.ReviewPriority{
			LocalAuthority: resource.CouncilName(p.Council),
			DisplayName:    p.DisplayName,
			Region:         refproto.Region(p.Region),
			RiskScore:      p.Score,
			RiskBand:       string(p.Band),
			Reasons:        p.Reasons,
			ModelVersion:   p.ModelVersion,
		})
	}
	return resp, nil
}

// fromAssessments reads the inspection service's assessments. The council
// is the assessment's name, localAuthorities/{gss}/riskAssessment.
func fromAssessments(ms []*inspectionv1.RiskAssessment) []priority.Assessment {
	out := make([]priority.Assessment, 0, len(ms))
	for _, m := range ms {
		gss, _, _ := strings.Cut(strings.TrimPrefix(m.GetName(), resource.Councils+"/"), "/")
		a := priority.Assessment{
			Council:           gss,
			DisplayName:       m.GetDisplayName(),
			Score:             m.GetScore(),
			Band:              priority.Band(strings.TrimPrefix(m.GetBand().String(), bandPrefix)),
			ModelVersion:      m.GetModelVersion(),
			InspectedUnderSIF: m.GetInspectedUnderSif(),
		}
		for _, f := range m.GetFactors() {
			a.Factors = append(a.Factors, priority.Factor{Contribution: f.GetContribution(), Explanation: f.GetExplanation()})
		}
		out = append(out, a)
	}
	return out
}

func fromReviews(rs []review.Review) []priority.Review {
	out := make([]priority.Review, len(rs))
	for i, rv := range rs {
		out[i] = priority.Review{Council: rv.GSSCode, State: priority.ReviewState(rv.State), Completed: rv.CompleteTime}
	}
	return out
}
