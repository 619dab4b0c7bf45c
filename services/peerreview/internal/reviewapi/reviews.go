// Package reviewapi is the gRPC face of peer reviews: RequestPeerReview,
// GetPeerReview, ListPeerReviews, SchedulePeerReview, ProposeReviewTeam,
// AcceptReviewTeam, StartOnSite, RecordFindings, CompleteReview and
// CancelPeerReview of PeerReviewService. It decodes and checks requests,
// calls the review rules and renders responses; each method's access
// policy is declared in Policies.
//
// Who may do what is the access matrix's PeerReview cells (package
// access): every method's policy is access.Rule, and every record is judged
// with access.ViewOf or access.Check before it is read or changed. Peer
// review is sector-led and its content (findings, team, report) is
// confidential to the council and the LGA. LGA advisers run every method
// for every council. A council officer reads its own council's reviews,
// findings included, and may request a review for its own council; any
// other council's reviews, and the list across councils, are
// PERMISSION_DENIED to it. DfE officials and Ofsted inspectors read every
// council's reviews in summary (access.Summarised): that a review took
// place, its kind, dates and state, with its reason, team, findings,
// conclusion, support offer, requester and cancel reason withheld (see
// summarise). Sponsor officers and partner systems may call none of these
// methods: what they learn from peer reviews comes through the anonymous
// theme summaries and the published lessons only.
//
// Team proposals ask the inspection service, over gRPC and acting for the
// caller, for the council's latest judgement and risk factors (its focus
// themes) and for the councils judged inadequate (whose staff are not
// asked to review); when it cannot be reached the method is UNAVAILABLE,
// never a proposal made on a partial picture.
package reviewapi

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewerapi"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/team"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Policies declares who may call each method of this package: the access
// matrix's PeerReview cells. Reading is the LGA's, the council's own
// officers' and, in summary, DfE's and Ofsted's; requesting the LGA's and
// the council's own; running a review the LGA's. Sponsor officers and
// partner systems appear in none: the boundary.
var Policies = access.Rules(access.PeerReview, access.Methods{
	peerreviewv1.PeerReviewService_RequestPeerReview_FullMethodName:  access.Request,
	peerreviewv1.PeerReviewService_GetPeerReview_FullMethodName:      access.Read,
	peerreviewv1.PeerReviewService_ListPeerReviews_FullMethodName:    access.Read,
	peerreviewv1.PeerReviewService_SchedulePeerReview_FullMethodName: access.Run,
	peerreviewv1.PeerReviewService_ProposeReviewTeam_FullMethodName:  access.Run,
	peerreviewv1.PeerReviewService_AcceptReviewTeam_FullMethodName:   access.Run,
	peerreviewv1.PeerReviewService_StartOnSite_FullMethodName:        access.Run,
	peerreviewv1.PeerReviewService_RecordFindings_FullMethodName:     access.Run,
	peerreviewv1.PeerReviewService_CompleteReview_FullMethodName:     access.Run,
	peerreviewv1.PeerReviewService_CancelPeerReview_FullMethodName:   access.Run,
})

// check is the matrix's object-level decision for the caller in ctx doing
// act to the reviews of council gss (the record, or the list, named name):
// nil only for a Full view.
func check(ctx context.Context, act access.Action, gss, name string) error {
	return rpc.Authorize(ctx, access.PeerReview, act, access.Object{Council: gss, Name: name})
}

// view is how much of the reviews of council gss (named name, for the
// error) the caller p may read: Full or Summarised, or the matrix's
// PERMISSION_DENIED. gss is "" for every council: a caller whose grants
// reach only its own council is refused the list across councils.
func view(p auth.Principal, gss, name string) (access.View, error) {
	obj := access.Object{Council: gss, Name: name}
	v := access.ViewOf(p, access.PeerReview, access.Read, obj)
	if v == access.Denied {
		return v, access.Check(p, access.PeerReview, access.Read, obj)
	}
	return v, nil
}

// Reviews implements the peer review methods of
// peerreviewv1.PeerReviewServiceServer. It deliberately embeds no
// Unimplemented server, so that the service's composite server can embed
// it beside the other handler types without ambiguous methods.
type Reviews struct {
	svc   *review.Service
	teams *review.Teams
	pages *paging.Codec
	// rendered keeps each review's response message per version and view,
	// for lists.
	rendered rpc.Rendered[reviewInView, *peerreviewv1.PeerReview]
}

// reviewInView names a review's message in one view.
type reviewInView struct {
	gss, id string
	view    access.View
}

// NewReviews returns the handlers over the review use cases svc and the
// team use cases teams, with page tokens from pages.
func NewReviews(svc *review.Service, teams *review.Teams, pages *paging.Codec) *Reviews {
	return &Reviews{svc: svc, teams: teams, pages: pages}
}

// RequestPeerReview implements PeerReviewService.RequestPeerReview: the LGA
// for any council, a council officer for its own. A council with a review
// under way gets FAILED_PRECONDITION (PEER_REVIEW_UNDER_WAY).
func (h *Reviews) RequestPeerReview(ctx context.Context, req *peerreviewv1.RequestPeerReviewRequest) (*peerreviewv1.PeerReview, error) {
	gss, parentErr := resource.ParseCouncil("parent", req.GetParent())
	if parentErr == nil {
		// Another council's officer is refused before the request is
		// judged, so its problems say nothing about the council.
		if err := check(ctx, access.Request, gss, req.GetParent()); err != nil {
			return nil, err
		}
	}
	var vs fault.Violations
	in := req.GetPeerReview()
	if in == nil {
		vs.Add("peer_review", "is required: its kind at least")
	}
	rpc.CheckRequestID(&vs, req.GetRequestId())
	kind := review.Kind(refproto.EnumName(in.GetKind(), kindPrefix))
	var ruleErr error
	if in != nil {
		ruleErr = review.CheckRequest(kind, in.GetReason())
	}
	if err := fault.Join(parentErr, vs.Err(), ruleErr); err != nil {
		return nil, err
	}
	if err := rpc.CouncilExists(gss, "parent", req.GetParent()); err != nil {
		return nil, err
	}
	return rpc.Do(ctx, peerreviewv1.PeerReviewService_RequestPeerReview_FullMethodName, req.GetRequestId(), req, func(r change.Request) (review.Review, error) {
		return h.svc.Request(ctx, gss, kind, in.GetReason(), r)
	}, toProto)
}

// GetPeerReview implements PeerReviewService.GetPeerReview. The caller's
// access to the council is checked before the review is read, so a
// council officer learns nothing of another council's reviews, not even
// whether one exists. A caller with a summary view (DfE, Ofsted) gets the
// review without its confidential content.
func (h *Reviews) GetPeerReview(ctx context.Context, req *peerreviewv1.GetPeerReviewRequest) (*peerreviewv1.PeerReview, error) {
	gss, id, err := resource.ParseCouncilChild("name", review.Collection, req.GetName())
	if err != nil {
		return nil, err
	}
	p, err := rpc.Caller(ctx)
	if err != nil {
		return nil, err
	}
	v, err := view(p, gss, req.GetName())
	if err != nil {
		return nil, err
	}
	rv, err := h.svc.Get(ctx, gss, id)
	if err != nil {
		return nil, rpc.NotFound(err, review.ErrNotFound, review.ReasonNotFound, req.GetName())
	}
	return render(rv, v), nil
}

// ListPeerReviews implements PeerReviewService.ListPeerReviews for one
// council or, with the parent localAuthorities/- (the LGA in full, DfE and
// Ofsted in summary; never a council officer), every council, newest
// first. Each review is rendered in the view the matrix gives the caller
// for its council. Page tokens are bound to the parent and the filter, and
// for a caller who does not see every review in full to the caller's
// council.
func (h *Reviews) ListPeerReviews(ctx context.Context, req *peerreviewv1.ListPeerReviewsRequest) (*peerreviewv1.ListPeerReviewsResponse, error) {
	gss, parentErr := resource.ParseCouncilOrAll("parent", req.GetParent())
	l, p, err := rpc.ReadListAs(ctx, req, review.FilterSchema, nil, parentErr)
	if err != nil {
		return nil, err
	}
	if err := rpc.ListParent(ctx, gss, req.GetParent(), func(_ context.Context, gss, name string) error {
		_, err := view(p, gss, name)
		return err
	}); err != nil {
		return nil, err
	}
	q := paging.Query{
		Method: peerreviewv1.PeerReviewService_ListPeerReviews_FullMethodName,
		Parent: req.GetParent(),
	}
	if access.ViewOf(p, access.PeerReview, access.Read, access.Object{}) != access.Full {
		// A caller who does not see every review in full gets a list of
		// its own, so a token must not cross callers.
		q.Params = map[string]string{"authority": p.Authority}
	}
	if err := l.Resume(h.pages, q); err != nil {
		return nil, err
	}
	all, err := h.svc.List(ctx, gss)
	if err != nil {
		return nil, err
	}
	views := make(map[string]access.View)
	viewOf := func(council string) access.View {
		v, ok := views[council]
		if !ok {
			v = access.ViewOf(p, access.PeerReview, access.Read, access.Object{Council: council})
			views[council] = v
		}
		return v
	}
	// The list keeps only what the caller may read, each review at the
	// caller's view of its council.
	all = slices.DeleteFunc(all, func(rv review.Review) bool { return viewOf(rv.GSSCode) == access.Denied })
	selected := review.Select(all, l.Filter)
	resp := &peerreviewv1.ListPeerReviewsResponse{}
	resp.PeerReviews, resp.NextPageToken, resp.TotalSize = rpc.ListPage(l, selected, func(rv review.Review) *peerreviewv1.PeerReview {
		v := viewOf(rv.GSSCode)
		return h.rendered.Get(reviewInView{rv.GSSCode, rv.ID, v}, rv.Version, func() *peerreviewv1.PeerReview { return render(rv, v) })
	})
	return resp, nil
}

// SchedulePeerReview implements PeerReviewService.SchedulePeerReview:
// requested → scheduled, with the days on site (end on or after start, at
// most review.MaxOnSiteDays days).
func (h *Reviews) SchedulePeerReview(ctx context.Context, req *peerreviewv1.SchedulePeerReviewRequest) (*peerreviewv1.PeerReview, error) {
	gss, id, nameErr := resource.ParseCouncilChild("name", review.Collection, req.GetName())
	etag, etagErr := rpc.ParseEtag("etag", req.GetEtag(), false)
	var vs fault.Violations
	start := date(&vs, "start_date", req.GetStartDate())
	end := date(&vs, "end_date", req.GetEndDate())
	rpc.CheckRequestID(&vs, req.GetRequestId())
	if err := fault.Join(nameErr, etagErr, fault.JoinFields(vs, review.CheckDates(start, end, h.svc.Now()))); err != nil {
		return nil, err
	}
	return h.act(ctx, req, req.GetName(), peerreviewv1.PeerReviewService_SchedulePeerReview_FullMethodName, req.GetRequestId(),
		func(r change.Request) (review.Review, error) {
			return h.svc.Schedule(ctx, gss, id, start, end, etag, r)
		})
}

// ProposeReviewTeam implements PeerReviewService.ProposeReviewTeam for a
// scheduled review: it reads the pool and the reviewers' commitments, asks
// the inspection service for the council's focus themes and the councils
// judged inadequate, and returns team.Propose's explained proposal with
// the pool_etag that AcceptReviewTeam checks. It changes nothing.
func (h *Reviews) ProposeReviewTeam(ctx context.Context, req *peerreviewv1.ProposeReviewTeamRequest) (*peerreviewv1.TeamProposal, error) {
	gss, id, err := resource.ParseCouncilChild("name", review.Collection, req.GetName())
	if err != nil {
		return nil, err
	}
	if err := check(ctx, access.Run, gss, req.GetName()); err != nil {
		return nil, err
	}
	rv, p, fingerprint, err := h.teams.Propose(ctx, gss, id, int(req.GetPractitioners()))
	if err != nil {
		return nil, rpc.NotFound(err, review.ErrNotFound, review.ReasonNotFound, req.GetName())
	}
	return proposalProto(rv.Name(), p, fingerprint), nil
}

// AcceptReviewTeam implements PeerReviewService.AcceptReviewTeam: it
// assigns the team to a scheduled review. The review's etag and the
// proposal's pool_etag are both required and must be current: a changed
// review is ABORTED (ETAG_MISMATCH), a changed pool or changed
// commitments ABORTED (POOL_CHANGED), so the adviser proposes again. The
// team is checked against the rules once more (review.CheckTeam), with the
// councils judged inadequate as the inspection service now reports them.
func (h *Reviews) AcceptReviewTeam(ctx context.Context, req *peerreviewv1.AcceptReviewTeamRequest) (*peerreviewv1.PeerReview, error) {
	gss, id, nameErr := resource.ParseCouncilChild("name", review.Collection, req.GetName())
	var vs fault.Violations
	etag, etagErr := rpc.ParseEtag("etag", req.GetEtag(), true)
	if req.GetPoolEtag() == "" {
		vs.Add("pool_etag", "is required: send the proposal's pool_etag, so that a team is never accepted from a pool that has changed")
	}
	members, teamVs := teamFrom(req.GetTeam())
	vs = append(vs, teamVs...)
	rpc.CheckRequestID(&vs, req.GetRequestId())
	shapeErr := review.CheckTeamShape(members)
	if err := fault.Join(nameErr, etagErr, fault.JoinFields(vs, shapeErr)); err != nil {
		return nil, err
	}
	if err := check(ctx, access.Run, gss, req.GetName()); err != nil {
		return nil, err
	}
	return rpc.Do(ctx, peerreviewv1.PeerReviewService_AcceptReviewTeam_FullMethodName, req.GetRequestId(), req, func(r change.Request) (review.Review, error) {
		out, err := h.teams.Accept(ctx, gss, id, members, etag, req.GetPoolEtag(), r)
		return out, rpc.NotFound(err, review.ErrNotFound, review.ReasonNotFound, req.GetName())
	}, toProto)
}

// StartOnSite implements PeerReviewService.StartOnSite: scheduled → on
// site, once a team is assigned.
func (h *Reviews) StartOnSite(ctx context.Context, req *peerreviewv1.StartOnSiteRequest) (*peerreviewv1.PeerReview, error) {
	gss, id, nameErr := resource.ParseCouncilChild("name", review.Collection, req.GetName())
	etag, etagErr := rpc.ParseEtag("etag", req.GetEtag(), false)
	if err := fault.Join(nameErr, etagErr, rpc.RequestIDError(req.GetRequestId())); err != nil {
		return nil, err
	}
	return h.act(ctx, req, req.GetName(), peerreviewv1.PeerReviewService_StartOnSite_FullMethodName, req.GetRequestId(),
		func(r change.Request) (review.Review, error) {
			return h.svc.StartOnSite(ctx, gss, id, etag, r)
		})
}

// RecordFindings implements PeerReviewService.RecordFindings: it replaces
// the findings of a review on site or reporting; the first recording moves
// it from on site to reporting.
func (h *Reviews) RecordFindings(ctx context.Context, req *peerreviewv1.RecordFindingsRequest) (*peerreviewv1.PeerReview, error) {
	gss, id, nameErr := resource.ParseCouncilChild("name", review.Collection, req.GetName())
	etag, etagErr := rpc.ParseEtag("etag", req.GetEtag(), false)
	var vs fault.Violations
	rpc.CheckRequestID(&vs, req.GetRequestId())
	findings := findingsFrom(req.GetFindings())
	if err := fault.Join(nameErr, etagErr, vs.Err(), review.ValidateFindings(findings)); err != nil {
		return nil, err
	}
	return h.act(ctx, req, req.GetName(), peerreviewv1.PeerReviewService_RecordFindings_FullMethodName, req.GetRequestId(),
		func(r change.Request) (review.Review, error) {
			return h.svc.RecordFindings(ctx, gss, id, findings, etag, r)
		})
}

// CompleteReview implements PeerReviewService.CompleteReview: reporting →
// completed with the conclusion. The review, PeerReviewCompleted (topic
// "peerreview") and the audit entry commit together; the support offer
// consumer makes the enhanced offer from the event.
func (h *Reviews) CompleteReview(ctx context.Context, req *peerreviewv1.CompleteReviewRequest) (*peerreviewv1.PeerReview, error) {
	gss, id, nameErr := resource.ParseCouncilChild("name", review.Collection, req.GetName())
	etag, etagErr := rpc.ParseEtag("etag", req.GetEtag(), false)
	var vs fault.Violations
	rpc.CheckRequestID(&vs, req.GetRequestId())
	risk := review.Risk(refproto.EnumName(req.GetRisk(), riskPrefix))
	if err := fault.Join(nameErr, etagErr, vs.Err(), review.CheckConclusion(risk, req.GetConclusion())); err != nil {
		return nil, err
	}
	return h.act(ctx, req, req.GetName(), peerreviewv1.PeerReviewService_CompleteReview_FullMethodName, req.GetRequestId(),
		func(r change.Request) (review.Review, error) {
			return h.svc.Complete(ctx, gss, id, risk, req.GetConclusion(), etag, r)
		})
}

// CancelPeerReview implements PeerReviewService.CancelPeerReview for a
// review neither completed nor cancelled; the reason is required.
func (h *Reviews) CancelPeerReview(ctx context.Context, req *peerreviewv1.CancelPeerReviewRequest) (*peerreviewv1.PeerReview, error) {
	gss, id, nameErr := resource.ParseCouncilChild("name", review.Collection, req.GetName())
	etag, etagErr := rpc.ParseEtag("etag", req.GetEtag(), false)
	var vs fault.Violations
	rpc.CheckRequestID(&vs, req.GetRequestId())
	if err := fault.Join(nameErr, etagErr, vs.Err(), review.CheckCancelReason(req.GetReason())); err != nil {
		return nil, err
	}
	return h.act(ctx, req, req.GetName(), peerreviewv1.PeerReviewService_CancelPeerReview_FullMethodName, req.GetRequestId(),
		func(r change.Request) (review.Review, error) {
			return h.svc.Cancel(ctx, gss, id, req.GetReason(), etag, r)
		})
}

// act runs one action on the review named name for the caller in ctx,
// who must be able to run the council's reviews.
func (h *Reviews) act(ctx context.Context, req proto.Message, name, method, requestID string, do func(change.Request) (review.Review, error)) (*peerreviewv1.PeerReview, error) {
	gss, _, err := resource.ParseCouncilChild("name", review.Collection, name)
	if err != nil {
		return nil, err
	}
	if err := check(ctx, access.Run, gss, name); err != nil {
		return nil, err
	}
	return rpc.Do(ctx, method, requestID, req, func(r change.Request) (review.Review, error) {
		out, err := do(r)
		return out, rpc.NotFound(err, review.ErrNotFound, review.ReasonNotFound, name)
	}, toProto)
}

// date reads an optional proto date, reporting an impossible one on field.
func date(vs *fault.Violations, field string, d *typev1.Date) time.Time {
	t, _, err := refproto.DateFrom(d)
	if err != nil {
		vs.Add(field, "%s", err.Error())
	}
	return t
}

// Enum name prefixes of the proto enums the API uses.
const (
	kindPrefix     = "REVIEW_KIND_"
	statePrefix    = "REVIEW_STATE_"
	findingPrefix  = "FINDING_KIND_"
	severityPrefix = "FINDING_SEVERITY_"
	riskPrefix     = "INADEQUACY_RISK_"
)

// toProto renders a review as the API returns it: its stored form with
// its etag.
func toProto(rv review.Review) *peerreviewv1.PeerReview {
	m := ToStored(rv)
	m.Etag = change.Format(rv.Version)
	return m
}

// render renders a review in view v: whole for a Full view, summarised
// for a Summarised one.
func render(rv review.Review, v access.View) *peerreviewv1.PeerReview {
	m := toProto(rv)
	if v != access.Full {
		summarise(m)
	}
	return m
}

// summarise clears, in place, what a caller with the access matrix's
// summary view of peer reviews (DfE officials, Ofsted inspectors) may not
// see: the review's content (why it was requested, its team, findings,
// conclusion and the support offer the conclusion led to), who requested
// it and why it was cancelled. What stays is that a review took place:
// its name, kind, state, dates on site, create and complete times and
// etag.
func summarise(m *peerreviewv1.PeerReview) {
	m.Reason = ""
	m.Team = nil
	m.Findings = nil
	m.ConclusionRisk = peerreviewv1.InadequacyRisk_INADEQUACY_RISK_UNSPECIFIED
	m.Conclusion = ""
	m.SupportOffer = ""
	m.RequestedBy = ""
	m.CancelReason = ""
}

// ToStored is the stored form of a review: the API message without its
// etag, which is the record's version.
func ToStored(rv review.Review) *peerreviewv1.PeerReview {
	m := &peerreviewv1.PeerReview{
		Name:           rv.Name(),
		Kind:           refproto.Enum[peerreviewv1.ReviewKind](kindPrefix, rv.Kind),
		State:          refproto.Enum[peerreviewv1.ReviewState](statePrefix, rv.State),
		Reason:         rv.Reason,
		StartDate:      refproto.Date(rv.StartDate),
		EndDate:        refproto.Date(rv.EndDate),
		ConclusionRisk: refproto.Enum[peerreviewv1.InadequacyRisk](riskPrefix, rv.ConclusionRisk),
		Conclusion:     rv.Conclusion,
		SupportOffer:   rv.SupportOffer,
		RequestedBy:    rv.RequestedBy,
		CancelReason:   rv.CancelReason,
		CreateTime:     timestamppb.New(rv.CreateTime),
	}
	if !rv.CompleteTime.IsZero() {
		m.CompleteTime = timestamppb.New(rv.CompleteTime)
	}
	for _, t := range rv.Team {
		m.Team = append(m.Team, &peerreviewv1.TeamMember{Reviewer: reviewer.Name(t.ReviewerID), Lead: t.Lead, Days: int32(t.Days)})
	}
	for _, f := range rv.Findings {
		m.Findings = append(m.Findings, &peerreviewv1.Finding{
			Theme:    reviewerapi.ThemeProto(f.Theme),
			Kind:     refproto.Enum[peerreviewv1.FindingKind](findingPrefix, f.Kind),
			Severity: refproto.Enum[peerreviewv1.FindingSeverity](severityPrefix, f.Severity),
			Evidence: f.Evidence,
		})
	}
	return m
}

// FromStored reads a stored review at version. Stored data was validated
// when written, so anything unexpected is corruption and an error.
func FromStored(m *peerreviewv1.PeerReview, version int64) (review.Review, error) {
	gss, id, err := resource.ParseCouncilChild("name", review.Collection, m.GetName())
	if err != nil {
		return review.Review{}, fmt.Errorf("decode peer review %q: %w", m.GetName(), err)
	}
	bad := func(format string, args ...any) (review.Review, error) {
		return review.Review{}, fmt.Errorf("decode peer review %s: %s", m.GetName(), fmt.Sprintf(format, args...))
	}
	rv := review.Review{
		GSSCode:        gss,
		ID:             id,
		Kind:           review.Kind(refproto.EnumName(m.GetKind(), kindPrefix)),
		State:          review.State(refproto.EnumName(m.GetState(), statePrefix)),
		Reason:         m.GetReason(),
		ConclusionRisk: review.Risk(refproto.EnumName(m.GetConclusionRisk(), riskPrefix)),
		Conclusion:     m.GetConclusion(),
		SupportOffer:   m.GetSupportOffer(),
		RequestedBy:    m.GetRequestedBy(),
		CancelReason:   m.GetCancelReason(),
		Version:        version,
		CreateTime:     m.GetCreateTime().AsTime(),
	}
	if m.GetCompleteTime() != nil {
		rv.CompleteTime = m.GetCompleteTime().AsTime()
	}
	if !rv.Kind.Valid() || !rv.State.Valid() {
		return bad("kind %s, state %s", m.GetKind(), m.GetState())
	}
	if rv.StartDate, _, err = refproto.DateFrom(m.GetStartDate()); err != nil {
		return bad("start date: %v", err)
	}
	if rv.EndDate, _, err = refproto.DateFrom(m.GetEndDate()); err != nil {
		return bad("end date: %v", err)
	}
	for _, t := range m.GetTeam() {
		rid, err := resource.ParseID("team.reviewer", reviewer.Collection, t.GetReviewer())
		if err != nil {
			return bad("team: %v", err)
		}
		rv.Team = append(rv.Team, review.Member{ReviewerID: rid, Lead: t.GetLead(), Days: int(t.GetDays())})
	}
	if len(m.GetFindings()) > 0 {
		rv.Findings = findingsFrom(m.GetFindings())
	}
	return rv, nil
}

// findingsFrom reads a request's findings; the rules judge them.
func findingsFrom(ms []*peerreviewv1.Finding) []review.Finding {
	out := make([]review.Finding, len(ms))
	for i, m := range ms {
		out[i] = review.Finding{
			Theme:    reviewerapi.ThemeFromProto(m.GetTheme()),
			Kind:     review.FindingKind(refproto.EnumName(m.GetKind(), findingPrefix)),
			Severity: review.Severity(refproto.EnumName(m.GetSeverity(), severityPrefix)),
			Evidence: m.GetEvidence(),
		}
	}
	return out
}

// teamFrom reads a request's team, reporting malformed reviewer names as
// violations on team[i].reviewer.
func teamFrom(ms []*peerreviewv1.TeamMember) ([]review.Member, fault.Violations) {
	var vs fault.Violations
	out := make([]review.Member, len(ms))
	for i, m := range ms {
		field := "team[" + strconv.Itoa(i) + "].reviewer"
		id, err := resource.ParseID(field, reviewer.Collection, m.GetReviewer())
		vs.Merge(err)
		out[i] = review.Member{ReviewerID: id, Lead: m.GetLead(), Days: int(m.GetDays())}
	}
	return out, vs
}

// proposalProto renders a team proposal for the review named name.
func proposalProto(name string, p team.Proposal, poolEtag string) *peerreviewv1.TeamProposal {
	out := &peerreviewv1.TeamProposal{PeerReview: name, PoolEtag: poolEtag}
	for _, pk := range p.Picks {
		m := &peerreviewv1.Pick{
			Reviewer:       reviewer.Name(pk.ReviewerID),
			Lead:           pk.Lead,
			Days:           int32(pk.Days),
			Reason:         pk.Reason,
			RunnerUpReason: pk.RunnerUpReason,
		}
		if pk.RunnerUpID != "" {
			m.RunnerUp = reviewer.Name(pk.RunnerUpID)
		}
		out.Picks = append(out.Picks, m)
	}
	for _, t := range p.Focus {
		out.Focus = append(out.Focus, reviewerapi.ThemeProto(t))
	}
	for _, e := range p.Exclusions {
		out.Exclusions = append(out.Exclusions, e.Text)
	}
	return out
}
