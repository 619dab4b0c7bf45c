// Package councilapi is the gRPC face of councils (LocalAuthority):
// GetLocalAuthority and ListLocalAuthorities of InspectionService. It
// decodes requests, calls the council use cases and renders responses; each
// method's access policy is declared in Policies.
package councilapi

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/types/known/timestamppb"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Policies declares who may call the council methods.
var Policies = access.Rules(access.LocalAuthority, access.Methods{
	// Councils are public reference data: every authenticated role reads them.
	inspectionv1.InspectionService_GetLocalAuthority_FullMethodName:    access.Read,
	inspectionv1.InspectionService_ListLocalAuthorities_FullMethodName: access.Read,
})

// Councils implements the LocalAuthority methods of InspectionService.
type Councils struct {
	rpc.Handlers[council.Service]
	// rendered keeps each council's response message per version.
	rendered rpc.Rendered[string, *inspectionv1.LocalAuthority]
}

// render is ToProto(la), kept for la's version.
func (h *Councils) render(la council.LocalAuthority) *inspectionv1.LocalAuthority {
	return h.rendered.Get(la.GSSCode, la.Version, func() *inspectionv1.LocalAuthority { return ToProto(la) })
}

// New returns the council handlers over the council use cases.
func New(svc *council.Service, pages *paging.Codec) *Councils {
	return &Councils{Handlers: rpc.Over(svc, pages)}
}

// GetLocalAuthority implements InspectionService.GetLocalAuthority.
func (h *Councils) GetLocalAuthority(ctx context.Context, req *inspectionv1.GetLocalAuthorityRequest) (*inspectionv1.LocalAuthority, error) {
	gss, err := resource.ParseCouncil("name", req.GetName())
	if err != nil {
		return nil, err
	}
	la, err := h.Svc.Get(ctx, gss)
	if err != nil {
		return nil, rpc.NotFound(err, council.ErrNotFound, resource.ReasonCouncilNotFound, req.GetName())
	}
	return h.render(la), nil
}

// ListLocalAuthorities implements InspectionService.ListLocalAuthorities.
func (h *Councils) ListLocalAuthorities(ctx context.Context, req *inspectionv1.ListLocalAuthoritiesRequest) (*inspectionv1.ListLocalAuthoritiesResponse, error) {
	l, err := rpc.ReadList(req, council.FilterSchema, &rpc.Ordering{Fields: council.OrderFields, Default: council.DefaultOrder})
	if err != nil {
		return nil, err
	}
	if err := l.Resume(h.Pages, paging.Query{Method: inspectionv1.InspectionService_ListLocalAuthorities_FullMethodName}); err != nil {
		return nil, err
	}
	selected, err := h.Svc.List(ctx, l.Filter, l.Order)
	if err != nil {
		return nil, err
	}
	resp := &inspectionv1.ListLocalAuthoritiesResponse{}
	resp.LocalAuthorities, resp.NextPageToken, resp.TotalSize = rpc.ListPage(l, selected, h.render)
	return resp, nil
}

// ToProto renders a council as the API returns it, with its name and etag;
// it is also the stored form.
func ToProto(la council.LocalAuthority) *inspectionv1.LocalAuthority {
	return &inspectionv1.LocalAuthority{
		Name:              la.ResourceName(),
		GssCode:           la.GSSCode,
		DfeCode:           la.DfECode,
		DisplayName:       la.Name,
		OfficialName:      la.OfficialName,
		CouncilType:       refproto.CouncilType(la.Type),
		Region:            refproto.Region(la.Region),
		Etag:              change.Format(la.Version),
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
		Framework:    refproto.Enum[inspectionv1.Framework]("FRAMEWORK_", l.Framework),
		OverallGrade: refproto.Grade(l.OverallGrade),
		PublishDate:  refproto.Date(l.PublishDate),
	}
}

// FromStored reads a stored council at version; its name and etag are
// derived from its GSS code and version.
func FromStored(m *inspectionv1.LocalAuthority, version int64) (council.LocalAuthority, error) {
	ct, okType := refproto.CouncilTypeFrom(m.GetCouncilType())
	region, okRegion := refproto.RegionFrom(m.GetRegion())
	if !okType || !okRegion {
		return council.LocalAuthority{}, fmt.Errorf("decode council %s: no council type or region", m.GetGssCode())
	}
	la := council.LocalAuthority{
		Council: reference.Council{
			GSSCode:      m.GetGssCode(),
			DfECode:      m.GetDfeCode(),
			Name:         m.GetDisplayName(),
			OfficialName: m.GetOfficialName(),
			Type:         ct,
			Region:       region,
		},
		InspectedUnderSIF: m.GetInspectedUnderSif(),
		Version:           version,
		UpdateTime:        m.GetUpdateTime().AsTime(),
	}
	if l := m.GetLatestJudgement(); l != nil {
		grade, _ := refproto.GradeFrom(l.GetOverallGrade())
		published, _, err := refproto.DateFrom(l.GetPublishDate())
		if err != nil {
			return council.LocalAuthority{}, fmt.Errorf("decode council %s: latest judgement: %w", m.GetGssCode(), err)
		}
		la.Latest = &council.LatestJudgement{
			Inspection:   l.GetInspection(),
			Framework:    refproto.EnumName(l.GetFramework(), "FRAMEWORK_"),
			OverallGrade: grade,
			PublishDate:  published,
		}
	}
	return la, nil
}
