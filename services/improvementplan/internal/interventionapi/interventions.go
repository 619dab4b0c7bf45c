// Package interventionapi is the gRPC face of DfE's decisions and
// interventions: DecideProgress, OrderIntervention, GetIntervention,
// ListInterventions and LiftIntervention of ImprovementPlanService. It
// decodes and checks requests, calls the intervention rules and renders
// responses; each method's access policy is declared in Policies.
//
// Who may do what is the access matrix's Intervention cells (and, for
// DecideProgress, the ImprovementPlan approve cell): only DfE officials
// decide on progress, order and lift interventions. An intervention is
// public once ordered, so every role, partner systems included, reads every
// intervention, in one council or across every council.
package interventionapi

import (
	"context"
	"fmt"
	"slices"

	"google.golang.org/protobuf/types/known/timestamppb"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/intervention"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planapi"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/supportapi"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Policies declares who may call each method of this package: the access
// matrix's cells.
var Policies = access.Rules(access.Intervention, access.Methods{
	improvementplanv1.ImprovementPlanService_OrderIntervention_FullMethodName: access.Order,
	improvementplanv1.ImprovementPlanService_LiftIntervention_FullMethodName:  access.Order,
	improvementplanv1.ImprovementPlanService_GetIntervention_FullMethodName:   access.Read,
	improvementplanv1.ImprovementPlanService_ListInterventions_FullMethodName: access.Read,
}).With(access.Rules(access.ImprovementPlan, access.Methods{
	improvementplanv1.ImprovementPlanService_DecideProgress_FullMethodName: access.Approve,
}))

// ordered is the publication state of every intervention: an intervention
// is public from the moment DfE orders it (lifting it does not unpublish
// it).
const ordered = true

// reads is the access decision on the caller in ctx reading the
// interventions of council gss (the intervention, or the list, named name).
func (h *Interventions) reads(ctx context.Context, gss, name string) error {
	return h.access.Check(ctx, access.Read, gss, name, ordered)
}

// Interventions implements the decision and intervention methods of
// improvementplanv1.ImprovementPlanServiceServer. It deliberately embeds no
// Unimplemented server, so that the service's composite server can embed
// it beside the other handler types without ambiguous methods.
type Interventions struct {
	ivs    *intervention.Service
	pages  *paging.Codec
	access supportapi.Access
	plans  supportapi.Access
}

// New returns the handlers over the intervention use cases, with page
// tokens from pages and the sponsors supporting each council from
// supporters (nil: none).
func New(ivs *intervention.Service, pages *paging.Codec, supporters supportapi.Supporters) *Interventions {
	return &Interventions{ivs: ivs, pages: pages,
		access: supportapi.New(supporters, access.Intervention), plans: supportapi.New(supporters, access.ImprovementPlan)}
}

// OrderIntervention implements ImprovementPlanService.OrderIntervention: it
// orders an intervention IN_FORCE in an existing council and emits
// InterventionOrdered in the same transaction. An improvement_plan, when
// given, must name an existing plan of that council. A repeat of a
// request_id replays the first response.
func (h *Interventions) OrderIntervention(ctx context.Context, req *improvementplanv1.OrderInterventionRequest) (*improvementplanv1.Intervention, error) {
	gss, parentErr := resource.ParseCouncil("parent", req.GetParent())
	o, r, err := rpc.Create[*improvementplanv1.Intervention, intervention.Order]{
		Method: improvementplanv1.ImprovementPlanService_OrderIntervention_FullMethodName,
		Field:  "intervention",
		Needs:  "the kind, the reason and the areas needing support",
		Decode: func(m *improvementplanv1.Intervention, _ string) (intervention.Order, fault.Violations) {
			return orderFromProto(m), nil
		},
		Rules:  func(o intervention.Order) error { return o.Validate("intervention.", gss).Err() },
		Strict: true,
	}.Read(ctx, req, req.GetIntervention(), parentErr)
	if err != nil {
		return nil, err
	}
	if err := rpc.CouncilExists(gss, "parent", req.GetParent()); err != nil {
		return nil, err
	}
	if err := h.access.Check(ctx, access.Order, gss, req.GetParent(), false); err != nil {
		return nil, err
	}
	iv, err := h.ivs.Order(ctx, gss, o, r)
	if err != nil {
		return nil, rpc.NotFound(err, plan.ErrNotFound, plan.ReasonNotFound, o.Plan)
	}
	return ToProto(iv), nil
}

// GetIntervention implements ImprovementPlanService.GetIntervention.
func (h *Interventions) GetIntervention(ctx context.Context, req *improvementplanv1.GetInterventionRequest) (*improvementplanv1.Intervention, error) {
	iv, err := rpc.GetChild(ctx, intervention.Collection, req.GetName(), h.reads, h.ivs.Get)
	if err != nil {
		return nil, rpc.NotFound(err, intervention.ErrNotFound, intervention.ReasonNotFound, req.GetName())
	}
	return ToProto(iv), nil
}

// ListInterventions implements ImprovementPlanService.ListInterventions for
// one council or, with the parent localAuthorities/-, every council, newest
// first: interventions are public, so every caller sees the same list.
// Page tokens are bound to the parent and the filter.
func (h *Interventions) ListInterventions(ctx context.Context, req *improvementplanv1.ListInterventionsRequest) (*improvementplanv1.ListInterventionsResponse, error) {
	gss, parentErr := resource.ParseCouncilOrAll("parent", req.GetParent())
	l, p, err := rpc.ReadListAs(ctx, req, intervention.FilterSchema, nil, parentErr)
	if err != nil {
		return nil, err
	}
	q := paging.Query{
		Method: improvementplanv1.ImprovementPlanService_ListInterventions_FullMethodName,
		Parent: req.GetParent(),
	}
	if gss != plan.AllCouncils {
		if err := rpc.ParentCouncil(ctx, gss, req.GetParent(), h.reads); err != nil {
			return nil, err
		}
	}
	if err := l.Resume(h.pages, q); err != nil {
		return nil, err
	}
	selected, err := h.ivs.List(ctx, gss, l.Filter)
	if err != nil {
		return nil, err
	}
	// Every intervention is public, so this keeps them all today; it is
	// the matrix that says so, record by record.
	reader := h.access.Reader(ctx, p)
	selected = slices.DeleteFunc(selected, func(iv intervention.Intervention) bool { return !reader.May(iv.GSSCode, ordered) })
	if reader.Err != nil {
		return nil, reader.Err
	}
	resp := &improvementplanv1.ListInterventionsResponse{}
	resp.Interventions, resp.NextPageToken, resp.TotalSize = rpc.ListPage(l, selected, ToProto)
	return resp, nil
}

// LiftIntervention implements ImprovementPlanService.LiftIntervention: an
// intervention IN_FORCE becomes LIFTED, for a reason, with the current
// etag. A lifted one gives FAILED_PRECONDITION, a stale etag ABORTED; a
// repeat of a request_id replays the first response.
func (h *Interventions) LiftIntervention(ctx context.Context, req *improvementplanv1.LiftInterventionRequest) (*improvementplanv1.Intervention, error) {
	gss, id, nameErr := intervention.ParseName("name", req.GetName())
	etag, etagErr := rpc.ParseEtag("etag", req.GetEtag(), true)
	if err := fault.Join(nameErr, etagErr, rpc.RequestIDError(req.GetRequestId())); err != nil {
		return nil, err
	}
	if err := h.access.Check(ctx, access.Order, gss, req.GetName(), ordered); err != nil {
		return nil, err
	}
	return rpc.Do(ctx, improvementplanv1.ImprovementPlanService_LiftIntervention_FullMethodName, req.GetRequestId(), req, func(r change.Request) (intervention.Intervention, error) {
		iv, err := h.ivs.Lift(ctx, gss, id, etag, req.GetReason(), r)
		return iv, rpc.NotFound(err, intervention.ErrNotFound, intervention.ReasonNotFound, req.GetName())
	}, ToProto)
}

// DecideProgress implements ImprovementPlanService.DecideProgress. The plan
// must be DECISION_DUE and the etag current. Significant improvement moves
// the plan to CONTINUED; insufficient progress orders the request's
// intervention and moves the plan to ESCALATED, committing the plan, the
// intervention, InterventionOrdered, the audit entries and the idempotency
// record in one transaction. The plan's history records who decided, when
// and why.
func (h *Interventions) DecideProgress(ctx context.Context, req *improvementplanv1.DecideProgressRequest) (*improvementplanv1.DecideProgressResponse, error) {
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
	if err := h.plans.Check(ctx, access.Approve, gss, req.GetName(), false); err != nil {
		return nil, err
	}
	return rpc.Do(ctx, improvementplanv1.ImprovementPlanService_DecideProgress_FullMethodName, req.GetRequestId(), req, func(r change.Request) (intervention.Decided, error) {
		d, err := h.ivs.Decide(ctx, gss, planID, etag, in, r)
		return d, rpc.NotFound(err, plan.ErrNotFound, plan.ReasonNotFound, req.GetName())
	}, decidedToProto)
}

// Enum name prefixes of the proto enums an intervention and a decision use.
const (
	kindPrefix     = "INTERVENTION_KIND_"
	statePrefix    = "INTERVENTION_STATE_"
	decisionPrefix = "PROGRESS_DECISION_"
)

// orderFromProto reads the client-settable fields of an Intervention
// message: kind, reason, areas and improvement_plan. Output-only fields,
// the name and the state among them, are ignored (AIP-203).
func orderFromProto(m *improvementplanv1.Intervention) intervention.Order {
	return intervention.Order{
		Kind:   intervention.Kind(refproto.EnumName(m.GetKind(), kindPrefix)),
		Reason: m.GetReason(),
		Areas:  areasFromProto(m.GetAreas()),
		Plan:   m.GetImprovementPlan(),
	}
}

// areasFromProto names judgement areas as the domain does.
func areasFromProto(in []typev1.JudgementArea) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, len(in))
	for i, a := range in {
		out[i] = refproto.JudgementAreaName(a)
	}
	return out
}

// areasToProto is the inverse of areasFromProto.
func areasToProto(in []string) []typev1.JudgementArea {
	if len(in) == 0 {
		return nil
	}
	out := make([]typev1.JudgementArea, len(in))
	for i, a := range in {
		out[i] = refproto.JudgementArea(a)
	}
	return out
}

// legacyAreasField is the field number an intervention's areas had while
// they were bare strings (HELP_AND_PROTECTION); the message reserves it.
const legacyAreasField = 4

// ToProto renders iv as the API returns it: its stored form with its etag.
func ToProto(iv intervention.Intervention) *improvementplanv1.Intervention {
	m := ToStored(iv)
	m.Etag = change.Format(iv.Version)
	return m
}

// decidedToProto renders a committed decision as DecideProgress answers
// it; the plan is rendered as of the decision, its last change.
func decidedToProto(d intervention.Decided) *improvementplanv1.DecideProgressResponse {
	resp := &improvementplanv1.DecideProgressResponse{ImprovementPlan: planapi.ToProto(d.Plan, d.Plan.UpdateTime)}
	if d.Intervention != nil {
		resp.Intervention = ToProto(*d.Intervention)
	}
	return resp
}

// ToStored renders iv as its stored form: the API message without the
// etag, since the version lives beside the data, not in it.
func ToStored(iv intervention.Intervention) *improvementplanv1.Intervention {
	return &improvementplanv1.Intervention{
		Name:            iv.Name(),
		Kind:            refproto.Enum[improvementplanv1.InterventionKind](kindPrefix, iv.Kind),
		Reason:          iv.Reason,
		Areas:           areasToProto(iv.Areas),
		ImprovementPlan: iv.Plan,
		OrderedBy:       iv.OrderedBy,
		OrderTime:       timestamppb.New(iv.OrderTime),
		State:           refproto.Enum[improvementplanv1.InterventionState](statePrefix, iv.State),
		LiftReason:      iv.LiftReason,
	}
}

// FromStored reads a stored intervention at version. Stored data was
// validated when written, so anything unexpected is corruption and an
// error.
func FromStored(m *improvementplanv1.Intervention, version int64) (intervention.Intervention, error) {
	gss, id, err := intervention.ParseName("name", m.GetName())
	if err != nil {
		return intervention.Intervention{}, fmt.Errorf("decode intervention %q: %w", m.GetName(), err)
	}
	o := orderFromProto(m)
	if len(o.Areas) == 0 {
		// Written before areas were the JudgementArea enum: the bare names
		// are what the domain uses.
		o.Areas = refproto.LegacyStrings(m, legacyAreasField)
	}
	iv := intervention.Intervention{
		GSSCode:    gss,
		ID:         id,
		Kind:       o.Kind,
		Reason:     o.Reason,
		Areas:      o.Areas,
		Plan:       o.Plan,
		OrderedBy:  m.GetOrderedBy(),
		OrderTime:  m.GetOrderTime().AsTime(),
		State:      intervention.State(refproto.EnumName(m.GetState(), statePrefix)),
		LiftReason: m.GetLiftReason(),
		Version:    version,
	}
	if !iv.Kind.Valid() || (iv.State != intervention.InForce && iv.State != intervention.Lifted) {
		return intervention.Intervention{}, fmt.Errorf("decode intervention %s: kind %s, state %s", m.GetName(), m.GetKind(), m.GetState())
	}
	return iv, nil
}
