// Package engagementapi is the gRPC face of sponsors' engagements:
// GetEngagement, ListEngagements, RecordDeployment, ListDeployments and
// GetCompensationStatement of SponsorService. It decodes and checks
// requests, calls the engagement rules and renders responses; each method's
// access policy is declared in Policies. Engagements are created only by an
// approved match run, through engagementstore.
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
	"fmt"
	"slices"
	"time"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagementstore"
)

// Page sizes of engagement and deployment lists.
const (
	defaultPageSize = 50
	maxPageSize     = 200
)

// maxRequestIDLen bounds request_id; a UUID (AIP-155's suggestion) is 36.
const maxRequestIDLen = 128

// maxAttempts bounds the commits RecordDeployment tries when another
// deployment to the same engagement commits between its read and its
// write.
const maxAttempts = 5

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

// DayRates gives a sponsor's day rate for compensation, in pence. The
// sponsor store satisfies it; an unknown sponsor is its NOT_FOUND fault.
type DayRates interface {
	DayRate(ctx context.Context, sponsorID string) (int64, error)
}

// Engagements implements the engagement methods of
// sponsorv1.SponsorServiceServer. It deliberately embeds no Unimplemented
// server, so that the service's composite server can embed it beside the
// other handler types without ambiguous methods.
type Engagements struct {
	engs  *engagementstore.Engagements
	rates DayRates
	pages *paging.Codec
	now   func() time.Time
}

// New returns the handlers over the engagement store, reading day rates
// from rates, page tokens from pages and the time from now (nil means
// time.Now).
func New(engs *engagementstore.Engagements, rates DayRates, pages *paging.Codec, now func() time.Time) *Engagements {
	if now == nil {
		now = time.Now
	}
	return &Engagements{engs: engs, rates: rates, pages: pages, now: now}
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
		e, err := h.engs.Get(ctx, sponsor, id)
		if err != nil {
			return nil, named(err, req.GetName())
		}
		return engagementstore.Encode(e), nil
	}
	if v.council == "" {
		return nil, denySponsor(sponsor)
	}
	e, err := h.engs.Get(ctx, sponsor, id)
	switch {
	case errors.Is(err, engagement.ErrNotFound) || (err == nil && e.Council != v.council):
		// The same answer whether it exists or not.
		return nil, fault.PermissionDenied(auth.ReasonCouncilNotAllowed,
			"the caller may see only engagements supporting council %s", v.council).With("authority", v.council)
	case err != nil:
		return nil, err
	}
	return engagementstore.Encode(e), nil
}

// ListEngagements implements SponsorService.ListEngagements for one
// sponsor or, with the parent sponsors/-, every sponsor, newest first. What
// a caller sees is narrowed to what they may see: a sponsor officer their
// own sponsor's, a council officer those supporting their council. Page
// tokens are bound to the parent, the filter and that narrowing.
func (h *Engagements) ListEngagements(ctx context.Context, req *sponsorv1.ListEngagementsRequest) (*sponsorv1.ListEngagementsResponse, error) {
	sponsor, parentErr := engagement.ParseSponsor("parent", req.GetParent(), true)
	size, sizeErr := paging.PageSize(req.GetPageSize(), defaultPageSize, maxPageSize)
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
	all, err := h.engs.List(ctx, read)
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
	total := int64(len(selected))
	start := min(offset, total)
	end := min(start+int64(size), total)
	resp := &sponsorv1.ListEngagementsResponse{
		Engagements:   make([]*sponsorv1.Engagement, 0, end-start),
		NextPageToken: h.pages.NextOffset(q, start, size, total),
		TotalSize:     int32(total),
	}
	for _, e := range selected[start:end] {
		resp.Engagements = append(resp.Engagements, engagementstore.Encode(e))
	}
	return resp, nil
}

// RecordDeployment implements SponsorService.RecordDeployment: a sponsor
// officer records staff-days their sponsor deployed to one of its ACTIVE
// engagements, and the engagement's deployed total grows in the same
// transaction. A repeat of a request_id replays the first response; a
// deployment committed to the same engagement meanwhile is not a conflict
// for the caller: the handler reads the engagement again and retries.
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
	checkRequestID(&vs, req.GetRequestId())
	if err := fault.Join(parentErr, vs.Err()); err != nil {
		return nil, err
	}
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.HasRole(auth.RoleSponsorOfficer) || p.Sponsor != sponsor {
		return nil, denySponsor(sponsor)
	}
	scope := store.IdempotencyScope(method, p.Subject)
	var prev sponsorv1.Deployment
	if ok, err := h.engs.Replay(ctx, sponsor, scope, req.GetRequestId(), req, &prev); err != nil || ok {
		return &prev, err
	}
	audit := auditOf(p, method, req.GetRequestId())
	id := engagement.NewID()
	for range maxAttempts {
		cur, err := h.engs.Get(ctx, sponsor, engID)
		if err != nil {
			return nil, named(err, req.GetParent())
		}
		next, dep, err := cur.Deploy(draft, "deployment.", id, p.Subject, now)
		if err != nil {
			return nil, err
		}
		resp := engagementstore.EncodeDeployment(dep)
		idem, err := store.NewIdempotency(scope, req.GetRequestId(), req, resp)
		if err != nil {
			return nil, err
		}
		_, err = h.engs.AddDeployment(ctx, next, dep, audit, idem)
		if err == nil {
			return resp, nil
		}
		if !errors.Is(err, store.ErrConflict) || ctx.Err() != nil {
			return nil, err
		}
		// A concurrent retry of this request won, whose answer is now to
		// be replayed, or another deployment moved the engagement on.
		if ok, err := h.engs.Replay(ctx, sponsor, scope, req.GetRequestId(), req, &prev); err != nil || ok {
			return &prev, err
		}
	}
	return nil, fmt.Errorf("engagementapi: record a deployment to %s: still contended after %d attempts: %w",
		req.GetParent(), maxAttempts, engagement.ErrConflict)
}

// ListDeployments implements SponsorService.ListDeployments: an
// engagement's deployments, oldest first.
func (h *Engagements) ListDeployments(ctx context.Context, req *sponsorv1.ListDeploymentsRequest) (*sponsorv1.ListDeploymentsResponse, error) {
	sponsor, engID, parentErr := engagement.ParseName("parent", req.GetParent())
	size, sizeErr := paging.PageSize(req.GetPageSize(), defaultPageSize, maxPageSize)
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
	if _, err := h.engs.Get(ctx, sponsor, engID); err != nil {
		return nil, named(err, req.GetParent())
	}
	deps, err := h.engs.Deployments(ctx, sponsor, engID)
	if err != nil {
		return nil, err
	}
	total := int64(len(deps))
	start := min(offset, total)
	end := min(start+int64(size), total)
	resp := &sponsorv1.ListDeploymentsResponse{
		Deployments:   make([]*sponsorv1.Deployment, 0, end-start),
		NextPageToken: h.pages.NextOffset(q, start, size, total),
		TotalSize:     int32(total),
	}
	for _, d := range deps[start:end] {
		resp.Deployments = append(resp.Deployments, engagementstore.EncodeDeployment(d))
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
	rate, err := h.rates.DayRate(ctx, sponsor)
	if err != nil {
		return nil, fmt.Errorf("day rate of %s: %w", req.GetSponsor(), err)
	}
	deps, engs, err := h.engs.DeploymentsIn(ctx, sponsor, period)
	if err != nil {
		return nil, err
	}
	st, err := engagement.Compensate(sponsor, period, rate, engs, deps)
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
	p, err := principal(ctx)
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

func principal(ctx context.Context) (auth.Principal, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		// Served without the interceptor, which must never grant access.
		return auth.Principal{}, fault.Unauthenticated(auth.ReasonTokenMissing, "the request is not authenticated")
	}
	return p, nil
}

// auditOf is the audit entry template of a change p makes through method.
func auditOf(p auth.Principal, method, requestID string) store.AuditEntry {
	roles := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		roles[i] = string(r)
	}
	return store.AuditEntry{Actor: p.Subject, Roles: roles, Method: method, RequestID: requestID}
}

func checkRequestID(vs *fault.Violations, id string) {
	if len(id) > maxRequestIDLen {
		vs.Add("request_id", "is %d bytes long; the limit is %d (a UUID is suggested)", len(id), maxRequestIDLen)
	}
}

// named gives a missing engagement's NOT_FOUND the resource's name.
func named(err error, name string) error {
	if errors.Is(err, engagement.ErrNotFound) {
		return fault.NotFound(engagement.ReasonNotFound, "%s does not exist", name).With("name", name)
	}
	return err
}
