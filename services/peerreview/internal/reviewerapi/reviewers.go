// Package reviewerapi is the gRPC face of the reviewer pool: CreateReviewer,
// GetReviewer, ListReviewers, UpdateReviewer and DeleteReviewer of
// PeerReviewService. It decodes and checks requests, calls the pool rules in
// package reviewer and renders responses; each method's access policy is
// declared in Policies.
//
// Who may do what is the access matrix's Reviewer cells (package access):
// the pool is the LGA's. LGA advisers manage it; they and DfE officials
// read it (the pool is not the content of any review). Every other role
// (Ofsted inspectors, council officers, sponsor officers and partner
// systems) is refused with PERMISSION_DENIED, since reviewers'
// availability, commitments and declared conflicts are personal details.
package reviewerapi

import (
	"context"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
)

// Policies declares who may call each method of this package: the access
// matrix's Reviewer cells (see the package comment). The pool belongs to no
// council, so the role-level policy is the whole decision.
var Policies = access.Rules(access.Reviewer, access.Methods{
	peerreviewv1.PeerReviewService_CreateReviewer_FullMethodName: access.Write,
	peerreviewv1.PeerReviewService_GetReviewer_FullMethodName:    access.Read,
	peerreviewv1.PeerReviewService_ListReviewers_FullMethodName:  access.Read,
	peerreviewv1.PeerReviewService_UpdateReviewer_FullMethodName: access.Write,
	peerreviewv1.PeerReviewService_DeleteReviewer_FullMethodName: access.Write,
})

// Reviewers implements the reviewer methods of
// peerreviewv1.PeerReviewServiceServer. It deliberately embeds no
// Unimplemented server, so that the service's composite server can embed it
// beside the other handler sets without ambiguous methods.
type Reviewers struct {
	svc         *reviewer.Service
	pages       *paging.Codec
	commitments reviewer.Commitments
}

// NewReviewers returns the handlers over the pool use cases, with page
// tokens from pages. commitments supplies each reviewer's committed_days
// (the peer review store); nil shows 0 for everyone.
func NewReviewers(svc *reviewer.Service, pages *paging.Codec, commitments reviewer.Commitments) *Reviewers {
	return &Reviewers{svc: svc, pages: pages, commitments: commitments}
}

// CreateReviewer implements PeerReviewService.CreateReviewer: it adds a
// reviewer to the pool under a fresh ID. name, etag and the output-only
// fields of the request's reviewer are ignored.
func (h *Reviewers) CreateReviewer(ctx context.Context, req *peerreviewv1.CreateReviewerRequest) (*peerreviewv1.Reviewer, error) {
	rv, r, err := rpc.Create[*peerreviewv1.Reviewer, reviewer.Reviewer]{
		Method: peerreviewv1.PeerReviewService_CreateReviewer_FullMethodName,
		Field:  "reviewer",
		Needs:  "display_name, role, home_council (unless an LGA associate) and the days available",
		Decode: fromProto,
		Rules:  func(rv reviewer.Reviewer) error { return rv.Validate("reviewer.") },
	}.Read(ctx, req, req.GetReviewer())
	if err != nil {
		return nil, err
	}
	out, err := h.svc.Create(ctx, rv, r)
	if err != nil {
		return nil, err
	}
	// A reviewer just added is on no review.
	return toProto(out, 0), nil
}

// GetReviewer implements PeerReviewService.GetReviewer.
func (h *Reviewers) GetReviewer(ctx context.Context, req *peerreviewv1.GetReviewerRequest) (*peerreviewv1.Reviewer, error) {
	id, err := resource.ParseID("name", reviewer.Collection, req.GetName())
	if err != nil {
		return nil, err
	}
	rv, err := h.svc.Get(ctx, id)
	if err != nil {
		return nil, rpc.NotFound(err, reviewer.ErrNotFound, reviewer.ReasonNotFound, req.GetName())
	}
	committed, err := h.committed(ctx)
	if err != nil {
		return nil, err
	}
	return toProto(rv, committed[rv.ID]), nil
}

// ListReviewers implements PeerReviewService.ListReviewers: the pool,
// filtered by role, region, expertise and the days available, committed
// and remaining this quarter (reviewer.FilterSchema), ordered by display
// name. Page tokens are bound to the filter.
func (h *Reviewers) ListReviewers(ctx context.Context, req *peerreviewv1.ListReviewersRequest) (*peerreviewv1.ListReviewersResponse, error) {
	l, err := rpc.ReadList(req, reviewer.FilterSchema, nil)
	if err != nil {
		return nil, err
	}
	q := paging.Query{
		Method: peerreviewv1.PeerReviewService_ListReviewers_FullMethodName,
		Parent: reviewer.Collection,
	}
	if err := l.Resume(h.pages, q); err != nil {
		return nil, err
	}
	all, _, err := h.svc.All(ctx)
	if err != nil {
		return nil, err
	}
	committed, err := h.committed(ctx)
	if err != nil {
		return nil, err
	}
	selected := reviewer.Select(all, committed, l.Filter)
	resp := &peerreviewv1.ListReviewersResponse{}
	resp.Reviewers, resp.NextPageToken, resp.TotalSize = rpc.ListPage(l, selected, func(rv reviewer.Reviewer) *peerreviewv1.Reviewer {
		return toProto(rv, committed[rv.ID])
	})
	return resp, nil
}

// UpdateReviewer implements PeerReviewService.UpdateReviewer: it replaces
// the fields update_mask names (or, without a mask, the fields the request
// sets) of a reviewer whose current etag the request carries. A stale etag
// gives ABORTED. name, etag and output-only paths in the mask are ignored,
// as the REST gateway puts them in the mask it derives from a PATCH body.
func (h *Reviewers) UpdateReviewer(ctx context.Context, req *peerreviewv1.UpdateReviewerRequest) (*peerreviewv1.Reviewer, error) {
	in := req.GetReviewer()
	id, nameErr := resource.ParseID("reviewer.name", reviewer.Collection, in.GetName())
	u, err := rpc.Update[*peerreviewv1.Reviewer, reviewer.Reviewer, reviewer.Mask]{
		Method:  peerreviewv1.PeerReviewService_UpdateReviewer_FullMethodName,
		Field:   "reviewer",
		Implied: populatedPaths,
		Mask:    reviewer.ParseMask,
		Decode:  fromProto,
	}.Read(ctx, req, in, nameErr)
	if err != nil {
		return nil, err
	}
	out, err := h.svc.Update(ctx, id, u.Values, u.Mask, u.Etag, u.Request)
	if err != nil {
		return nil, rpc.NotFound(err, reviewer.ErrNotFound, reviewer.ReasonNotFound, in.GetName())
	}
	committed, err := h.committed(ctx)
	if err != nil {
		return nil, err
	}
	return toProto(out, committed[out.ID]), nil
}

// DeleteReviewer implements PeerReviewService.DeleteReviewer: it removes a
// reviewer whose current etag the request carries, unless they are on the
// team of an open review (FAILED_PRECONDITION).
func (h *Reviewers) DeleteReviewer(ctx context.Context, req *peerreviewv1.DeleteReviewerRequest) (*peerreviewv1.DeleteReviewerResponse, error) {
	id, nameErr := resource.ParseID("name", reviewer.Collection, req.GetName())
	etag, etagErr := rpc.ParseEtag("etag", req.GetEtag(), true)
	if err := fault.Join(nameErr, etagErr); err != nil {
		return nil, err
	}
	r, err := rpc.NewRequest(ctx, peerreviewv1.PeerReviewService_DeleteReviewer_FullMethodName, "", req)
	if err != nil {
		return nil, err
	}
	if err := h.svc.Delete(ctx, id, etag, r); err != nil {
		return nil, rpc.NotFound(err, reviewer.ErrNotFound, reviewer.ReasonNotFound, req.GetName())
	}
	return &peerreviewv1.DeleteReviewerResponse{}, nil
}

// committed reads every reviewer's committed days, or none without a
// source.
func (h *Reviewers) committed(ctx context.Context) (map[string]int, error) {
	if h.commitments == nil {
		return nil, nil
	}
	return h.commitments.CommittedDays(ctx)
}
