package needstore

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

// StatePrefix is the enum name prefix of the proto enum NeedState.
const StatePrefix = "NEED_STATE_"

// StateProto returns the proto enum of a need state.
func StateProto(s need.State) sponsorv1.NeedState {
	return sponsorv1.NeedState(sponsorv1.NeedState_value[StatePrefix+string(s)])
}

// Encode renders n as the API returns it, with its etag. Without the etag
// it is also the stored form: the version lives beside the data.
func Encode(n need.Need) *sponsorv1.SponsorNeed {
	m := encode(n)
	m.Etag = store.Etag(n.Version)
	return m
}

func encode(n need.Need) *sponsorv1.SponsorNeed {
	m := &sponsorv1.SponsorNeed{
		Name:                 n.Name(),
		Intervention:         n.Intervention,
		Urgency:              int32(n.Urgency),
		StaffDaysNeeded:      int32(n.StaffDaysNeeded),
		RequiresTrustSponsor: n.RequiresTrustSponsor,
		State:                StateProto(n.State),
		Engagement:           n.Engagement,
		CreateTime:           timestamppb.New(n.CreateTime),
	}
	for _, a := range n.Areas {
		m.Areas = append(m.Areas, &sponsorv1.AreaOfNeed{Area: a.Area, Weight: int32(a.Weight)})
	}
	for _, id := range n.ExcludedSponsors {
		m.ExcludedSponsors = append(m.ExcludedSponsors, sponsor.Name(id))
	}
	return m
}

// marshal encodes n's stored form; with etag, the form an idempotency
// record replays, which carries its version.
func marshal(n need.Need, withEtag bool) ([]byte, error) {
	m := encode(n)
	if withEtag {
		m.Etag = store.Etag(n.Version)
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode sponsor need %s: %w", n.Name(), err)
	}
	return b, nil
}

// decode reads a stored need at version. Stored data was validated when
// written, so anything unexpected is corruption and an error.
func decode(data []byte, version int64) (need.Need, error) {
	var m sponsorv1.SponsorNeed
	if err := proto.Unmarshal(data, &m); err != nil {
		return need.Need{}, fmt.Errorf("decode sponsor need: %w", err)
	}
	gss, id, err := resource.ParseCouncilChild("name", need.Collection, m.GetName())
	if err != nil {
		return need.Need{}, fmt.Errorf("decode sponsor need %q: %w", m.GetName(), err)
	}
	n := need.Need{
		GSSCode:              gss,
		ID:                   id,
		Intervention:         m.GetIntervention(),
		Urgency:              int(m.GetUrgency()),
		StaffDaysNeeded:      int(m.GetStaffDaysNeeded()),
		RequiresTrustSponsor: m.GetRequiresTrustSponsor(),
		State:                need.State(strings.TrimPrefix(m.GetState().String(), StatePrefix)),
		Engagement:           m.GetEngagement(),
		Version:              version,
		CreateTime:           m.GetCreateTime().AsTime(),
	}
	for _, a := range m.GetAreas() {
		n.Areas = append(n.Areas, need.AreaWeight{Area: a.GetArea(), Weight: int(a.GetWeight())})
	}
	for _, name := range m.GetExcludedSponsors() {
		sid, err := resource.ParseID("excluded_sponsors", sponsor.Collection, name)
		if err != nil {
			return need.Need{}, fmt.Errorf("decode sponsor need %s: %w", m.GetName(), err)
		}
		n.ExcludedSponsors = append(n.ExcludedSponsors, sid)
	}
	if !n.State.Valid() {
		return need.Need{}, fmt.Errorf("decode sponsor need %s: state %s", m.GetName(), m.GetState())
	}
	return n, nil
}
