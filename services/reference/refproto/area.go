package refproto

import (
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
)

// JudgementAreaPrefix is the enum name prefix of typev1.JudgementArea; the
// domains name a judgement area without it (HELP_AND_PROTECTION).
const JudgementAreaPrefix = "JUDGEMENT_AREA_"

// JudgementArea returns the proto enum of a judgement area named as the
// domains name it, with or without the prefix; JUDGEMENT_AREA_UNSPECIFIED
// when it names none.
func JudgementArea(name string) typev1.JudgementArea {
	return typev1.JudgementArea(enumFrom(typev1.JudgementArea_value, JudgementAreaPrefix, name))
}

// JudgementAreaName is the domain name of a judgement area: the enum value
// name without prefix, "" when unset, the number for one the enum does not
// define (see EnumName).
func JudgementAreaName(a typev1.JudgementArea) string {
	return EnumName(a, JudgementAreaPrefix)
}

// LegacyStrings returns the strings an earlier version of m's message kept
// in field num, which the current message has reserved and so keeps among
// its unknown fields. It is how stored records written before a field
// changed type (a bare string area that became an enum) are still read.
func LegacyStrings(m proto.Message, num protowire.Number) []string {
	var out []string
	b := m.ProtoReflect().GetUnknown()
	for len(b) > 0 {
		n, typ, l := protowire.ConsumeTag(b)
		if l < 0 {
			return out
		}
		b = b[l:]
		if n == num && typ == protowire.BytesType {
			v, l := protowire.ConsumeBytes(b)
			if l < 0 {
				return out
			}
			out = append(out, string(v))
			b = b[l:]
			continue
		}
		l = protowire.ConsumeFieldValue(n, typ, b)
		if l < 0 {
			return out
		}
		b = b[l:]
	}
	return out
}
