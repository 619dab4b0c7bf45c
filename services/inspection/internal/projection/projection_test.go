package projection

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

func judgement(council, framework string, g reference.Grade, published time.Time) Judgement {
	return Judgement{Council: council, Framework: framework, OverallGrade: g, PublishDate: published}
}

// lgaLate2015 is the LGA's picture: 80 councils inspected under SIF between
// 2014-01-14 and 2015-12-14, 20 of them inadequate.
func lgaLate2015() []Judgement {
	first, last := storetest.Day(2014, time.January, 14), storetest.Day(2015, time.December, 14)
	span := last.Sub(first)
	out := make([]Judgement, 0, 80)
	for i := range 80 {
		g := reference.Good
		switch {
		case i%4 == 1:
			g = reference.Inadequate
		case i%4 == 2:
			g = reference.RequiresImprovement
		}
		published := first.Add(span * time.Duration(i) / 79).Truncate(24 * time.Hour)
		out = append(out, judgement(fmt.Sprintf("E09%06d", i), FrameworkSIF, g, published))
	}
	return out
}

func withExtra(base []Judgement, extra ...Judgement) []Judgement {
	return append(append([]Judgement(nil), base...), extra...)
}

func TestProjectCounts(t *testing.T) {
	asOf, target := storetest.Day(2015, time.December, 14), storetest.Day(2017, time.April, 1)
	lga := lgaLate2015()
	tests := []struct {
		name                           string
		judgements                     []Judgement
		inspected, inadequate, whenAll int
		rate                           float64
	}{
		{"the LGA's 20 of 80 gives 38", lga, 80, 20, 38, 0.25},
		{
			"inadequate then good counts as not inadequate",
			withExtra(lga, judgement("E09000001", FrameworkSIF, reference.Good, storetest.Day(2015, time.December, 1))),
			80, 19, 36, 19.0 / 80,
		},
		{
			"good then inadequate counts as inadequate",
			withExtra(lga, judgement("E09000000", FrameworkSIF, reference.Inadequate, storetest.Day(2015, time.December, 1))),
			80, 21, 40, 21.0 / 80,
		},
		{
			"a re-inspection after as_of is not counted",
			withExtra(lga, judgement("E09000001", FrameworkSIF, reference.Good, storetest.Day(2015, time.December, 15))),
			80, 20, 38, 0.25,
		},
		{
			"a judgement published on as_of is counted",
			withExtra(lga, judgement("E08000001", FrameworkSIF, reference.Inadequate, asOf.Add(17*time.Hour))),
			81, 21, 39, 21.0 / 81,
		},
		{
			"a judgement published the day after as_of is not",
			withExtra(lga, judgement("E08000001", FrameworkSIF, reference.Inadequate, storetest.Day(2015, time.December, 15))),
			80, 20, 38, 0.25,
		},
		{
			"other frameworks are ignored",
			withExtra(lga,
				judgement("E08000001", "ILACS", reference.Inadequate, storetest.Day(2015, time.June, 1)),
				judgement("E08000002", "EMERGENCY", reference.Inadequate, storetest.Day(2015, time.June, 1)),
				judgement("E09000001", "MONITORING_VISIT", "", storetest.Day(2015, time.December, 10)),
				judgement("E09000000", "EMERGENCY", reference.Inadequate, storetest.Day(2015, time.December, 10)),
			),
			80, 20, 38, 0.25,
		},
		{
			"two SIF judgements on one day count the worse",
			withExtra(lga, judgement("E09000000", FrameworkSIF, reference.Inadequate, lga[0].PublishDate)),
			80, 21, 40, 21.0 / 80,
		},
		{
			"a half rounds up: 3 of 16 gives 28.5, so 29",
			func() []Judgement {
				var js []Judgement
				for i := range 16 {
					g := reference.Good
					if i < 3 {
						g = reference.Inadequate
					}
					js = append(js, judgement(fmt.Sprintf("E10%06d", i), FrameworkSIF, g, storetest.Day(2015, time.March, 1+i)))
				}
				return js
			}(),
			16, 3, 29, 3.0 / 16,
		},
		{"nobody inspected", nil, 0, 0, 0, 0},
		{
			"only non-SIF judgements",
			[]Judgement{judgement("E08000001", "ILACS", reference.Inadequate, storetest.Day(2015, time.June, 1))},
			0, 0, 0, 0,
		},
		{
			"only judgements after as_of",
			[]Judgement{judgement("E08000001", FrameworkSIF, reference.Inadequate, storetest.Day(2016, time.June, 1))},
			0, 0, 0, 0,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Project(tc.judgements, asOf, target, 152)
			if err != nil {
				t.Fatal(err)
			}
			if p.Inspected != tc.inspected || p.Inadequate != tc.inadequate || p.ProjectedWhenAllInspected != tc.whenAll {
				t.Errorf("inspected %d, inadequate %d, when all inspected %d; want %d, %d, %d",
					p.Inspected, p.Inadequate, p.ProjectedWhenAllInspected, tc.inspected, tc.inadequate, tc.whenAll)
			}
			if math.Abs(p.Rate-tc.rate) > 1e-12 {
				t.Errorf("rate %v, want %v", p.Rate, tc.rate)
			}
			if p.Inspected == 0 {
				if p.PerMonth != 0 || p.ProjectedInspectedByTarget != 0 || p.ProjectedInadequateByTarget != 0 || !p.CompletionDate.IsZero() {
					t.Errorf("empty record projected %+v", p)
				}
				if !strings.Contains(p.Method, "no inadequate rate") {
					t.Errorf("method does not explain the empty record: %q", p.Method)
				}
			}
		})
	}
}

func TestProjectPace(t *testing.T) {
	// 24 councils, 6 inadequate, published through 2015.
	var year []Judgement
	for i := range 24 {
		g := reference.RequiresImprovement
		if i%4 == 0 {
			g = reference.Inadequate
		}
		year = append(year, judgement(fmt.Sprintf("E06%06d", i), FrameworkSIF, g, storetest.Day(2015, time.January, 1+15*i)))
	}
	tests := []struct {
		name                      string
		judgements                []Judgement
		asOf, target              time.Time
		total                     int
		observedMonths, perMonth  float64
		inspectedBy, inadequateBy int
		completion                time.Time
		methodHas                 []string
	}{
		{
			name:       "a year of inspections projected a year on",
			judgements: year,
			asOf:       storetest.Day(2015, time.December, 31), target: storetest.Day(2016, time.December, 31), total: 152,
			// 365 days counted both ends = 11.992 months; 24 / 11.992 = 2.0013 a month;
			// 366 days on = 12.025 months; 24 + 24.07 = 48; 6/24 × 48 = 12;
			// 128 left / 2.0013 × 30.436875 days = 1947 days after as_of.
			observedMonths: 365 / DaysPerMonth, perMonth: 24 / (365 / DaysPerMonth),
			inspectedBy: 48, inadequateBy: 12, completion: storetest.Day(2021, time.April, 30),
			methodHas: []string{"24 of 152", "6 / 24 = 0.2500", "round(6 / 24 × 152) = 38", "2015-01-01", "= 48 inspected", "= 12 inadequate", "2021-04-30"},
		},
		{
			name:       "the LGA's late 2015 record to April 2017",
			judgements: lgaLate2015(),
			asOf:       storetest.Day(2015, time.December, 14), target: storetest.Day(2017, time.April, 1), total: 152,
			observedMonths: 700 / DaysPerMonth, perMonth: 80 / (700 / DaysPerMonth),
			inspectedBy: 134, inadequateBy: 34, completion: storetest.Day(2017, time.September, 4),
			methodHas: []string{"80 of 152", "20 / 80 = 0.2500 (25.0%)", "round(20 / 80 × 152) = 38", "2014-01-14", "2017-04-01", "2017-09-04"},
		},
		{
			name:       "a target centuries away is all councils",
			judgements: lgaLate2015(),
			asOf:       storetest.Day(2015, time.December, 14), target: storetest.Day(9999, time.December, 31), total: 152,
			observedMonths: 700 / DaysPerMonth, perMonth: 80 / (700 / DaysPerMonth),
			inspectedBy: 152, inadequateBy: 38, completion: storetest.Day(2017, time.September, 4),
		},
		{
			name:       "a target equal to as_of projects the record itself",
			judgements: year,
			asOf:       storetest.Day(2015, time.December, 31), target: storetest.Day(2015, time.December, 31), total: 152,
			observedMonths: 365 / DaysPerMonth, perMonth: 24 / (365 / DaysPerMonth),
			inspectedBy: 24, inadequateBy: 6, completion: storetest.Day(2021, time.April, 30),
		},
		{
			name:       "the projection stops at every council inspected",
			judgements: year,
			asOf:       storetest.Day(2015, time.December, 31), target: storetest.Day(2030, time.January, 1), total: 30,
			observedMonths: 365 / DaysPerMonth, perMonth: 24 / (365 / DaysPerMonth),
			// 6 left / 2.0013 a month × 30.436875 = 91.25 days, so 92.
			inspectedBy: 30, inadequateBy: 8, completion: storetest.Day(2016, time.April, 1),
			methodHas: []string{"min(30,", "remaining 6 councils"},
		},
		{
			name:       "everyone inspected: completion is the last first inspection",
			judgements: year,
			asOf:       storetest.Day(2015, time.December, 31), target: storetest.Day(2016, time.June, 1), total: 24,
			observedMonths: 365 / DaysPerMonth, perMonth: 24 / (365 / DaysPerMonth),
			inspectedBy: 24, inadequateBy: 6, completion: storetest.Day(2015, time.January, 1).AddDate(0, 0, 15*23),
			methodHas: []string{"All 24 councils had been inspected by 2015-12-12"},
		},
		{
			name: "a council published on as_of gives a one-day period",
			judgements: []Judgement{
				judgement("E06000001", FrameworkSIF, reference.Inadequate, storetest.Day(2015, time.December, 14)),
			},
			asOf: storetest.Day(2015, time.December, 14), target: storetest.Day(2015, time.December, 14), total: 152,
			observedMonths: 1 / DaysPerMonth, perMonth: DaysPerMonth,
			inspectedBy: 1, inadequateBy: 1, completion: storetest.Day(2015, time.December, 14).AddDate(0, 0, 151),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Project(tc.judgements, tc.asOf, tc.target, tc.total)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(p.ObservedMonths-tc.observedMonths) > 1e-9 || math.Abs(p.PerMonth-tc.perMonth) > 1e-9 {
				t.Errorf("observed %v months at %v a month, want %v at %v", p.ObservedMonths, p.PerMonth, tc.observedMonths, tc.perMonth)
			}
			if p.ProjectedInspectedByTarget != tc.inspectedBy || p.ProjectedInadequateByTarget != tc.inadequateBy {
				t.Errorf("by target: %d inspected, %d inadequate; want %d, %d",
					p.ProjectedInspectedByTarget, p.ProjectedInadequateByTarget, tc.inspectedBy, tc.inadequateBy)
			}
			if !p.CompletionDate.Equal(tc.completion) {
				t.Errorf("completion %s, want %s", p.CompletionDate.Format(time.DateOnly), tc.completion.Format(time.DateOnly))
			}
			for _, s := range tc.methodHas {
				if !strings.Contains(p.Method, s) {
					t.Errorf("method lacks %q:\n%s", s, p.Method)
				}
			}
		})
	}
}

func TestProjectRejects(t *testing.T) {
	asOf := storetest.Day(2015, time.December, 14)
	tests := []struct {
		name         string
		asOf, target time.Time
		total        int
		fields       []string
	}{
		{"target before as_of", asOf, asOf.AddDate(0, 0, -1), 152, []string{FieldTarget}},
		{"no as_of", time.Time{}, asOf, 152, []string{FieldAsOf}},
		{"no target", asOf, time.Time{}, 152, []string{FieldTarget}},
		{"no councils", asOf, asOf, 0, []string{"total_councils"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Project(lgaLate2015(), tc.asOf, tc.target, tc.total)
			assertViolations(t, err, tc.fields...)
		})
	}
}

func assertViolations(t *testing.T, err error, fields ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error, want INVALID_ARGUMENT")
	}
	if got := rpctest.InvalidFields(t, err); strings.Join(got, ",") != strings.Join(fields, ",") {
		t.Fatalf("violations on %v, want %v", got, fields)
	}
}

type fixedSource struct {
	judgements []Judgement
	err        error
}

func (s fixedSource) Published(context.Context) ([]Judgement, error) { return s.judgements, s.err }

func TestServiceDefaults(t *testing.T) {
	lgaDay := time.Date(2015, time.December, 14, 16, 30, 0, 0, time.UTC)
	tests := []struct {
		name                 string
		now                  time.Time
		asOf, target         time.Time
		wantAsOf, wantTarget time.Time
	}{
		{"no dates: today and April 2017", lgaDay, time.Time{}, time.Time{}, storetest.Day(2015, time.December, 14), DefaultTarget},
		{"as_of given, target defaulted", lgaDay, storetest.Day(2015, time.June, 30), time.Time{}, storetest.Day(2015, time.June, 30), DefaultTarget},
		{"both given", lgaDay, storetest.Day(2015, time.June, 30), storetest.Day(2016, time.June, 30), storetest.Day(2015, time.June, 30), storetest.Day(2016, time.June, 30)},
		{"a clock east of UTC reads the UTC date", time.Date(2015, time.December, 15, 0, 30, 0, 0, time.FixedZone("CET", 3600)),
			time.Time{}, time.Time{}, storetest.Day(2015, time.December, 14), DefaultTarget},
		{"today after April 2017: the target defaults to as_of", time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC),
			time.Time{}, time.Time{}, storetest.Day(2026, time.March, 2), storetest.Day(2026, time.March, 2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewService(fixedSource{judgements: lgaLate2015()}, func() time.Time { return tc.now })
			p, err := s.Project(context.Background(), tc.asOf, tc.target)
			if err != nil {
				t.Fatal(err)
			}
			if !p.AsOf.Equal(tc.wantAsOf) || !p.Target.Equal(tc.wantTarget) {
				t.Errorf("as of %s to %s, want %s to %s", p.AsOf, p.Target, tc.wantAsOf, tc.wantTarget)
			}
			if p.TotalCouncils != 152 {
				t.Errorf("total councils %d, want 152", p.TotalCouncils)
			}
		})
	}
}

func TestServiceRejects(t *testing.T) {
	now := func() time.Time { return time.Date(2015, time.December, 14, 12, 0, 0, 0, time.UTC) }
	tests := []struct {
		name         string
		asOf, target time.Time
		fields       []string
	}{
		{"as_of after today", storetest.Day(2015, time.December, 15), time.Time{}, []string{FieldAsOf}},
		{"target before a given as_of", storetest.Day(2015, time.June, 1), storetest.Day(2015, time.May, 31), []string{FieldTarget}},
		{"target before the default as_of", time.Time{}, storetest.Day(2015, time.December, 13), []string{FieldTarget}},
		{"both wrong", storetest.Day(2016, time.January, 2), storetest.Day(2016, time.January, 1), []string{FieldAsOf, FieldTarget}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewService(fixedSource{judgements: lgaLate2015()}, now)
			_, err := s.Project(context.Background(), tc.asOf, tc.target)
			assertViolations(t, err, tc.fields...)
		})
	}
}

func TestServiceSourceError(t *testing.T) {
	cause := errors.New("redis: connection refused")
	s := NewService(fixedSource{err: cause}, time.Now)
	if _, err := s.Project(context.Background(), time.Time{}, time.Time{}); !errors.Is(err, cause) {
		t.Fatalf("error %v, want it to wrap %v", err, cause)
	}
}

func TestServiceProjectsTheLGAFigure(t *testing.T) {
	s := NewService(fixedSource{judgements: lgaLate2015()}, func() time.Time { return storetest.Day(2015, time.December, 14) })
	p, err := s.Project(context.Background(), time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Inspected != 80 || p.Inadequate != 20 || p.ProjectedWhenAllInspected != 38 {
		t.Fatalf("got %d of %d inadequate, projected %d; want 20 of 80, 38", p.Inadequate, p.Inspected, p.ProjectedWhenAllInspected)
	}
}
