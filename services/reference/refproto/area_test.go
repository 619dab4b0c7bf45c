package refproto

import (
	"slices"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
)

func TestJudgementAreaNames(t *testing.T) {
	for n, name := range typev1.JudgementArea_name {
		a := typev1.JudgementArea(n)
		if a == typev1.JudgementArea_JUDGEMENT_AREA_UNSPECIFIED {
			continue
		}
		short := JudgementAreaName(a)
		if short == name || JudgementArea(short) != a || JudgementArea(name) != a {
			t.Errorf("%s: short %q, back %v", name, short, JudgementArea(short))
		}
	}
	if JudgementArea("SCHOOLS") != typev1.JudgementArea_JUDGEMENT_AREA_UNSPECIFIED || JudgementArea("") != 0 {
		t.Error("an unknown area maps to a value")
	}
	if JudgementAreaName(0) != "" || JudgementAreaName(99) != "99" {
		t.Errorf("unset %q, unknown %q", JudgementAreaName(0), JudgementAreaName(99))
	}
}

// TestLegacyStrings reads strings a reserved field kept, among other
// unknown fields of other types, and ignores the message's known fields.
func TestLegacyStrings(t *testing.T) {
	b, err := proto.Marshal(&typev1.Date{Year: 2016, Month: 3, Day: 1})
	if err != nil {
		t.Fatal(err)
	}
	b = protowire.AppendTag(b, 9, protowire.BytesType)
	b = protowire.AppendString(b, "HELP_AND_PROTECTION")
	b = protowire.AppendTag(b, 10, protowire.VarintType)
	b = protowire.AppendVarint(b, 7)
	b = protowire.AppendTag(b, 9, protowire.BytesType)
	b = protowire.AppendString(b, "LSCB")
	var d typev1.Date
	if err := proto.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if got := LegacyStrings(&d, 9); !slices.Equal(got, []string{"HELP_AND_PROTECTION", "LSCB"}) {
		t.Errorf("LegacyStrings = %q", got)
	}
	if got := LegacyStrings(&d, 10); len(got) != 0 {
		t.Errorf("a varint field read as strings: %q", got)
	}
	if got := LegacyStrings(&typev1.Date{Year: 2016}, 9); len(got) != 0 {
		t.Errorf("no unknown fields: %q", got)
	}
}
