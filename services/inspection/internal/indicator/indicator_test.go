package indicator

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Councils used across the tests, with their regions.
const (
	hartlepool    = "E06000001" // North East
	middlesbrough = "E06000002" // North East
	redcar        = "E06000003" // North East
	halton        = "E06000006" // North West
	barking       = "E09000002" // London
)

func TestSpecsCoverEveryIndicator(t *testing.T) {
	if len(All()) != Count || len(specs) != Count {
		t.Fatalf("All() has %d, specs %d; want %d", len(All()), len(specs), Count)
	}
	for i, ind := range All() {
		s, ok := ind.Spec()
		if !ok || s.Label == "" || s.Unit == 0 || (s.Direction != HigherIsRiskier && s.Direction != LowerIsRiskier) || s.Min > s.Max {
			t.Errorf("%s: incomplete spec %+v", ind, s)
		}
		if ind.Rank() != i+1 {
			t.Errorf("%s: rank %d, want %d", ind, ind.Rank(), i+1)
		}
	}
	if Indicator("UNSPECIFIED").Valid() || Indicator("").Rank() != 0 {
		t.Error("unknown indicators must be invalid with rank 0")
	}
}

func TestDirections(t *testing.T) {
	lower := []Indicator{AssessmentsWithin45Days, SpendPerChildInNeed, DeprivationDecile}
	for _, ind := range All() {
		s, _ := ind.Spec()
		want := HigherIsRiskier
		if slices.Contains(lower, ind) {
			want = LowerIsRiskier
		}
		if s.Direction != want {
			t.Errorf("%s: direction %d, want %d", ind, s.Direction, want)
		}
	}
}

func TestSpecCheck(t *testing.T) {
	tests := []struct {
		ind  Indicator
		v    float64
		want string // substring of the problem; "" for a plausible value
	}{
		{AgencyRate, 0, ""},
		{AgencyRate, 100, ""},
		{AgencyRate, 27.4, ""},
		{AgencyRate, -0.1, "between 0 and 100"},
		{AgencyRate, 100.5, "between 0 and 100"},
		{AssessmentsWithin45Days, 101, "between 0 and 100"},
		{Caseload, 100, ""},
		{Caseload, 101, "between 0 and 100"},
		{ReferralRatePer10k, 10001, "between 0 and 10000"},
		{SpendPerChildInNeed, 0, ""},
		{SpendPerChildInNeed, 1e7, ""},
		{SpendPerChildInNeed, -1, "at least 0"},
		{DeprivationDecile, 1, ""},
		{DeprivationDecile, 10, ""},
		{DeprivationDecile, 0, "between 1 and 10"},
		{DeprivationDecile, 11, "between 1 and 10"},
		{DeprivationDecile, 2.5, "whole number"},
		{DCSChanges, 0, ""},
		{DCSChanges, 20, ""},
		{DCSChanges, 21, "between 0 and 20"},
		{DCSChanges, 1.5, "whole number"},
		{VacancyRate, math.NaN(), "finite"},
		{TurnoverRate, math.Inf(1), "finite"},
		{SpendPerChildInNeed, math.Inf(1), "finite"},
	}
	for _, tt := range tests {
		s, _ := tt.ind.Spec()
		got := s.Check(tt.v)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s %v: Check = %q, want %q", tt.ind, tt.v, got, tt.want)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		ind  Indicator
		v    float64
		want string
	}{
		{AgencyRate, 24, "24%"},
		{AgencyRate, 24.26, "24.3%"},
		{Caseload, 18.5, "18.5 children in need per social worker"},
		{ReferralRatePer10k, 612.34, "612.3 per 10,000 children"},
		{SpendPerChildInNeed, 2350.4, "£2,350"},
		{SpendPerChildInNeed, 1234567, "£1,234,567"},
		{SpendPerChildInNeed, 999.6, "£1,000"},
		{DeprivationDecile, 2, "decile 2"},
		{DeprivationDecile, 5.5, "decile 5.5"},
		{DCSChanges, 3, "3"},
		{DCSChanges, -0.01, "0"},
	}
	for _, tt := range tests {
		s, _ := tt.ind.Spec()
		if got := s.Format(tt.v); got != tt.want {
			t.Errorf("%s %v: Format = %q, want %q", tt.ind, tt.v, got, tt.want)
		}
	}
}

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in   string
		want Period
		ok   bool
	}{
		{"2015", 2015, true},
		{"2000", 2000, true},
		{"2100", 2100, true},
		{"1999", 0, false},
		{"2101", 0, false},
		{"15", 0, false},
		{"02015", 0, false},
		{"+201", 0, false},
		{"20a5", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, err := ParsePeriod("period", tt.in)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("ParsePeriod(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil {
			f, _ := fault.As(err)
			if f == nil || f.Kind != fault.KindInvalid || len(f.Violations) != 1 || f.Violations[0].Field != "period" {
				t.Errorf("ParsePeriod(%q): %v is not one violation on period", tt.in, err)
			}
		}
	}
}

func TestParseName(t *testing.T) {
	tests := []struct {
		in      string
		gss     string
		period  Period
		problem string
	}{
		{in: "localAuthorities/E08000035/indicatorSets/2015", gss: "E08000035", period: 2015},
		{in: "localAuthorities/E08000035/indicatorSets/1999", problem: "period must be a year"},
		{in: "localAuthorities/E08000035/indicatorSets/15", problem: "period must be a year"},
		{in: "localAuthorities/E08000035/indicatorSets/2015/x", problem: "period must be a year"},
		{in: "localAuthorities/E08000035/indicatorSets/", problem: "period must be a year"},
		{in: "localAuthorities/E08000035", problem: "must be localAuthorities/"},
		{in: "localAuthorities/X/indicatorSets/2015", problem: "must be localAuthorities/"},
		{in: "councils/E08000035/indicatorSets/2015", problem: "must be localAuthorities/"},
		{in: "localAuthorities/E08000035/sets/2015", problem: "must be localAuthorities/"},
		{in: "", problem: "must be localAuthorities/"},
	}
	for _, tt := range tests {
		gss, p, err := ParseName("name", tt.in)
		if tt.problem == "" {
			if err != nil || gss != tt.gss || p != tt.period {
				t.Errorf("ParseName(%q) = %q, %v, %v", tt.in, gss, p, err)
			}
			if Name(gss, p) != tt.in {
				t.Errorf("Name(%q, %v) = %q, want %q", gss, p, Name(gss, p), tt.in)
			}
			continue
		}
		f, _ := fault.As(err)
		if f == nil || len(f.Violations) != 1 || f.Violations[0].Field != "name" || !strings.Contains(f.Violations[0].Description, tt.problem) {
			t.Errorf("ParseName(%q) = %v, want a violation on name mentioning %q", tt.in, err, tt.problem)
		}
	}
}

// full returns values for all twelve indicators, each plausible.
func full() []Value {
	return []Value{
		{DCSChanges, 1}, {ReferralRatePer10k, 550}, {ReReferralRate, 22}, {AssessmentsWithin45Days, 82},
		{SecondCPPlans, 16}, {Caseload, 16}, {AgencyRate, 15}, {VacancyRate, 17}, {TurnoverRate, 16},
		{PlacementInstability, 10}, {SpendPerChildInNeed, 2300}, {DeprivationDecile, 5},
	}
}

func TestParseBatchAccepts(t *testing.T) {
	sets, err := ParseBatch("indicator_sets", []Draft{
		{Name: Name(hartlepool, 2015), Values: full(), Source: "DfE children in need census 2015"},
		{Name: Name(hartlepool, 2014), Values: []Value{{AgencyRate, 20}}},
		{Name: Name(barking, 2015), Values: full()},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 3 || sets[0].GSSCode != hartlepool || sets[0].Period != 2015 || sets[1].Period != 2014 || sets[2].GSSCode != barking {
		t.Fatalf("sets = %+v", sets)
	}
	if sets[0].Source != "DfE children in need census 2015" {
		t.Errorf("source = %q", sets[0].Source)
	}
	// Values come back in enum order whatever order they were sent in.
	var order []Indicator
	for _, v := range sets[0].Values {
		order = append(order, v.Indicator)
	}
	if !slices.Equal(order, All()) {
		t.Errorf("values in order %v, want %v", order, All())
	}
	if v, ok := sets[0].Value(DCSChanges); !ok || v != 1 {
		t.Errorf("Value(DCSChanges) = %v, %v", v, ok)
	}
	if _, ok := sets[1].Value(Caseload); ok {
		t.Error("a set without caseload reports one")
	}
}

func TestParseBatchRejects(t *testing.T) {
	ok := func() Draft { return Draft{Name: Name(hartlepool, 2015), Values: full()} }
	with := func(mod func(*Draft)) []Draft {
		d := ok()
		d.Name = Name(barking, 2015)
		mod(&d)
		return []Draft{ok(), d}
	}
	many := make([]Draft, MaxBatch+1)
	for i := range many {
		many[i] = ok()
	}
	tests := []struct {
		name   string
		drafts []Draft
		fields []string
		text   string // in the first violation's description
	}{
		{"empty batch", nil, []string{"indicator_sets"}, "at least one"},
		{"too many sets", many, []string{"indicator_sets"}, "at most 500"},
		{"unknown indicator", with(func(d *Draft) { d.Values[3].Indicator = "UNSPECIFIED" }),
			[]string{"indicator_sets[1].values[3].indicator"}, `unknown indicator "UNSPECIFIED"`},
		{"unknown indicator number", with(func(d *Draft) { d.Values[0].Indicator = "99" }),
			[]string{"indicator_sets[1].values[0].indicator"}, `unknown indicator "99"`},
		{"percentage above 100", with(func(d *Draft) { d.Values[6].Value = 127 }),
			[]string{"indicator_sets[1].values[6].value"}, "AGENCY_RATE must be between 0 and 100"},
		{"negative spend", with(func(d *Draft) { d.Values[10].Value = -5 }),
			[]string{"indicator_sets[1].values[10].value"}, "at least 0"},
		{"fractional decile", with(func(d *Draft) { d.Values[11].Value = 4.5 }),
			[]string{"indicator_sets[1].values[11].value"}, "whole number"},
		{"too many director changes", with(func(d *Draft) { d.Values[0].Value = 21 }),
			[]string{"indicator_sets[1].values[0].value"}, "between 0 and 20"},
		{"duplicate indicator", with(func(d *Draft) { d.Values = append(d.Values, Value{AgencyRate, 1}) }),
			[]string{"indicator_sets[1].values[12].indicator"}, "AGENCY_RATE repeats indicator_sets[1].values[6]"},
		{"no values", with(func(d *Draft) { d.Values = nil }), []string{"indicator_sets[1].values"}, "at least one"},
		{"bad period", with(func(d *Draft) { d.Name = "localAuthorities/E06000001/indicatorSets/1999" }),
			[]string{"indicator_sets[1].name"}, "period must be a year"},
		{"bad name", with(func(d *Draft) { d.Name = "localAuthorities/E06000001" }),
			[]string{"indicator_sets[1].name"}, "must be localAuthorities/"},
		{"unknown council", with(func(d *Draft) { d.Name = Name("E08999999", 2015) }),
			[]string{"indicator_sets[1].name"}, "names no council"},
		{"same council and period twice", with(func(d *Draft) { d.Name = Name(hartlepool, 2015) }), []string{"indicator_sets[1].name"}, "repeats indicator_sets[0]"},
		{"long source", with(func(d *Draft) { d.Source = strings.Repeat("x", MaxSourceLength+1) }),
			[]string{"indicator_sets[1].source"}, "at most 256"},
		{"control character in source", with(func(d *Draft) { d.Source = "a\nb" }),
			[]string{"indicator_sets[1].source"}, "control"},
		{"every problem at once", with(func(d *Draft) {
			d.Values[6].Value = 101
			d.Values[11].Value = 0
			d.Source = "\x00"
			d.Name = Name(hartlepool, 2015)
		}), []string{
			"indicator_sets[1].name", "indicator_sets[1].source",
			"indicator_sets[1].values[11].value", "indicator_sets[1].values[6].value",
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sets, err := ParseBatch("indicator_sets", tt.drafts)
			f, _ := fault.As(err)
			if sets != nil || f == nil || f.Kind != fault.KindInvalid {
				t.Fatalf("ParseBatch = %v, %v; want INVALID_ARGUMENT", sets, err)
			}
			if fields := rpctest.ViolationFields(f.Violations); !slices.Equal(fields, tt.fields) {
				t.Fatalf("violations on %v, want %v (%v)", fields, tt.fields, f.Violations)
			}
			if !strings.Contains(f.Violations[0].Description, tt.text) {
				t.Errorf("description %q lacks %q", f.Violations[0].Description, tt.text)
			}
		})
	}
}

func TestSummarise(t *testing.T) {
	tests := []struct {
		in   []float64
		want Stats
	}{
		{nil, Stats{}},
		{[]float64{7}, Stats{Count: 1, Median: 7, Mean: 7}},
		{[]float64{3, 1, 2}, Stats{Count: 3, Median: 2, Mean: 2, StdDev: math.Sqrt(2.0 / 3)}},
		{[]float64{4, 1, 3, 2}, Stats{Count: 4, Median: 2.5, Mean: 2.5, StdDev: math.Sqrt(1.25)}},
		{[]float64{2, 4, 4, 4, 5, 5, 7, 9}, Stats{Count: 8, Median: 4.5, Mean: 5, StdDev: 2}},
	}
	for _, tt := range tests {
		in := slices.Clone(tt.in)
		got := Summarise(tt.in)
		if got.Count != tt.want.Count || got.Median != tt.want.Median || got.Mean != tt.want.Mean || math.Abs(got.StdDev-tt.want.StdDev) > 1e-12 {
			t.Errorf("Summarise(%v) = %+v, want %+v", tt.in, got, tt.want)
		}
		if !slices.Equal(in, tt.in) {
			t.Errorf("Summarise reordered its input: %v", tt.in)
		}
	}
}

func TestComputeBenchmarks(t *testing.T) {
	set := func(gss string, p Period, agency, decile float64) Set {
		return Set{GSSCode: gss, Period: p, Values: []Value{{AgencyRate, agency}, {DeprivationDecile, decile}}}
	}
	sets := []Set{
		set(hartlepool, 2015, 10, 2),
		set(middlesbrough, 2015, 30, 1),
		set(redcar, 2015, 20, 3),
		set(halton, 2015, 5, 4),
		{GSSCode: barking, Period: 2015, Values: []Value{{AgencyRate, 40}}},
		set(hartlepool, 2014, 99, 9), // another period: ignored
	}
	b := ComputeBenchmarks(2015, sets)
	if b.Period != 2015 {
		t.Fatalf("period %v", b.Period)
	}
	tests := []struct {
		region            reference.Region
		ind               Indicator
		england, regional float64
	}{
		{reference.NorthEast, AgencyRate, 20, 20},
		{reference.NorthWest, AgencyRate, 20, 5},
		{reference.London, AgencyRate, 20, 40},
		{reference.NorthEast, DeprivationDecile, 2.5, 2},
		{reference.London, DeprivationDecile, 2.5, 0}, // Barking reported no decile
		{reference.SouthWest, AgencyRate, 20, 0},      // nobody reported there
	}
	for _, tt := range tests {
		e, r := b.Medians(tt.region, tt.ind)
		if e != tt.england || r != tt.regional {
			t.Errorf("%s %s: medians %v, %v; want %v, %v", tt.region, tt.ind, e, r, tt.england, tt.regional)
		}
	}
	if got := b.England[AgencyRate]; got.Count != 5 || got.Mean != 21 {
		t.Errorf("England agency stats %+v", got)
	}
	if got := b.England[DeprivationDecile]; got.Count != 4 {
		t.Errorf("England decile stats %+v", got)
	}
	if !reflect.DeepEqual(ComputeBenchmarks(2016, sets).England, map[Indicator]Stats{}) {
		t.Error("a period without sets has England figures")
	}
}
