// Package planapi is the gRPC face of improvement plans: GetImprovementPlan,
// ListImprovementPlans, UpdateImprovementPlan, CheckPlan, SubmitPlan,
// ApprovePlan, ReturnPlan, ExtendDeadline and ClosePlan of
// ImprovementPlanService. It decodes and checks requests, authorises the
// caller against the plan's council, calls the plan rules and renders
// responses; each method's access policy is declared in Policies.
//
// Who may do what is the access matrix's ImprovementPlan cells
// (services/platform/access):
//
//   - council officers read their own council's plans, update them and
//     submit them; any other council's plan is PERMISSION_DENIED, and a
//     list across councils (localAuthorities/-) holds only their own
//     council's plans, so the same query serves every role;
//   - DfE officials read every plan, approve, return, extend deadlines and
//     close;
//   - LGA advisers and Ofsted inspectors read every plan;
//   - sponsor officers read the plans of the councils their sponsor
//     actively supports (an engagement, as the sponsor service's events
//     told this service: package support), and a list across councils
//     holds those only;
//   - partner systems are refused.
//
// Every change needs the plan's current etag (a stale one is ABORTED) and
// is audited with the etags before and after; the actions take a
// request_id, and a retry with it replays the first response.
package planapi

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/supportapi"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Policies declares who may call each method of this package: the access
// matrix's ImprovementPlan cells. The handlers hold each caller to the
// councils its grant reaches (access.Check through supportapi).
var Policies = access.Rules(access.ImprovementPlan, actions)

// actions maps each method to its action on plans in the matrix: the
// role-level policy, and the action the handlers check on the council.
var actions = access.Methods{
	improvementplanv1.ImprovementPlanService_GetImprovementPlan_FullMethodName:    access.Read,
	improvementplanv1.ImprovementPlanService_ListImprovementPlans_FullMethodName:  access.Read,
	improvementplanv1.ImprovementPlanService_CheckPlan_FullMethodName:             access.Read,
	improvementplanv1.ImprovementPlanService_UpdateImprovementPlan_FullMethodName: access.Submit,
	improvementplanv1.ImprovementPlanService_SubmitPlan_FullMethodName:            access.Submit,
	improvementplanv1.ImprovementPlanService_ApprovePlan_FullMethodName:           access.Approve,
	improvementplanv1.ImprovementPlanService_ReturnPlan_FullMethodName:            access.Approve,
	improvementplanv1.ImprovementPlanService_ExtendDeadline_FullMethodName:        access.Approve,
	improvementplanv1.ImprovementPlanService_ClosePlan_FullMethodName:             access.Approve,
}

// warned are the methods whose response carries the plan's warnings (late
// actions, a deadline before the first milestone, a deadline passed): the
// council submitting and DfE approving must see them.
var warned = map[string]bool{
	improvementplanv1.ImprovementPlanService_SubmitPlan_FullMethodName:  true,
	improvementplanv1.ImprovementPlanService_ApprovePlan_FullMethodName: true,
}

// Plans implements the plan methods of
// improvementplanv1.ImprovementPlanServiceServer. It deliberately embeds no
// Unimplemented server, so that the service's composite server can embed it
// beside the other handler types without ambiguous methods.
type Plans struct {
	plans  *plan.Service
	pages  *paging.Codec
	access supportapi.Access
	// rendered keeps each plan's list message per version and what else it
	// shows: its ratings and the day its late actions are counted on.
	rendered rpc.Rendered[[2]string, *improvementplanv1.ImprovementPlan]
}

// render is ToProto(r, now), kept for the plan's version, ratings and day.
func (h *Plans) render(r plan.Reviewed, now time.Time) *improvementplanv1.ImprovementPlan {
	state := strings.Join(r.Ratings, ",") + "|" + plan.Day(now).Format(time.DateOnly)
	return h.rendered.GetIn([2]string{r.Plan.GSSCode, r.Plan.ID}, r.Plan.Version, state, func() *improvementplanv1.ImprovementPlan {
		return ToProto(r, now)
	})
}

// New returns the plan handlers over the plan use cases, with page tokens
// from pages and the sponsors supporting each council from supporters (nil:
// none).
func New(plans *plan.Service, pages *paging.Codec, supporters supportapi.Supporters) *Plans {
	return &Plans{plans: plans, pages: pages, access: supportapi.New(supporters, access.ImprovementPlan)}
}

// GetImprovementPlan implements ImprovementPlanService.GetImprovementPlan.
func (h *Plans) GetImprovementPlan(ctx context.Context, req *improvementplanv1.GetImprovementPlanRequest) (*improvementplanv1.ImprovementPlan, error) {
	p, err := read(ctx, h, req.GetName(), h.plans.Get)
	if err != nil {
		return nil, err
	}
	return ToProto(p, h.plans.Now()), nil
}

// ListImprovementPlans implements ImprovementPlanService.ListImprovementPlans
// for one council or, with the parent localAuthorities/-, every council the
// caller may see. The filter takes state and deadline (AIP-160, e.g.
// `state = APPROVED AND deadline < 2016-06-01`); order_by is deadline (the
// default), deadline desc or create_time desc. Page tokens are bound to the
// parent, the filter, the order and the councils the caller sees.
func (h *Plans) ListImprovementPlans(ctx context.Context, req *improvementplanv1.ListImprovementPlansRequest) (resp *improvementplanv1.ListImprovementPlansResponse, err error) {
	gss, parentErr := resource.ParseCouncilOrAll("parent", req.GetParent())
	l, p, err := rpc.ReadListAs(ctx, req, plan.FilterSchema, &rpc.Ordering{Fields: plan.OrderFields, Default: plan.DefaultOrder}, parentErr)
	if err != nil {
		return nil, err
	}
	reach := "all"
	var keep func(gss string) bool
	switch {
	case gss != plan.AllCouncils:
		if err := rpc.ParentCouncil(ctx, gss, req.GetParent(), func(ctx context.Context, gss, name string) error {
			return h.access.Check(ctx, access.Read, gss, name, false)
		}); err != nil {
			return nil, err
		}
	case p.HasRole(auth.RoleCouncilOfficer) && !h.access.SeesAll(p):
		// A council officer's view of every council is their own.
		gss, reach = p.Authority, "council:"+p.Authority
	case !h.access.SeesAll(p):
		// A sponsor officer's is the councils its sponsor supports.
		reader := h.access.Reader(ctx, p)
		keep = func(gss string) bool { return reader.May(gss, false) }
		reach = "sponsor:" + p.Sponsor
		defer func() {
			if reader.Err != nil && err == nil {
				resp, err = nil, reader.Err
			}
		}()
	}
	q := paging.Query{
		Method: improvementplanv1.ImprovementPlanService_ListImprovementPlans_FullMethodName,
		Parent: req.GetParent(),
		Params: map[string]string{"reach": reach},
	}
	if err := l.Resume(h.pages, q); err != nil {
		return nil, err
	}
	page, err := h.plans.List(ctx, gss, keep, l.Filter, l.Order, l.Offset, l.Size)
	if err != nil {
		return nil, err
	}
	resp = &improvementplanv1.ListImprovementPlansResponse{
		ImprovementPlans: make([]*improvementplanv1.ImprovementPlan, 0, len(page.Plans)),
		NextPageToken:    l.NextToken(page.Total),
		TotalSize:        int32(page.Total),
	}
	now := h.plans.Now()
	for _, pl := range page.Plans {
		resp.ImprovementPlans = append(resp.ImprovementPlans, h.render(pl, now))
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
		return nil, fault.Field("improvement_plan", "is required: its name, its etag and the new values")
	}
	gss, id, nameErr := plan.ParseName("improvement_plan.name", in.GetName())
	etag, etagErr := rpc.ParseEtag("improvement_plan.etag", in.GetEtag(), true)
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
	return h.command(ctx, improvementplanv1.ImprovementPlanService_UpdateImprovementPlan_FullMethodName, gss, id, "", req, func(r change.Request) (plan.Reviewed, error) {
		return h.plans.Update(ctx, gss, id, etag, plan.Update{Patch: patch, Mask: mask, Unreadable: conv}, r)
	})
}

// CheckPlan implements ImprovementPlanService.CheckPlan: every credibility
// rule's result, in the documented order (see plan.Rules), for a plan in
// any state.
func (h *Plans) CheckPlan(ctx context.Context, req *improvementplanv1.CheckPlanRequest) (*improvementplanv1.CheckPlanResponse, error) {
	checks, err := read(ctx, h, req.GetName(), h.plans.Check)
	if err != nil {
		return nil, err
	}
	return checksToProto(checks), nil
}

// read reads what get says of the plan named name, once the caller is
// found to see it (authorise); a missing plan is NOT_FOUND.
func read[T any](ctx context.Context, h *Plans, name string, get func(ctx context.Context, gss, id string) (T, error)) (T, error) {
	gss, id, err := h.authorise(ctx, name)
	if err != nil {
		var zero T
		return zero, err
	}
	out, err := get(ctx, gss, id)
	return out, rpc.NotFound(err, plan.ErrNotFound, plan.ReasonNotFound, name)
}

// SubmitPlan implements ImprovementPlanService.SubmitPlan: a draft plan
// that passes every credibility rule becomes SUBMITTED, and the response
// carries the plan's warnings (plan.Plan.Warnings). One that fails any
// is FAILED_PRECONDITION with reason PLAN_NOT_CREDIBLE, metadata
// failed_checks naming the failed rules (comma-separated) and a message
// naming every failure.
func (h *Plans) SubmitPlan(ctx context.Context, req *improvementplanv1.SubmitPlanRequest) (*improvementplanv1.ImprovementPlan, error) {
	return h.action(ctx, improvementplanv1.ImprovementPlanService_SubmitPlan_FullMethodName,
		req.GetName(), req.GetEtag(), req.GetRequestId(), req, nil,
		func(gss, id string, etag change.Etag, r change.Request) (plan.Reviewed, error) {
			return h.plans.Submit(ctx, gss, id, etag, r)
		})
}

// ApprovePlan implements ImprovementPlanService.ApprovePlan (DfE): a
// submitted plan becomes APPROVED; the response carries the plan's
// warnings (late actions, a deadline before the first milestone, a
// deadline passed), which do not stop the approval.
func (h *Plans) ApprovePlan(ctx context.Context, req *improvementplanv1.ApprovePlanRequest) (*improvementplanv1.ImprovementPlan, error) {
	return h.action(ctx, improvementplanv1.ImprovementPlanService_ApprovePlan_FullMethodName,
		req.GetName(), req.GetEtag(), req.GetRequestId(), req, plan.CheckReason(req.GetReason(), false),
		func(gss, id string, etag change.Etag, r change.Request) (plan.Reviewed, error) {
			return h.plans.Approve(ctx, gss, id, etag, req.GetReason(), r)
		})
}

// ReturnPlan implements ImprovementPlanService.ReturnPlan (DfE): a
// submitted plan goes back to DRAFT; the reason, what must change, is
// required.
func (h *Plans) ReturnPlan(ctx context.Context, req *improvementplanv1.ReturnPlanRequest) (*improvementplanv1.ImprovementPlan, error) {
	return h.action(ctx, improvementplanv1.ImprovementPlanService_ReturnPlan_FullMethodName,
		req.GetName(), req.GetEtag(), req.GetRequestId(), req, plan.CheckReason(req.GetReason(), true),
		func(gss, id string, etag change.Etag, r change.Request) (plan.Reviewed, error) {
			return h.plans.Return(ctx, gss, id, etag, req.GetReason(), r)
		})
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
		func(gss, id string, etag change.Etag, r change.Request) (plan.Reviewed, error) {
			return h.plans.Extend(ctx, gss, id, etag, deadline, req.GetReason(), r)
		})
}

// ClosePlan implements ImprovementPlanService.ClosePlan (DfE): an improved,
// continued or escalated plan becomes CLOSED.
func (h *Plans) ClosePlan(ctx context.Context, req *improvementplanv1.ClosePlanRequest) (*improvementplanv1.ImprovementPlan, error) {
	return h.action(ctx, improvementplanv1.ImprovementPlanService_ClosePlan_FullMethodName,
		req.GetName(), req.GetEtag(), req.GetRequestId(), req, plan.CheckReason(req.GetReason(), false),
		func(gss, id string, etag change.Etag, r change.Request) (plan.Reviewed, error) {
			return h.plans.Close(ctx, gss, id, etag, req.GetReason(), r)
		})
}

// action runs one of the action methods: it checks the name, the etag
// (required), the request_id and reqErr (the method's own checks) all at
// once, then calls the use case.
func (h *Plans) action(ctx context.Context, method, name, etag, requestID string, req proto.Message, reqErr error,
	call func(gss, id string, etag change.Etag, r change.Request) (plan.Reviewed, error)) (*improvementplanv1.ImprovementPlan, error) {
	gss, id, nameErr := plan.ParseName("name", name)
	version, etagErr := rpc.ParseEtag("etag", etag, true)
	if err := fault.Join(nameErr, etagErr, reqErr, rpc.RequestIDError(requestID)); err != nil {
		return nil, err
	}
	return h.command(ctx, method, gss, id, requestID, req, func(r change.Request) (plan.Reviewed, error) {
		return call(gss, id, version, r)
	})
}

// command authorises the caller for the council, describes the request and
// calls the use case. The council is checked before the plan is read, so a
// council officer learns nothing about another council's plans.
func (h *Plans) command(ctx context.Context, method, gss, id, requestID string, req proto.Message, call func(r change.Request) (plan.Reviewed, error)) (*improvementplanv1.ImprovementPlan, error) {
	if err := h.access.Check(ctx, actions[method], gss, plan.Name(gss, id), false); err != nil {
		return nil, err
	}
	return rpc.Do(ctx, method, requestID, req, func(r change.Request) (plan.Reviewed, error) {
		p, err := call(r)
		return p, rpc.NotFound(err, plan.ErrNotFound, plan.ReasonNotFound, plan.Name(gss, id))
	}, func(p plan.Reviewed) *improvementplanv1.ImprovementPlan {
		now := h.plans.Now()
		m := ToProto(p, now)
		if warned[method] {
			for _, w := range p.Warnings(now) {
				m.Warnings = append(m.Warnings, &improvementplanv1.PlanWarning{Code: w.Code, Message: w.Message})
			}
		}
		return m
	})
}

// authorise reads a plan's name and checks the caller may see its council,
// before anything about the plan is read.
func (h *Plans) authorise(ctx context.Context, name string) (gss, id string, err error) {
	if gss, id, err = plan.ParseName("name", name); err != nil {
		return "", "", err
	}
	return gss, id, h.access.Check(ctx, access.Read, gss, name, false)
}

// Enum name prefixes of the proto enums the API uses.
const (
	statePrefix  = "PLAN_STATE_"
	statusPrefix = "ACTION_STATUS_"
	gradePrefix  = "GRADE_"
	ratingPrefix = "PROGRESS_RATING_"
)

// RatingProto is the proto enum of r; PROGRESS_RATING_UNSPECIFIED for a
// rating that is not one of plan.ProgressRatings.
func RatingProto(r plan.ProgressRating) improvementplanv1.ProgressRating {
	return refproto.Enum[improvementplanv1.ProgressRating](ratingPrefix, r)
}

// RatingFrom is the domain value of a ProgressRating enum (see
// refproto.EnumName).
func RatingFrom(r improvementplanv1.ProgressRating) plan.ProgressRating {
	return plan.ProgressRating(refproto.EnumName(r, ratingPrefix))
}

func stateProto(s plan.State) improvementplanv1.PlanState {
	return refproto.Enum[improvementplanv1.PlanState](statePrefix, s)
}

// prioritiesFromProto reads the client-settable fields of priorities and
// their actions; output-only fields (a priority's judgement grade) are
// ignored. Only what cannot be represented at all, an impossible date, is
// reported here, as a violation under field; the domain rules judge the
// rest.
func prioritiesFromProto(in []*improvementplanv1.Priority, field string) ([]plan.Priority, fault.Violations) {
	var vs fault.Violations
	out := make([]plan.Priority, 0, len(in))
	for i, m := range in {
		pr := plan.Priority{
			ID:              m.GetId(),
			Area:            refproto.JudgementAreaName(m.GetArea()),
			TargetGrade:     reference.Grade(refproto.EnumName(m.GetTargetGrade(), gradePrefix)),
			Recommendations: slices.Clone(m.GetRecommendations()),
		}
		for j, a := range m.GetActions() {
			due, _, err := refproto.DateFrom(a.GetDueDate())
			if err != nil {
				vs.Add(fmt.Sprintf("%s[%d].actions[%d].due_date", field, i, j), "%s", err.Error())
			}
			act := plan.Action{
				ID:            a.GetId(),
				Title:         a.GetTitle(),
				OwnerRole:     a.GetOwnerRole(),
				DueDate:       due,
				Status:        plan.ActionStatus(refproto.EnumName(a.GetStatus(), statusPrefix)),
				EvidenceNotes: slices.Clone(a.GetEvidenceNotes()),
			}
			switch ms := a.GetMeasure().(type) {
			case *improvementplanv1.Action_Indicator:
				i := ms.Indicator
				act.Measure.Indicator = &plan.Indicator{Name: refproto.IndicatorName(i.GetIndicator()), Baseline: i.GetBaseline(), Target: i.GetTarget()}
			case *improvementplanv1.Action_Milestone:
				m := ms.Milestone
				act.Measure.Milestone = &plan.Milestone{Milestone: m.GetMilestone(), EvidenceExpected: m.GetEvidenceExpected()}
			}
			pr.Actions = append(pr.Actions, act)
		}
		out = append(out, pr)
	}
	return out, vs
}

// ToProto renders a plan as the API returns it: with its etag, its late
// actions as of now, and the ratings of its progress reviews (oldest
// first) with their trend.
func ToProto(r plan.Reviewed, now time.Time) *improvementplanv1.ImprovementPlan {
	p, ratings := r.Plan, r.Ratings
	m := &improvementplanv1.ImprovementPlan{
		Name:             p.Name(),
		Inspection:       p.Inspection,
		JudgementDate:    refproto.Date(p.JudgementDate),
		State:            stateProto(p.State),
		Deadline:         refproto.Date(p.Deadline),
		OriginalDeadline: refproto.Date(p.OriginalDeadline),
		LateActions:      p.LateActions(now),
		Intervention:     p.Intervention,
		Etag:             change.Format(p.Version),
		CreateTime:       timestamppb.New(p.CreateTime),
		UpdateTime:       timestamppb.New(p.UpdateTime),
	}
	for _, e := range p.Extensions {
		m.Extensions = append(m.Extensions, &improvementplanv1.DeadlineExtension{
			PreviousDeadline: refproto.Date(e.PreviousDeadline),
			NewDeadline:      refproto.Date(e.NewDeadline),
			Reason:           e.Reason,
			ExtendedBy:       e.ExtendedBy,
			ExtendTime:       timestamppb.New(e.Time),
		})
	}
	for _, h := range p.History {
		m.History = append(m.History, &improvementplanv1.StateChange{
			From:       stateProto(h.From),
			To:         stateProto(h.To),
			Actor:      h.Actor,
			Reason:     h.Reason,
			ChangeTime: timestamppb.New(h.Time),
		})
	}
	for _, pr := range p.Priorities {
		mp := &improvementplanv1.Priority{
			Id:              pr.ID,
			Area:            refproto.JudgementArea(pr.Area),
			JudgementGrade:  refproto.Grade(pr.JudgementGrade),
			TargetGrade:     refproto.Grade(pr.TargetGrade),
			Recommendations: slices.Clone(pr.Recommendations),
		}
		for _, a := range pr.Actions {
			ma := &improvementplanv1.Action{
				Id:            a.ID,
				Title:         a.Title,
				OwnerRole:     a.OwnerRole,
				DueDate:       refproto.Date(a.DueDate),
				Status:        refproto.Enum[improvementplanv1.ActionStatus](statusPrefix, a.Status),
				EvidenceNotes: slices.Clone(a.EvidenceNotes),
			}
			switch {
			case a.Measure.Indicator != nil:
				i := a.Measure.Indicator
				ma.Measure = &improvementplanv1.Action_Indicator{Indicator: &improvementplanv1.IndicatorMeasure{
					Indicator: refproto.Indicator(i.Name), Baseline: i.Baseline, Target: i.Target,
				}}
			case a.Measure.Milestone != nil:
				s := a.Measure.Milestone
				ma.Measure = &improvementplanv1.Action_Milestone{Milestone: &improvementplanv1.MilestoneMeasure{
					Milestone: s.Milestone, EvidenceExpected: s.EvidenceExpected,
				}}
			}
			mp.Actions = append(mp.Actions, ma)
		}
		m.Priorities = append(m.Priorities, mp)
	}
	rs := make([]plan.ProgressRating, 0, len(ratings))
	for _, r := range ratings {
		rating := plan.ProgressRating(strings.TrimPrefix(r, ratingPrefix))
		if !rating.Valid() {
			continue
		}
		rs = append(rs, rating)
		m.RatingTrend = append(m.RatingTrend, RatingProto(rating))
	}
	m.Trend = string(plan.TrendOf(rs))
	return m
}

// checksToProto renders credibility results.
func checksToProto(checks []plan.Check) *improvementplanv1.CheckPlanResponse {
	resp := &improvementplanv1.CheckPlanResponse{Credible: plan.Credible(checks)}
	for _, c := range checks {
		resp.Checks = append(resp.Checks, &improvementplanv1.CredibilityCheck{
			Rule:        c.Rule,
			Description: c.Description,
			Passed:      c.Passed,
			Failures:    slices.Clone(c.Failures),
		})
	}
	return resp
}
