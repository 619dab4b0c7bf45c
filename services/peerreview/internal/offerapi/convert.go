package offerapi

import (
	"fmt"
	"slices"
	"strconv"

	"google.golang.org/protobuf/types/known/timestamppb"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offer"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

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
		Tier:       peerreviewv1.OfferTier(peerreviewv1.OfferTier_value[tierPrefix+string(o.Tier)]),
		State:      peerreviewv1.OfferState(peerreviewv1.OfferState_value[statePrefix+string(o.State)]),
		Reasons:    slices.Clone(o.Reasons),
		PeerReview: o.PeerReview,
		Inspection: o.Inspection,
		History:    slices.Clone(o.History),
		CreateTime: timestamppb.New(o.CreateTime),
		UpdateTime: timestamppb.New(o.UpdateTime),
	}
	for _, a := range o.Activities {
		act := &peerreviewv1.Activity{
			Kind:        peerreviewv1.ActivityKind(peerreviewv1.ActivityKind_value[activityPrefix+string(a.Kind)]),
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
