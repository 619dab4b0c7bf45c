// Package offerapi is the gRPC face of support offers: CreateSupportOffer,
// GetSupportOffer, ListSupportOffers, UpdateSupportOffer and
// TransitionSupportOffer of PeerReviewService. It decodes and checks
// requests, calls the offer rules and renders responses; each method's
// access policy is declared in Policies.
//
// Who sees what is the access matrix's SupportOffer cells (package
// access): every method's policy is access.Rule, and every offer is judged
// with access.Check before it is read or changed. LGA advisers make,
// change, read and list every offer, and start and complete support. DfE
// officials read and list every council's offers. A council officer reads
// and lists its own council's offers and accepts or declines them; another
// council's offer is PERMISSION_DENIED (PERMISSION_DENIED_BY_MATRIX),
// checked before the offer is read so that its existence is not revealed,
// and so is the cross-council list localAuthorities/-. Ofsted inspectors,
// sponsor officers and partner systems call none of these methods
// (PERMISSION_DENIED, ROLE_NOT_ALLOWED): they see the anonymous theme
// summaries and published lessons instead.
package offerapi

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offer"
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
// matrix's SupportOffer cells. Object-level checks in the handlers
// (access.Check) narrow council officers to their own council.
var Policies = access.Rules(access.SupportOffer, access.Methods{
	peerreviewv1.PeerReviewService_CreateSupportOffer_FullMethodName:     access.Write,
	peerreviewv1.PeerReviewService_GetSupportOffer_FullMethodName:        access.Read,
	peerreviewv1.PeerReviewService_ListSupportOffers_FullMethodName:      access.Read,
	peerreviewv1.PeerReviewService_UpdateSupportOffer_FullMethodName:     access.Write,
	peerreviewv1.PeerReviewService_TransitionSupportOffer_FullMethodName: access.Respond,
})

// check is the matrix's object-level decision for the caller in ctx doing
// act to the offers of council gss (the offer, or the list, named name);
// gss is "" for every council's.
func check(ctx context.Context, act access.Action, gss, name string) error {
	return rpc.Authorize(ctx, access.SupportOffer, act, access.Object{Council: gss, Name: name})
}

// reads is check of reading the offers of council gss.
func reads(ctx context.Context, gss, name string) error { return check(ctx, access.Read, gss, name) }

// Offers implements the support offer methods of
// peerreviewv1.PeerReviewServiceServer. It deliberately embeds no
// Unimplemented server, so that the service's composite server can embed it
// beside the other handler types without ambiguous methods.
type Offers struct{ rpc.Handlers[offer.Service] }

// New returns the handlers over the offer use cases, with page tokens from
// pages.
func New(svc *offer.Service, pages *paging.Codec) *Offers {
	return &Offers{Handlers: rpc.Over(svc, pages)}
}

// CreateSupportOffer implements PeerReviewService.CreateSupportOffer: it
// offers support to one of the 152 councils (NOT_FOUND otherwise). Tier and
// reasons are required; the offer starts OFFERED and SupportOfferCreated is
// emitted with it.
func (h *Offers) CreateSupportOffer(ctx context.Context, req *peerreviewv1.CreateSupportOfferRequest) (*peerreviewv1.SupportOffer, error) {
	gss, parentErr := resource.ParseCouncil("parent", req.GetParent())
	o, r, err := rpc.Create[*peerreviewv1.SupportOffer, offer.Offer]{
		Method: peerreviewv1.PeerReviewService_CreateSupportOffer_FullMethodName,
		Field:  "support_offer",
		Needs:  "the tier and the reasons at least",
		Decode: fromProto,
		Rules: func(o offer.Offer) error {
			o.GSSCode = gss
			return o.Validate("support_offer.")
		},
	}.Read(ctx, req, req.GetSupportOffer(), parentErr)
	if err != nil {
		return nil, err
	}
	if err := check(ctx, access.Write, gss, req.GetParent()); err != nil {
		return nil, err
	}
	out, err := h.Svc.Create(ctx, gss, o, r)
	if err != nil {
		return nil, rpc.ParentNotFound(err, resource.ErrCouncilNotFound, resource.ReasonCouncilNotFound, req.GetParent())
	}
	return toProto(out), nil
}

// GetSupportOffer implements PeerReviewService.GetSupportOffer.
func (h *Offers) GetSupportOffer(ctx context.Context, req *peerreviewv1.GetSupportOfferRequest) (*peerreviewv1.SupportOffer, error) {
	o, err := rpc.GetChild(ctx, offer.Collection, req.GetName(), reads, h.Svc.Get)
	if err != nil {
		return nil, rpc.NotFound(err, offer.ErrNotFound, offer.ReasonNotFound, req.GetName())
	}
	return toProto(o), nil
}

// ListSupportOffers implements PeerReviewService.ListSupportOffers for one
// council or, for LGA advisers and DfE officials, every council with the
// parent localAuthorities/-; newest first. Page tokens are bound to the
// parent and the filter.
func (h *Offers) ListSupportOffers(ctx context.Context, req *peerreviewv1.ListSupportOffersRequest) (*peerreviewv1.ListSupportOffersResponse, error) {
	gss, parentErr := resource.ParseCouncilOrAll("parent", req.GetParent())
	l, err := rpc.ReadList(req, offer.FilterSchema, nil, parentErr)
	if err != nil {
		return nil, err
	}
	if err := rpc.ListParent(ctx, gss, req.GetParent(), reads); err != nil {
		return nil, err
	}
	q := paging.Query{
		Method: peerreviewv1.PeerReviewService_ListSupportOffers_FullMethodName,
		Parent: req.GetParent(),
	}
	if err := l.Resume(h.Pages, q); err != nil {
		return nil, err
	}
	all, err := h.Svc.List(ctx, gss)
	if err != nil {
		return nil, err
	}
	selected := offer.Select(all, l.Filter)
	resp := &peerreviewv1.ListSupportOffersResponse{}
	resp.SupportOffers, resp.NextPageToken, resp.TotalSize = rpc.ListPage(l, selected, toProto)
	return resp, nil
}

// UpdateSupportOffer implements PeerReviewService.UpdateSupportOffer: it
// replaces the activities, the reasons or both (update_mask, or without
// one the fields the request sets) of an open offer whose current etag the
// request carries. A completed or declined offer gives FAILED_PRECONDITION,
// a stale etag ABORTED.
func (h *Offers) UpdateSupportOffer(ctx context.Context, req *peerreviewv1.UpdateSupportOfferRequest) (*peerreviewv1.SupportOffer, error) {
	in := req.GetSupportOffer()
	if in == nil {
		return nil, fault.Field("support_offer", "is required: its name, its etag and the new values")
	}
	gss, id, nameErr := resource.ParseCouncilChild("support_offer.name", offer.Collection, in.GetName())
	etag, etagErr := rpc.ParseEtag("support_offer.etag", in.GetEtag(), true)
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		paths = populatedPaths(in)
	}
	mask, maskErr := offer.ParseMask(paths)
	patch, conv := fromProto(in, "support_offer.")
	var ruleErr error
	if maskErr == nil {
		// Fields the mask leaves alone are ignored, problems and all.
		conv = masked(conv, mask)
		if len(conv) > 0 && nameErr == nil {
			// Report the rules' findings on the new values too, so the
			// caller sees every problem at once.
			p := patch
			p.GSSCode = gss
			if f, ok := fault.As(p.Validate("support_offer.")); ok {
				ruleErr = masked(f.Violations, mask).Err()
			}
		}
	}
	if err := fault.JoinFields(conv, nameErr, etagErr, maskErr, ruleErr); err != nil {
		return nil, err
	}
	if err := check(ctx, access.Write, gss, in.GetName()); err != nil {
		return nil, err
	}
	return rpc.Do(ctx, peerreviewv1.PeerReviewService_UpdateSupportOffer_FullMethodName, "", req, func(r change.Request) (offer.Offer, error) {
		out, err := h.Svc.Update(ctx, gss, id, patch, mask, etag, r)
		return out, rpc.NotFound(err, offer.ErrNotFound, offer.ReasonNotFound, in.GetName())
	}, toProto)
}

// TransitionSupportOffer implements
// PeerReviewService.TransitionSupportOffer: an officer of the supported
// council accepts or declines an offered offer (a decline needs a reason);
// an LGA adviser starts accepted support (ACTIVE) and completes active
// support. Any other move is FAILED_PRECONDITION; a stale etag ABORTED; a
// repeat of request_id replays the first response.
func (h *Offers) TransitionSupportOffer(ctx context.Context, req *peerreviewv1.TransitionSupportOfferRequest) (*peerreviewv1.SupportOffer, error) {
	gss, id, nameErr := resource.ParseCouncilChild("name", offer.Collection, req.GetName())
	etag, etagErr := rpc.ParseEtag("etag", req.GetEtag(), true)
	to := offer.State(refproto.EnumName(req.GetState(), statePrefix))
	if err := fault.Join(nameErr, etagErr, offer.CheckTransition(to, req.GetReason()), rpc.RequestIDError(req.GetRequestId())); err != nil {
		return nil, err
	}
	if err := check(ctx, access.Respond, gss, req.GetName()); err != nil {
		return nil, err
	}
	p, err := rpc.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return rpc.Do(ctx, peerreviewv1.PeerReviewService_TransitionSupportOffer_FullMethodName, req.GetRequestId(), req, func(r change.Request) (offer.Offer, error) {
		out, err := h.Svc.Transition(ctx, gss, id, to, actor(p), req.GetReason(), etag, r)
		return out, rpc.NotFound(err, offer.ErrNotFound, offer.ReasonNotFound, req.GetName())
	}, toProto)
}

// actor is what the transition rules need to know about p.
func actor(p auth.Principal) offer.Actor {
	a := offer.Actor{Subject: p.Subject, LGA: p.HasRole(auth.RoleLGAAdviser)}
	if p.HasRole(auth.RoleCouncilOfficer) {
		a.Council = p.Authority
	}
	return a
}

// populatedPaths are the update mask paths of the fields m sets: the mask
// an update without update_mask implies (AIP-134).
func populatedPaths(m *peerreviewv1.SupportOffer) []string {
	var paths []string
	if m.GetTier() != peerreviewv1.OfferTier_OFFER_TIER_UNSPECIFIED {
		paths = append(paths, "tier")
	}
	if len(m.GetReasons()) > 0 {
		paths = append(paths, "reasons")
	}
	if len(m.GetActivities()) > 0 {
		paths = append(paths, "activities")
	}
	return paths
}

// masked keeps the violations on fields the mask changes.
func masked(vs fault.Violations, m offer.Mask) fault.Violations {
	return slices.DeleteFunc(slices.Clone(vs), func(v fault.Violation) bool {
		return !covered(m, strings.TrimPrefix(v.Field, "support_offer."))
	})
}

// covered reports whether a violation on field (without prefix) concerns a
// field the mask changes.
func covered(m offer.Mask, field string) bool {
	top, _, _ := strings.Cut(field, "[")
	top, _, _ = strings.Cut(top, ".")
	switch top {
	case "activities":
		return m.Activities
	case "reasons":
		return m.Reasons
	case "tier":
		return m.Tier
	}
	return true
}

// Enum name prefixes of the proto enums offers use.
const (
	tierPrefix     = "OFFER_TIER_"
	statePrefix    = "OFFER_STATE_"
	activityPrefix = "ACTIVITY_KIND_"
)

// toProto renders an offer as the API returns it: its stored form with its
// etag.
func toProto(o offer.Offer) *peerreviewv1.SupportOffer {
	m := ToStored(o)
	m.Etag = change.Format(o.Version)
	return m
}

// ToStored is the stored form of an offer: the API message without its
// etag, which is the record's version. Providing councils become council
// resource names, localAuthorities/{gss_code}.
func ToStored(o offer.Offer) *peerreviewv1.SupportOffer {
	m := &peerreviewv1.SupportOffer{
		Name:       o.Name(),
		Tier:       refproto.Enum[peerreviewv1.OfferTier](tierPrefix, o.Tier),
		State:      refproto.Enum[peerreviewv1.OfferState](statePrefix, o.State),
		Reasons:    slices.Clone(o.Reasons),
		PeerReview: o.PeerReview,
		Inspection: o.Inspection,
		History:    slices.Clone(o.History),
		CreateTime: timestamppb.New(o.CreateTime),
		UpdateTime: timestamppb.New(o.UpdateTime),
	}
	for _, a := range o.Activities {
		act := &peerreviewv1.Activity{
			Kind:        refproto.Enum[peerreviewv1.ActivityKind](activityPrefix, a.Kind),
			Days:        int32(a.Days),
			Description: a.Description,
		}
		for _, p := range a.ProvidingCouncils {
			act.ProvidingCouncils = append(act.ProvidingCouncils, resource.CouncilName(p))
		}
		m.Activities = append(m.Activities, act)
	}
	return m
}

// FromStored reads a stored offer at version. Stored data was validated
// when written, so anything unexpected is corruption and an error.
func FromStored(m *peerreviewv1.SupportOffer, version int64) (offer.Offer, error) {
	gss, id, err := resource.ParseCouncilChild("name", offer.Collection, m.GetName())
	if err != nil {
		return offer.Offer{}, fmt.Errorf("decode support offer %q: %w", m.GetName(), err)
	}
	o := offer.Offer{
		GSSCode:    gss,
		ID:         id,
		Tier:       offer.Tier(refproto.EnumName(m.GetTier(), tierPrefix)),
		State:      offer.State(refproto.EnumName(m.GetState(), statePrefix)),
		Reasons:    slices.Clone(m.GetReasons()),
		PeerReview: m.GetPeerReview(),
		Inspection: m.GetInspection(),
		History:    slices.Clone(m.GetHistory()),
		Version:    version,
		CreateTime: m.GetCreateTime().AsTime(),
		UpdateTime: m.GetUpdateTime().AsTime(),
	}
	if !o.Tier.Valid() || !o.State.Valid() {
		return offer.Offer{}, fmt.Errorf("decode support offer %s: tier %s, state %s", m.GetName(), m.GetTier(), m.GetState())
	}
	for i, a := range m.GetActivities() {
		act := offer.Activity{
			Kind:        offer.ActivityKind(refproto.EnumName(a.GetKind(), activityPrefix)),
			Days:        int(a.GetDays()),
			Description: a.GetDescription(),
		}
		if !act.Kind.Valid() {
			return offer.Offer{}, fmt.Errorf("decode support offer %s: activity %d: kind %s", m.GetName(), i, a.GetKind())
		}
		for _, p := range a.GetProvidingCouncils() {
			code, err := resource.ParseCouncil("providing_councils", p)
			if err != nil {
				return offer.Offer{}, fmt.Errorf("decode support offer %s: activity %d: %w", m.GetName(), i, err)
			}
			act.ProvidingCouncils = append(act.ProvidingCouncils, code)
		}
		o.Activities = append(o.Activities, act)
	}
	return o, nil
}

// fromProto reads the client-settable fields of a SupportOffer message:
// tier, reasons and activities. Output-only fields are ignored (AIP-203).
// Enum values are carried over by name for the domain rules to judge; a
// providing council that is not a council resource name is reported here,
// as a violation under prefix, and carried over as it is.
func fromProto(m *peerreviewv1.SupportOffer, prefix string) (offer.Offer, fault.Violations) {
	var vs fault.Violations
	o := offer.Offer{
		Tier:    offer.Tier(refproto.EnumName(m.GetTier(), tierPrefix)),
		Reasons: slices.Clone(m.GetReasons()),
	}
	for i, a := range m.GetActivities() {
		act := offer.Activity{
			Kind:        offer.ActivityKind(refproto.EnumName(a.GetKind(), activityPrefix)),
			Days:        int(a.GetDays()),
			Description: a.GetDescription(),
		}
		for j, p := range a.GetProvidingCouncils() {
			field := prefix + "activities[" + strconv.Itoa(i) + "].providing_councils[" + strconv.Itoa(j) + "]"
			code, err := resource.ParseCouncil(field, p)
			if err != nil {
				vs.Add(field, "must be localAuthorities/{gss_code}, one of the 152 councils, such as localAuthorities/E10000014, got %q", p)
				code = p
			}
			act.ProvidingCouncils = append(act.ProvidingCouncils, code)
		}
		o.Activities = append(o.Activities, act)
	}
	return o, vs
}
