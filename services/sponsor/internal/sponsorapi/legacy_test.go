package sponsorapi

import (
	"reflect"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protowire"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

// oldExpertise is an Expertise as stored before areas were enums: field 1
// the bare area name, field 2 the strength.
func oldExpertise(area string, strength sponsorv1.Strength) []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendString(b, area)
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(strength))
}

// TestStoredBeforeAreasWereEnums reads a sponsor stored with the old
// spelling of its expertise (LSCB, WORKFORCE_STABILITY as bare strings in
// field 1): it loads with the same areas, prints them as the JudgementArea
// and Theme enums, and is written back in the new form.
func TestStoredBeforeAreasWereEnums(t *testing.T) {
	want := tri()
	want.Expertise = []sponsor.Expertise{
		{Area: reference.AreaLSCB, Strength: sponsor.Leading},
		{Area: sponsor.AreaWorkforceStability, Strength: sponsor.Strong},
		{Area: reference.AreaCareLeavers, Strength: sponsor.Developing},
	}
	current := ToStored(want)
	current.Expertise = nil
	var old []byte
	for _, e := range []struct {
		area     string
		strength sponsorv1.Strength
	}{
		{"LSCB", sponsorv1.Strength_STRENGTH_LEADING},
		{"WORKFORCE_STABILITY", sponsorv1.Strength_STRENGTH_STRONG},
		{"CARE_LEAVERS", sponsorv1.Strength_STRENGTH_DEVELOPING},
	} {
		old = protowire.AppendTag(old, 7, protowire.BytesType)
		old = protowire.AppendBytes(old, oldExpertise(e.area, e.strength))
	}

	want.Version = 5
	got := rpctest.LegacyDecodesAs(t, codec, current, old, 5, want)
	m := toProto(got, sponsor.Usage{})
	if a := m.GetExpertise()[0].GetJudgementArea(); a != typev1.JudgementArea_JUDGEMENT_AREA_LSCB {
		t.Errorf("LSCB prints as %v", m.GetExpertise()[0])
	}
	if th := m.GetExpertise()[1].GetTheme(); th != peerreviewv1.Theme_THEME_WORKFORCE_STABILITY {
		t.Errorf("WORKFORCE_STABILITY prints as %v", m.GetExpertise()[1])
	}
	if a := m.GetExpertise()[2].GetJudgementArea(); a != typev1.JudgementArea_JUDGEMENT_AREA_CARE_LEAVERS {
		t.Errorf("CARE_LEAVERS, a judgement area and a theme, prints as %v", m.GetExpertise()[2])
	}

	// Written back, the record has the new form only.
	var again sponsorv1.Sponsor
	rpctest.Rewritten(t, codec, got, &again)
	for _, e := range again.GetExpertise() {
		if len(e.ProtoReflect().GetUnknown()) != 0 || e.GetArea() == nil {
			t.Errorf("rewritten expertise %v keeps the old field or lacks the new", e)
		}
	}
}

// TestExpertiseThemeOrJudgementArea: a request names an area as a
// judgement area or a theme, and one named as neither is left for the
// rules to refuse.
func TestExpertiseThemeOrJudgementArea(t *testing.T) {
	m := &sponsorv1.Sponsor{Expertise: []*sponsorv1.Expertise{
		{Area: &sponsorv1.Expertise_JudgementArea{JudgementArea: typev1.JudgementArea_JUDGEMENT_AREA_HELP_AND_PROTECTION}},
		{Area: &sponsorv1.Expertise_Theme{Theme: peerreviewv1.Theme_THEME_CARE_LEAVERS}},
		{Area: &sponsorv1.Expertise_Theme{Theme: peerreviewv1.Theme_THEME_CASELOADS}},
		{},
		{Area: &sponsorv1.Expertise_JudgementArea{JudgementArea: 42}},
	}}
	sp, _ := fromProto(m, "")
	var got []string
	for _, e := range sp.Expertise {
		got = append(got, e.Area)
	}
	want := []string{"HELP_AND_PROTECTION", "CARE_LEAVERS", "CASELOADS", "", "42"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("areas = %q, want %q", got, want)
	}
}

// TestAreaViolationsNameTheField: a violation on an expertise's area names
// the field the request gave it in (judgement_area or theme), and the
// oneof, area, when it gave neither; whether the handler or the use case
// finds it.
func TestAreaViolationsNameTheField(t *testing.T) {
	e := newEnv(t)
	bad := leedsSponsor()
	bad.Expertise = []*sponsorv1.Expertise{
		{Strength: sponsorv1.Strength_STRENGTH_STRONG},
		{Area: &sponsorv1.Expertise_Theme{Theme: 99}, Strength: sponsorv1.Strength_STRENGTH_STRONG},
		{Area: &sponsorv1.Expertise_JudgementArea{JudgementArea: typev1.JudgementArea_JUDGEMENT_AREA_OVERALL_EFFECTIVENESS}, Strength: sponsorv1.Strength_STRENGTH_STRONG},
	}
	_, err := e.client.CreateSponsor(e.as(rpctest.Official), &sponsorv1.CreateSponsorRequest{Sponsor: bad})
	rpctest.ExpectError(t, "bad areas", err, codes.InvalidArgument, "",
		"sponsor.expertise[0].area", "sponsor.expertise[1].theme", "sponsor.expertise[2].judgement_area")

	twice := leedsSponsor()
	twice.Expertise = []*sponsorv1.Expertise{
		{Area: &sponsorv1.Expertise_Theme{Theme: peerreviewv1.Theme_THEME_CASELOADS}, Strength: sponsorv1.Strength_STRENGTH_STRONG},
		{Area: &sponsorv1.Expertise_Theme{Theme: peerreviewv1.Theme_THEME_CASELOADS}, Strength: sponsorv1.Strength_STRENGTH_LEADING},
	}
	_, err = e.client.CreateSponsor(e.as(rpctest.Official), &sponsorv1.CreateSponsorRequest{Sponsor: twice, SponsorId: "twice"})
	rpctest.ExpectError(t, "an area twice", err, codes.InvalidArgument, "", "sponsor.expertise[1].theme")
}
