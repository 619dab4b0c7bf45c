// Package planapi is the gRPC face of improvement plans: GetImprovementPlan,
// ListImprovementPlans, UpdateImprovementPlan, CheckPlan, SubmitPlan,
// ApprovePlan, ReturnPlan, ExtendDeadline and ClosePlan of
// ImprovementPlanService. It decodes and checks requests, authorises the
// caller against the plan's council, calls the plan rules and renders
// responses; each method's access policy is declared in Policies.
//
// Who may do what:
//
//   - council officers read their own council's plans, update them and
//     submit them; any other council's plan is PERMISSION_DENIED, and a
//     list across councils (localAuthorities/-) holds only their own
//     council's plans, so the same query serves every role;
//   - DfE officials read every plan, approve, return, extend deadlines and
//     close;
//   - LGA advisers and Ofsted inspectors read every plan;
//   - sponsor officers (until the sponsor service's engagements say which
//     councils they support) and partner systems are refused.
//
// Every change needs the plan's current etag (a stale one is ABORTED) and
// is audited with the etags before and after; the actions take a
// request_id, and a retry with it replays the first response.
package planapi

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"google.golang.org/protobuf/proto"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planstore"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Page sizes of plan lists.
const (
	defaultPageSize = 50
	maxPageSize     = 200
)

// maxRequestIDLen bounds request_id; a UUID (AIP-155's suggestion) is 36.
const maxRequestIDLen = 128

// Readers of plans: everyone with a part in a council's improvement but
// sponsor officers and partner systems.
var readers = []auth.Role{auth.RoleCouncilOfficer, auth.RoleDfEOfficial, auth.RoleLGAAdviser, auth.RoleOfstedInspector}

// Policies declares who may call each method of this package. Council
// officers are further held to their own council in the handlers.
var Policies = auth.Policies{
	improvementplanv1.ImprovementPlanService_GetImprovementPlan_FullMethodName:    auth.Allow(readers...),
	improvementplanv1.ImprovementPlanService_ListImprovementPlans_FullMethodName:  auth.Allow(readers...),
	improvementplanv1.ImprovementPlanService_CheckPlan_FullMethodName:             auth.Allow(readers...),
	improvementplanv1.ImprovementPlanService_UpdateImprovementPlan_FullMethodName: auth.Allow(auth.RoleCouncilOfficer),
	improvementplanv1.ImprovementPlanService_SubmitPlan_FullMethodName:            auth.Allow(auth.RoleCouncilOfficer),
	improvementplanv1.ImprovementPlanService_ApprovePlan_FullMethodName:           auth.Allow(auth.RoleDfEOfficial),
	improvementplanv1.ImprovementPlanService_ReturnPlan_FullMethodName:            auth.Allow(auth.RoleDfEOfficial),
	improvementplanv1.ImprovementPlanService_ExtendDeadline_FullMethodName:        auth.Allow(auth.RoleDfEOfficial),
	improvementplanv1.ImprovementPlanService_ClosePlan_FullMethodName:             auth.Allow(auth.RoleDfEOfficial),
}

// Plans implements the plan methods of
// improvementplanv1.ImprovementPlanServiceServer. It deliberately embeds no
// Unimplemented server, so that the service's composite server can embed it
// beside the other handler types without ambiguous methods.
type Plans struct {
	plans     *planstore.Plans
	pages     *paging.Codec
	ratings   plan.RatingSource
	now       func() time.Time
	deadlines Rescheduler
}

// Rescheduler keeps the deadline clock in step with a plan whose deadline
// or state a handler has just changed and committed: Reschedule is
// idempotent, and a call lost to a crash is repaired by the clock's own
// reconciliation. The service's deadline clock implements it.
type Rescheduler interface {
	Reschedule(ctx context.Context, p plan.Plan) error
}

// Option configures the handlers.
type Option func(*Plans)

// WithRescheduler makes the handlers tell r about every committed change
// of a plan's deadline or state (ExtendDeadline above all, which can give
// a continued plan a deadline again, or take a plan out of DECISION_DUE),
// so the deadline job follows at once rather than at the clock's next
// reconciliation.
func WithRescheduler(r Rescheduler) Option { return func(h *Plans) { h.deadlines = r } }

// New returns the plan handlers over the plan store, with page tokens from
// pages. ratings gives each plan's progress review ratings, shown with
// their trend; nil shows none (and the trend "too few reviews"). now is
// the clock late actions and deadlines are judged by; nil means time.Now.
func New(plans *planstore.Plans, pages *paging.Codec, ratings plan.RatingSource, now func() time.Time, opts ...Option) *Plans {
	if now == nil {
		now = time.Now
	}
	h := &Plans{plans: plans, pages: pages, ratings: ratings, now: now}
	for _, o := range opts {
		o(h)
	}
	return h
}

// GetImprovementPlan implements ImprovementPlanService.GetImprovementPlan.
func (h *Plans) GetImprovementPlan(ctx context.Context, req *improvementplanv1.GetImprovementPlanRequest) (*improvementplanv1.ImprovementPlan, error) {
	p, err := h.read(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	return h.render(ctx, p)
}

// ListImprovementPlans implements ImprovementPlanService.ListImprovementPlans
// for one council or, with the parent localAuthorities/-, every council the
// caller may see. The filter takes state and deadline (AIP-160, e.g.
// `state = APPROVED AND deadline < 2016-06-01`); order_by is deadline (the
// default), deadline desc or create_time desc. Page tokens are bound to the
// parent, the filter, the order and the councils the caller sees.
func (h *Plans) ListImprovementPlans(ctx context.Context, req *improvementplanv1.ListImprovementPlansRequest) (*improvementplanv1.ListImprovementPlansResponse, error) {
	gss, parentErr := plan.ParseParent("parent", req.GetParent())
	size, sizeErr := paging.PageSize(req.GetPageSize(), defaultPageSize, maxPageSize)
	f, filterErr := filter.Compile(req.GetFilter(), plan.FilterSchema)
	order, orderErr := filter.ParseOrderBy(req.GetOrderBy(), plan.OrderFields, plan.DefaultOrder)
	if err := fault.Join(parentErr, sizeErr, filterErr, orderErr); err != nil {
		return nil, err
	}
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	reach := "all"
	switch {
	case gss != plan.AllCouncils:
		if err := auth.RequireCouncil(ctx, gss); err != nil {
			return nil, err
		}
		if _, ok := reference.CouncilByCode(gss); !ok {
			return nil, fault.NotFound("LOCAL_AUTHORITY_NOT_FOUND", "%s does not exist", req.GetParent()).With("parent", req.GetParent())
		}
	case !seesEveryCouncil(p):
		// A council officer's view of every council is their own.
		gss, reach = p.Authority, "council:"+p.Authority
	}
	q := paging.Query{
		Method:  improvementplanv1.ImprovementPlanService_ListImprovementPlans_FullMethodName,
		Parent:  req.GetParent(),
		Filter:  f.String(),
		OrderBy: order.String(),
		Params:  map[string]string{"reach": reach},
	}
	offset, err := h.pages.DecodeOffset(req.GetPageToken(), q)
	if err != nil {
		return nil, err
	}
	all, err := h.plans.List(ctx, gss)
	if err != nil {
		return nil, err
	}
	selected := plan.Select(all, f, order)
	total := int64(len(selected))
	start := min(offset, total)
	end := min(start+int64(size), total)
	resp := &improvementplanv1.ListImprovementPlansResponse{
		ImprovementPlans: make([]*improvementplanv1.ImprovementPlan, 0, end-start),
		NextPageToken:    h.pages.NextOffset(q, start, size, total),
		TotalSize:        int32(total),
	}
	for _, pl := range selected[start:end] {
		m, err := h.render(ctx, pl)
		if err != nil {
			return nil, err
		}
		resp.ImprovementPlans = append(resp.ImprovementPlans, m)
	}
	return resp, nil
}

// UpdateImprovementPlan implements ImprovementPlanService.UpdateImprovementPlan.
// The mask (or, without one, the fields the request sets) names either
// `priorities`, which replaces a draft plan's priorities and actions whole,
// or `priorities.actions.status` and `priorities.actions.evidence_notes`,
// which change those fields of an approved, monitoring or continued plan's
// actions named by id (evidence notes only grow). name, etag and
// output-only fields in the mask are ignored, as the REST gateway derives a
// mask from the body; through REST, progress therefore needs an explicit
// update_mask. The etag is required; a stale one is ABORTED; a mask the
// plan's state does not take is FAILED_PRECONDITION.
func (h *Plans) UpdateImprovementPlan(ctx context.Context, req *improvementplanv1.UpdateImprovementPlanRequest) (*improvementplanv1.ImprovementPlan, error) {
	in := req.GetImprovementPlan()
	if in == nil {
		var vs fault.Violations
		vs.Add("improvement_plan", "is required: its name, its etag and the new values")
		return nil, vs.Err()
	}
	gss, id, nameErr := plan.ParseName("improvement_plan.name", in.GetName())
	etag, etagErr := requireEtag("improvement_plan.etag", in.GetEtag())
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 && len(in.GetPriorities()) > 0 {
		paths = []string{plan.PathPriorities}
	}
	mask, maskErr := plan.ParseMask(paths)
	patch, conv := prioritiesFromProto(in.GetPriorities(), "improvement_plan.priorities")
	if maskErr == nil && !mask.Priorities {
		// Progress changes statuses and notes only; the rest of what
		// the request carries is ignored, problems and all.
		conv = nil
	}
	if err := fault.Join(nameErr, etagErr, maskErr); err != nil {
		return nil, fault.Join(err, conv.Err())
	}
	return h.change(ctx, improvementplanv1.ImprovementPlanService_UpdateImprovementPlan_FullMethodName,
		gss, id, etag, "", req, func(p *plan.Plan, _ string, now time.Time) error {
			next, err := p.Apply(patch, mask, now)
			if err != nil || len(conv) > 0 {
				// Dates that could not be read are reported with what
				// the rules find in the rest, once each.
				return joinViolations(conv, err)
			}
			*p = next
			return nil
		})
}

// CheckPlan implements ImprovementPlanService.CheckPlan: every credibility
// rule's result, in the documented order (see plan.Rules), for a plan in
// any state.
func (h *Plans) CheckPlan(ctx context.Context, req *improvementplanv1.CheckPlanRequest) (*improvementplanv1.CheckPlanResponse, error) {
	p, err := h.read(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	return checksToProto(p.Check()), nil
}

// SubmitPlan implements ImprovementPlanService.SubmitPlan: a draft plan
// that passes every credibility rule becomes SUBMITTED. One that fails any
// is FAILED_PRECONDITION with reason PLAN_NOT_CREDIBLE, metadata
// failed_checks naming the failed rules (comma-separated) and a message
// naming every failure.
func (h *Plans) SubmitPlan(ctx context.Context, req *improvementplanv1.SubmitPlanRequest) (*improvementplanv1.ImprovementPlan, error) {
	return h.action(ctx, improvementplanv1.ImprovementPlanService_SubmitPlan_FullMethodName,
		req.GetName(), req.GetEtag(), req.GetRequestId(), req, nil,
		func(p *plan.Plan, actor string, now time.Time) error { return p.Submit(actor, now) })
}

// ApprovePlan implements ImprovementPlanService.ApprovePlan (DfE): a
// submitted plan becomes APPROVED.
func (h *Plans) ApprovePlan(ctx context.Context, req *improvementplanv1.ApprovePlanRequest) (*improvementplanv1.ImprovementPlan, error) {
	return h.action(ctx, improvementplanv1.ImprovementPlanService_ApprovePlan_FullMethodName,
		req.GetName(), req.GetEtag(), req.GetRequestId(), req, plan.CheckReason(req.GetReason(), false),
		func(p *plan.Plan, actor string, now time.Time) error { return p.Approve(actor, req.GetReason(), now) })
}

// ReturnPlan implements ImprovementPlanService.ReturnPlan (DfE): a
// submitted plan goes back to DRAFT; the reason, what must change, is
// required.
func (h *Plans) ReturnPlan(ctx context.Context, req *improvementplanv1.ReturnPlanRequest) (*improvementplanv1.ImprovementPlan, error) {
	return h.action(ctx, improvementplanv1.ImprovementPlanService_ReturnPlan_FullMethodName,
		req.GetName(), req.GetEtag(), req.GetRequestId(), req, plan.CheckReason(req.GetReason(), true),
		func(p *plan.Plan, actor string, now time.Time) error { return p.Return(actor, req.GetReason(), now) })
}

// ExtendDeadline implements ImprovementPlanService.ExtendDeadline (DfE): the
// deadline moves to new_deadline, which must be later than the deadline in
// force and than today; the reason is required; the original deadline and
// every extension (who, when, why) are kept. A plan in DECISION_DUE goes
// back to the state it was in before the deadline passed, and the new
// deadline runs for it. See plan.Plan.Extend.
func (h *Plans) ExtendDeadline(ctx context.Context, req *improvementplanv1.ExtendDeadlineRequest) (*improvementplanv1.ImprovementPlan, error) {
	var vs fault.Violations
	deadline, ok, err := refproto.DateFrom(req.GetNewDeadline())
	switch {
	case err != nil:
		vs.Add("new_deadline", "%s", err.Error())
	case !ok:
		vs.Add("new_deadline", "is required")
	}
	var reqErr error
	if len(vs) > 0 {
		// Otherwise the rules check the reason with the deadline's
		// relation to the one in force, so both are reported at once.
		reqErr = fault.Join(vs.Err(), plan.CheckReason(req.GetReason(), true))
	}
	return h.action(ctx, improvementplanv1.ImprovementPlanService_ExtendDeadline_FullMethodName,
		req.GetName(), req.GetEtag(), req.GetRequestId(), req, reqErr,
		func(p *plan.Plan, actor string, now time.Time) error {
			return p.Extend(deadline, req.GetReason(), actor, now)
		})
}

// ClosePlan implements ImprovementPlanService.ClosePlan (DfE): an improved,
// continued or escalated plan becomes CLOSED.
func (h *Plans) ClosePlan(ctx context.Context, req *improvementplanv1.ClosePlanRequest) (*improvementplanv1.ImprovementPlan, error) {
	return h.action(ctx, improvementplanv1.ImprovementPlanService_ClosePlan_FullMethodName,
		req.GetName(), req.GetEtag(), req.GetRequestId(), req, plan.CheckReason(req.GetReason(), false),
		func(p *plan.Plan, actor string, now time.Time) error { return p.Close(actor, req.GetReason(), now) })
}

// rule changes a plan on behalf of actor as of now.
type rule func(p *plan.Plan, actor string, now time.Time) error

// action runs one of the action methods: it checks the name, the etag
// (required), the request_id and reqErr (the method's own checks) all at
// once, then makes the change.
func (h *Plans) action(ctx context.Context, method, name, etag, requestID string, req proto.Message, reqErr error, r rule) (*improvementplanv1.ImprovementPlan, error) {
	gss, id, nameErr := plan.ParseName("name", name)
	version, etagErr := requireEtag("etag", etag)
	var vs fault.Violations
	if len(requestID) > maxRequestIDLen {
		vs.Add("request_id", "is %d bytes long; the limit is %d (a UUID is suggested)", len(requestID), maxRequestIDLen)
	}
	if err := fault.Join(nameErr, etagErr, reqErr, vs.Err()); err != nil {
		return nil, err
	}
	return h.change(ctx, method, gss, id, version, requestID, req, r)
}

// change is the read-modify-write of every mutation: authorise the caller
// for the council, replay a repeated request_id, read the plan, compare the
// caller's etag, apply the rule and commit the plan pinned to the version
// read, with the audit entry and, for a request_id, the response to replay.
func (h *Plans) change(ctx context.Context, method, gss, id string, etag int64, requestID string, req proto.Message, r rule) (*improvementplanv1.ImprovementPlan, error) {
	caller, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if err := auth.RequireCouncil(ctx, gss); err != nil {
		return nil, err
	}
	scope := store.IdempotencyScope(method, caller.Subject)
	replay := func() (*improvementplanv1.ImprovementPlan, bool, error) {
		var prev improvementplanv1.ImprovementPlan
		ok, err := h.plans.Replay(ctx, gss, scope, requestID, req, &prev)
		return &prev, ok, err
	}
	if prev, ok, err := replay(); err != nil || ok {
		return prev, err
	}
	cur, err := h.plans.Get(ctx, gss, id)
	if err != nil {
		return nil, named(err, plan.Name(gss, id))
	}
	if cur.Version != etag {
		return nil, fault.Conflict(store.ErrConflict.Reason,
			"the etag %s is not the plan's current one; read the plan again and retry", store.Etag(etag)).With("name", cur.Name())
	}
	next := cur.Clone()
	now := h.now().UTC()
	if err := r(&next, caller.Subject, now); err != nil {
		return nil, err
	}
	next.Version = cur.Version
	after := next
	after.Version++
	resp, err := h.render(ctx, after)
	if err != nil {
		return nil, err
	}
	idem, err := store.NewIdempotency(scope, requestID, req, resp)
	if err != nil {
		return nil, err
	}
	roles := make([]string, len(caller.Roles))
	for i, role := range caller.Roles {
		roles[i] = string(role)
	}
	saved, err := h.plans.SaveChange(ctx, next, planstore.Change{
		Audit:       store.AuditEntry{Actor: caller.Subject, Roles: roles, Method: method, RequestID: requestID},
		Idempotency: idem,
	})
	if errors.Is(err, store.ErrConflict) && requestID != "" {
		// A concurrent call with the same request_id may have committed
		// first; its response is the answer.
		if prev, ok, rerr := replay(); rerr != nil || ok {
			return prev, rerr
		}
	}
	if err != nil {
		return nil, err
	}
	if h.deadlines != nil && (saved.State != cur.State || !saved.Deadline.Equal(cur.Deadline)) {
		// The change stands whatever happens here, and the clock repairs
		// a missed reschedule itself, so a failure is only logged.
		if err := h.deadlines.Reschedule(ctx, saved); err != nil {
			slog.WarnContext(ctx, "planapi: reschedule the deadline", "plan", saved.Name(), "err", err)
		}
	}
	return resp, nil
}

// read returns the plan named name, once the caller may see its council.
// The council is checked before the plan is read, so a council officer
// learns nothing about another council's plans, not even which exist.
func (h *Plans) read(ctx context.Context, name string) (plan.Plan, error) {
	gss, id, err := plan.ParseName("name", name)
	if err != nil {
		return plan.Plan{}, err
	}
	if err := auth.RequireCouncil(ctx, gss); err != nil {
		return plan.Plan{}, err
	}
	p, err := h.plans.Get(ctx, gss, id)
	if err != nil {
		return plan.Plan{}, named(err, name)
	}
	return p, nil
}

// render is toProto with the plan's progress review ratings.
func (h *Plans) render(ctx context.Context, p plan.Plan) (*improvementplanv1.ImprovementPlan, error) {
	var ratings []string
	if h.ratings != nil {
		var err error
		if ratings, err = h.ratings.Ratings(ctx, p.GSSCode, p.ID); err != nil {
			return nil, err
		}
	}
	return ToProto(p, h.now(), ratings), nil
}

// requireEtag parses an etag the request must carry: every change is made
// against the version the caller read (AIP-154).
func requireEtag(field, etag string) (int64, error) {
	if etag == "" {
		var vs fault.Violations
		vs.Add(field, "is required: send the etag of the plan as read, so that no change made since is overwritten")
		return 0, vs.Err()
	}
	return store.ParseEtagField(field, etag)
}

// seesEveryCouncil reports whether p reads every council's plans.
func seesEveryCouncil(p auth.Principal) bool {
	return p.HasRole(auth.RoleOfstedInspector, auth.RoleLGAAdviser, auth.RoleDfEOfficial)
}

func principal(ctx context.Context) (auth.Principal, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		// Served without the interceptor, which must never grant access.
		return auth.Principal{}, fault.Unauthenticated(auth.ReasonTokenMissing, "the request is not authenticated")
	}
	return p, nil
}

// joinViolations reports vs with the violations of err, leaving out those
// on a field vs already names (an unreadable date is not also
// "required"). An err that is not INVALID_ARGUMENT is returned as it is.
func joinViolations(vs fault.Violations, err error) error {
	f, ok := fault.As(err)
	if err != nil && (!ok || f.Kind != fault.KindInvalid) {
		return err
	}
	reported := map[string]bool{}
	for _, v := range vs {
		reported[v.Field] = true
	}
	if ok {
		for _, v := range f.Violations {
			if !reported[v.Field] {
				vs = append(vs, v)
			}
		}
	}
	return vs.Err()
}

// named gives a missing plan's NOT_FOUND the resource's name.
func named(err error, name string) error {
	if errors.Is(err, plan.ErrNotFound) {
		return fault.NotFound(plan.ReasonNotFound, "%s does not exist", name).With("name", name)
	}
	return err
}
