package interventionapi

import (
	"fmt"

	"google.golang.org/protobuf/types/known/timestamppb"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/intervention"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planapi"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Enum name prefixes of the proto enums an intervention and a decision use.
const (
	kindPrefix     = "INTERVENTION_KIND_"
	statePrefix    = "INTERVENTION_STATE_"
	decisionPrefix = "PROGRESS_DECISION_"
)

// orderFromProto reads the client-settable fields of an Intervention
// message: kind, reason, areas and improvement_plan. Output-only fields,
// the name and the state among them, are ignored (AIP-203).
func orderFromProto(m *improvementplanv1.Intervention) intervention.Order {
	return intervention.Order{
		Kind:   intervention.Kind(refproto.EnumName(m.GetKind(), kindPrefix)),
		Reason: m.GetReason(),
		Areas:  areasFromProto(m.GetAreas()),
		Plan:   m.GetImprovementPlan(),
	}
}

// areasFromProto names judgement areas as the domain does.
func areasFromProto(in []typev1.JudgementArea) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, len(in))
	for i, a := range in {
		out[i] = refproto.JudgementAreaName(a)
	}
	return out
}

// areasToProto is the inverse of areasFromProto.
func areasToProto(in []string) []typev1.JudgementArea {
	if len(in) == 0 {
		return nil
	}
	out := make([]typev1.JudgementArea, len(in))
	for i, a := range in {
		out[i] = refproto.JudgementArea(a)
	}
	return out
}

// legacyAreasField is the field number an intervention's areas had while
// they were bare strings (HELP_AND_PROTECTION); the message reserves it.
const legacyAreasField = 4

// ToProto renders iv as the API returns it: its stored form with its etag.
func ToProto(iv intervention.Intervention) *improvementplanv1.Intervention {
	m := ToStored(iv)
	m.Etag = change.Format(iv.Version)
	return m
}

// decidedToProto renders a committed decision as DecideProgress answers
// it; the plan is rendered as of the decision, its last change.
func decidedToProto(d intervention.Decided) *improvementplanv1.DecideProgressResponse {
	resp := &improvementplanv1.DecideProgressResponse{ImprovementPlan: planapi.ToProto(d.Plan, d.Plan.UpdateTime)}
	if d.Intervention != nil {
		resp.Intervention = ToProto(*d.Intervention)
	}
	return resp
}

// ToStored renders iv as its stored form: the API message without the
// etag, since the version lives beside the data, not in it.
func ToStored(iv intervention.Intervention) *improvementplanv1.Intervention {
	return &improvementplanv1.Intervention{
		Name:            iv.Name(),
		Kind:            improvementplanv1.InterventionKind(improvementplanv1.InterventionKind_value[kindPrefix+string(iv.Kind)]),
		Reason:          iv.Reason,
		Areas:           areasToProto(iv.Areas),
		ImprovementPlan: iv.Plan,
		OrderedBy:       iv.OrderedBy,
		OrderTime:       timestamppb.New(iv.OrderTime),
		State:           improvementplanv1.InterventionState(improvementplanv1.InterventionState_value[statePrefix+string(iv.State)]),
		LiftReason:      iv.LiftReason,
	}
}

// FromStored reads a stored intervention at version. Stored data was
// validated when written, so anything unexpected is corruption and an
// error.
func FromStored(m *improvementplanv1.Intervention, version int64) (intervention.Intervention, error) {
	gss, id, err := intervention.ParseName("name", m.GetName())
	if err != nil {
		return intervention.Intervention{}, fmt.Errorf("decode intervention %q: %w", m.GetName(), err)
	}
	o := orderFromProto(m)
	if len(o.Areas) == 0 {
		// Written before areas were the JudgementArea enum: the bare names
		// are what the domain uses.
		o.Areas = refproto.LegacyStrings(m, legacyAreasField)
	}
	iv := intervention.Intervention{
		GSSCode:    gss,
		ID:         id,
		Kind:       o.Kind,
		Reason:     o.Reason,
		Areas:      o.Areas,
		Plan:       o.Plan,
		OrderedBy:  m.GetOrderedBy(),
		OrderTime:  m.GetOrderTime().AsTime(),
		State:      intervention.State(refproto.EnumName(m.GetState(), statePrefix)),
		LiftReason: m.GetLiftReason(),
		Version:    version,
	}
	if !iv.Kind.Valid() || (iv.State != intervention.InForce && iv.State != intervention.Lifted) {
		return intervention.Intervention{}, fmt.Errorf("decode intervention %s: kind %s, state %s", m.GetName(), m.GetKind(), m.GetState())
	}
	return iv, nil
}
