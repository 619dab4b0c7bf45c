// Package overviewapi is the gRPC face of the national picture:
// GetNationalOverview of OversightService, for Ofsted, the LGA and DfE
// (the access matrix's NationalOverview read cell).
package overviewapi

import (
	"context"
	"sync"

	"google.golang.org/protobuf/types/known/timestamppb"

	oversightv1 "github.com/turnaround-sli/turnaround/proto/turnaround/oversight/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/oversight/internal/overview"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// MaxWindowDays bounds decision_window_days.
const MaxWindowDays = 3660

// Policies declares who may call each method of this package.
var Policies = access.Rules(access.NationalOverview, access.Methods{
	oversightv1.OversightService_GetNationalOverview_FullMethodName: access.Read,
})

// Overview implements the overview method of OversightServiceServer.
type Overview struct {
	svc *overview.Service
	// last is the response rendered from the last overview computed, by
	// generation: the same overview served again is not rendered again.
	mu   sync.Mutex
	gen  uint64
	last *oversightv1.NationalOverview
}

// New returns the handler over the overview use case.
func New(svc *overview.Service) *Overview { return &Overview{svc: svc} }

// render is o as a response: the message rendered for o's generation,
// shared and never changed, under a new top level with o's time.
func (h *Overview) render(o overview.Overview) *oversightv1.NationalOverview {
	h.mu.Lock()
	last, gen := h.last, h.gen
	h.mu.Unlock()
	if last == nil || gen != o.Generation {
		last = toProto(o)
		h.mu.Lock()
		h.last, h.gen = last, o.Generation
		h.mu.Unlock()
	}
	return &oversightv1.NationalOverview{
		ComputeTime:                     timestamppb.New(o.At),
		CouncilCount:                    last.GetCouncilCount(),
		Grades:                          last.GetGrades(),
		Regions:                         last.GetRegions(),
		InspectedUnderSif:               last.GetInspectedUnderSif(),
		NotInspectedUnderSif:            last.GetNotInspectedUnderSif(),
		Projection:                      last.GetProjection(),
		PlansByState:                    last.GetPlansByState(),
		DecisionsDue:                    last.GetDecisionsDue(),
		OpenEmergencyRecommendations:    last.GetOpenEmergencyRecommendations(),
		EmergencyRecommendationCouncils: last.GetEmergencyRecommendationCouncils(),
		OpenSponsorNeeds:                last.GetOpenSponsorNeeds(),
		ActiveEngagements:               last.GetActiveEngagements(),
		EngagedSponsors:                 last.GetEngagedSponsors(),
	}
}

// GetNationalOverview implements OversightService.GetNationalOverview.
func (h *Overview) GetNationalOverview(ctx context.Context, req *oversightv1.GetNationalOverviewRequest) (*oversightv1.NationalOverview, error) {
	var windows []int
	if d := req.GetDecisionWindowDays(); d != 0 {
		if d < 0 || d > MaxWindowDays {
			return nil, fault.Field("decision_window_days", "must be between 1 and %d, or 0 for 30, 60 and 90", MaxWindowDays)
		}
		windows = []int{int(d)}
	}
	o, err := h.svc.Get(ctx, windows)
	if err != nil {
		return nil, err
	}
	return h.render(o), nil
}

func grades(m map[reference.Grade]int) []*oversightv1.GradeCount {
	out := []*oversightv1.GradeCount{{Grade: typev1.Grade_GRADE_UNSPECIFIED, Councils: int32(m[overview.Ungraded])}}
	for _, g := range reference.Grades {
		out = append(out, &oversightv1.GradeCount{Grade: refproto.Grade(g), Councils: int32(m[g])})
	}
	return out
}

func councilNames(codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = "localAuthorities/" + c
	}
	return out
}

// planStates is the order plans_by_state lists the states in.
var planStates = []string{"PLAN_STATE_DRAFT", "PLAN_STATE_SUBMITTED", "PLAN_STATE_APPROVED", "PLAN_STATE_MONITORING",
	"PLAN_STATE_DECISION_DUE", "PLAN_STATE_IMPROVED", "PLAN_STATE_CONTINUED", "PLAN_STATE_ESCALATED", "PLAN_STATE_CLOSED"}

func toProto(o overview.Overview) *oversightv1.NationalOverview {
	out := &oversightv1.NationalOverview{
		ComputeTime:                     timestamppb.New(o.At),
		CouncilCount:                    int32(o.Councils),
		Grades:                          grades(o.Grades),
		InspectedUnderSif:               int32(o.InspectedUnderSIF),
		NotInspectedUnderSif:            int32(o.NotInspectedUnderSIF),
		OpenEmergencyRecommendations:    int32(o.OpenRecommendations),
		EmergencyRecommendationCouncils: councilNames(o.RecommendationCouncils),
		OpenSponsorNeeds:                int32(o.OpenNeeds),
		ActiveEngagements:               int32(o.ActiveEngagements),
		EngagedSponsors:                 int32(o.EngagedSponsors),
		Projection: &oversightv1.InadequacyProjection{
			Inspected: int32(o.Projection.Inspected), Inadequate: int32(o.Projection.Inadequate),
			InadequateRate: o.Projection.Rate, AllCouncils: int32(o.Projection.AllCouncils), ProjectedInadequate: o.Projection.Projected,
		},
	}
	for _, r := range o.Regions {
		out.Regions = append(out.Regions, &oversightv1.RegionGrades{Region: refproto.Region(r.Region), Councils: int32(r.Councils), Grades: grades(r.Grades)})
	}
	for _, s := range planStates {
		out.PlansByState = append(out.PlansByState, &oversightv1.StateCount{State: s, Plans: int32(o.PlansByState[s])})
	}
	for _, w := range o.Decisions {
		out.DecisionsDue = append(out.DecisionsDue, &oversightv1.DecisionWindow{Days: int32(w.Days), Plans: int32(w.Plans), Councils: councilNames(w.Councils)})
	}
	return out
}
