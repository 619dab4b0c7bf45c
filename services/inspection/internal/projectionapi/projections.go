// Package projectionapi is the gRPC face of the inadequacy projection: it
// decodes the request's dates, calls the projection rules and encodes the
// result. Its access policy is declared here, next to its handler.
package projectionapi

import (
	"context"
	"time"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/projection"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Policies declares who may call the projection.
var Policies = access.Rules(access.InadequacyProjection, access.Methods{
	// The projection is derived from published judgements only, which are
	// public: every authenticated role, partners included, may read it.
	inspectionv1.InspectionService_GetInadequacyProjection_FullMethodName: access.Read,
})

// Projections implements InspectionService.GetInadequacyProjection.
type Projections struct {
	service *projection.Service
}

// NewProjections returns the handler over source, the published judgements
// of every council. now is the clock that sets the default as_of.
func NewProjections(source projection.Source, now func() time.Time) *Projections {
	return &Projections{service: projection.NewService(source, now)}
}

// GetInadequacyProjection implements InspectionService.GetInadequacyProjection.
func (h *Projections) GetInadequacyProjection(ctx context.Context, req *inspectionv1.GetInadequacyProjectionRequest) (*inspectionv1.InadequacyProjection, error) {
	var vs fault.Violations
	asOf := parseDate(&vs, projection.FieldAsOf, req.GetAsOf())
	target := parseDate(&vs, projection.FieldTarget, req.GetTargetDate())
	if err := vs.Err(); err != nil {
		return nil, err
	}
	p, err := h.service.Project(ctx, asOf, target)
	if err != nil {
		return nil, err
	}
	return &inspectionv1.InadequacyProjection{
		AsOf:                                refproto.Date(p.AsOf),
		TargetDate:                          refproto.Date(p.Target),
		TotalCouncils:                       int32(p.TotalCouncils),
		InspectedCount:                      int32(p.Inspected),
		InadequateCount:                     int32(p.Inadequate),
		InadequateRate:                      p.Rate,
		ProjectedInadequateWhenAllInspected: int32(p.ProjectedWhenAllInspected),
		InspectionsPerMonth:                 p.PerMonth,
		ProjectedInspectedByTarget:          int32(p.ProjectedInspectedByTarget),
		ProjectedInadequateByTarget:         int32(p.ProjectedInadequateByTarget),
		ProjectedCompletionDate:             refproto.Date(p.CompletionDate),
		Method:                              p.Method,
	}, nil
}

// parseDate returns the date d names, or the zero time when d is absent (the
// domain applies its default) or invalid (recorded in vs).
func parseDate(vs *fault.Violations, field string, d *typev1.Date) time.Time {
	t, _, err := refproto.DateFrom(d)
	if err != nil {
		vs.Add(field, "%v", err)
	}
	return t
}
