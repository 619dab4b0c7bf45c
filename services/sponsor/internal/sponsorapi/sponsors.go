// Package sponsorapi is the gRPC face of the sponsors: CreateSponsor,
// GetSponsor, ListSponsors and UpdateSponsor of SponsorService. It decodes
// and checks requests, calls the sponsor rules in package sponsor and
// renders responses; each method's access policy is declared in Policies.
//
// Who may do what is the access matrix's (package access, the Sponsor
// rows): DfE officials manage the sponsors and read them all; LGA advisers
// read them all (the LGA sees which sponsor supports a council); a sponsor
// officer reads their own sponsor, named by the sponsor claim of their
// token, and nothing else: another sponsor is PERMISSION_DENIED, and their
// view of the list is their own sponsor. Ofsted inspectors, council
// officers and partner systems are refused. A caller holding several roles
// gets the widest view any of them grants.
package sponsorapi

import (
	"context"
	"slices"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/areaapi"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

// Policies declares who may call each method of this package, from the
// access matrix; GetSponsor and ListSponsors narrow a sponsor officer to
// their own sponsor in the handler (access.Check and access.ViewOf).
var Policies = access.Rules(access.Sponsor, access.Methods{
	sponsorv1.SponsorService_CreateSponsor_FullMethodName: access.Write,
	sponsorv1.SponsorService_UpdateSponsor_FullMethodName: access.Write,
	sponsorv1.SponsorService_GetSponsor_FullMethodName:    access.Read,
	sponsorv1.SponsorService_ListSponsors_FullMethodName:  access.Read,
})

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
	var idErr error
	if id := req.GetSponsorId(); id != "" && !resource.ValidID(id) {
		idErr = fault.Field("sponsor_id", "must be 1 to 63 lowercase letters, digits and hyphens, starting with a letter and "+
			"not ending with a hyphen, such as north-yorkshire; or empty for a generated id, got %q", id)
	}
	sp, r, err := rpc.Create[*sponsorv1.Sponsor, sponsor.Sponsor]{
		Method: sponsorv1.SponsorService_CreateSponsor_FullMethodName,
		Field:  "sponsor",
		Needs:  "display_name, kind, where it works, expertise, capacity and day rate",
		Decode: fromProto,
		Rules:  func(sp sponsor.Sponsor) error { return sp.Validate("sponsor.") },
	}.Read(ctx, req, req.GetSponsor(), idErr)
	if err != nil {
		return nil, areaapi.NameFields(err, "sponsor.expertise", req.GetSponsor().GetExpertise())
	}
	out, err := h.svc.Create(ctx, sp, req.GetSponsorId(), r)
	if err != nil {
		return nil, areaapi.NameFields(err, "sponsor.expertise", req.GetSponsor().GetExpertise())
	}
	// A sponsor just added has no engagements.
	return toProto(out, sponsor.Usage{}), nil
}

// GetSponsor implements SponsorService.GetSponsor.
func (h *Sponsors) GetSponsor(ctx context.Context, req *sponsorv1.GetSponsorRequest) (*sponsorv1.Sponsor, error) {
	id, err := resource.ParseID("name", sponsor.Collection, req.GetName())
	if err != nil {
		return nil, err
	}
	if err := rpc.Authorize(ctx, access.Sponsor, access.Read, access.Object{Sponsor: id, Name: sponsor.Name(id)}); err != nil {
		return nil, err
	}
	sp, err := h.svc.Get(ctx, id)
	if err != nil {
		return nil, rpc.NotFound(err, sponsor.ErrNotFound, sponsor.ReasonNotFound, req.GetName())
	}
	usage, err := h.usageOf(ctx, sp.ID)
	if err != nil {
		return nil, err
	}
	return toProto(sp, usage[sp.ID]), nil
}

// ListSponsors implements SponsorService.ListSponsors: the sponsors the
// caller may see, filtered by kind, paused and can_lead_trust, ordered by
// name. Page tokens are bound to the filter and, for a sponsor officer,
// their sponsor.
func (h *Sponsors) ListSponsors(ctx context.Context, req *sponsorv1.ListSponsorsRequest) (*sponsorv1.ListSponsorsResponse, error) {
	l, p, err := rpc.ReadListAs(ctx, req, sponsor.FilterSchema, nil)
	if err != nil {
		return nil, err
	}
	q := paging.Query{
		Method: sponsorv1.SponsorService_ListSponsors_FullMethodName,
		Parent: sponsor.Collection,
	}
	// A caller whose grant covers a sponsor of no one in particular sees
	// them all; anyone else (a sponsor officer) sees only their own.
	wide := access.ViewOf(p, access.Sponsor, access.Read, access.Object{}) == access.Full
	if !wide {
		// A sponsor officer's view of the sponsors is their own; their
		// page tokens say so.
		q.Params = map[string]string{"sponsor": p.Sponsor}
	}
	if err := l.Resume(h.pages, q); err != nil {
		return nil, err
	}
	all, _, err := h.svc.All(ctx)
	if err != nil {
		return nil, err
	}
	if !wide {
		all = slices.DeleteFunc(all, func(sp sponsor.Sponsor) bool {
			return access.ViewOf(p, access.Sponsor, access.Read, access.Object{Sponsor: sp.ID}) != access.Full
		})
	}
	selected := sponsor.Select(all, l.Filter)
	start, end := l.Window(len(selected))
	page, next := selected[start:end], l.NextToken(len(selected))
	ids := make([]string, len(page))
	for i, sp := range page {
		ids[i] = sp.ID
	}
	usage, err := h.usageOf(ctx, ids...)
	if err != nil {
		return nil, err
	}
	resp := &sponsorv1.ListSponsorsResponse{
		Sponsors:      make([]*sponsorv1.Sponsor, 0, len(page)),
		NextPageToken: next,
		TotalSize:     int32(len(selected)),
	}
	for _, sp := range page {
		resp.Sponsors = append(resp.Sponsors, toProto(sp, usage[sp.ID]))
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
	id, nameErr := resource.ParseID("sponsor.name", sponsor.Collection, in.GetName())
	u, err := rpc.Update[*sponsorv1.Sponsor, sponsor.Sponsor, sponsor.Mask]{
		Method: sponsorv1.SponsorService_UpdateSponsor_FullMethodName,
		Field:  "sponsor",
		Mask:   sponsor.ParseMask,
		Decode: fromProto,
	}.Read(ctx, req, in, nameErr)
	if err != nil {
		return nil, err
	}
	out, err := h.svc.Update(ctx, id, u.Values, u.Mask, u.Etag, u.Request)
	if err != nil {
		return nil, areaapi.NameFields(rpc.NotFound(err, sponsor.ErrNotFound, sponsor.ReasonNotFound, in.GetName()), "sponsor.expertise", in.GetExpertise())
	}
	usage, err := h.usageOf(ctx, out.ID)
	if err != nil {
		return nil, err
	}
	return toProto(out, usage[out.ID]), nil
}

// usageOf reads the usage of the sponsors ids, or none without a source or
// without sponsors (an empty page must not read every sponsor's).
func (h *Sponsors) usageOf(ctx context.Context, ids ...string) (map[string]sponsor.Usage, error) {
	if h.usage == nil || len(ids) == 0 {
		return nil, nil
	}
	return h.usage.Usage(ctx, ids...)
}
