// Package engagementapi is the gRPC face of sponsors' engagements:
// GetEngagement, ListEngagements, RecordDeployment, ListDeployments and
// GetCompensationStatement of SponsorService. It decodes and checks
// requests, calls the engagement rules and renders responses; each method's
// access policy is declared in Policies. Engagements are created only by an
// approved match run, by matchrun.Service.Approve.
//
// Who may do what is the access matrix's (package access: the Engagement,
// Deployment and CompensationStatement rows):
//   - a sponsor officer reads their own sponsor's engagements, deployments
//     and compensation statements, and is the only one who records
//     deployments, on their own sponsor's engagements;
//   - a DfE official reads every engagement, deployment and statement, but
//     records no deployment: the sponsor says what it lent;
//   - an LGA adviser reads every engagement (the LGA sees which sponsor
//     supports a council), but no deployments or statements;
//   - a council officer reads the engagements supporting their own council
//     (which sponsor supports them), under `sponsors/-` or under a sponsor
//     that supports it, and nothing else here: no deployments, no
//     statements;
//   - Ofsted inspectors and partner systems are denied.
//
// A caller asking for an engagement they may not read is denied whether
// or not it exists, and listing a sponsor none of whose engagements they
// may read is denied, so names cannot be probed.
package engagementapi

import (
	"context"
	"errors"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
)

// Policies declares who may call each method of this package, from the
// access matrix. The object-level rules (whose sponsor, whose council) are
// checked in the handlers with access.Check and access.ViewOf.
var Policies = access.Rules(access.Engagement, access.Methods{
	sponsorv1.SponsorService_GetEngagement_FullMethodName:   access.Read,
	sponsorv1.SponsorService_ListEngagements_FullMethodName: access.Read,
}).With(access.Rules(access.Deployment, access.Methods{
	// Deployments are the sponsor's own account of what it lent.
	sponsorv1.SponsorService_RecordDeployment_FullMethodName: access.Record,
	sponsorv1.SponsorService_ListDeployments_FullMethodName:  access.Read,
})).With(access.Rules(access.CompensationStatement, access.Methods{
	sponsorv1.SponsorService_GetCompensationStatement_FullMethodName: access.Read,
}))

// Engagements implements the engagement methods of
// sponsorv1.SponsorServiceServer. It deliberately embeds no Unimplemented
// server, so that the service's composite server can embed it beside the
// other handler types without ambiguous methods.
type Engagements struct {
	rpc.Handlers[engagement.Service]
	now func() time.Time
}

// New returns the handlers over the engagement use cases, reading page
// tokens from pages and the time deployment dates are checked against from
// now (nil means time.Now).
func New(svc *engagement.Service, pages *paging.Codec, now func() time.Time) *Engagements {
	if now == nil {
		now = time.Now
	}
	return &Engagements{Handlers: rpc.Over(svc, pages), now: now}
}

// GetEngagement implements SponsorService.GetEngagement.
func (h *Engagements) GetEngagement(ctx context.Context, req *sponsorv1.GetEngagementRequest) (*sponsorv1.Engagement, error) {
	sponsor, id, err := engagement.ParseName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	p, err := rpc.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if sponsorWide(p, access.Engagement, access.Read, sponsor) {
		e, err := h.Svc.Get(ctx, sponsor, id)
		if err != nil {
			return nil, rpc.NotFound(err, engagement.ErrNotFound, engagement.ReasonNotFound, req.GetName())
		}
		return encode(e), nil
	}
	// A caller who reads some of the sponsor's engagements (a council
	// officer, those supporting their council) gets the same answer
	// whether a name they may not read exists or not.
	denied := access.Check(p, access.Engagement, access.Read, access.Object{Sponsor: sponsor, Name: req.GetName()})
	e, err := h.Svc.Get(ctx, sponsor, id)
	switch {
	case errors.Is(err, engagement.ErrNotFound) || (err == nil && !sees(p, e)):
		return nil, denied
	case err != nil:
		return nil, err
	}
	return encode(e), nil
}

// ListEngagements implements SponsorService.ListEngagements for one
// sponsor or, with the parent sponsors/-, every sponsor, newest first. What
// a caller sees is narrowed to what they may see: a sponsor officer their
// own sponsor's, a council officer those supporting their council. Page
// tokens are bound to the parent, the filter and that narrowing.
func (h *Engagements) ListEngagements(ctx context.Context, req *sponsorv1.ListEngagementsRequest) (*sponsorv1.ListEngagementsResponse, error) {
	sponsor, parentErr := engagement.ParseSponsor("parent", req.GetParent(), true)
	l, p, err := rpc.ReadListAs(ctx, req, engagement.FilterSchema, nil, parentErr)
	if err != nil {
		return nil, err
	}
	q := paging.Query{
		Method: sponsorv1.SponsorService_ListEngagements_FullMethodName,
		Parent: req.GetParent(),
	}
	read := sponsor
	if access.ViewOf(p, access.Engagement, access.Read, access.Object{}) != access.Full {
		// A caller who sees some engagements only gets a list of their
		// own, so a token must not cross callers.
		q.Params = map[string]string{"sponsor": p.Sponsor, "authority": p.Authority}
		if sponsor == engagement.AllSponsors && !councilWide(p) && sponsorWide(p, access.Engagement, access.Read, p.Sponsor) {
			// A sponsor officer's view of every sponsor is their own.
			read = p.Sponsor
		}
	}
	if err := l.Resume(h.Pages, q); err != nil {
		return nil, err
	}
	all, err := h.Svc.List(ctx, read)
	if err != nil {
		return nil, err
	}
	visible := all[:0]
	for _, e := range all {
		if sees(p, e) {
			visible = append(visible, e)
		}
	}
	if sponsor != engagement.AllSponsors && len(visible) == 0 && !sponsorWide(p, access.Engagement, access.Read, sponsor) {
		// A sponsor none of whose engagements the caller may read (another
		// sponsor, or one not supporting the officer's council) is refused,
		// not shown as empty.
		return nil, access.Check(p, access.Engagement, access.Read,
			access.Object{Sponsor: sponsor, Name: req.GetParent()})
	}
	selected := engagement.Select(visible, l.Filter)
	resp := &sponsorv1.ListEngagementsResponse{}
	resp.Engagements, resp.NextPageToken, resp.TotalSize = rpc.ListPage(l, selected, encode)
	return resp, nil
}

// RecordDeployment implements SponsorService.RecordDeployment: a sponsor
// officer records staff-days their sponsor deployed to one of its ACTIVE
// engagements, and the engagement's deployed total grows in the same
// transaction. A repeat of a request_id replays the first response; a
// deployment committed to the same engagement meanwhile is not a conflict
// for the caller (see engagement.Service.RecordDeployment).
func (h *Engagements) RecordDeployment(ctx context.Context, req *sponsorv1.RecordDeploymentRequest) (*sponsorv1.Deployment, error) {
	const method = sponsorv1.SponsorService_RecordDeployment_FullMethodName
	sponsor, engID, parentErr := engagement.ParseName("parent", req.GetParent())
	if parentErr == nil {
		// Who may log deployments on this engagement is decided before the
		// deployment is read: another sponsor learns nothing from its
		// errors.
		if err := rpc.Authorize(ctx, access.Deployment, access.Record, access.Object{Sponsor: sponsor, Name: req.GetParent()}); err != nil {
			return nil, err
		}
	}
	now := h.now()
	draft, r, err := rpc.Create[*sponsorv1.Deployment, engagement.Draft]{
		Method: method,
		Field:  "deployment",
		Needs:  "the date, the role and the staff-days deployed",
		Decode: draftFromProto,
		// A date that is no calendar date is reported once, as such, not
		// again as missing.
		Rules:  func(d engagement.Draft) error { return d.Validate("deployment.", now).Err() },
		Strict: true,
	}.Read(ctx, req, req.GetDeployment(), parentErr)
	if err != nil {
		return nil, err
	}
	dep, err := h.Svc.RecordDeployment(ctx, sponsor, engID, draft, r)
	if err != nil {
		return nil, rpc.NotFound(err, engagement.ErrNotFound, engagement.ReasonNotFound, req.GetParent())
	}
	return encodeDeployment(dep), nil
}

// ListDeployments implements SponsorService.ListDeployments: an
// engagement's deployments, oldest first.
func (h *Engagements) ListDeployments(ctx context.Context, req *sponsorv1.ListDeploymentsRequest) (*sponsorv1.ListDeploymentsResponse, error) {
	sponsor, engID, parentErr := engagement.ParseName("parent", req.GetParent())
	l, p, err := rpc.ReadListAs(ctx, req, nil, nil, parentErr)
	if err != nil {
		return nil, err
	}
	if err := access.Check(p, access.Deployment, access.Read, access.Object{Sponsor: sponsor, Name: req.GetParent()}); err != nil {
		return nil, err
	}
	q := paging.Query{Method: sponsorv1.SponsorService_ListDeployments_FullMethodName, Parent: req.GetParent()}
	if err := l.Resume(h.Pages, q); err != nil {
		return nil, err
	}
	deps, err := h.Svc.Deployments(ctx, sponsor, engID)
	if err != nil {
		return nil, rpc.NotFound(err, engagement.ErrNotFound, engagement.ReasonNotFound, req.GetParent())
	}
	resp := &sponsorv1.ListDeploymentsResponse{}
	resp.Deployments, resp.NextPageToken, resp.TotalSize = rpc.ListPage(l, deps, encodeDeployment)
	return resp, nil
}

// GetCompensationStatement implements
// SponsorService.GetCompensationStatement: the staff-days a sponsor
// deployed in a period (at most a year, both dates inclusive) times its day
// rate, per council and in total, in whole pence (see engagement.Amount for
// the rounding of half a penny).
func (h *Engagements) GetCompensationStatement(ctx context.Context, req *sponsorv1.GetCompensationStatementRequest) (*sponsorv1.CompensationStatement, error) {
	sponsor, sponsorErr := engagement.ParseSponsor("sponsor", req.GetSponsor(), false)
	if sponsorErr == nil {
		// Another sponsor's statement is refused before the period is
		// looked at: the caller learns nothing of it.
		if err := rpc.Authorize(ctx, access.CompensationStatement, access.Read,
			access.Object{Sponsor: sponsor, Name: engagement.SponsorName(sponsor)}); err != nil {
			return nil, err
		}
	}
	period, vs := periodFromProto(req.GetPeriod(), "period")
	if err := fault.Join(sponsorErr, vs.Err()); err != nil {
		return nil, err
	}
	st, err := h.Svc.Statement(ctx, sponsor, period)
	if err != nil {
		return nil, err
	}
	return statementProto(st), nil
}

// sponsorWide reports whether p may act on every record of sponsor (DfE
// and the LGA on every sponsor's, a sponsor officer on their own).
func sponsorWide(p auth.Principal, res access.Resource, act access.Action, sponsor string) bool {
	return sponsor != "" && access.ViewOf(p, res, act, access.Object{Sponsor: sponsor}) == access.Full
}

// councilWide reports whether p reads the engagements of their own council
// (a council officer).
func councilWide(p auth.Principal) bool {
	return p.Authority != "" && access.ViewOf(p, access.Engagement, access.Read, access.Object{Council: p.Authority}) == access.Full
}

// sees reports whether p may read e.
func sees(p auth.Principal, e engagement.Engagement) bool {
	return access.ViewOf(p, access.Engagement, access.Read, access.Object{Council: e.Council, Sponsor: e.Sponsor}) == access.Full
}

// draftFromProto reads the client-settable fields of a Deployment message:
// date, role, staff_days and notes. Output-only fields (name, recorded_by,
// create_time) are ignored (AIP-203). A date that is no calendar date is a
// violation under prefix; the rest is left for Draft.Validate.
func draftFromProto(m *sponsorv1.Deployment, prefix string) (engagement.Draft, fault.Violations) {
	var vs fault.Violations
	date, _, err := refproto.DateFrom(m.GetDate())
	if err != nil {
		vs.Add(prefix+"date", "%v", err)
	}
	return engagement.Draft{
		Date:      date,
		Role:      engagement.Role(refproto.EnumName(m.GetRole(), rolePrefix)),
		StaffDays: m.GetStaffDays(),
		Notes:     m.GetNotes(),
	}, vs
}

// periodFromProto reads a statement's period, reporting every problem on
// field and its start and end.
func periodFromProto(r *typev1.DateRange, field string) (engagement.Period, fault.Violations) {
	var vs fault.Violations
	if r == nil {
		vs.Add(field, "is required: the first and last days of the statement, at most a year apart")
		return engagement.Period{}, vs
	}
	start, _, startErr := refproto.DateFrom(r.GetStart())
	if startErr != nil {
		vs.Add(field+".start", "%v", startErr)
	}
	end, _, endErr := refproto.DateFrom(r.GetEnd())
	if endErr != nil {
		vs.Add(field+".end", "%v", endErr)
	}
	p := engagement.Period{Start: start, End: end}
	if startErr == nil && endErr == nil {
		vs = append(vs, p.Validate(field+".")...)
	}
	return p, vs
}

// statementProto renders a compensation statement.
func statementProto(s engagement.Statement) *sponsorv1.CompensationStatement {
	m := &sponsorv1.CompensationStatement{
		Sponsor:        engagement.SponsorName(s.Sponsor),
		Period:         &typev1.DateRange{Start: refproto.Date(s.Period.Start), End: refproto.Date(s.Period.End)},
		DayRatePence:   s.DayRatePence,
		TotalStaffDays: s.TotalDays.StaffDays(),
		TotalPence:     s.TotalPence,
	}
	for _, c := range s.Councils {
		m.Councils = append(m.Councils, &sponsorv1.CouncilCompensation{
			LocalAuthority: engagement.CouncilName(c.Council),
			StaffDays:      c.Days.StaffDays(),
			AmountPence:    c.AmountPence,
		})
	}
	return m
}

// Enum name prefixes of the proto enums engagements use.
const (
	statePrefix = "ENGAGEMENT_STATE_"
	rolePrefix  = "STAFF_ROLE_"
)

// encode renders e as the API message, with its etag.
func encode(e engagement.Engagement) *sponsorv1.Engagement {
	return &sponsorv1.Engagement{
		Name:              e.Name(),
		LocalAuthority:    e.CouncilName(),
		Need:              e.Need,
		MatchRun:          e.MatchRun,
		StartDate:         refproto.Date(e.StartDate),
		PlannedStaffDays:  int32(e.PlannedStaffDays),
		DeployedStaffDays: e.Deployed.StaffDays(),
		State:             refproto.Enum[sponsorv1.EngagementState](statePrefix, e.State),
		Etag:              change.Format(e.Version),
		CreateTime:        timestamppb.New(e.CreateTime),
	}
}

// encodeDeployment renders d as the API message.
func encodeDeployment(d engagement.Deployment) *sponsorv1.Deployment {
	return &sponsorv1.Deployment{
		Name:       d.Name(),
		Date:       refproto.Date(d.Date),
		Role:       refproto.Enum[sponsorv1.StaffRole](rolePrefix, d.Role),
		StaffDays:  d.HalfDays.StaffDays(),
		Notes:      d.Notes,
		RecordedBy: d.RecordedBy,
		CreateTime: timestamppb.New(d.CreateTime),
	}
}
