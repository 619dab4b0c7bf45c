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
	"fmt"
	"slices"
	"strconv"

	"google.golang.org/protobuf/types/known/timestamppb"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
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
	rpc.Handlers[sponsor.Service]
	usage sponsor.UsageSource
}

// New returns the handlers over the sponsor use cases, with page tokens
// from pages. usage supplies each sponsor's active_engagements and
// committed_staff_days (the engagement store); nil shows zeros for every
// sponsor.
func New(svc *sponsor.Service, pages *paging.Codec, usage sponsor.UsageSource) *Sponsors {
	return &Sponsors{Handlers: rpc.Over(svc, pages), usage: usage}
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
	out, err := h.Svc.Create(ctx, sp, req.GetSponsorId(), r)
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
	sp, err := h.Svc.Get(ctx, id)
	if err != nil {
		return nil, rpc.NotFound(err, sponsor.ErrNotFound, sponsor.ReasonNotFound, req.GetName())
	}
	return h.render(ctx, sp)
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
	if err := l.Resume(h.Pages, q); err != nil {
		return nil, err
	}
	all, _, err := h.Svc.All(ctx)
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
	id, u, err := rpc.Update[*sponsorv1.Sponsor, sponsor.Sponsor, sponsor.Mask]{
		Method: sponsorv1.SponsorService_UpdateSponsor_FullMethodName,
		Field:  "sponsor",
		Mask:   sponsor.ParseMask,
		Decode: fromProto,
	}.ReadID(ctx, req, in, sponsor.Collection)
	if err != nil {
		return nil, err
	}
	out, err := h.Svc.Update(ctx, id, u.Values, u.Mask, u.Etag, u.Request)
	if err != nil {
		return nil, areaapi.NameFields(rpc.NotFound(err, sponsor.ErrNotFound, sponsor.ReasonNotFound, in.GetName()), "sponsor.expertise", in.GetExpertise())
	}
	return h.render(ctx, out)
}

// render renders sp as the API returns it, with its usage.
func (h *Sponsors) render(ctx context.Context, sp sponsor.Sponsor) (*sponsorv1.Sponsor, error) {
	usage, err := h.usageOf(ctx, sp.ID)
	if err != nil {
		return nil, err
	}
	return toProto(sp, usage[sp.ID]), nil
}

// usageOf reads the usage of the sponsors ids, or none without a source or
// without sponsors (an empty page must not read every sponsor's).
func (h *Sponsors) usageOf(ctx context.Context, ids ...string) (map[string]sponsor.Usage, error) {
	if h.usage == nil || len(ids) == 0 {
		return nil, nil
	}
	return h.usage.Usage(ctx, ids...)
}

// Enum name prefixes of the proto enums a sponsor uses.
const (
	kindPrefix     = "SPONSOR_KIND_"
	strengthPrefix = "STRENGTH_"
	regionPrefix   = "REGION_"
)

// fromProto reads the client-settable fields of a Sponsor message.
// Output-only fields (name, etag, active_engagements,
// committed_staff_days, update_time) are ignored (AIP-203). Enum values
// are carried over by name for the rules to judge; only council names that
// are not resource names at all are reported here, as violations under
// prefix.
func fromProto(m *sponsorv1.Sponsor, prefix string) (sponsor.Sponsor, fault.Violations) {
	councils := rpc.Councils{Prefix: prefix}
	sp := sponsor.Sponsor{
		DisplayName:         m.GetDisplayName(),
		Kind:                sponsor.Kind(refproto.EnumName(m.GetKind(), kindPrefix)),
		National:            m.GetNational(),
		MaxEngagements:      int(m.GetMaxEngagements()),
		StaffDaysPerQuarter: int(m.GetStaffDaysPerQuarter()),
		DayRatePence:        m.GetDayRatePence(),
		CanLeadTrust:        m.GetCanLeadTrust(),
		Paused:              m.GetPaused(),
	}
	sp.MemberCouncils = councils.Each("member_councils", m.GetMemberCouncils())
	for _, r := range m.GetRegionsServed() {
		sp.RegionsServed = append(sp.RegionsServed, reference.Region(refproto.EnumName(r, regionPrefix)))
	}
	for _, e := range m.GetExpertise() {
		sp.Expertise = append(sp.Expertise, sponsor.Expertise{
			Area:     areaapi.Name(e.GetJudgementArea(), e.GetTheme()),
			Strength: sponsor.Strength(refproto.EnumName(e.GetStrength(), strengthPrefix)),
		})
	}
	sp.Conflicts = councils.Each("conflicts", m.GetConflicts())
	for i, p := range m.GetOutOfAreaPlacements() {
		sp.OutOfArea = append(sp.OutOfArea, sponsor.Placement{
			Council:  councils.One("out_of_area_placements["+strconv.Itoa(i)+"].local_authority", p.GetLocalAuthority()),
			Children: int(p.GetChildren()),
		})
	}
	return sp, councils.Violations
}

// toProto renders sp as the API returns it: with its etag, and with u, the
// engagements and staff-days its active engagements take, as its output
// fields.
func toProto(sp sponsor.Sponsor, u sponsor.Usage) *sponsorv1.Sponsor {
	m := ToStored(sp)
	m.Etag = change.Format(sp.Version)
	m.ActiveEngagements = int32(u.ActiveEngagements)
	m.CommittedStaffDays = int32(u.CommittedStaffDays)
	return m
}

// ToStored renders sp as its stored form: the API message without the etag
// and the usage, since the version lives beside the data and the usage is
// the engagements'.
func ToStored(sp sponsor.Sponsor) *sponsorv1.Sponsor {
	m := &sponsorv1.Sponsor{
		Name:                sp.Name(),
		DisplayName:         sp.DisplayName,
		Kind:                refproto.Enum[sponsorv1.SponsorKind](kindPrefix, sp.Kind),
		National:            sp.National,
		MaxEngagements:      int32(sp.MaxEngagements),
		StaffDaysPerQuarter: int32(sp.StaffDaysPerQuarter),
		DayRatePence:        sp.DayRatePence,
		CanLeadTrust:        sp.CanLeadTrust,
		Paused:              sp.Paused,
		UpdateTime:          timestamppb.New(sp.UpdateTime),
	}
	m.MemberCouncils = rpc.CouncilNames(sp.MemberCouncils)
	for _, r := range sp.RegionsServed {
		m.RegionsServed = append(m.RegionsServed, refproto.Region(r))
	}
	for _, e := range sp.Expertise {
		x := &sponsorv1.Expertise{Strength: refproto.Enum[sponsorv1.Strength](strengthPrefix, e.Strength)}
		switch judgement, theme := areaapi.Split(e.Area); {
		case judgement != typev1.JudgementArea_JUDGEMENT_AREA_UNSPECIFIED:
			x.Area = &sponsorv1.Expertise_JudgementArea{JudgementArea: judgement}
		case theme != peerreviewv1.Theme_THEME_UNSPECIFIED:
			x.Area = &sponsorv1.Expertise_Theme{Theme: theme}
		}
		m.Expertise = append(m.Expertise, x)
	}
	m.Conflicts = rpc.CouncilNames(sp.Conflicts)
	for _, p := range sp.OutOfArea {
		m.OutOfAreaPlacements = append(m.OutOfAreaPlacements, &sponsorv1.Placements{
			LocalAuthority: resource.CouncilName(p.Council), Children: int32(p.Children),
		})
	}
	return m
}

// FromStored reads a stored sponsor at version. Stored data was validated
// when written, so anything unexpected is corruption and an error, where
// fromProto would leave it for the rules to judge.
func FromStored(m *sponsorv1.Sponsor, version int64) (sponsor.Sponsor, error) {
	id, err := resource.ParseID("name", sponsor.Collection, m.GetName())
	if err != nil {
		return sponsor.Sponsor{}, fmt.Errorf("decode sponsor %q: %w", m.GetName(), err)
	}
	sp, vs := fromProto(m, "")
	if err := vs.Err(); err != nil {
		return sponsor.Sponsor{}, fmt.Errorf("decode sponsor %s: %w", m.GetName(), err)
	}
	for i, e := range m.GetExpertise() {
		if e.GetArea() == nil {
			// Stored before areas were enums, as the bare name the domain uses.
			sp.Expertise[i].Area = areaapi.Legacy(e)
		}
	}
	for _, r := range m.GetRegionsServed() {
		if _, ok := refproto.RegionFrom(r); !ok {
			return sponsor.Sponsor{}, fmt.Errorf("decode sponsor %s: region %s", m.GetName(), r)
		}
	}
	if !sp.Kind.Valid() {
		return sponsor.Sponsor{}, fmt.Errorf("decode sponsor %s: kind %s", m.GetName(), m.GetKind())
	}
	sp.ID, sp.Version, sp.UpdateTime = id, version, m.GetUpdateTime().AsTime()
	return sp, nil
}
