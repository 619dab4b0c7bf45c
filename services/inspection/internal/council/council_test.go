package council

import (
	"time"

	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

func TestParseName(t *testing.T) {
	storetest.IDNames(t, resource.ParseCouncil, map[string]string{
		"localAuthorities/E08000035": "E08000035",
		"localAuthorities/E09000001": "E09000001",
	}, []string{
		"localAuthorities/e08000035",
		"localAuthorities/E07000001",
		"localAuthorities/",
		"sponsors/E08000035",
		"E08000035",
		"",
	})
}

func councils() []LocalAuthority {
	var out []LocalAuthority
	for _, c := range reference.Councils() {
		out = append(out, LocalAuthority{Council: c, Version: 1})
	}
	return out
}

func TestSelect(t *testing.T) {
	all := councils()
	for _, tc := range []struct {
		filter, order string
		count         int
		first         string
	}{
		{"", "", 152, "Barking and Dagenham"},
		{"", "display_name desc", 152, "York"},
		{"", "gss_code", 152, "Hartlepool"},
		{`region = "LONDON"`, "", 33, "Barking and Dagenham"},
		{`region = LONDON AND council_type = LONDON_BOROUGH`, "", 32, "Barking and Dagenham"},
		{`council_type = COUNTY`, "", 27, "Buckinghamshire County"},
		{`region = NORTH_EAST OR region = NORTH_WEST`, "gss_code", 35, "Hartlepool"},
		{`NOT region = LONDON`, "", 119, "Barnsley"},
		{`council_type = CITY_CORPORATION`, "", 1, "City of London"},
	} {
		f, err := filter.Compile(tc.filter, FilterSchema)
		if err != nil {
			t.Fatalf("compile %q: %v", tc.filter, err)
		}
		o, err := filter.ParseOrderBy(tc.order, OrderFields, DefaultOrder)
		if err != nil {
			t.Fatalf("order %q: %v", tc.order, err)
		}
		got := Select(all, f, o)
		if len(got) != tc.count || got[0].Name != tc.first {
			t.Errorf("Select(%q, %q) = %d councils starting %q, want %d starting %q", tc.filter, tc.order, len(got), got[0].Name, tc.count, tc.first)
		}
	}
}

func TestFilterSchemaRejectsUnknownValues(t *testing.T) {
	for _, bad := range []string{`region = "ATLANTIS"`, `colour = "red"`, `council_type < COUNTY`} {
		if _, err := filter.Compile(bad, FilterSchema); !fault.IsKind(err, fault.KindInvalid) {
			t.Errorf("Compile(%q) = %v, want INVALID_ARGUMENT", bad, err)
		}
	}
}

func TestWithJudgement(t *testing.T) {
	leeds, _ := reference.CouncilByCode("E08000035")
	la := LocalAuthority{Council: leeds}
	day := func(d int) time.Time { return time.Date(2015, 6, d, 0, 0, 0, 0, time.UTC) }
	mv := LatestJudgement{Inspection: "localAuthorities/E08000035/inspections/a", Framework: "EMERGENCY", OverallGrade: reference.Inadequate, PublishDate: day(1)}
	la = la.WithJudgement(mv)
	if la.Latest == nil || la.Latest.OverallGrade != reference.Inadequate || la.InspectedUnderSIF {
		t.Fatalf("after an emergency judgement: %+v", la)
	}
	sif := LatestJudgement{Inspection: "localAuthorities/E08000035/inspections/b", Framework: "SIF", OverallGrade: reference.Good, PublishDate: day(20)}
	la = la.WithJudgement(sif)
	if la.Latest.OverallGrade != reference.Good || !la.InspectedUnderSIF {
		t.Fatalf("after a later SIF judgement: %+v", la)
	}
	older := LatestJudgement{Inspection: "localAuthorities/E08000035/inspections/c", Framework: "ILACS", OverallGrade: reference.Inadequate, PublishDate: day(10)}
	if got := la.WithJudgement(older); got.Latest.OverallGrade != reference.Good {
		t.Fatalf("an older judgement replaced the latest: %+v", got.Latest)
	}
	f, err := filter.Compile(`latest_grade = GOOD AND inspected_under_sif = true`, FilterSchema)
	if err != nil {
		t.Fatal(err)
	}
	if got := Select([]LocalAuthority{la, {Council: leeds}}, f, nil); len(got) != 1 {
		t.Fatalf("filter on latest grade matched %d", len(got))
	}
}
