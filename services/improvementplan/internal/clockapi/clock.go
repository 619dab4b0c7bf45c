// Package clockapi is the gRPC face of rehearsing the six-month clock:
// AdvanceClock of ImprovementPlanService (POST /v1/clock:advance). Only
// DfE officials move the suite's clock (the access matrix's Clock advance
// cell), only in non-production modes (FAILED_PRECONDITION
// CLOCK_NOT_MOVABLE in production), and every move is audited.
package clockapi

import (
	"context"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/deadline"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
)

// Policies declares who may call each method of this package.
var Policies = access.Rules(access.Clock, access.Methods{
	improvementplanv1.ImprovementPlanService_AdvanceClock_FullMethodName: access.Advance,
})

// Clock implements AdvanceClock of improvementplanv1.ImprovementPlanServiceServer.
type Clock struct{ rehearsal *deadline.Rehearsal }

// New returns the handler over the rehearsal use case.
func New(r *deadline.Rehearsal) *Clock { return &Clock{rehearsal: r} }

// AdvanceClock implements ImprovementPlanService.AdvanceClock: it moves the
// suite's clock forward by `by` (more than zero, at most 400 days), fires
// the deadlines now due and names the plans that came to DECISION_DUE. The
// move is audited (method AdvanceClock, resource "clock"); a retry with the
// same request_id does not move the clock again.
func (h *Clock) AdvanceClock(ctx context.Context, req *improvementplanv1.AdvanceClockRequest) (*improvementplanv1.AdvanceClockResponse, error) {
	var vs fault.Violations
	switch by := req.GetBy(); {
	case by == nil:
		vs.Add("by", "is required: how far to move the clock forward, e.g. 4380h (six months) or 86400s")
	case by.CheckValid() != nil:
		vs.Add("by", "is not a duration: %v", by.CheckValid())
	}
	rpc.CheckRequestID(&vs, req.GetRequestId())
	if err := vs.Err(); err != nil {
		return nil, err
	}
	if err := rpc.Authorize(ctx, access.Clock, access.Advance, access.Object{Name: "the suite's clock"}); err != nil {
		return nil, err
	}
	r, err := rpc.NewRequest(ctx, improvementplanv1.ImprovementPlanService_AdvanceClock_FullMethodName, req.GetRequestId(), req)
	if err != nil {
		return nil, err
	}
	out, err := h.rehearsal.Advance(ctx, req.GetBy().AsDuration(), r)
	if err != nil {
		return nil, err
	}
	return &improvementplanv1.AdvanceClockResponse{
		Now:         timestamppb.New(out.Now),
		Offset:      durationpb.New(out.Offset),
		DecisionDue: out.DecisionDue,
	}, nil
}
