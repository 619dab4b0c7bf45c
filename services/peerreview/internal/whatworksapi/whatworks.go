// Package whatworksapi is the gRPC face of the What Works network:
// ListThemeSummaries, CreateLesson, GetLesson and ListLessons of
// PeerReviewService.
//
// Who sees what is the access matrix (package access). Lessons are good
// practice a council agreed to share, so every role reads them: LGA
// advisers, council officers, Ofsted inspectors and DfE officials, and also
// sponsor officers (who help failing councils improve) and partner systems
// (which read published information). Only LGA advisers publish lessons.
//
// Theme summaries are the ThemeSummary cell: they are counts of peer review
// findings, so they go only to those who read findings, the LGA and
// councils, and each count covers at least the disclosure threshold of
// councils (package whatworks). DfE and Ofsted see when each review
// completes, so subtracting the summaries before and after one completion
// would give that council's findings away; they are refused.
package whatworksapi

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewerapi"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/whatworks"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/disclosure"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Policies declares who may call each method of this package: the access
// matrix's Lesson and ThemeSummary cells. Lessons and summaries belong to
// no council, so the role-level policy is the whole decision.
var Policies = access.Rules(access.Lesson, access.Methods{
	peerreviewv1.PeerReviewService_CreateLesson_FullMethodName: access.Write,
	peerreviewv1.PeerReviewService_GetLesson_FullMethodName:    access.Read,
	peerreviewv1.PeerReviewService_ListLessons_FullMethodName:  access.Read,
}).With(access.Rules(access.ThemeSummary, access.Methods{
	peerreviewv1.PeerReviewService_ListThemeSummaries_FullMethodName: access.Read,
}))

// WhatWorks implements the What Works methods of
// peerreviewv1.PeerReviewServiceServer. It embeds no Unimplemented server,
// so the service's composite server can embed it beside the other handler
// sets.
type WhatWorks struct {
	rpc.Handlers[whatworks.Service]
	now func() time.Time
}

// New returns the handlers over the What Works use cases, with page tokens
// from pages and lessons created at now.
func New(svc *whatworks.Service, pages *paging.Codec, now func() time.Time) *WhatWorks {
	return &WhatWorks{Handlers: rpc.Over(svc, pages), now: now}
}

// ListThemeSummaries implements PeerReviewService.ListThemeSummaries. The
// councils' later grades come from the inspection service in one pass over
// its council list; when it cannot be reached the call fails UNAVAILABLE
// (INSPECTION_UNAVAILABLE) rather than file every council under
// NOT_YET_INSPECTED. min_group_size, in councils, is 0 for the disclosure
// threshold or at least the threshold: a smaller group could give a
// council's findings away. Below the threshold the answer says the
// summaries are withheld and why, and carries no count of findings.
func (h *WhatWorks) ListThemeSummaries(ctx context.Context, req *peerreviewv1.ListThemeSummariesRequest) (*peerreviewv1.ListThemeSummariesResponse, error) {
	threshold := disclosure.MinCouncils()
	minCouncils := int(req.GetMinGroupSize())
	switch {
	case minCouncils == 0:
		minCouncils = threshold
	case minCouncils < threshold || minCouncils > whatworks.MaxMinCouncils:
		var vs fault.Violations
		vs.Add("min_group_size", "must be 0 (for the disclosure threshold of %d councils) or from %d to %d councils, got %d; smaller groups could give a council's findings away",
			threshold, threshold, whatworks.MaxMinCouncils, minCouncils)
		return nil, vs.Err()
	}
	sum, err := h.Svc.Summaries(ctx, minCouncils)
	if err != nil {
		return nil, err
	}
	resp := &peerreviewv1.ListThemeSummariesResponse{
		CompletedReviews: int32(sum.CompletedReviews),
		Councils:         int32(sum.Councils),
		MinCouncils:      int32(sum.MinCouncils),
		Withheld:         sum.Withheld,
	}
	for _, g := range sum.Suppressed {
		resp.SuppressedGroups = append(resp.SuppressedGroups, suppressedProto(g))
	}
	for _, s := range sum.Themes {
		m := &peerreviewv1.ThemeSummary{Theme: reviewerapi.ThemeProto(s.Theme), Overall: countProto("", s.Overall)}
		for _, c := range s.ByRegion {
			m.ByRegion = append(m.ByRegion, countProto(whatworks.GroupingRegion, c))
		}
		for _, c := range s.ByLaterGrade {
			m.ByLaterGrade = append(m.ByLaterGrade, countProto(whatworks.GroupingLaterGrade, c))
		}
		resp.ThemeSummaries = append(resp.ThemeSummaries, m)
	}
	return resp, nil
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
		Theme:      reviewerapi.ThemeFromProto(in.GetTheme()),
		Summary:    in.GetSummary(),
		Council:    in.GetLocalAuthority(),
		PeerReview: in.GetPeerReview(),
	}
	l, parseErr := draft.Parse("lesson.", h.now())
	if err := fault.Join(vs.Err(), parseErr); err != nil {
		return nil, err
	}
	return rpc.Do(ctx, peerreviewv1.PeerReviewService_CreateLesson_FullMethodName, req.GetRequestId(), req, func(r change.Request) (whatworks.Lesson, error) {
		return h.Svc.Create(ctx, l, r)
	}, ToStored)
}

// GetLesson implements PeerReviewService.GetLesson.
func (h *WhatWorks) GetLesson(ctx context.Context, req *peerreviewv1.GetLessonRequest) (*peerreviewv1.Lesson, error) {
	l, err := rpc.GetByID(ctx, whatworks.Collection, req.GetName(), h.Svc.Get)
	if err != nil {
		return nil, rpc.NotFound(err, whatworks.ErrNotFound, whatworks.ReasonLessonNotFound, req.GetName())
	}
	return ToStored(l), nil
}

// ListLessons implements PeerReviewService.ListLessons: newest first,
// filtered on theme and region, paged by offset with tokens bound to the
// filter.
func (h *WhatWorks) ListLessons(ctx context.Context, req *peerreviewv1.ListLessonsRequest) (*peerreviewv1.ListLessonsResponse, error) {
	l, err := rpc.ReadList(req, whatworks.FilterSchema, nil)
	if err != nil {
		return nil, err
	}
	q := paging.Query{Method: peerreviewv1.PeerReviewService_ListLessons_FullMethodName}
	if err := l.Resume(h.Pages, q); err != nil {
		return nil, err
	}
	selected, err := h.Svc.List(ctx, l.Filter)
	if err != nil {
		return nil, err
	}
	resp := &peerreviewv1.ListLessonsResponse{}
	resp.Lessons, resp.NextPageToken, resp.TotalSize = rpc.ListPage(l, selected, ToStored)
	return resp, nil
}

// ToStored renders a lesson as the API returns it; the stored form is the
// same message, since a lesson never changes and so has no etag.
func ToStored(l whatworks.Lesson) *peerreviewv1.Lesson {
	m := &peerreviewv1.Lesson{
		Name:       l.Name(),
		Title:      l.Title,
		Theme:      reviewerapi.ThemeProto(l.Theme),
		Summary:    l.Summary,
		PeerReview: l.PeerReview,
		CreateTime: timestamppb.New(l.CreateTime),
	}
	if l.Council != "" {
		m.LocalAuthority = resource.CouncilName(l.Council)
		m.Region = refproto.Region(l.Region)
	}
	return m
}

// FromStored reads a stored lesson; lessons never change, so the version
// is not kept.
func FromStored(m *peerreviewv1.Lesson, _ int64) (whatworks.Lesson, error) {
	id, err := resource.ParseID("name", whatworks.Collection, m.GetName())
	if err != nil {
		return whatworks.Lesson{}, fmt.Errorf("decode lesson %q: %w", m.GetName(), err)
	}
	l := whatworks.Lesson{
		ID:         id,
		Title:      m.GetTitle(),
		Theme:      reviewerapi.ThemeFromProto(m.GetTheme()),
		Summary:    m.GetSummary(),
		PeerReview: m.GetPeerReview(),
		CreateTime: m.GetCreateTime().AsTime(),
	}
	if la := m.GetLocalAuthority(); la != "" {
		if l.Council, err = resource.ParseCouncil("local_authority", la); err != nil {
			return whatworks.Lesson{}, fmt.Errorf("decode lesson %s: %w", m.GetName(), err)
		}
		if c, ok := reference.CouncilByCode(l.Council); ok {
			l.Region = c.Region
		}
	}
	return l, nil
}

// aggregates are the groups that are neither one region nor one grade.
var aggregates = map[string]peerreviewv1.AggregateGroup{
	whatworks.GroupAll:        peerreviewv1.AggregateGroup_AGGREGATE_GROUP_ALL,
	whatworks.GroupOther:      peerreviewv1.AggregateGroup_AGGREGATE_GROUP_OTHER,
	whatworks.NotYetInspected: peerreviewv1.AggregateGroup_AGGREGATE_GROUP_NOT_YET_INSPECTED,
}

// groupSetter sets the group oneof of a ThemeCount or a SuppressedGroup,
// spelling the group as the enums print it: a region, a grade, or an
// aggregate.
type groupSetter struct {
	region     func(typev1.Region)
	laterGrade func(typev1.Grade)
	aggregate  func(peerreviewv1.AggregateGroup)
}

// set sets the oneof to group, a domain group name of grouping
// (whatworks.GroupingRegion or GroupingLaterGrade; "" for a summary's
// overall count, which is always whatworks.GroupAll).
func (s groupSetter) set(grouping, group string) {
	if a, ok := aggregates[group]; ok {
		s.aggregate(a)
		return
	}
	switch grouping {
	case whatworks.GroupingRegion:
		s.region(refproto.Region(reference.Region(group)))
	case whatworks.GroupingLaterGrade:
		s.laterGrade(refproto.Grade(reference.Grade(group)))
	}
}

func countProto(grouping string, c whatworks.Count) *peerreviewv1.ThemeCount {
	m := &peerreviewv1.ThemeCount{
		Strengths:           int32(c.Strengths),
		AreasForImprovement: int32(c.AreasForImprovement),
		Severe:              int32(c.Severe),
		Reviews:             int32(c.Reviews),
		Councils:            int32(c.Councils),
	}
	groupSetter{
		region:     func(r typev1.Region) { m.Group = &peerreviewv1.ThemeCount_Region{Region: r} },
		laterGrade: func(g typev1.Grade) { m.Group = &peerreviewv1.ThemeCount_LaterGrade{LaterGrade: g} },
		aggregate:  func(a peerreviewv1.AggregateGroup) { m.Group = &peerreviewv1.ThemeCount_Aggregate{Aggregate: a} },
	}.set(grouping, c.Group)
	return m
}

func suppressedProto(g whatworks.Suppressed) *peerreviewv1.SuppressedGroup {
	m := &peerreviewv1.SuppressedGroup{Grouping: g.Grouping, Withheld: g.Reason}
	groupSetter{
		region:     func(r typev1.Region) { m.Group = &peerreviewv1.SuppressedGroup_Region{Region: r} },
		laterGrade: func(g typev1.Grade) { m.Group = &peerreviewv1.SuppressedGroup_LaterGrade{LaterGrade: g} },
		aggregate:  func(a peerreviewv1.AggregateGroup) { m.Group = &peerreviewv1.SuppressedGroup_Aggregate{Aggregate: a} },
	}.set(g.Grouping, g.Group)
	return m
}
