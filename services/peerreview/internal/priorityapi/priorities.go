// Package priorityapi is the gRPC face of ListReviewPriorities of
// PeerReviewService: the councils the LGA should offer a peer review, from
// the inspection service's risk assessments (read over gRPC for the caller)
// and this service's own reviews, ranked by package priority.
//
// Who may call it is the access matrix's ReviewPriority cell (package
// access): LGA advisers, whose work queue it is, and DfE officials. Risk
// scores are not public, so no other role may. The list names councils and
// their risk, never the content of a review.
package priorityapi

import (
	"context"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/priority"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Policies declares who may call each method of this package: the access
// matrix's ReviewPriority cell. The list spans every council, so the
// role-level policy is the whole decision.
var Policies = access.Rules(access.ReviewPriority, access.Methods{
	peerreviewv1.PeerReviewService_ListReviewPriorities_FullMethodName: access.Read,
})

// Priorities implements ListReviewPriorities of
// peerreviewv1.PeerReviewServiceServer. It embeds no Unimplemented server,
// so the service's composite server can embed it beside the other handler
// sets.
type Priorities struct{ rpc.Handlers[priority.Service] }

// New returns the handler over the priorities use case, with page tokens
// from pages.
func New(svc *priority.Service, pages *paging.Codec) *Priorities {
	return &Priorities{Handlers: rpc.Over(svc, pages)}
}

// ListReviewPriorities implements PeerReviewService.ListReviewPriorities.
// The whole list is computed on every call (152 councils at most) and paged
// by offset; page tokens are bound to the method. When the inspection
// service cannot be reached the call fails UNAVAILABLE with reason
// INSPECTION_UNAVAILABLE: an empty list would wrongly say no council is at
// risk.
func (h *Priorities) ListReviewPriorities(ctx context.Context, req *peerreviewv1.ListReviewPrioritiesRequest) (*peerreviewv1.ListReviewPrioritiesResponse, error) {
	l, err := rpc.ReadList(req, nil, nil)
	if err != nil {
		return nil, err
	}
	q := paging.Query{Method: peerreviewv1.PeerReviewService_ListReviewPriorities_FullMethodName}
	if err := l.Resume(h.Pages, q); err != nil {
		return nil, err
	}
	ranked, err := h.Svc.List(ctx)
	if err != nil {
		return nil, err
	}
	resp := &peerreviewv1.ListReviewPrioritiesResponse{}
	resp.Priorities, resp.NextPageToken, resp.TotalSize = rpc.ListPage(l, ranked, func(p priority.Priority) *peerreviewv1.ReviewPriority {
		return &peerreviewv1.ReviewPriority{
			LocalAuthority: resource.CouncilName(p.Council),
			DisplayName:    p.DisplayName,
			Region:         refproto.Region(p.Region),
			RiskScore:      p.Score,
			RiskBand:       refproto.RiskBand(string(p.Band)),
			Reasons:        p.Reasons,
			ModelVersion:   p.ModelVersion,
		}
	})
	return resp, nil
}
