// Package progressreviewapi is the gRPC face of progress reviews:
// CreateProgressReview, GetProgressReview and ListProgressReviews of
// ImprovementPlanService. It decodes and checks requests, decides who may
// record which kind of review, calls the review rules and renders
// responses; each method's access policy is declared in Policies.
//
// Who may do what: each source of evidence has its own author. Ofsted
// inspectors record monitoring visits, DfE officials record DfE reviews, and
// a council officer records self-assessments of their own council's plans
// only. Progress is read as the access matrix's ProgressReview cells say:
// by Ofsted inspectors, LGA advisers, DfE officials, a council officer of
// the plan's council and a sponsor officer of a sponsor actively supporting
// it (package support); partner systems are denied, since progress reviews
// are not published information.
package progressreviewapi

import (
	"context"
	"fmt"
	"slices"

	"google.golang.org/protobuf/types/known/timestamppb"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planapi"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/progressreview"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/supportapi"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// ReasonSourceNotAllowed is the PERMISSION_DENIED reason for a caller
// recording a kind of review that belongs to another role.
const ReasonSourceNotAllowed = "REVIEW_SOURCE_NOT_ALLOWED"

// Policies declares who may call each method of this package: the access
// matrix's ProgressReview cells. Which of the reviewing roles may record
// which source is checked in the handler (see authorSource).
var Policies = access.Rules(access.ProgressReview, access.Methods{
	improvementplanv1.ImprovementPlanService_CreateProgressReview_FullMethodName: access.Review,
	improvementplanv1.ImprovementPlanService_GetProgressReview_FullMethodName:    access.Read,
	improvementplanv1.ImprovementPlanService_ListProgressReviews_FullMethodName:  access.Read,
})

// Reviews implements the progress review methods of
// improvementplanv1.ImprovementPlanServiceServer. It deliberately embeds no
// Unimplemented server, so that the service's composite server can embed
// it beside the other handler types without ambiguous methods.
type Reviews struct {
	reviews *progressreview.Service
	pages   *paging.Codec
	access  supportapi.Access
}

// New returns the handlers over the progress review use cases, with page
// tokens from pages and the sponsors supporting each council from
// supporters (nil: none).
func New(reviews *progressreview.Service, pages *paging.Codec, supporters supportapi.Supporters) *Reviews {
	return &Reviews{reviews: reviews, pages: pages, access: supportapi.New(supporters, access.ProgressReview)}
}

// CreateProgressReview implements ImprovementPlanService.CreateProgressReview.
// The plan must be approved, under monitoring, awaiting its decision or
// continued (FAILED_PRECONDITION otherwise); the first review of an
// approved plan moves it to monitoring in the same transaction. A repeat
// of a request_id replays the first response.
func (h *Reviews) CreateProgressReview(ctx context.Context, req *improvementplanv1.CreateProgressReviewRequest) (*improvementplanv1.ProgressReview, error) {
	const method = improvementplanv1.ImprovementPlanService_CreateProgressReview_FullMethodName
	now := h.reviews.Now()
	gss, planID, parentErr := plan.ParseName("parent", req.GetParent())
	if parentErr == nil {
		// A council the caller's grant does not reach is refused before
		// anything of the request is judged.
		if err := h.access.Check(ctx, access.Review, gss, req.GetParent(), false); err != nil {
			return nil, err
		}
	}
	d, r, err := rpc.Create[*improvementplanv1.ProgressReview, progressreview.Draft]{
		Method: method,
		Field:  "progress_review",
		Needs:  "the review date, source, overall rating and narrative at least",
		Decode: fromProto,
		// A field conversion already reported is not reported again.
		Rules:  func(d progressreview.Draft) error { return d.Check("progress_review.", now).Err() },
		Strict: true,
	}.Read(ctx, req, req.GetProgressReview(), parentErr)
	if err != nil {
		return nil, err
	}
	p, err := rpc.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := authorSource(p, d.Source, gss); err != nil {
		return nil, err
	}
	rv, err := h.reviews.Create(ctx, gss, planID, d, r)
	if err != nil {
		return nil, rpc.NotFound(err, plan.ErrNotFound, plan.ReasonNotFound, req.GetParent())
	}
	return ToProto(rv), nil
}

// GetProgressReview implements ImprovementPlanService.GetProgressReview.
func (h *Reviews) GetProgressReview(ctx context.Context, req *improvementplanv1.GetProgressReviewRequest) (*improvementplanv1.ProgressReview, error) {
	gss, planID, id, err := progressreview.ParseName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	if err := h.access.Check(ctx, access.Read, gss, req.GetName(), false); err != nil {
		return nil, err
	}
	r, err := h.reviews.Get(ctx, gss, planID, id)
	if err != nil {
		return nil, rpc.NotFound(err, progressreview.ErrNotFound, progressreview.ReasonNotFound, req.GetName())
	}
	return ToProto(r), nil
}

// ListProgressReviews implements ImprovementPlanService.ListProgressReviews:
// a plan's reviews, oldest first. A plan that does not exist is NOT_FOUND.
// Page tokens are bound to the plan.
func (h *Reviews) ListProgressReviews(ctx context.Context, req *improvementplanv1.ListProgressReviewsRequest) (*improvementplanv1.ListProgressReviewsResponse, error) {
	gss, planID, parentErr := plan.ParseName("parent", req.GetParent())
	l, err := rpc.ReadList(req, nil, nil, parentErr)
	if err != nil {
		return nil, err
	}
	if err := h.access.Check(ctx, access.Read, gss, req.GetParent(), false); err != nil {
		return nil, err
	}
	q := paging.Query{
		Method: improvementplanv1.ImprovementPlanService_ListProgressReviews_FullMethodName,
		Parent: req.GetParent(),
	}
	if err := l.Resume(h.pages, q); err != nil {
		return nil, err
	}
	all, err := h.reviews.List(ctx, gss, planID)
	if err != nil {
		return nil, rpc.NotFound(err, plan.ErrNotFound, plan.ReasonNotFound, req.GetParent())
	}
	resp := &improvementplanv1.ListProgressReviewsResponse{}
	resp.ProgressReviews, resp.NextPageToken, resp.TotalSize = rpc.ListPage(l, all, ToProto)
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

// sourcePrefix is the enum name prefix of ReviewSource.
const sourcePrefix = "REVIEW_SOURCE_"

// fromProto reads the client-settable fields of a ProgressReview message.
// Output-only fields (name, recorded_by, create_time) are ignored
// (AIP-203). Only what cannot be represented at all, an impossible date,
// is reported here, as a violation under prefix.
func fromProto(m *improvementplanv1.ProgressReview, prefix string) (progressreview.Draft, fault.Violations) {
	var vs fault.Violations
	date, _, err := refproto.DateFrom(m.GetReviewDate())
	if err != nil {
		vs.Add(prefix+"review_date", "%s", err.Error())
	}
	d := progressreview.Draft{
		Date:      date,
		Source:    progressreview.Source(refproto.EnumName(m.GetSource(), sourcePrefix)),
		Overall:   planapi.RatingFrom(m.GetOverallRating()),
		Narrative: m.GetNarrative(),
		Evidence:  slices.Clone(m.GetEvidence()),
	}
	for _, pr := range m.GetPriorityRatings() {
		d.PriorityRatings = append(d.PriorityRatings, progressreview.PriorityRating{
			Priority:  pr.GetPriority(),
			Rating:    planapi.RatingFrom(pr.GetRating()),
			Narrative: pr.GetNarrative(),
		})
	}
	return d, vs
}

// ToProto renders r as the API message. A review has no etag or derived
// fields, so the message is also its stored form, and the handlers answer
// with it as it is.
func ToProto(r progressreview.Review) *improvementplanv1.ProgressReview {
	m := &improvementplanv1.ProgressReview{
		Name:          r.Name(),
		ReviewDate:    refproto.Date(r.Date),
		Source:        refproto.Enum[improvementplanv1.ReviewSource](sourcePrefix, r.Source),
		OverallRating: planapi.RatingProto(r.Overall),
		Narrative:     r.Narrative,
		Evidence:      slices.Clone(r.Evidence),
		RecordedBy:    r.RecordedBy,
		CreateTime:    timestamppb.New(r.CreateTime),
	}
	for _, pr := range r.PriorityRatings {
		m.PriorityRatings = append(m.PriorityRatings, &improvementplanv1.PriorityRating{
			Priority:  pr.Priority,
			Rating:    planapi.RatingProto(pr.Rating),
			Narrative: pr.Narrative,
		})
	}
	return m
}

// FromStored reads a stored review; reviews never change, so the version
// says nothing a review keeps. Stored data was validated when written, so
// anything unexpected is corruption and an error, where fromProto would
// leave it for the rules to judge.
func FromStored(m *improvementplanv1.ProgressReview, _ int64) (progressreview.Review, error) {
	gss, planID, id, err := progressreview.ParseName("name", m.GetName())
	if err != nil {
		return progressreview.Review{}, fmt.Errorf("decode progress review %q: %w", m.GetName(), err)
	}
	date, ok, err := refproto.DateFrom(m.GetReviewDate())
	if err != nil || !ok {
		return progressreview.Review{}, fmt.Errorf("decode progress review %s: review date %v: %v", m.GetName(), m.GetReviewDate(), err)
	}
	d, _ := fromProto(m, "")
	d.Date = date
	r := progressreview.Review{
		GSSCode:    gss,
		PlanID:     planID,
		ID:         id,
		Draft:      d,
		RecordedBy: m.GetRecordedBy(),
		CreateTime: m.GetCreateTime().AsTime(),
	}
	if !r.Source.Valid() || !r.Overall.Valid() {
		return progressreview.Review{}, fmt.Errorf("decode progress review %s: source %s, overall rating %s",
			m.GetName(), m.GetSource(), m.GetOverallRating())
	}
	for _, pr := range r.PriorityRatings {
		if !pr.Rating.Valid() {
			return progressreview.Review{}, fmt.Errorf("decode progress review %s: rating of priority %s: %s",
				m.GetName(), pr.Priority, pr.Rating)
		}
	}
	return r, nil
}
