package needapi

import (
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
)

// TestStoredBeforeAreasWereEnums reads a sponsor need stored with the old
// spelling of its areas (bare strings in AreaOfNeed's field 1): it loads
// with the same areas and weights and prints them as the enums.
func TestStoredBeforeAreasWereEnums(t *testing.T) {
	want := need.Need{
		GSSCode: "E08000035", ID: "n1", Urgency: 4, StaffDaysNeeded: 60, State: need.Open,
		Areas:      []need.AreaWeight{{Area: "HELP_AND_PROTECTION", Weight: 9}, {Area: "VOICE_OF_THE_CHILD", Weight: 4}},
		CreateTime: time.Date(2016, 3, 1, 9, 0, 0, 0, time.UTC),
	}
	current := ToStored(want)
	current.Areas = nil
	var old []byte
	for _, a := range want.Areas {
		var e []byte
		e = protowire.AppendTag(e, 1, protowire.BytesType)
		e = protowire.AppendString(e, a.Area)
		e = protowire.AppendTag(e, 2, protowire.VarintType)
		e = protowire.AppendVarint(e, uint64(a.Weight))
		old = protowire.AppendTag(old, 3, protowire.BytesType)
		old = protowire.AppendBytes(old, e)
	}

	want.Version = 2
	got := rpctest.LegacyDecodesAs(t, codec, current, old, 2, want)
	m := toProto(got)
	if a := m.GetAreas()[0]; a.GetJudgementArea() != typev1.JudgementArea_JUDGEMENT_AREA_HELP_AND_PROTECTION || a.GetWeight() != 9 {
		t.Errorf("HELP_AND_PROTECTION prints as %v", a)
	}
	if a := m.GetAreas()[1]; a.GetTheme() != peerreviewv1.Theme_THEME_VOICE_OF_THE_CHILD || a.GetWeight() != 4 {
		t.Errorf("VOICE_OF_THE_CHILD prints as %v", a)
	}
}
