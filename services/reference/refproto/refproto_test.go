package refproto

import (
	"testing"

	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// roundTrips checks that each of vals has an enum other than unspecified
// and comes back from it unchanged.
func roundTrips[V, E comparable](t *testing.T, what string, vals []V, to func(V) E, from func(E) (V, bool), unspecified E) {
	t.Helper()
	for _, v := range vals {
		p := to(v)
		if p == unspecified {
			t.Errorf("%s %v has no enum", what, v)
		}
		if back, ok := from(p); !ok || back != v {
			t.Errorf("%s %v round trip = %v, %v", what, v, back, ok)
		}
	}
}

func TestRoundTrips(t *testing.T) {
	roundTrips(t, "region", reference.Regions, Region, RegionFrom, typev1.Region_REGION_UNSPECIFIED)
	roundTrips(t, "type", reference.CouncilTypes, CouncilType, CouncilTypeFrom, typev1.CouncilType_COUNCIL_TYPE_UNSPECIFIED)
	if _, ok := RegionFrom(typev1.Region_REGION_UNSPECIFIED); ok {
		t.Error("unspecified region accepted")
	}
	if _, ok := CouncilTypeFrom(typev1.CouncilType(99)); ok {
		t.Error("unknown council type accepted")
	}
}

func TestGradeRoundTrip(t *testing.T) {
	roundTrips(t, "grade", reference.Grades, Grade, GradeFrom, typev1.Grade_GRADE_UNSPECIFIED)
	if _, ok := GradeFrom(typev1.Grade_GRADE_UNSPECIFIED); ok {
		t.Error("unspecified grade accepted")
	}
}

func TestDateFrom(t *testing.T) {
	for _, tc := range []struct {
		d       *typev1.Date
		ok, bad bool
	}{
		{nil, false, false},
		{&typev1.Date{Year: 2015, Month: 12, Day: 14}, true, false},
		{&typev1.Date{Year: 2016, Month: 2, Day: 29}, true, false},
		{&typev1.Date{Year: 2015, Month: 2, Day: 29}, false, true},
		{&typev1.Date{Year: 2015, Month: 13, Day: 1}, false, true},
		{&typev1.Date{Year: 2015, Month: 1, Day: 0}, false, true},
		{&typev1.Date{Year: 15, Month: 1, Day: 1}, false, true},
	} {
		got, ok, err := DateFrom(tc.d)
		if ok != tc.ok || (err != nil) != tc.bad {
			t.Errorf("DateFrom(%v) = %v, %v, %v", tc.d, got, ok, err)
		}
		if ok {
			if back := Date(got); back.GetYear() != tc.d.GetYear() || back.GetMonth() != tc.d.GetMonth() || back.GetDay() != tc.d.GetDay() {
				t.Errorf("Date(DateFrom(%v)) = %v", tc.d, back)
			}
		}
	}
}

func TestEnumName(t *testing.T) {
	for _, tc := range []struct {
		e    typev1.Grade
		want string
	}{
		{typev1.Grade_GRADE_UNSPECIFIED, ""},
		{typev1.Grade_GRADE_INADEQUATE, "INADEQUATE"},
		{typev1.Grade(99), "99"},
	} {
		if got := EnumName(tc.e, "GRADE_"); got != tc.want {
			t.Errorf("EnumName(%v) = %q, want %q", tc.e, got, tc.want)
		}
	}
}

type gradeName string

func TestEnumNamesTheProtoValue(t *testing.T) {
	for _, c := range []struct {
		name gradeName
		want typev1.Grade
	}{
		{"OUTSTANDING", typev1.Grade_GRADE_OUTSTANDING},
		{"REQUIRES_IMPROVEMENT", typev1.Grade_GRADE_REQUIRES_IMPROVEMENT},
		{"INADEQUATE", typev1.Grade_GRADE_INADEQUATE},
		// A name the enum does not define, or the prefix written twice,
		// is its UNSPECIFIED value, never another grade.
		{"", typev1.Grade_GRADE_UNSPECIFIED},
		{"SPLENDID", typev1.Grade_GRADE_UNSPECIFIED},
		{"GRADE_GOOD", typev1.Grade_GRADE_UNSPECIFIED},
		{"good", typev1.Grade_GRADE_UNSPECIFIED},
	} {
		if got := Enum[typev1.Grade]("GRADE_", c.name); got != c.want {
			t.Errorf("Enum(%q) = %v, want %v", c.name, got, c.want)
		}
	}
}
