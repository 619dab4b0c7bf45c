// Package areaapi converts the sponsor service's areas of practice (see
// sponsor.Areas) to and from the API, where an area is a judgement area
// (turnaround.type.v1.JudgementArea) or a peer-review theme
// (turnaround.peerreview.v1.Theme), one of the two, in a sponsor's
// expertise and a council's areas of need alike.
package areaapi

import (
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// themePrefix is the enum name prefix of peerreviewv1.Theme.
const themePrefix = "THEME_"

// legacyField is the field number Expertise and AreaOfNeed kept their area
// in while it was a bare string (HELP_AND_PROTECTION, WORKFORCE_STABILITY);
// both messages reserve it.
const legacyField = 1

// Name is the domain name of an area given as a judgement area or a theme:
// the enum value name without prefix, "" when neither is set, and for a
// number the enum does not define the number, for the rules to refuse.
func Name(judgement typev1.JudgementArea, theme peerreviewv1.Theme) string {
	if judgement != typev1.JudgementArea_JUDGEMENT_AREA_UNSPECIFIED {
		return refproto.JudgementAreaName(judgement)
	}
	return refproto.EnumName(theme, themePrefix)
}

// Split is the enum an area's domain name stands for: its judgement area
// or, when it is not one, its theme. CARE_LEAVERS, in both, is the
// judgement area. Both are unspecified for a name in neither.
func Split(name string) (typev1.JudgementArea, peerreviewv1.Theme) {
	if j := refproto.JudgementArea(name); j != typev1.JudgementArea_JUDGEMENT_AREA_UNSPECIFIED {
		return j, peerreviewv1.Theme_THEME_UNSPECIFIED
	}
	if name == "" {
		return typev1.JudgementArea_JUDGEMENT_AREA_UNSPECIFIED, peerreviewv1.Theme_THEME_UNSPECIFIED
	}
	return typev1.JudgementArea_JUDGEMENT_AREA_UNSPECIFIED, refproto.Enum[peerreviewv1.Theme](themePrefix, name)
}

// Legacy is the bare string area a stored Expertise or AreaOfNeed written
// before areas were enums holds, "" for one written since.
func Legacy(m proto.Message) string {
	s := refproto.LegacyStrings(m, legacyField)
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1]
}

// NameFields points the violations of err that name an element's area as
// list[i].area (the rules know an area, not how the request spelt it) at
// the field the request gave it in, list[i].judgement_area or
// list[i].theme, so a client knows which field to change. An element that
// gave neither keeps list[i].area, the oneof to set.
func NameFields[M proto.Message](err error, list string, elems []M) error {
	f, ok := fault.As(err)
	if !ok {
		return err
	}
	for j, v := range f.Violations {
		rest, ok := strings.CutPrefix(v.Field, list+"[")
		if !ok {
			continue
		}
		idx, tail, ok := strings.Cut(rest, "]")
		i, convErr := strconv.Atoi(idx)
		if !ok || tail != ".area" || convErr != nil || i < 0 || i >= len(elems) {
			continue
		}
		m := elems[i].ProtoReflect()
		if member := m.WhichOneof(m.Descriptor().Oneofs().ByName("area")); member != nil {
			f.Violations[j].Field = list + "[" + idx + "]." + string(member.Name())
		}
	}
	return err
}
