package needapi

import (
	"fmt"
	"strconv"

	"github.com/turnaround-sli/turnaround/services/reference/refproto"
	"google.golang.org/protobuf/types/known/timestamppb"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/areaapi"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

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
		State:                sponsorv1.NeedState(sponsorv1.NeedState_value[statePrefix+string(n.State)]),
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
