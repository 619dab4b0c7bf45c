package interventionapi

import (
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/intervention"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
)

// TestStoredBeforeAreasWereEnums reads an intervention stored while its
// areas were bare strings in field 4 (HELP_AND_PROTECTION): it loads with
// the same areas, prints them as the JudgementArea enum, and is written
// back with the enum only.
func TestStoredBeforeAreasWereEnums(t *testing.T) {
	want := intervention.Intervention{
		GSSCode: "E08000035", ID: "iv1", Kind: intervention.Commissioner, Reason: "Leadership has not stabilised.",
		Areas:     []string{"HELP_AND_PROTECTION", "LEADERSHIP_MANAGEMENT_GOVERNANCE"},
		OrderedBy: "dfe-1", OrderTime: time.Date(2016, 6, 1, 9, 0, 0, 0, time.UTC), State: intervention.InForce,
	}
	current := ToStored(want)
	current.Areas = nil
	var old []byte
	for _, a := range want.Areas {
		old = protowire.AppendTag(old, 4, protowire.BytesType)
		old = protowire.AppendString(old, a)
	}

	want.Version = 7
	got := rpctest.LegacyDecodesAs(t, codec, current, old, 7, want)
	wantEnums := []typev1.JudgementArea{
		typev1.JudgementArea_JUDGEMENT_AREA_HELP_AND_PROTECTION, typev1.JudgementArea_JUDGEMENT_AREA_LEADERSHIP_MANAGEMENT_GOVERNANCE,
	}
	if m := ToProto(got); !slices.Equal(m.GetAreas(), wantEnums) {
		t.Errorf("areas print as %v", m.GetAreas())
	}
	var again improvementplanv1.Intervention
	rpctest.Rewritten(t, codec, got, &again)
	if len(again.ProtoReflect().GetUnknown()) != 0 || !slices.Equal(again.GetAreas(), wantEnums) {
		t.Errorf("rewritten record: areas %v, unknown fields %x", again.GetAreas(), again.ProtoReflect().GetUnknown())
	}
}
