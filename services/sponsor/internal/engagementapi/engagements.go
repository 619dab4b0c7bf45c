// Package engagementapi is the gRPC face of sponsors' engagements:
// GetEngagement, ListEngagements, RecordDeployment, ListDeployments and
// GetCompensationStatement of SponsorService. It decodes and checks
// requests, calls the engagement rules and renders responses; each method's
// access policy is declared in Policies. Engagements are created only by an
// approved match run, by matchrun.Service.Approve.
//
// Who may do what:
//   - a sponsor officer reads their own sponsor's engagements, deployments
//     and compensation statements, and is the only one who records
//     deployments, on their own sponsor's engagements;
//   - a DfE official reads every engagement, deployment and statement, but
//     records no deployment: the sponsor says what it lent;
//   - a council officer reads the engagements supporting their own council
//     (which sponsor supports them), under any sponsor or `sponsors/-`,
//     and nothing else here: no deployments, no statements;
//   - Ofsted inspectors, LGA advisers and partner systems are denied.
//
// A council officer asking for an engagement that is not their council's
// is denied whether or not it exists, so names cannot be probed.
package engagementapi

import (
	"context"
	"errors"
	"slices"
	"time"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
)

// Policies declares who may call each method of this package. The
// object-level rules (whose sponsor, whose council) are checked in the
// handlers.
var Policies = auth.Policies{
	sponsorv1.SponsorService_GetEngagement_FullMethodName:   auth.Allow(auth.RoleDfEOfficial, auth.RoleSponsorOfficer, auth.RoleCouncilOfficer),
	sponsorv1.SponsorService_ListEngagements_FullMethodName: auth.Allow(auth.RoleDfEOfficial, auth.RoleSponsorOfficer, auth.RoleCouncilOfficer),
	// Deployments are the sponsor's own account of what it lent.
	sponsorv1.SponsorService_RecordDeployment_FullMethodName:         auth.Allow(auth.RoleSponsorOfficer),
	sponsorv1.SponsorService_ListDeployments_FullMethodName:          auth.Allow(auth.RoleDfEOfficial, auth.RoleSponsorOfficer),
	sponsorv1.SponsorService_GetCompensationStatement_FullMethodName: auth.Allow(auth.RoleDfEOfficial, auth.RoleSponsorOfficer),
}

// Engagements implements the engagement methods of
// sponsorv1.SponsorServiceServer. It deliberately embeds no Unimplemented
// server, so that the service's composite server can embed it beside the
// other handler types without ambiguous methods.
type Engagements struct {
	svc   *engagement.Service
	pages *paging.Codec
	now   func() time.Time
}

// New returns the handlers over the engagement use cases, reading page
// tokens from pages and the time deployment dates are checked against from
// now (nil means time.Now).
func New(svc *engagement.Service, pages *paging.Codec, now func() time.Time) *Engagements {
	if now == nil {
		now = time.Now
	}
	return &Engagements{svc: svc, pages: pages, now: now}
}

// GetEngagement implements SponsorService.GetEngagement.
func (h *Engagements) GetEngagement(ctx context.Context, req *sponsorv1.GetEngagementRequest) (*sponsorv1.Engagement, error) {
	sponsor, id, err := engagement.ParseName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	v, err := viewFrom(ctx)
	if err != nil {
		return nil, err
	}
	if v.sponsorWide(sponsor) {
		e, err := h.svc.Get(ctx, sponsor, id)
		if err != nil {
			return nil, rpc.NotFound(err, engagement.ErrNotFound, engagement.ReasonNotFound, req.GetName())
		}
		return encode(e), nil
	}
	if v.council == "" {
		return nil, denySponsor(sponsor)
	}
	e, err := h.svc.Get(ctx, sponsor, id)
	switch {
	case errors.Is(err, engagement.ErrNotFound) || (err == nil && e.Council != v.council):
		// The same answer whether it exists or not.
		return nil, fault.PermissionDenied(auth.ReasonCouncilNotAllowed,
			"the caller may see only engagements supporting council %s", v.council).With("authority", v.council)
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
	size, sizeErr := rpc.PageSize(req.GetPageSize())
	f, filterErr := filter.Compile(req.GetFilter(), engagement.FilterSchema)
	if err := fault.Join(parentErr, sizeErr, filterErr); err != nil {
		return nil, err
	}
	v, err := viewFrom(ctx)
	if err != nil {
		return nil, err
	}
	q := paging.Query{
		Method: sponsorv1.SponsorService_ListEngagements_FullMethodName,
		Parent: req.GetParent(),
		Filter: f.String(),
	}
	read := sponsor
	if !v.all {
		q.Params = map[string]string{"sponsor": v.sponsor, "authority": v.council}
		switch {
		case sponsor == engagement.AllSponsors && v.council == "":
			// A sponsor officer's view of every sponsor is their own.
			read = v.sponsor
		case sponsor != engagement.AllSponsors && !v.sponsorWide(sponsor) && v.council == "":
			return nil, denySponsor(sponsor)
		}
	}
	offset, err := h.pages.DecodeOffset(req.GetPageToken(), q)
	if err != nil {
		return nil, err
	}
	all, err := h.svc.List(ctx, read)
	if err != nil {
		return nil, err
	}
	visible := all[:0]
	for _, e := range all {
		if v.sees(e) {
			visible = append(visible, e)
		}
	}
	selected := engagement.Select(visible, f)
	page, next := rpc.Page(h.pages, q, selected, offset, size)
	resp := &sponsorv1.ListEngagementsResponse{
		Engagements:   make([]*sponsorv1.Engagement, 0, len(page)),
		NextPageToken: next,
		TotalSize:     int32(len(selected)),
	}
	for _, e := range page {
		resp.Engagements = append(resp.Engagements, encode(e))
	}
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
	now := h.now()
	var vs fault.Violations
	var draft engagement.Draft
	if req.GetDeployment() == nil {
		vs.Add("deployment", "is required: the date, the role and the staff-days deployed")
	} else {
		draft, vs = draftFromProto(req.GetDeployment(), "deployment.")
		for _, v := range draft.Validate("deployment.", now) {
			// A date that is no calendar date is reported once, as such,
			// not again as missing.
			if !slices.ContainsFunc(vs, func(w fault.Violation) bool { return w.Field == v.Field }) {
				vs = append(vs, v)
			}
		}
	}
	rpc.CheckRequestID(&vs, req.GetRequestId())
	if err := fault.Join(parentErr, vs.Err()); err != nil {
		return nil, err
	}
	p, err := rpc.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if !p.HasRole(auth.RoleSponsorOfficer) || p.Sponsor != sponsor {
		return nil, denySponsor(sponsor)
	}
	r, err := rpc.NewRequest(ctx, method, req.GetRequestId(), req)
	if err != nil {
		return nil, err
	}
	dep, err := h.svc.RecordDeployment(ctx, sponsor, engID, draft, r)
	if err != nil {
		return nil, rpc.NotFound(err, engagement.ErrNotFound, engagement.ReasonNotFound, req.GetParent())
	}
	return encodeDeployment(dep), nil
}

// ListDeployments implements SponsorService.ListDeployments: an
// engagement's deployments, oldest first.
func (h *Engagements) ListDeployments(ctx context.Context, req *sponsorv1.ListDeploymentsRequest) (*sponsorv1.ListDeploymentsResponse, error) {
	sponsor, engID, parentErr := engagement.ParseName("parent", req.GetParent())
	size, sizeErr := rpc.PageSize(req.GetPageSize())
	if err := fault.Join(parentErr, sizeErr); err != nil {
		return nil, err
	}
	v, err := viewFrom(ctx)
	if err != nil {
		return nil, err
	}
	if !v.sponsorWide(sponsor) {
		return nil, denySponsor(sponsor)
	}
	q := paging.Query{Method: sponsorv1.SponsorService_ListDeployments_FullMethodName, Parent: req.GetParent()}
	offset, err := h.pages.DecodeOffset(req.GetPageToken(), q)
	if err != nil {
		return nil, err
	}
	deps, err := h.svc.Deployments(ctx, sponsor, engID)
	if err != nil {
		return nil, rpc.NotFound(err, engagement.ErrNotFound, engagement.ReasonNotFound, req.GetParent())
	}
	page, next := rpc.Page(h.pages, q, deps, offset, size)
	resp := &sponsorv1.ListDeploymentsResponse{
		Deployments:   make([]*sponsorv1.Deployment, 0, len(page)),
		NextPageToken: next,
		TotalSize:     int32(len(deps)),
	}
	for _, d := range page {
		resp.Deployments = append(resp.Deployments, encodeDeployment(d))
	}
	return resp, nil
}

// GetCompensationStatement implements
// SponsorService.GetCompensationStatement: the staff-days a sponsor
// deployed in a period (at most a year, both dates inclusive) times its day
// rate, per council and in total, in whole pence (see engagement.Amount for
// the rounding of half a penny).
func (h *Engagements) GetCompensationStatement(ctx context.Context, req *sponsorv1.GetCompensationStatementRequest) (*sponsorv1.CompensationStatement, error) {
	sponsor, sponsorErr := engagement.ParseSponsor("sponsor", req.GetSponsor(), false)
	period, vs := periodFromProto(req.GetPeriod(), "period")
	if err := fault.Join(sponsorErr, vs.Err()); err != nil {
		return nil, err
	}
	v, err := viewFrom(ctx)
	if err != nil {
		return nil, err
	}
	if !v.sponsorWide(sponsor) {
		return nil, denySponsor(sponsor)
	}
	st, err := h.svc.Statement(ctx, sponsor, period)
	if err != nil {
		return nil, err
	}
	return statementProto(st), nil
}

// view is what a caller may see here: everything (DfE), one sponsor's
// records (a sponsor officer's own), and the engagements supporting one
// council (a council officer's own). A caller holding several roles sees
// the union.
type view struct {
	all     bool
	sponsor string
	council string
}

func viewFrom(ctx context.Context) (view, error) {
	p, err := rpc.Caller(ctx)
	if err != nil {
		return view{}, err
	}
	v := view{all: p.HasRole(auth.RoleDfEOfficial)}
	if p.HasRole(auth.RoleSponsorOfficer) {
		v.sponsor = p.Sponsor
	}
	if p.HasRole(auth.RoleCouncilOfficer) {
		v.council = p.Authority
	}
	return v, nil
}

// sponsorWide reports whether the view holds all of sponsor's records.
func (v view) sponsorWide(sponsor string) bool {
	return v.all || (v.sponsor != "" && v.sponsor == sponsor)
}

// sees reports whether the view holds e.
func (v view) sees(e engagement.Engagement) bool {
	return v.sponsorWide(e.Sponsor) || (v.council != "" && v.council == e.Council)
}

func denySponsor(sponsor string) error {
	return fault.PermissionDenied(auth.ReasonSponsorNotAllowed,
		"the caller may not access %s", engagement.SponsorName(sponsor)).With("sponsor", engagement.SponsorName(sponsor))
}
