// Package interventionapi is the gRPC face of DfE's decisions and
// interventions: DecideProgress, OrderIntervention, GetIntervention,
// ListInterventions and LiftIntervention of ImprovementPlanService. It
// decodes and checks requests, calls the intervention rules and renders
// responses; each method's access policy is declared in Policies.
//
// Who may do what: only DfE officials decide on progress, order and lift
// interventions. Interventions are read by DfE officials, LGA advisers,
// Ofsted inspectors and a council officer of the council concerned (in a
// list across councils, a council officer sees only their own council's).
// Sponsor officers are denied until the sponsor service knows their
// engagements; partner systems are denied.
package interventionapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planapi"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"

	"google.golang.org/protobuf/proto"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/intervention"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/interventionstore"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planstore"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// maxAttempts bounds the commits OrderIntervention tries when the fresh ID
// it drew is taken.
const maxAttempts = 3

// wideReaders see every council's interventions; a council officer sees
// only their own council's.
var wideReaders = []auth.Role{auth.RoleDfEOfficial, auth.RoleLGAAdviser, auth.RoleOfstedInspector}

var readers = append([]auth.Role{auth.RoleCouncilOfficer}, wideReaders...)

// Policies declares who may call each method of this package.
var Policies = auth.Policies{
	improvementplanv1.ImprovementPlanService_DecideProgress_FullMethodName:    auth.Allow(auth.RoleDfEOfficial),
	improvementplanv1.ImprovementPlanService_OrderIntervention_FullMethodName: auth.Allow(auth.RoleDfEOfficial),
	improvementplanv1.ImprovementPlanService_LiftIntervention_FullMethodName:  auth.Allow(auth.RoleDfEOfficial),
	// A council officer reads only their own council's: checked in the
	// handlers.
	improvementplanv1.ImprovementPlanService_GetIntervention_FullMethodName:   auth.Allow(readers...),
	improvementplanv1.ImprovementPlanService_ListInterventions_FullMethodName: auth.Allow(readers...),
}

// Interventions implements the decision and intervention methods of
// improvementplanv1.ImprovementPlanServiceServer. It deliberately embeds no
// Unimplemented server, so that the service's composite server can embed
// it beside the other handler types without ambiguous methods.
type Interventions struct {
	ivs     *interventionstore.Interventions
	plans   *planstore.Plans
	ratings plan.RatingSource
	pages   *paging.Codec
	now     func() time.Time
}

// New returns the handlers over the intervention and plan stores, with the
// plans' review ratings from ratings, page tokens from pages, reading the
// time from now (nil means time.Now).
func New(ivs *interventionstore.Interventions, plans *planstore.Plans, ratings plan.RatingSource, pages *paging.Codec, now func() time.Time) *Interventions {
	if now == nil {
		now = time.Now
	}
	return &Interventions{ivs: ivs, plans: plans, ratings: ratings, pages: pages, now: now}
}

// OrderIntervention implements ImprovementPlanService.OrderIntervention: it
// orders an intervention IN_FORCE in an existing council and emits
// InterventionOrdered in the same transaction. An improvement_plan, when
// given, must name an existing plan of that council. A repeat of a
// request_id replays the first response.
func (h *Interventions) OrderIntervention(ctx context.Context, req *improvementplanv1.OrderInterventionRequest) (*improvementplanv1.Intervention, error) {
	const method = improvementplanv1.ImprovementPlanService_OrderIntervention_FullMethodName
	gss, parentErr := intervention.ParseCouncil("parent", req.GetParent(), false)
	var vs fault.Violations
	var o intervention.Order
	if req.GetIntervention() == nil {
		vs.Add("intervention", "is required: the kind, the reason and the areas needing support")
	} else {
		o = orderFromProto(req.GetIntervention())
		vs = append(vs, o.Validate("intervention.", gss)...)
	}
	rpc.CheckRequestID(&vs, req.GetRequestId())
	if err := fault.Join(parentErr, vs.Err()); err != nil {
		return nil, err
	}
	if _, ok := reference.CouncilByCode(gss); !ok {
		return nil, fault.NotFound(intervention.ReasonCouncilNotFound, "%s does not exist", req.GetParent()).With("parent", req.GetParent())
	}
	p, err := rpc.Caller(ctx)
	if err != nil {
		return nil, err
	}
	scope := store.IdempotencyScope(method, p.Subject)
	var prev improvementplanv1.Intervention
	if ok, err := h.ivs.Replay(ctx, gss, scope, req.GetRequestId(), req, &prev); err != nil || ok {
		return &prev, err
	}
	if o.Plan != "" {
		_, planID, err := plan.ParseName("intervention.improvement_plan", o.Plan)
		if err != nil {
			return nil, err
		}
		if _, err := h.plans.Get(ctx, gss, planID); err != nil {
			return nil, rpc.NotFound(err, plan.ErrNotFound, plan.ReasonNotFound, o.Plan)
		}
	}
	audit := auditOf(p, method, req.GetRequestId())
	for range maxAttempts {
		iv, err := intervention.New(gss, resource.NewID(), o, "intervention.", p.Subject, h.now())
		if err != nil {
			return nil, err
		}
		iv.Version = 1
		resp := interventionstore.Encode(iv)
		idem, err := store.NewIdempotency(scope, req.GetRequestId(), req, resp)
		if err != nil {
			return nil, err
		}
		_, err = h.ivs.Insert(ctx, iv, audit, idem)
		if err == nil {
			return resp, nil
		}
		if !errors.Is(err, store.ErrConflict) || ctx.Err() != nil {
			return nil, err
		}
		// A concurrent retry of this request won, whose answer is now to
		// be replayed, or the fresh ID was taken.
		if ok, err := h.ivs.Replay(ctx, gss, scope, req.GetRequestId(), req, &prev); err != nil || ok {
			return &prev, err
		}
	}
	return nil, fmt.Errorf("interventionapi: order an intervention in %s: no free id after %d attempts: %w", gss, maxAttempts, store.ErrConflict)
}

// GetIntervention implements ImprovementPlanService.GetIntervention.
func (h *Interventions) GetIntervention(ctx context.Context, req *improvementplanv1.GetInterventionRequest) (*improvementplanv1.Intervention, error) {
	gss, id, err := intervention.ParseName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	if err := auth.RequireCouncil(ctx, gss); err != nil {
		return nil, err
	}
	iv, err := h.ivs.Get(ctx, gss, id)
	if err != nil {
		return nil, rpc.NotFound(err, intervention.ErrNotFound, intervention.ReasonNotFound, req.GetName())
	}
	return interventionstore.Encode(iv), nil
}

// ListInterventions implements ImprovementPlanService.ListInterventions for
// one council or, with the parent localAuthorities/-, every council the
// caller may see, newest first. Page tokens are bound to the parent, the
// filter and, for a council officer, their council.
func (h *Interventions) ListInterventions(ctx context.Context, req *improvementplanv1.ListInterventionsRequest) (*improvementplanv1.ListInterventionsResponse, error) {
	gss, parentErr := intervention.ParseCouncil("parent", req.GetParent(), true)
	size, sizeErr := rpc.PageSize(req.GetPageSize())
	f, filterErr := filter.Compile(req.GetFilter(), intervention.FilterSchema)
	if err := fault.Join(parentErr, sizeErr, filterErr); err != nil {
		return nil, err
	}
	p, err := rpc.Caller(ctx)
	if err != nil {
		return nil, err
	}
	q := paging.Query{
		Method: improvementplanv1.ImprovementPlanService_ListInterventions_FullMethodName,
		Parent: req.GetParent(),
		Filter: f.String(),
	}
	wide := p.HasRole(wideReaders...)
	switch {
	case gss == plan.AllCouncils && !wide:
		// A council officer's view of every council is their own
		// council's; their page tokens say so.
		gss = p.Authority
		q.Params = map[string]string{"authority": p.Authority}
	case gss != plan.AllCouncils:
		if err := auth.RequireCouncil(ctx, gss); err != nil {
			return nil, err
		}
		if _, ok := reference.CouncilByCode(gss); !ok {
			return nil, fault.NotFound(intervention.ReasonCouncilNotFound, "%s does not exist", req.GetParent()).With("parent", req.GetParent())
		}
	}
	offset, err := h.pages.DecodeOffset(req.GetPageToken(), q)
	if err != nil {
		return nil, err
	}
	all, err := h.ivs.List(ctx, gss)
	if err != nil {
		return nil, err
	}
	selected := intervention.Select(all, f)
	total := int64(len(selected))
	start := min(offset, total)
	end := min(start+int64(size), total)
	resp := &improvementplanv1.ListInterventionsResponse{
		Interventions: make([]*improvementplanv1.Intervention, 0, end-start),
		NextPageToken: h.pages.NextOffset(q, start, size, total),
		TotalSize:     int32(total),
	}
	for _, iv := range selected[start:end] {
		resp.Interventions = append(resp.Interventions, interventionstore.Encode(iv))
	}
	return resp, nil
}

// LiftIntervention implements ImprovementPlanService.LiftIntervention: an
// intervention IN_FORCE becomes LIFTED, for a reason, with the current
// etag. A lifted one gives FAILED_PRECONDITION, a stale etag ABORTED; a
// repeat of a request_id replays the first response.
func (h *Interventions) LiftIntervention(ctx context.Context, req *improvementplanv1.LiftInterventionRequest) (*improvementplanv1.Intervention, error) {
	const method = improvementplanv1.ImprovementPlanService_LiftIntervention_FullMethodName
	gss, id, nameErr := intervention.ParseName("name", req.GetName())
	etag, etagErr := rpc.ParseEtag("etag", req.GetEtag(), true)
	var vs fault.Violations
	rpc.CheckRequestID(&vs, req.GetRequestId())
	if err := fault.Join(nameErr, etagErr, vs.Err()); err != nil {
		return nil, err
	}
	p, err := rpc.Caller(ctx)
	if err != nil {
		return nil, err
	}
	scope := store.IdempotencyScope(method, p.Subject)
	var prev improvementplanv1.Intervention
	if ok, err := h.ivs.Replay(ctx, gss, scope, req.GetRequestId(), req, &prev); err != nil || ok {
		return &prev, err
	}
	cur, err := h.ivs.Get(ctx, gss, id)
	if err != nil {
		return nil, rpc.NotFound(err, intervention.ErrNotFound, intervention.ReasonNotFound, req.GetName())
	}
	// The state is reported before a stale etag: re-reading cannot make a
	// lifted intervention liftable.
	lifted, err := cur.Lift(req.GetReason())
	if err != nil {
		return nil, err
	}
	if err := etag.Check(cur.Version); err != nil {
		return nil, err
	}
	next := lifted.Clone()
	next.Version++
	resp := interventionstore.Encode(next)
	idem, err := store.NewIdempotency(scope, req.GetRequestId(), req, resp)
	if err != nil {
		return nil, err
	}
	if _, err := h.ivs.Save(ctx, lifted, auditOf(p, method, req.GetRequestId()), idem); err != nil {
		if err := h.afterConflict(ctx, err, gss, scope, req.GetRequestId(), req, &prev); err != nil {
			return nil, err
		}
		return &prev, nil
	}
	return resp, nil
}

// DecideProgress implements ImprovementPlanService.DecideProgress. The plan
// must be DECISION_DUE and the etag current. Significant improvement moves
// the plan to CONTINUED; insufficient progress orders the request's
// intervention and moves the plan to ESCALATED, committing the plan, the
// intervention, InterventionOrdered, the audit entries and the idempotency
// record in one transaction. The plan's history records who decided, when
// and why.
func (h *Interventions) DecideProgress(ctx context.Context, req *improvementplanv1.DecideProgressRequest) (*improvementplanv1.DecideProgressResponse, error) {
	const method = improvementplanv1.ImprovementPlanService_DecideProgress_FullMethodName
	gss, planID, nameErr := plan.ParseName("name", req.GetName())
	etag, etagErr := rpc.ParseEtag("etag", req.GetEtag(), true)
	in := intervention.DecisionInput{
		Decision:  intervention.Decision(refproto.EnumName(req.GetDecision(), decisionPrefix)),
		Rationale: req.GetRationale(),
	}
	if req.GetIntervention() != nil {
		o := orderFromProto(req.GetIntervention())
		in.Intervention = &o
	}
	vs := in.Validate(gss, req.GetName())
	rpc.CheckRequestID(&vs, req.GetRequestId())
	if err := fault.Join(nameErr, etagErr, vs.Err()); err != nil {
		return nil, err
	}
	p, err := rpc.Caller(ctx)
	if err != nil {
		return nil, err
	}
	scope := store.IdempotencyScope(method, p.Subject)
	var prev improvementplanv1.DecideProgressResponse
	if ok, err := h.ivs.Replay(ctx, gss, scope, req.GetRequestId(), req, &prev); err != nil || ok {
		return &prev, err
	}
	cur, err := h.plans.Get(ctx, gss, planID)
	if err != nil {
		return nil, rpc.NotFound(err, plan.ErrNotFound, plan.ReasonNotFound, req.GetName())
	}
	now := h.now()
	// The state is reported before a stale etag: re-reading cannot make a
	// decided plan due for a decision.
	out, err := intervention.Decide(cur, in, resource.NewID(), p.Subject, now)
	if err != nil {
		return nil, err
	}
	if err := etag.Check(cur.Version); err != nil {
		return nil, err
	}
	ratings, err := h.ratings.Ratings(ctx, gss, planID)
	if err != nil {
		return nil, err
	}
	decided := out.Plan.Clone()
	decided.Version++
	resp := &improvementplanv1.DecideProgressResponse{ImprovementPlan: planapi.ToProto(plan.Reviewed{Plan: decided, Ratings: ratings}, now)}
	if iv := out.Intervention; iv != nil {
		ordered := iv.Clone()
		ordered.Version = 1
		resp.Intervention = interventionstore.Encode(ordered)
	}
	idem, err := store.NewIdempotency(scope, req.GetRequestId(), req, resp)
	if err != nil {
		return nil, err
	}
	if _, err := h.ivs.Decide(ctx, out, auditOf(p, method, req.GetRequestId()), idem); err != nil {
		if err := h.afterConflict(ctx, err, gss, scope, req.GetRequestId(), req, &prev); err != nil {
			return nil, err
		}
		return &prev, nil
	}
	return resp, nil
}

// afterConflict handles a commit that failed: a conflict may be a
// concurrent retry of the same request that committed first, whose
// response is then replayed into resp; any other conflict means the
// resource moved since its etag was read. It returns the error to give the
// caller, or nil when resp holds the replayed response.
func (h *Interventions) afterConflict(ctx context.Context, err error, gss, scope, requestID string, req, resp proto.Message) error {
	if !errors.Is(err, store.ErrConflict) {
		return err
	}
	replayed, rerr := h.ivs.Replay(ctx, gss, scope, requestID, req, resp)
	switch {
	case rerr != nil:
		return rerr
	case replayed:
		return nil
	}
	return change.ErrConflict
}

// auditOf is the audit entry template of a change p makes through method.
func auditOf(p auth.Principal, method, requestID string) store.AuditEntry {
	roles := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		roles[i] = string(r)
	}
	return store.AuditEntry{Actor: p.Subject, Roles: roles, Method: method, RequestID: requestID}
}
