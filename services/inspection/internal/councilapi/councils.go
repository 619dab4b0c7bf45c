// Package api is the inspection service's gRPC face. The council methods
// live here; the other resources' handlers live in their own packages
// (inspectionapi, concernapi, indicatorapi, projectionapi), each declaring
// its methods' access policies next to them, and Server composes them into
// one InspectionServiceServer.
package api

import (
	"context"
	"errors"

	"google.golang.org/protobuf/types/known/timestamppb"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Page sizes of council lists.
const (
	defaultPageSize = 50
	maxPageSize     = 200
)

// councilPolicies declares who may call the council methods.
var councilPolicies = auth.Policies{
	// Councils are public reference data: every authenticated role reads them.
	inspectionv1.InspectionService_GetLocalAuthority_FullMethodName:    auth.AnyAuthenticated(),
	inspectionv1.InspectionService_ListLocalAuthorities_FullMethodName: auth.AnyAuthenticated(),
}

// Councils implements the LocalAuthority methods of InspectionService.
type Councils struct {
	councils council.Storer
	pages    *paging.Codec
}

// NewCouncils returns the council handlers over the given store.
func NewCouncils(councils council.Storer, pages *paging.Codec) *Councils {
	return &Councils{councils: councils, pages: pages}
}

// GetLocalAuthority implements InspectionService.GetLocalAuthority.
func (s *Councils) GetLocalAuthority(ctx context.Context, req *inspectionv1.GetLocalAuthorityRequest) (*inspectionv1.LocalAuthority, error) {
	gss, err := council.ParseName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	la, err := s.councils.Get(ctx, gss)
	if errors.Is(err, council.ErrNotFound) {
		return nil, fault.NotFound("LOCAL_AUTHORITY_NOT_FOUND", "%s does not exist", req.GetName()).With("name", req.GetName())
	}
	if err != nil {
		return nil, err
	}
	return councilToProto(la), nil
}

// ListLocalAuthorities implements InspectionService.ListLocalAuthorities.
func (s *Councils) ListLocalAuthorities(ctx context.Context, req *inspectionv1.ListLocalAuthoritiesRequest) (*inspectionv1.ListLocalAuthoritiesResponse, error) {
	size, sizeErr := paging.PageSize(req.GetPageSize(), defaultPageSize, maxPageSize)
	f, filterErr := filter.Compile(req.GetFilter(), council.FilterSchema)
	order, orderErr := filter.ParseOrderBy(req.GetOrderBy(), council.OrderFields, council.DefaultOrder)
	if err := fault.Join(sizeErr, filterErr, orderErr); err != nil {
		return nil, err
	}
	q := paging.Query{
		Method:  inspectionv1.InspectionService_ListLocalAuthorities_FullMethodName,
		Filter:  f.String(),
		OrderBy: order.String(),
	}
	offset, err := s.pages.DecodeOffset(req.GetPageToken(), q)
	if err != nil {
		return nil, err
	}
	all, err := s.councils.All(ctx)
	if err != nil {
		return nil, err
	}
	selected := council.Select(all, f, order)
	total := int64(len(selected))
	start := min(offset, total)
	end := min(start+int64(size), total)
	resp := &inspectionv1.ListLocalAuthoritiesResponse{
		LocalAuthorities: make([]*inspectionv1.LocalAuthority, 0, end-start),
		NextPageToken:    s.pages.NextOffset(q, start, size, total),
		TotalSize:        int32(total),
	}
	for _, la := range selected[start:end] {
		resp.LocalAuthorities = append(resp.LocalAuthorities, councilToProto(la))
	}
	return resp, nil
}

func councilToProto(la council.LocalAuthority) *inspectionv1.LocalAuthority {
	return &inspectionv1.LocalAuthority{
		Name:              la.ResourceName(),
		GssCode:           la.GSSCode,
		DfeCode:           la.DfECode,
		DisplayName:       la.Name,
		OfficialName:      la.OfficialName,
		CouncilType:       refproto.CouncilType(la.Type),
		Region:            refproto.Region(la.Region),
		Etag:              store.Etag(la.Version),
		UpdateTime:        timestamppb.New(la.UpdateTime),
		InspectedUnderSif: la.InspectedUnderSIF,
		LatestJudgement:   latestToProto(la.Latest),
	}
}

func latestToProto(l *council.LatestJudgement) *inspectionv1.LatestJudgement {
	if l == nil {
		return nil
	}
	return &inspectionv1.LatestJudgement{
		Inspection:   l.Inspection,
		Framework:    inspectionv1.Framework(inspectionv1.Framework_value["FRAMEWORK_"+l.Framework]),
		OverallGrade: refproto.Grade(l.OverallGrade),
		PublishDate:  refproto.Date(l.PublishDate),
	}
}
