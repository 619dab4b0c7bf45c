// Package progressreviewapi is the gRPC face of progress reviews:
// CreateProgressReview, GetProgressReview and ListProgressReviews of
// ImprovementPlanService. It decodes and checks requests, decides who may
// record which kind of review, calls the review rules and renders
// responses; each method's access policy is declared in Policies.
//
// Who may do what: each source of evidence has its own author. Ofsted
// inspectors record monitoring visits, DfE officials record DfE reviews, and
// a council officer records self-assessments of their own council's plans
// only. Progress is read by Ofsted inspectors, LGA advisers, DfE officials
// and a council officer of the plan's council. Sponsor officers are denied
// until the sponsor service knows their engagements; partner systems are
// denied, since progress reviews are not published information.
package progressreviewapi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planstore"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/progressreview"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/progressreviewstore"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Page sizes of review lists.
const (
	defaultPageSize = 50
	maxPageSize     = 200
)

// maxRequestIDLen bounds request_id; a UUID (AIP-155's suggestion) is 36.
const maxRequestIDLen = 128

// maxAttempts bounds the commits CreateProgressReview tries when a
// concurrent change to the plan (or a taken review ID) refuses one.
const maxAttempts = 5

// ReasonSourceNotAllowed is the PERMISSION_DENIED reason for a caller
// recording a kind of review that belongs to another role.
const ReasonSourceNotAllowed = "REVIEW_SOURCE_NOT_ALLOWED"

// readers may read progress reviews (a council officer only of their own
// council).
var readers = []auth.Role{auth.RoleOfstedInspector, auth.RoleLGAAdviser, auth.RoleDfEOfficial, auth.RoleCouncilOfficer}

// Policies declares who may call each method of this package.
var Policies = auth.Policies{
	// Which of these roles may record which source is checked in the
	// handler (see authorSource).
	improvementplanv1.ImprovementPlanService_CreateProgressReview_FullMethodName: auth.Allow(
		auth.RoleOfstedInspector, auth.RoleDfEOfficial, auth.RoleCouncilOfficer),
	improvementplanv1.ImprovementPlanService_GetProgressReview_FullMethodName:   auth.Allow(readers...),
	improvementplanv1.ImprovementPlanService_ListProgressReviews_FullMethodName: auth.Allow(readers...),
}

// Reviews implements the progress review methods of
// improvementplanv1.ImprovementPlanServiceServer. It deliberately embeds no
// Unimplemented server, so that the service's composite server can embed
// it beside the other handler types without ambiguous methods.
type Reviews struct {
	reviews *progressreviewstore.Reviews
	plans   *planstore.Plans
	pages   *paging.Codec
	now     func() time.Time
}

// New returns the handlers over the review and plan stores, with page
// tokens from pages, reading the time from now (nil means time.Now).
func New(reviews *progressreviewstore.Reviews, plans *planstore.Plans, pages *paging.Codec, now func() time.Time) *Reviews {
	if now == nil {
		now = time.Now
	}
	return &Reviews{reviews: reviews, plans: plans, pages: pages, now: now}
}

// CreateProgressReview implements ImprovementPlanService.CreateProgressReview.
// The plan must be approved, under monitoring, awaiting its decision or
// continued (FAILED_PRECONDITION otherwise); the first review of an
// approved plan moves it to monitoring in the same transaction. A repeat
// of a request_id replays the first response.
func (h *Reviews) CreateProgressReview(ctx context.Context, req *improvementplanv1.CreateProgressReviewRequest) (*improvementplanv1.ProgressReview, error) {
	const method = improvementplanv1.ImprovementPlanService_CreateProgressReview_FullMethodName
	now := h.now().UTC()
	gss, planID, parentErr := plan.ParseName("parent", req.GetParent())
	var vs fault.Violations
	var d progressreview.Draft
	if req.GetProgressReview() == nil {
		vs.Add("progress_review", "is required: the review date, source, overall rating and narrative at least")
	} else {
		var conv fault.Violations
		d, conv = fromProto(req.GetProgressReview())
		vs = append(vs, conv...)
		// A field conversion already reported is not reported again.
		for _, v := range d.Check("progress_review.", now) {
			if !slices.ContainsFunc(conv, func(c fault.Violation) bool { return c.Field == v.Field }) {
				vs = append(vs, v)
			}
		}
	}
	checkRequestID(&vs, req.GetRequestId())
	if err := fault.Join(parentErr, vs.Err()); err != nil {
		return nil, err
	}
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := authorSource(p, d.Source, gss); err != nil {
		return nil, err
	}
	scope := store.IdempotencyScope(method, p.Subject)
	audit := store.AuditEntry{Actor: p.Subject, Roles: roleNames(p.Roles), Method: method, RequestID: req.GetRequestId()}
	for range maxAttempts {
		var prev improvementplanv1.ProgressReview
		if ok, err := h.reviews.Replay(ctx, gss, scope, req.GetRequestId(), req, &prev); err != nil || ok {
			return &prev, err
		}
		cur, err := h.plans.Get(ctx, gss, planID)
		if err != nil {
			return nil, planNamed(err, req.GetParent())
		}
		rec, err := progressreview.Record(cur, d, resource.NewID(), "progress_review.", p.Subject, now)
		if err != nil {
			return nil, err
		}
		resp := progressreviewstore.Encode(rec.Review)
		idem, err := store.NewIdempotency(scope, req.GetRequestId(), req, resp)
		if err != nil {
			return nil, err
		}
		err = h.reviews.Insert(ctx, rec, audit, idem)
		if err == nil {
			return resp, nil
		}
		if !errors.Is(err, store.ErrConflict) || ctx.Err() != nil {
			return nil, err
		}
		// The plan moved (another first review, the deadline), the fresh
		// ID was taken, or a concurrent retry of this request won: the
		// next attempt replays or reads the plan again.
	}
	return nil, fmt.Errorf("reviewapi: record a review of %s: still contended after %d attempts: %w", req.GetParent(), maxAttempts, store.ErrConflict)
}

// GetProgressReview implements ImprovementPlanService.GetProgressReview.
func (h *Reviews) GetProgressReview(ctx context.Context, req *improvementplanv1.GetProgressReviewRequest) (*improvementplanv1.ProgressReview, error) {
	gss, planID, id, err := progressreview.ParseName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	if err := auth.RequireCouncil(ctx, gss); err != nil {
		return nil, err
	}
	r, err := h.reviews.Get(ctx, gss, planID, id)
	if errors.Is(err, progressreview.ErrNotFound) {
		return nil, fault.NotFound(progressreview.ReasonNotFound, "%s does not exist", req.GetName()).With("name", req.GetName())
	}
	if err != nil {
		return nil, err
	}
	return progressreviewstore.Encode(r), nil
}

// ListProgressReviews implements ImprovementPlanService.ListProgressReviews:
// a plan's reviews, oldest first. A plan that does not exist is NOT_FOUND.
// Page tokens are bound to the plan.
func (h *Reviews) ListProgressReviews(ctx context.Context, req *improvementplanv1.ListProgressReviewsRequest) (*improvementplanv1.ListProgressReviewsResponse, error) {
	gss, planID, parentErr := plan.ParseName("parent", req.GetParent())
	size, sizeErr := paging.PageSize(req.GetPageSize(), defaultPageSize, maxPageSize)
	if err := fault.Join(parentErr, sizeErr); err != nil {
		return nil, err
	}
	if err := auth.RequireCouncil(ctx, gss); err != nil {
		return nil, err
	}
	q := paging.Query{
		Method: improvementplanv1.ImprovementPlanService_ListProgressReviews_FullMethodName,
		Parent: req.GetParent(),
	}
	offset, err := h.pages.DecodeOffset(req.GetPageToken(), q)
	if err != nil {
		return nil, err
	}
	if _, err := h.plans.Get(ctx, gss, planID); err != nil {
		return nil, planNamed(err, req.GetParent())
	}
	all, err := h.reviews.List(ctx, gss, planID)
	if err != nil {
		return nil, err
	}
	total := int64(len(all))
	start := min(offset, total)
	end := min(start+int64(size), total)
	resp := &improvementplanv1.ListProgressReviewsResponse{
		ProgressReviews: make([]*improvementplanv1.ProgressReview, 0, end-start),
		NextPageToken:   h.pages.NextOffset(q, start, size, total),
		TotalSize:       int32(total),
	}
	for _, r := range all[start:end] {
		resp.ProgressReviews = append(resp.ProgressReviews, progressreviewstore.Encode(r))
	}
	return resp, nil
}

// authorSource checks that p may record a review from source about the
// council gss: a monitoring visit is Ofsted's, a DfE review DfE's, and a
// self-assessment the council's own, so a council officer records one only
// for their own council.
func authorSource(p auth.Principal, source progressreview.Source, gss string) error {
	var author auth.Role
	switch source {
	case progressreview.OfstedMonitoringVisit:
		author = auth.RoleOfstedInspector
	case progressreview.DfEReview:
		author = auth.RoleDfEOfficial
	case progressreview.SelfAssessment:
		author = auth.RoleCouncilOfficer
	}
	if !p.HasRole(author) {
		return fault.PermissionDenied(ReasonSourceNotAllowed,
			"only a caller with the role %s may record a review from source %s", author, source).
			With("source", string(source))
	}
	if author == auth.RoleCouncilOfficer && p.Authority != gss {
		return fault.PermissionDenied(auth.ReasonCouncilNotAllowed,
			"a council officer records self-assessments of their own council only, not of %s", gss).
			With("authority", gss)
	}
	return nil
}

func principal(ctx context.Context) (auth.Principal, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		// Served without the interceptor, which must never grant access.
		return auth.Principal{}, fault.Unauthenticated(auth.ReasonTokenMissing, "the request is not authenticated")
	}
	return p, nil
}

func roleNames(roles []auth.Role) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = string(r)
	}
	return out
}

func checkRequestID(vs *fault.Violations, id string) {
	if len(id) > maxRequestIDLen {
		vs.Add("request_id", "is %d bytes long; the limit is %d (a UUID is suggested)", len(id), maxRequestIDLen)
	}
}

// planNamed gives a missing plan's NOT_FOUND the plan's name.
func planNamed(err error, name string) error {
	if errors.Is(err, plan.ErrNotFound) {
		return fault.NotFound(plan.ReasonNotFound, "%s does not exist", name).With("name", name)
	}
	return err
}
