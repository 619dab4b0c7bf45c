package interventionapi

import (
	"slices"

	"github.com/turnaround-sli/turnaround/services/reference/refproto"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/intervention"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/interventionstore"
)

// decisionPrefix is the enum name prefix of ProgressDecision; the
// intervention's own enums are mapped in interventionstore.
const decisionPrefix = "PROGRESS_DECISION_"

// orderFromProto reads the client-settable fields of an Intervention
// message: kind, reason, areas and improvement_plan. Output-only fields,
// the name and the state among them, are ignored (AIP-203).
func orderFromProto(m *improvementplanv1.Intervention) intervention.Order {
	return intervention.Order{
		Kind:   intervention.Kind(refproto.EnumName(m.GetKind(), interventionstore.KindPrefix)),
		Reason: m.GetReason(),
		Areas:  slices.Clone(m.GetAreas()),
		Plan:   m.GetImprovementPlan(),
	}
}
