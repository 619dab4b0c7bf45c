// Package needapi is the gRPC face of councils' sponsor needs:
// CreateSponsorNeed, GetSponsorNeed, ListSponsorNeeds and
// UpdateSponsorNeed of SponsorService. It decodes and checks requests,
// calls the need rules in package need and renders responses; each
// method's access policy is declared in Policies.
//
// Who may do what is the access matrix's (package access, the SponsorNeed
// rows): DfE officials open needs by hand, change and close them, and read
// every council's. A council officer reads their own council's needs,
// named by the authority claim of their token, and nothing else: another
// council is PERMISSION_DENIED, and their view of `localAuthorities/-` is
// their own council. Every other role (Ofsted inspectors, LGA advisers,
// sponsor officers, partner systems) is refused. A caller holding a role
// beside council_officer gains nothing from it here unless that role's
// grant reaches further.
//
// Closing a need: the contract has no CloseSponsorNeed method, so
// UpdateSponsorNeed closes an open need when update_mask names state and
// the need's state is NEED_STATE_CLOSED; no other state can be set (an
// approved match run is what matches a need).
package needapi

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
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/areaapi"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

// Policies declares who may call each method of this package, from the
// access matrix; GetSponsorNeed and ListSponsorNeeds narrow a council
// officer to their own council in the handler (access.Check).
var Policies = access.Rules(access.SponsorNeed, access.Methods{
	sponsorv1.SponsorService_CreateSponsorNeed_FullMethodName: access.Write,
	sponsorv1.SponsorService_UpdateSponsorNeed_FullMethodName: access.Write,
	sponsorv1.SponsorService_GetSponsorNeed_FullMethodName:    access.Read,
	sponsorv1.SponsorService_ListSponsorNeeds_FullMethodName:  access.Read,
})

// Needs implements the need methods of sponsorv1.SponsorServiceServer. It
// deliberately embeds no Unimplemented server, so that the service's
// composite server can embed it beside the other handler sets without
// ambiguous methods.
type Needs struct {
	rpc.Handlers[need.Service]
	// rendered keeps each need's response message per version, for lists.
	rendered rpc.Rendered[[2]string, *sponsorv1.SponsorNeed]
}

// render is toProto(n), kept for n's version.
func (h *Needs) render(n need.Need) *sponsorv1.SponsorNeed {
	return h.rendered.Get([2]string{n.GSSCode, n.ID}, n.Version, func() *sponsorv1.SponsorNeed { return toProto(n) })
}

// New returns the handlers over the need use cases, with page tokens from
// pages.
func New(svc *need.Service, pages *paging.Codec) *Needs {
	return &Needs{Handlers: rpc.Over(svc, pages)}
}

// CreateSponsorNeed implements SponsorService.CreateSponsorNeed: DfE opens
// a need by hand in one of the 152 councils, OPEN, and SponsorNeedOpened is
// emitted in the same transaction. Excluded sponsors must exist. A repeat
// of a request_id replays the first response.
func (h *Needs) CreateSponsorNeed(ctx context.Context, req *sponsorv1.CreateSponsorNeedRequest) (*sponsorv1.SponsorNeed, error) {
	gss, parentErr := resource.ParseCouncil("parent", req.GetParent())
	draft, r, err := rpc.Create[*sponsorv1.SponsorNeed, need.Need]{
		Method: sponsorv1.SponsorService_CreateSponsorNeed_FullMethodName,
		Field:  "sponsor_need",
		Needs:  "the areas of need with their weights, the urgency and the staff-days needed",
		Decode: fromProto,
		Rules:  func(n need.Need) error { return n.Validate("sponsor_need.") },
	}.Read(ctx, req, req.GetSponsorNeed(), parentErr)
	if err != nil {
		return nil, areaapi.NameFields(err, "sponsor_need.areas", req.GetSponsorNeed().GetAreas())
	}
	n, err := h.Svc.Create(ctx, gss, draft, r)
	if err != nil {
		return nil, areaapi.NameFields(councilNamed(err, req.GetParent()), "sponsor_need.areas", req.GetSponsorNeed().GetAreas())
	}
	return toProto(n), nil
}

// GetSponsorNeed implements SponsorService.GetSponsorNeed.
func (h *Needs) GetSponsorNeed(ctx context.Context, req *sponsorv1.GetSponsorNeedRequest) (*sponsorv1.SponsorNeed, error) {
	n, err := rpc.GetChild(ctx, need.Collection, req.GetName(), check, h.Svc.Get)
	if err != nil {
		return nil, rpc.NotFound(err, need.ErrNotFound, need.ReasonNotFound, req.GetName())
	}
	return toProto(n), nil
}

// ListSponsorNeeds implements SponsorService.ListSponsorNeeds for one
// council or, with the parent localAuthorities/-, every council the caller
// may see, most urgent first (then longest waiting). Page tokens are bound
// to the parent, the filter and, for a council officer, their council.
func (h *Needs) ListSponsorNeeds(ctx context.Context, req *sponsorv1.ListSponsorNeedsRequest) (*sponsorv1.ListSponsorNeedsResponse, error) {
	gss, parentErr := resource.ParseCouncilOrAll("parent", req.GetParent())
	l, p, err := rpc.ReadListAs(ctx, req, need.FilterSchema, nil, parentErr)
	if err != nil {
		return nil, err
	}
	q := paging.Query{
		Method: sponsorv1.SponsorService_ListSponsorNeeds_FullMethodName,
		Parent: req.GetParent(),
	}
	switch {
	case gss == need.AllCouncils && access.ViewOf(p, access.SponsorNeed, access.Read, access.Object{}) != access.Full:
		// A council officer's view of every council is their own
		// council's; their page tokens say so.
		gss = p.Authority
		if gss == "" {
			return nil, check(ctx, need.AllCouncils, req.GetParent())
		}
		q.Params = map[string]string{"authority": p.Authority}
	case gss != need.AllCouncils:
		if err := rpc.ParentCouncil(ctx, gss, req.GetParent(), check); err != nil {
			return nil, err
		}
	}
	if err := l.Resume(h.Pages, q); err != nil {
		return nil, err
	}
	all, err := h.Svc.List(ctx, gss)
	if err != nil {
		return nil, err
	}
	// Only what the caller may read is listed, whatever the parent said.
	all = slices.DeleteFunc(all, func(n need.Need) bool {
		return access.ViewOf(p, access.SponsorNeed, access.Read, access.Object{Council: n.GSSCode}) != access.Full
	})
	selected := need.Select(all, l.Filter)
	resp := &sponsorv1.ListSponsorNeedsResponse{}
	resp.SponsorNeeds, resp.NextPageToken, resp.TotalSize = rpc.ListPage(l, selected, h.render)
	return resp, nil
}

// UpdateSponsorNeed implements SponsorService.UpdateSponsorNeed: it
// replaces the fields update_mask names (or, without a mask, the fields the
// request sets) of an open need whose current etag the request carries,
// and closes it when the mask names state with NEED_STATE_CLOSED. A need
// that is not open is FAILED_PRECONDITION; a stale etag gives ABORTED.
// name, etag and output-only paths in the mask are ignored, as the REST
// gateway puts them in the mask it derives from a PATCH body.
func (h *Needs) UpdateSponsorNeed(ctx context.Context, req *sponsorv1.UpdateSponsorNeedRequest) (*sponsorv1.SponsorNeed, error) {
	in := req.GetSponsorNeed()
	gss, id, u, err := rpc.Update[*sponsorv1.SponsorNeed, need.Need, need.Mask]{
		Method: sponsorv1.SponsorService_UpdateSponsorNeed_FullMethodName,
		Field:  "sponsor_need",
		Mask:   need.ParseMask,
		Decode: fromProto,
	}.ReadChild(ctx, req, in, need.Collection)
	if err != nil {
		return nil, err
	}
	n, err := h.Svc.Update(ctx, gss, id, u.Values, u.Mask, u.Etag, u.Request)
	if err != nil {
		return nil, areaapi.NameFields(rpc.NotFound(err, need.ErrNotFound, need.ReasonNotFound, in.GetName()), "sponsor_need.areas", in.GetAreas())
	}
	return toProto(n), nil
}

// check is the object-level decision on reading council gss's needs (the
// access matrix's SponsorNeed read cell): DfE reads every council's, a
// council officer their own; name is the resource the caller named.
func check(ctx context.Context, gss, name string) error {
	return rpc.Authorize(ctx, access.SponsorNeed, access.Read, access.Object{Council: gss, Name: name})
}

// councilNamed gives a missing council's NOT_FOUND the parent's name.
func councilNamed(err error, parent string) error {
	return rpc.ParentNotFound(err, resource.ErrCouncilNotFound, resource.ReasonCouncilNotFound, parent)
}

// statePrefix is the enum name prefix of the proto enum NeedState.
const statePrefix = "NEED_STATE_"

// fromProto reads the client-settable fields of a SponsorNeed message, and
// its state, which only an update reads (to close the need). The
// output-only intervention, engagement and create_time are ignored
// (AIP-203). Excluded sponsors that are not sponsor names at all are
// reported here, as violations under prefix; everything else is for the
// rules to judge.
func fromProto(m *sponsorv1.SponsorNeed, prefix string) (need.Need, fault.Violations) {
	var vs fault.Violations
	n := need.Need{
		Urgency:              int(m.GetUrgency()),
		StaffDaysNeeded:      int(m.GetStaffDaysNeeded()),
		RequiresTrustSponsor: m.GetRequiresTrustSponsor(),
		State:                need.State(refproto.EnumName(m.GetState(), statePrefix)),
	}
	for _, a := range m.GetAreas() {
		n.Areas = append(n.Areas, need.AreaWeight{Area: areaapi.Name(a.GetJudgementArea(), a.GetTheme()), Weight: int(a.GetWeight())})
	}
	for i, name := range m.GetExcludedSponsors() {
		id, err := resource.ParseID(prefix+"excluded_sponsors["+strconv.Itoa(i)+"]", sponsor.Collection, name)
		vs.Merge(err)
		n.ExcludedSponsors = append(n.ExcludedSponsors, id)
	}
	return n, vs
}

// toProto renders n as the API returns it, with its etag.
func toProto(n need.Need) *sponsorv1.SponsorNeed {
	m := ToStored(n)
	m.Etag = change.Format(n.Version)
	return m
}

// ToStored renders n as its stored form: the API message without the etag,
// since the version lives beside the data.
func ToStored(n need.Need) *sponsorv1.SponsorNeed {
	m := &sponsorv1.SponsorNeed{
		Name:                 n.Name(),
		Intervention:         n.Intervention,
		Urgency:              int32(n.Urgency),
		StaffDaysNeeded:      int32(n.StaffDaysNeeded),
		RequiresTrustSponsor: n.RequiresTrustSponsor,
		State:                refproto.Enum[sponsorv1.NeedState](statePrefix, n.State),
		Engagement:           n.Engagement,
		CreateTime:           timestamppb.New(n.CreateTime),
	}
	for _, a := range n.Areas {
		x := &sponsorv1.AreaOfNeed{Weight: int32(a.Weight)}
		switch judgement, theme := areaapi.Split(a.Area); {
		case judgement != typev1.JudgementArea_JUDGEMENT_AREA_UNSPECIFIED:
			x.Area = &sponsorv1.AreaOfNeed_JudgementArea{JudgementArea: judgement}
		case theme != peerreviewv1.Theme_THEME_UNSPECIFIED:
			x.Area = &sponsorv1.AreaOfNeed_Theme{Theme: theme}
		}
		m.Areas = append(m.Areas, x)
	}
	for _, id := range n.ExcludedSponsors {
		m.ExcludedSponsors = append(m.ExcludedSponsors, sponsor.Name(id))
	}
	return m
}

// FromStored reads a stored need at version. Stored data was validated when
// written, so anything unexpected is corruption and an error, where
// fromProto would leave it for the rules to judge.
func FromStored(m *sponsorv1.SponsorNeed, version int64) (need.Need, error) {
	gss, id, err := resource.ParseCouncilChild("name", need.Collection, m.GetName())
	if err != nil {
		return need.Need{}, fmt.Errorf("decode sponsor need %q: %w", m.GetName(), err)
	}
	n, vs := fromProto(m, "")
	if err := vs.Err(); err != nil {
		return need.Need{}, fmt.Errorf("decode sponsor need %s: %w", m.GetName(), err)
	}
	for i, a := range m.GetAreas() {
		if a.GetArea() == nil {
			// Stored before areas were enums, as the bare name the domain uses.
			n.Areas[i].Area = areaapi.Legacy(a)
		}
	}
	if !n.State.Valid() {
		return need.Need{}, fmt.Errorf("decode sponsor need %s: state %s", m.GetName(), m.GetState())
	}
	n.GSSCode, n.ID, n.Version = gss, id, version
	n.Intervention, n.Engagement, n.CreateTime = m.GetIntervention(), m.GetEngagement(), m.GetCreateTime().AsTime()
	return n, nil
}
