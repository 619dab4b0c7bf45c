package interventionstore

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/intervention"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Enum name prefixes of the proto enums an intervention uses.
const (
	KindPrefix  = "INTERVENTION_KIND_"
	StatePrefix = "INTERVENTION_STATE_"
)

// Encode renders iv as the API message with its etag. Without the etag it
// is also the stored form: the version lives beside the data, not in it.
func Encode(iv intervention.Intervention) *improvementplanv1.Intervention {
	m := encode(iv)
	m.Etag = store.Etag(iv.Version)
	return m
}

func encode(iv intervention.Intervention) *improvementplanv1.Intervention {
	return &improvementplanv1.Intervention{
		Name:            iv.Name(),
		Kind:            improvementplanv1.InterventionKind(improvementplanv1.InterventionKind_value[KindPrefix+string(iv.Kind)]),
		Reason:          iv.Reason,
		Areas:           append([]string(nil), iv.Areas...),
		ImprovementPlan: iv.Plan,
		OrderedBy:       iv.OrderedBy,
		OrderTime:       timestamppb.New(iv.OrderTime),
		State:           improvementplanv1.InterventionState(improvementplanv1.InterventionState_value[StatePrefix+string(iv.State)]),
		LiftReason:      iv.LiftReason,
	}
}

func marshal(iv intervention.Intervention) ([]byte, error) {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(encode(iv))
	if err != nil {
		return nil, fmt.Errorf("encode intervention %s: %w", iv.Name(), err)
	}
	return b, nil
}

// decode reads a stored intervention at version. Stored data was validated
// when written, so anything unexpected is corruption and an error.
func decode(data []byte, version int64) (intervention.Intervention, error) {
	var m improvementplanv1.Intervention
	if err := proto.Unmarshal(data, &m); err != nil {
		return intervention.Intervention{}, fmt.Errorf("decode intervention: %w", err)
	}
	gss, id, err := intervention.ParseName("name", m.GetName())
	if err != nil {
		return intervention.Intervention{}, fmt.Errorf("decode intervention %q: %w", m.GetName(), err)
	}
	iv := intervention.Intervention{
		GSSCode:    gss,
		ID:         id,
		Kind:       intervention.Kind(strings.TrimPrefix(m.GetKind().String(), KindPrefix)),
		Reason:     m.GetReason(),
		Areas:      append([]string(nil), m.GetAreas()...),
		Plan:       m.GetImprovementPlan(),
		OrderedBy:  m.GetOrderedBy(),
		OrderTime:  m.GetOrderTime().AsTime(),
		State:      intervention.State(strings.TrimPrefix(m.GetState().String(), StatePrefix)),
		LiftReason: m.GetLiftReason(),
		Version:    version,
	}
	if !iv.Kind.Valid() || (iv.State != intervention.InForce && iv.State != intervention.Lifted) {
		return intervention.Intervention{}, fmt.Errorf("decode intervention %s: kind %s, state %s", m.GetName(), m.GetKind(), m.GetState())
	}
	return iv, nil
}
