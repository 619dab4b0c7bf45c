// Package whatworksapi is the gRPC face of the What Works network:
// ListThemeSummaries, CreateLesson, GetLesson and ListLessons of
// PeerReviewService.
//
// Who sees what: theme summaries name no council (see package whatworks for
// how small groups are suppressed) and lessons are good practice a council
// agreed to share, so every authenticated role reads both: LGA advisers,
// council officers, Ofsted inspectors and DfE officials, and also sponsor
// officers (who help failing councils improve) and partner systems (which
// read published information). None of them sees a council's findings
// here. Only LGA advisers publish lessons.
package whatworksapi

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/inspectionclient"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/whatworks"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/whatworksstore"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// themePrefix is the proto enum Theme's value prefix.
const themePrefix = "THEME_"

// Policies declares who may call each method of this package.
var Policies = auth.Policies{
	peerreviewv1.PeerReviewService_ListThemeSummaries_FullMethodName: auth.AnyAuthenticated(),
	peerreviewv1.PeerReviewService_CreateLesson_FullMethodName:       auth.Allow(auth.RoleLGAAdviser),
	peerreviewv1.PeerReviewService_GetLesson_FullMethodName:          auth.AnyAuthenticated(),
	peerreviewv1.PeerReviewService_ListLessons_FullMethodName:        auth.AnyAuthenticated(),
}

// Reviews is what What Works needs from the review store: every council's
// reviews for the summaries, and one review to check a lesson's link.
// reviewstore.Reviews implements it.
type Reviews interface {
	All(ctx context.Context) ([]review.Review, error)
	// Get returns one review, or review.ErrNotFound.
	Get(ctx context.Context, gss, id string) (review.Review, error)
}

// Lessons is the lesson storage the handlers need; whatworksstore.Lessons
// implements it.
type Lessons interface {
	whatworks.LessonStorer
	Replay(ctx context.Context, r change.Request) (whatworks.Lesson, bool, error)
	Create(ctx context.Context, l whatworks.Lesson, r change.Request) (whatworks.Lesson, error)
}

// WhatWorks implements the What Works methods of
// peerreviewv1.PeerReviewServiceServer. It embeds no Unimplemented server,
// so the service's composite server can embed it beside the other handler
// sets.
type WhatWorks struct {
	inspection inspectionv1.InspectionServiceClient
	reviews    Reviews
	lessons    Lessons
	pages      *paging.Codec
	now        func() time.Time
}

// New returns the handlers over the inspection service's client (whose
// connection must forward the caller's authorization), the review and
// lesson stores, the page token codec and the clock.
func New(inspection inspectionv1.InspectionServiceClient, reviews Reviews, lessons Lessons, pages *paging.Codec, now func() time.Time) *WhatWorks {
	return &WhatWorks{inspection: inspection, reviews: reviews, lessons: lessons, pages: pages, now: now}
}

// ListThemeSummaries implements PeerReviewService.ListThemeSummaries. The
// councils' later grades come from the inspection service in one pass over
// its council list; when it cannot be reached the call fails UNAVAILABLE
// (INSPECTION_UNAVAILABLE) rather than file every council under
// NOT_YET_INSPECTED. min_group_size is 0 for the default of 3, or at least
// 3: a smaller group could describe one council.
func (h *WhatWorks) ListThemeSummaries(ctx context.Context, req *peerreviewv1.ListThemeSummariesRequest) (*peerreviewv1.ListThemeSummariesResponse, error) {
	minSize := int(req.GetMinGroupSize())
	switch {
	case minSize == 0:
		minSize = whatworks.DefaultMinGroupSize
	case minSize < whatworks.DefaultMinGroupSize || minSize > whatworks.MaxMinGroupSize:
		var vs fault.Violations
		vs.Add("min_group_size", "must be 0 (for %d) or from %d to %d, got %d; smaller groups could identify a council",
			whatworks.DefaultMinGroupSize, whatworks.DefaultMinGroupSize, whatworks.MaxMinGroupSize, minSize)
		return nil, vs.Err()
	}
	reviews, err := h.reviews.All(ctx)
	if err != nil {
		return nil, err
	}
	completed := 0
	for _, rv := range reviews {
		if rv.State == review.Completed {
			completed++
		}
	}
	var latest map[string]whatworks.Judgement
	if completed >= minSize {
		// Below the minimum nothing is summarised, so the grades are not
		// needed.
		if latest, err = h.latestJudgements(ctx); err != nil {
			return nil, err
		}
	}
	sum := whatworks.Summarise(reviews, latest, minSize)
	resp := &peerreviewv1.ListThemeSummariesResponse{CompletedReviews: int32(sum.CompletedReviews)}
	for _, s := range sum.Themes {
		m := &peerreviewv1.ThemeSummary{Theme: themeProto(s.Theme), Overall: countProto(s.Overall)}
		for _, c := range s.ByRegion {
			m.ByRegion = append(m.ByRegion, countProto(c))
		}
		for _, c := range s.ByLaterGrade {
			m.ByLaterGrade = append(m.ByLaterGrade, countProto(c))
		}
		resp.ThemeSummaries = append(resp.ThemeSummaries, m)
	}
	return resp, nil
}

// latestJudgements reads every council's latest published judgement from
// the inspection service, keyed by GSS code.
func (h *WhatWorks) latestJudgements(ctx context.Context) (map[string]whatworks.Judgement, error) {
	las, err := inspectionclient.LocalAuthorities(ctx, h.inspection, "")
	if err != nil {
		return nil, err
	}
	out := make(map[string]whatworks.Judgement, len(las))
	for _, la := range las {
		j := la.GetLatestJudgement()
		if j == nil {
			continue
		}
		grade, ok := refproto.GradeFrom(j.GetOverallGrade())
		published, set, err := refproto.DateFrom(j.GetPublishDate())
		if !ok || !set || err != nil {
			continue
		}
		out[la.GetGssCode()] = whatworks.Judgement{Grade: grade, Published: published}
	}
	return out, nil
}

// CreateLesson implements PeerReviewService.CreateLesson. A lesson that
// links a review must name that review's council, and the review must
// exist (NOT_FOUND otherwise) and be completed (FAILED_PRECONDITION).
func (h *WhatWorks) CreateLesson(ctx context.Context, req *peerreviewv1.CreateLessonRequest) (*peerreviewv1.Lesson, error) {
	var vs fault.Violations
	rpc.CheckRequestID(&vs, req.GetRequestId())
	in := req.GetLesson()
	if in == nil {
		vs.Add("lesson", "is required: its title, theme and summary at least")
		return nil, vs.Err()
	}
	draft := whatworks.Draft{
		Title:      in.GetTitle(),
		Theme:      themeName(in.GetTheme()),
		Summary:    in.GetSummary(),
		Council:    in.GetLocalAuthority(),
		PeerReview: in.GetPeerReview(),
	}
	l, parseErr := draft.Parse("lesson.", h.now())
	if err := fault.Join(vs.Err(), parseErr); err != nil {
		return nil, err
	}
	r, err := rpc.NewRequest(ctx, peerreviewv1.PeerReviewService_CreateLesson_FullMethodName, req.GetRequestId(), req)
	if err != nil {
		return nil, err
	}
	if prev, ok, err := h.lessons.Replay(ctx, r); err != nil {
		return nil, err
	} else if ok {
		return whatworksstore.Proto(prev), nil
	}
	if l.PeerReview != "" {
		gss, id, _ := resource.ParseCouncilChild("lesson.peer_review", review.Collection, l.PeerReview)
		src, err := h.reviews.Get(ctx, gss, id)
		if errors.Is(err, review.ErrNotFound) {
			return nil, fault.NotFound(review.ReasonNotFound, "%s does not exist", l.PeerReview).With("peer_review", l.PeerReview)
		}
		if err != nil {
			return nil, err
		}
		if err := whatworks.CheckSource(l, src); err != nil {
			return nil, err
		}
	}
	out, err := h.lessons.Create(ctx, l, r)
	if err != nil {
		return nil, err
	}
	return whatworksstore.Proto(out), nil
}

// GetLesson implements PeerReviewService.GetLesson.
func (h *WhatWorks) GetLesson(ctx context.Context, req *peerreviewv1.GetLessonRequest) (*peerreviewv1.Lesson, error) {
	id, err := resource.ParseID("name", whatworks.Collection, req.GetName())
	if err != nil {
		return nil, err
	}
	l, err := h.lessons.Get(ctx, id)
	if errors.Is(err, whatworks.ErrNotFound) {
		return nil, fault.NotFound(whatworks.ReasonLessonNotFound, "%s does not exist", req.GetName()).With("name", req.GetName())
	}
	if err != nil {
		return nil, err
	}
	return whatworksstore.Proto(l), nil
}

// ListLessons implements PeerReviewService.ListLessons: newest first,
// filtered on theme and region, paged by offset with tokens bound to the
// filter.
func (h *WhatWorks) ListLessons(ctx context.Context, req *peerreviewv1.ListLessonsRequest) (*peerreviewv1.ListLessonsResponse, error) {
	size, sizeErr := rpc.PageSize(req.GetPageSize())
	f, filterErr := filter.Compile(req.GetFilter(), whatworks.FilterSchema)
	if err := fault.Join(sizeErr, filterErr); err != nil {
		return nil, err
	}
	q := paging.Query{Method: peerreviewv1.PeerReviewService_ListLessons_FullMethodName, Filter: f.String()}
	offset, err := h.pages.DecodeOffset(req.GetPageToken(), q)
	if err != nil {
		return nil, err
	}
	all, err := h.lessons.All(ctx)
	if err != nil {
		return nil, err
	}
	selected := whatworks.Select(all, f)
	page, next := rpc.Page(h.pages, q, selected, offset, size)
	resp := &peerreviewv1.ListLessonsResponse{
		Lessons:       make([]*peerreviewv1.Lesson, 0, len(page)),
		NextPageToken: next,
		TotalSize:     int32(len(selected)),
	}
	for _, l := range page {
		resp.Lessons = append(resp.Lessons, whatworksstore.Proto(l))
	}
	return resp, nil
}

// themeName is the domain name of a Theme: "" for the zero value and the
// number itself for a value the enum does not define, which the rules then
// reject by name.
func themeName(t peerreviewv1.Theme) reviewer.Theme {
	if t == peerreviewv1.Theme_THEME_UNSPECIFIED {
		return ""
	}
	if name, ok := peerreviewv1.Theme_name[int32(t)]; ok {
		return reviewer.Theme(strings.TrimPrefix(name, themePrefix))
	}
	return reviewer.Theme(strconv.Itoa(int(t)))
}

func themeProto(t reviewer.Theme) peerreviewv1.Theme {
	return peerreviewv1.Theme(peerreviewv1.Theme_value[themePrefix+string(t)])
}

func countProto(c whatworks.Count) *peerreviewv1.ThemeCount {
	return &peerreviewv1.ThemeCount{
		Group:               c.Group,
		Strengths:           int32(c.Strengths),
		AreasForImprovement: int32(c.AreasForImprovement),
		Severe:              int32(c.Severe),
		Reviews:             int32(c.Reviews),
	}
}
