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
	"fmt"

	"google.golang.org/protobuf/types/known/timestamppb"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
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
	rpc.Handlers[reviewer.Service]
	commitments reviewer.Commitments
}

// NewReviewers returns the handlers over the pool use cases, with page
// tokens from pages. commitments supplies each reviewer's committed_days
// (the peer review store); nil shows 0 for everyone.
func NewReviewers(svc *reviewer.Service, pages *paging.Codec, commitments reviewer.Commitments) *Reviewers {
	return &Reviewers{Handlers: rpc.Over(svc, pages), commitments: commitments}
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
	out, err := h.Svc.Create(ctx, rv, r)
	if err != nil {
		return nil, err
	}
	// A reviewer just added is on no review.
	return toProto(out, 0), nil
}

// GetReviewer implements PeerReviewService.GetReviewer.
func (h *Reviewers) GetReviewer(ctx context.Context, req *peerreviewv1.GetReviewerRequest) (*peerreviewv1.Reviewer, error) {
	rv, err := rpc.GetByID(ctx, reviewer.Collection, req.GetName(), h.Svc.Get)
	if err != nil {
		return nil, rpc.NotFound(err, reviewer.ErrNotFound, reviewer.ReasonNotFound, req.GetName())
	}
	return h.render(ctx, rv)
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
	if err := l.Resume(h.Pages, q); err != nil {
		return nil, err
	}
	all, _, err := h.Svc.All(ctx)
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
	id, u, err := rpc.Update[*peerreviewv1.Reviewer, reviewer.Reviewer, reviewer.Mask]{
		Method:  peerreviewv1.PeerReviewService_UpdateReviewer_FullMethodName,
		Field:   "reviewer",
		Implied: populatedPaths,
		Mask:    reviewer.ParseMask,
		Decode:  fromProto,
	}.ReadID(ctx, req, in, reviewer.Collection)
	if err != nil {
		return nil, err
	}
	out, err := h.Svc.Update(ctx, id, u.Values, u.Mask, u.Etag, u.Request)
	if err != nil {
		return nil, rpc.NotFound(err, reviewer.ErrNotFound, reviewer.ReasonNotFound, in.GetName())
	}
	return h.render(ctx, out)
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
	if err := h.Svc.Delete(ctx, id, etag, r); err != nil {
		return nil, rpc.NotFound(err, reviewer.ErrNotFound, reviewer.ReasonNotFound, req.GetName())
	}
	return &peerreviewv1.DeleteReviewerResponse{}, nil
}

// render renders rv as the API returns it, with the days it has
// committed to open reviews.
func (h *Reviewers) render(ctx context.Context, rv reviewer.Reviewer) (*peerreviewv1.Reviewer, error) {
	committed, err := h.committed(ctx)
	if err != nil {
		return nil, err
	}
	return toProto(rv, committed[rv.ID]), nil
}

// committed reads every reviewer's committed days, or none without a
// source.
func (h *Reviewers) committed(ctx context.Context) (map[string]int, error) {
	if h.commitments == nil {
		return nil, nil
	}
	return h.commitments.CommittedDays(ctx)
}

// Enum name prefixes of the proto enums the API uses.
const (
	rolePrefix  = "REVIEWER_ROLE_"
	themePrefix = "THEME_"
)

// ThemeProto returns the proto enum of a theme of the taxonomy
// (THEME_UNSPECIFIED for anything else). Peer review findings and lessons
// use the same taxonomy, so their handlers convert with it too.
func ThemeProto(t reviewer.Theme) peerreviewv1.Theme {
	return refproto.Enum[peerreviewv1.Theme](themePrefix, t)
}

// ThemeFromProto returns the theme of a proto enum: "" for
// THEME_UNSPECIFIED, and for a number the enum does not define the number
// itself, so that Theme.Valid rejects both and a violation can name them.
func ThemeFromProto(t peerreviewv1.Theme) reviewer.Theme {
	return reviewer.Theme(refproto.EnumName(t, themePrefix))
}

// RoleProto returns the proto enum of a reviewer role.
func RoleProto(r reviewer.Role) peerreviewv1.ReviewerRole {
	return refproto.Enum[peerreviewv1.ReviewerRole](rolePrefix, r)
}

// fromProto reads the client-settable fields of a Reviewer message.
// Output-only fields are ignored (AIP-203). Enum values are carried over by
// name for the rules to judge; only council names that are not resource
// names at all are reported here, as violations under prefix.
func fromProto(m *peerreviewv1.Reviewer, prefix string) (reviewer.Reviewer, fault.Violations) {
	councils := rpc.Councils{Prefix: prefix}
	rv := reviewer.Reviewer{
		DisplayName:             m.GetDisplayName(),
		Role:                    reviewer.Role(refproto.EnumName(m.GetRole(), rolePrefix)),
		AvailableDaysPerQuarter: int(m.GetAvailableDaysPerQuarter()),
	}
	if hc := m.GetHomeCouncil(); hc != "" {
		rv.HomeCouncil = councils.One("home_council", hc)
	}
	for _, t := range m.GetExpertise() {
		rv.Expertise = append(rv.Expertise, ThemeFromProto(t))
	}
	rv.Conflicts = councils.Each("conflicts", m.GetConflicts())
	return rv, councils.Violations
}

// populatedPaths are the update mask paths of the fields m sets: the mask
// an update without update_mask implies (AIP-134).
func populatedPaths(m *peerreviewv1.Reviewer) []string {
	var paths []string
	add := func(set bool, path string) {
		if set {
			paths = append(paths, path)
		}
	}
	add(m.GetDisplayName() != "", "display_name")
	add(m.GetHomeCouncil() != "", "home_council")
	add(m.GetRole() != peerreviewv1.ReviewerRole_REVIEWER_ROLE_UNSPECIFIED, "role")
	add(len(m.GetExpertise()) > 0, "expertise")
	add(m.GetAvailableDaysPerQuarter() != 0, "available_days_per_quarter")
	add(len(m.GetConflicts()) > 0, "conflicts")
	return paths
}

// toProto renders a reviewer as the API returns it: its stored form with
// its etag, the days it has committed to open reviews this quarter and the
// days it has left.
func toProto(rv reviewer.Reviewer, committedDays int) *peerreviewv1.Reviewer {
	m := ToStored(rv)
	m.CommittedDays = int32(committedDays)
	m.RemainingDays = int32(rv.RemainingDays(committedDays))
	m.Etag = change.Format(rv.Version)
	return m
}

// ToStored is the stored form of a reviewer: the API message without its
// etag, committed days and remaining days, which are derived on read.
func ToStored(rv reviewer.Reviewer) *peerreviewv1.Reviewer {
	m := &peerreviewv1.Reviewer{
		Name:                    rv.Name(),
		DisplayName:             rv.DisplayName,
		Role:                    RoleProto(rv.Role),
		AvailableDaysPerQuarter: int32(rv.AvailableDaysPerQuarter),
		UpdateTime:              timestamppb.New(rv.UpdateTime),
	}
	if rv.HomeCouncil != "" {
		m.HomeCouncil = resource.CouncilName(rv.HomeCouncil)
	}
	for _, t := range rv.Expertise {
		m.Expertise = append(m.Expertise, ThemeProto(t))
	}
	m.Conflicts = rpc.CouncilNames(rv.Conflicts)
	return m
}

// FromStored reads a stored reviewer at version. Stored data was validated
// when written, so anything unexpected is corruption and an error.
func FromStored(m *peerreviewv1.Reviewer, version int64) (reviewer.Reviewer, error) {
	id, err := resource.ParseID("name", reviewer.Collection, m.GetName())
	if err != nil {
		return reviewer.Reviewer{}, fmt.Errorf("decode reviewer %q: %w", m.GetName(), err)
	}
	rv := reviewer.Reviewer{
		ID:                      id,
		DisplayName:             m.GetDisplayName(),
		Role:                    reviewer.Role(refproto.EnumName(m.GetRole(), rolePrefix)),
		AvailableDaysPerQuarter: int(m.GetAvailableDaysPerQuarter()),
		Version:                 version,
		UpdateTime:              m.GetUpdateTime().AsTime(),
	}
	if hc := m.GetHomeCouncil(); hc != "" {
		if rv.HomeCouncil, err = resource.ParseCouncil("home_council", hc); err != nil {
			return reviewer.Reviewer{}, fmt.Errorf("decode reviewer %s: %w", m.GetName(), err)
		}
	}
	for _, t := range m.GetExpertise() {
		rv.Expertise = append(rv.Expertise, ThemeFromProto(t))
	}
	for _, c := range m.GetConflicts() {
		gss, err := resource.ParseCouncil("conflicts", c)
		if err != nil {
			return reviewer.Reviewer{}, fmt.Errorf("decode reviewer %s: %w", m.GetName(), err)
		}
		rv.Conflicts = append(rv.Conflicts, gss)
	}
	if !rv.Role.Valid() {
		return reviewer.Reviewer{}, fmt.Errorf("decode reviewer %s: role %s", m.GetName(), m.GetRole())
	}
	return rv, nil
}
