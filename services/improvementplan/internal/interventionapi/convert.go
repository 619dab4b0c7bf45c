package interventionapi

import (
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/intervention"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/interventionstore"
)

// decisionPrefix is the enum name prefix of ProgressDecision; the
// intervention's own enums are mapped in interventionstore.
const decisionPrefix = "PROGRESS_DECISION_"

// enumName is the domain value of a proto enum: its name without prefix,
// "" for the zero value, and for a number the enum does not define the
// number itself, which the domain rules then reject by name. Conversion
// never fails, so the rules see, and report, every problem at once.
func enumName(e protoreflect.Enum, prefix string) string {
	if e.Number() == 0 {
		return ""
	}
	if v := e.Descriptor().Values().ByNumber(e.Number()); v != nil {
		return strings.TrimPrefix(string(v.Name()), prefix)
	}
	return strconv.Itoa(int(e.Number()))
}

// orderFromProto reads the client-settable fields of an Intervention
// message: kind, reason, areas and improvement_plan. Output-only fields,
// the name and the state among them, are ignored (AIP-203).
func orderFromProto(m *improvementplanv1.Intervention) intervention.Order {
	return intervention.Order{
		Kind:   intervention.Kind(enumName(m.GetKind(), interventionstore.KindPrefix)),
		Reason: m.GetReason(),
		Areas:  slices.Clone(m.GetAreas()),
		Plan:   m.GetImprovementPlan(),
	}
}
