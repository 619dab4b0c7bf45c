package offerstore

import (
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offer"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Enum name prefixes of the proto enums offers use.
const (
	TierPrefix     = "OFFER_TIER_"
	StatePrefix    = "OFFER_STATE_"
	ActivityPrefix = "ACTIVITY_KIND_"
)

// ToProto renders an offer as the API returns it, with its etag. Providing
// councils become council resource names, localAuthorities/{gss_code}.
func ToProto(o offer.Offer) *peerreviewv1.SupportOffer {
	m := &peerreviewv1.SupportOffer{
		Name:       o.Name(),
		Tier:       peerreviewv1.OfferTier(peerreviewv1.OfferTier_value[TierPrefix+string(o.Tier)]),
		State:      peerreviewv1.OfferState(peerreviewv1.OfferState_value[StatePrefix+string(o.State)]),
		Reasons:    slices.Clone(o.Reasons),
		PeerReview: o.PeerReview,
		Inspection: o.Inspection,
		History:    slices.Clone(o.History),
		Etag:       store.Etag(o.Version),
		CreateTime: timestamppb.New(o.CreateTime),
		UpdateTime: timestamppb.New(o.UpdateTime),
	}
	for _, a := range o.Activities {
		act := &peerreviewv1.Activity{
			Kind:        peerreviewv1.ActivityKind(peerreviewv1.ActivityKind_value[ActivityPrefix+string(a.Kind)]),
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

// marshal encodes o's stored form, the API message without its etag (the
// record's version is the etag); with etag, the form an idempotency record
// replays, which carries its version.
func marshal(o offer.Offer, withEtag bool) ([]byte, error) {
	m := ToProto(o)
	if !withEtag {
		m.Etag = ""
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode support offer %s: %w", o.Name(), err)
	}
	return b, nil
}

// decode reads a stored offer at version. Stored data was validated when
// written, so anything unexpected is corruption and an error.
func decode(data []byte, version int64) (offer.Offer, error) {
	var m peerreviewv1.SupportOffer
	if err := proto.Unmarshal(data, &m); err != nil {
		return offer.Offer{}, fmt.Errorf("decode support offer: %w", err)
	}
	gss, id, err := resource.ParseCouncilChild("name", offer.Collection, m.GetName())
	if err != nil {
		return offer.Offer{}, fmt.Errorf("decode support offer %q: %w", m.GetName(), err)
	}
	o := offer.Offer{
		GSSCode:    gss,
		ID:         id,
		Tier:       offer.Tier(strings.TrimPrefix(m.GetTier().String(), TierPrefix)),
		State:      offer.State(strings.TrimPrefix(m.GetState().String(), StatePrefix)),
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
			Kind:        offer.ActivityKind(strings.TrimPrefix(a.GetKind().String(), ActivityPrefix)),
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

// decodeReplay reads the response an idempotency record holds: the stored
// form with the etag of the version the first call produced.
func decodeReplay(data []byte) (offer.Offer, error) {
	var m peerreviewv1.SupportOffer
	if err := proto.Unmarshal(data, &m); err != nil {
		return offer.Offer{}, fmt.Errorf("decode replayed support offer: %w", err)
	}
	version, err := store.ParseEtag(m.GetEtag())
	if err != nil || version < 1 {
		return offer.Offer{}, fmt.Errorf("decode replayed support offer %s: etag %q", m.GetName(), m.GetEtag())
	}
	return decode(data, version)
}
