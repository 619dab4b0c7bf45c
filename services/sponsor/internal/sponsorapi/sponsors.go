// Package sponsorapi is the gRPC face of the sponsors: CreateSponsor,
// GetSponsor, ListSponsors and UpdateSponsor of SponsorService. It decodes
// and checks requests, calls the sponsor rules in package sponsor and
// renders responses; each method's access policy is declared in Policies.
//
// Who may do what: DfE officials manage the sponsors and read them all. A
// sponsor officer reads their own sponsor, named by the sponsor claim of
// their token, and nothing else: another sponsor is PERMISSION_DENIED, and
// their view of the list is their own sponsor. Every other role (Ofsted
// inspectors, LGA advisers, council officers, partner systems) is refused.
// A caller holding a role beside sponsor_officer gains nothing from it
// here unless it is dfe_official.
package sponsorapi

import (
	"context"
	"errors"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsorstore"
)

// Page sizes of sponsor lists.
const (
	defaultPageSize = 50
	maxPageSize     = 200
)

// maxRequestIDLen bounds request_id; a UUID (AIP-155's suggestion) is 36.
const maxRequestIDLen = 128

// Policies declares who may call each method of this package (see the
// package comment); GetSponsor and ListSponsors narrow a sponsor officer to
// their own sponsor in the handler.
var Policies = auth.Policies{
	sponsorv1.SponsorService_CreateSponsor_FullMethodName: auth.Allow(auth.RoleDfEOfficial),
	sponsorv1.SponsorService_UpdateSponsor_FullMethodName: auth.Allow(auth.RoleDfEOfficial),
	sponsorv1.SponsorService_GetSponsor_FullMethodName:    auth.Allow(auth.RoleDfEOfficial, auth.RoleSponsorOfficer),
	sponsorv1.SponsorService_ListSponsors_FullMethodName:  auth.Allow(auth.RoleDfEOfficial, auth.RoleSponsorOfficer),
}

// Sponsors implements the sponsor methods of
// sponsorv1.SponsorServiceServer. It deliberately embeds no Unimplemented
// server, so that the service's composite server can embed it beside the
// other handler sets without ambiguous methods.
type Sponsors struct {
	svc   *sponsor.Service
	pages *paging.Codec
	usage sponsor.UsageSource
}

// New returns the handlers over the sponsor use cases, with page tokens
// from pages. usage supplies each sponsor's active_engagements and
// committed_staff_days (the engagement store); nil shows zeros for every
// sponsor.
func New(svc *sponsor.Service, pages *paging.Codec, usage sponsor.UsageSource) *Sponsors {
	return &Sponsors{svc: svc, pages: pages, usage: usage}
}

// CreateSponsor implements SponsorService.CreateSponsor: it adds a sponsor
// under sponsor_id, or a generated ID when that is empty. name, etag and
// the output-only fields of the request's sponsor are ignored. A taken
// sponsor_id is ALREADY_EXISTS; a repeat of a request_id replays the first
// response.
func (h *Sponsors) CreateSponsor(ctx context.Context, req *sponsorv1.CreateSponsorRequest) (*sponsorv1.Sponsor, error) {
	var vs fault.Violations
	var sp sponsor.Sponsor
	if req.GetSponsor() == nil {
		vs.Add("sponsor", "is required: display_name, kind, where it works, expertise, capacity and day rate")
	} else {
		sp, vs = fromProto(req.GetSponsor(), "sponsor.")
	}
	if id := req.GetSponsorId(); id != "" && !sponsor.ValidID(id) {
		vs.Add("sponsor_id", "must be 1 to 63 lowercase letters, digits and hyphens, starting with a letter and "+
			"not ending with a hyphen, such as north-yorkshire; or empty for a generated id, got %q", id)
	}
	checkRequestID(&vs, req.GetRequestId())
	if len(vs) > 0 {
		var ruleErr error
		if req.GetSponsor() != nil {
			ruleErr = sp.Validate("sponsor.")
		}
		return nil, joinViolations(vs, ruleErr)
	}
	r, err := callerRequest(ctx, sponsorv1.SponsorService_CreateSponsor_FullMethodName, req.GetRequestId(), req)
	if err != nil {
		return nil, err
	}
	out, err := h.svc.Create(ctx, sp, req.GetSponsorId(), r)
	if err != nil {
		return nil, err
	}
	// A sponsor just added has no engagements.
	return sponsorstore.Encode(out, sponsor.Usage{}), nil
}

// GetSponsor implements SponsorService.GetSponsor.
func (h *Sponsors) GetSponsor(ctx context.Context, req *sponsorv1.GetSponsorRequest) (*sponsorv1.Sponsor, error) {
	id, err := sponsor.ParseName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	if err := requireSponsor(ctx, id); err != nil {
		return nil, err
	}
	sp, err := h.svc.Get(ctx, id)
	if err != nil {
		return nil, named(err, req.GetName())
	}
	usage, err := h.usageOf(ctx, sp.ID)
	if err != nil {
		return nil, err
	}
	return sponsorstore.Encode(sp, usage[sp.ID]), nil
}

// ListSponsors implements SponsorService.ListSponsors: the sponsors the
// caller may see, filtered by kind, paused and can_lead_trust, ordered by
// name. Page tokens are bound to the filter and, for a sponsor officer,
// their sponsor.
func (h *Sponsors) ListSponsors(ctx context.Context, req *sponsorv1.ListSponsorsRequest) (*sponsorv1.ListSponsorsResponse, error) {
	size, sizeErr := paging.PageSize(req.GetPageSize(), defaultPageSize, maxPageSize)
	f, filterErr := filter.Compile(req.GetFilter(), sponsor.FilterSchema)
	if err := fault.Join(sizeErr, filterErr); err != nil {
		return nil, err
	}
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	q := paging.Query{
		Method: sponsorv1.SponsorService_ListSponsors_FullMethodName,
		Parent: sponsor.Collection,
		Filter: f.String(),
	}
	wide := p.HasRole(auth.RoleDfEOfficial)
	if !wide {
		// A sponsor officer's view of the sponsors is their own; their
		// page tokens say so.
		q.Params = map[string]string{"sponsor": p.Sponsor}
	}
	offset, err := h.pages.DecodeOffset(req.GetPageToken(), q)
	if err != nil {
		return nil, err
	}
	all, _, err := h.svc.All(ctx)
	if err != nil {
		return nil, err
	}
	if !wide {
		all = slices.DeleteFunc(all, func(sp sponsor.Sponsor) bool { return sp.ID != p.Sponsor })
	}
	selected := sponsor.Select(all, f)
	total := int64(len(selected))
	start := min(offset, total)
	end := min(start+int64(size), total)
	page := make([]string, 0, end-start)
	for _, sp := range selected[start:end] {
		page = append(page, sp.ID)
	}
	usage, err := h.usageOf(ctx, page...)
	if err != nil {
		return nil, err
	}
	resp := &sponsorv1.ListSponsorsResponse{
		Sponsors:      make([]*sponsorv1.Sponsor, 0, end-start),
		NextPageToken: h.pages.NextOffset(q, start, size, total),
		TotalSize:     int32(total),
	}
	for _, sp := range selected[start:end] {
		resp.Sponsors = append(resp.Sponsors, sponsorstore.Encode(sp, usage[sp.ID]))
	}
	return resp, nil
}

// UpdateSponsor implements SponsorService.UpdateSponsor: it replaces the
// fields update_mask names (or, without a mask, the fields the request
// sets) of a sponsor whose current etag the request carries. A stale etag
// gives ABORTED. name, etag and output-only paths in the mask are ignored,
// as the REST gateway puts them in the mask it derives from a PATCH body.
func (h *Sponsors) UpdateSponsor(ctx context.Context, req *sponsorv1.UpdateSponsorRequest) (*sponsorv1.Sponsor, error) {
	in := req.GetSponsor()
	if in == nil {
		var vs fault.Violations
		vs.Add("sponsor", "is required: its name, its etag and the new values")
		return nil, vs.Err()
	}
	id, nameErr := sponsor.ParseName("sponsor.name", in.GetName())
	var vs fault.Violations
	var etag int64
	var etagErr error
	if in.GetEtag() == "" {
		vs.Add("sponsor.etag", "is required: send the etag of the sponsor as read, so that no change made since is overwritten")
	} else {
		etag, etagErr = store.ParseEtagField("sponsor.etag", in.GetEtag())
	}
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		paths = populatedPaths(in)
	}
	mask, maskErr := sponsor.ParseMask(paths)
	patch, conv := fromProto(in, "sponsor.")
	if maskErr == nil {
		// Fields the mask leaves alone are ignored, problems and all.
		conv = slices.DeleteFunc(conv, func(v fault.Violation) bool {
			return !mask.Covers(strings.TrimPrefix(v.Field, "sponsor."))
		})
	}
	vs = append(vs, conv...)
	if err := fault.Join(nameErr, etagErr, maskErr, vs.Err()); err != nil {
		return nil, err
	}
	r, err := callerRequest(ctx, sponsorv1.SponsorService_UpdateSponsor_FullMethodName, "", req)
	if err != nil {
		return nil, err
	}
	out, err := h.svc.Update(ctx, id, patch, mask, etag, r)
	if err != nil {
		return nil, named(err, in.GetName())
	}
	usage, err := h.usageOf(ctx, out.ID)
	if err != nil {
		return nil, err
	}
	return sponsorstore.Encode(out, usage[out.ID]), nil
}

// usageOf reads the usage of the sponsors ids, or none without a source or
// without sponsors (an empty page must not read every sponsor's).
func (h *Sponsors) usageOf(ctx context.Context, ids ...string) (map[string]sponsor.Usage, error) {
	if h.usage == nil || len(ids) == 0 {
		return nil, nil
	}
	return h.usage.Usage(ctx, ids...)
}

// requireSponsor admits DfE officials to every sponsor and a sponsor
// officer to their own; everyone else is PERMISSION_DENIED. It is stricter
// than auth.RequireSponsor, which lets any role but sponsor_officer see
// every sponsor: here a role beside sponsor_officer that is not
// dfe_official must not widen the officer's reach.
func requireSponsor(ctx context.Context, id string) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	if p.HasRole(auth.RoleDfEOfficial) || (p.HasRole(auth.RoleSponsorOfficer) && p.Sponsor != "" && p.Sponsor == id) {
		return nil
	}
	return fault.PermissionDenied(auth.ReasonSponsorNotAllowed, "the caller may not access sponsor %s", sponsor.Name(id)).
		With("sponsor", sponsor.Name(id))
}

func principal(ctx context.Context) (auth.Principal, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		// Served without the interceptor, which must never grant access.
		return auth.Principal{}, fault.Unauthenticated(auth.ReasonTokenMissing, "the request is not authenticated")
	}
	return p, nil
}

// callerRequest describes the call for the audit trail and idempotency.
func callerRequest(ctx context.Context, method, requestID string, req proto.Message) (sponsor.Request, error) {
	p, err := principal(ctx)
	if err != nil {
		return sponsor.Request{}, err
	}
	r := sponsor.Request{Subject: p.Subject, Method: method, ID: requestID}
	for _, role := range p.Roles {
		r.Roles = append(r.Roles, string(role))
	}
	if requestID != "" {
		if r.Hash, err = store.RequestHash(req); err != nil {
			return sponsor.Request{}, err
		}
	}
	return r, nil
}

func checkRequestID(vs *fault.Violations, id string) {
	if len(id) > maxRequestIDLen {
		vs.Add("request_id", "is %d bytes long; the limit is %d (a UUID is suggested)", len(id), maxRequestIDLen)
	}
}

// named gives a missing sponsor's NOT_FOUND the resource's name.
func named(err error, name string) error {
	if errors.Is(err, sponsor.ErrNotFound) {
		return fault.NotFound(sponsor.ReasonNotFound, "%s does not exist", name).With("name", name)
	}
	return err
}
