package engagement

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
)

func TestAmount(t *testing.T) {
	tests := []struct {
		name string
		h    HalfDays
		rate int64
		want int64
		err  bool
	}{
		{"nothing deployed", 0, 45_000, 0, false},
		{"a day", 2, 45_000, 45_000, false},
		{"half a day at an even rate", 1, 45_000, 22_500, false},
		{"half a day at an odd rate rounds half a penny up", 1, 40_001, 20_001, false},
		{"three half-days at an odd rate", 3, 40_001, 60_002, false},
		{"a whole day at an odd rate is exact", 2, 40_001, 40_001, false},
		{"a month", 62, 52_500, 31 * 52_500, false},
		{"no day rate", 7, 0, 0, false},
		{"a penny a day, half a day", 1, 1, 1, false},
		{"largest that fits", 1, math.MaxInt64 - 1, math.MaxInt64 / 2, false},
		{"overflow", 3, math.MaxInt64 / 2, 0, true},
		{"negative rate", 2, -1, 0, true},
		{"negative days", -2, 100, 0, true},
	}
	for _, tc := range tests {
		got, err := Amount(tc.h, tc.rate)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("%s: Amount(%d, %d) = %d, %v; want %d, error %v", tc.name, tc.h, tc.rate, got, err, tc.want, tc.err)
		}
	}
	if _, err := Amount(3, math.MaxInt64/2); !errors.Is(err, ErrOverflow) {
		t.Errorf("overflow error = %v, want ErrOverflow", err)
	}
}

func TestPeriodValidate(t *testing.T) {
	tests := []struct {
		name       string
		start, end [3]int
		want       []string
	}{
		{"a single day", [3]int{2016, 6, 1}, [3]int{2016, 6, 1}, nil},
		{"a quarter", [3]int{2016, 4, 1}, [3]int{2016, 6, 30}, nil},
		{"a financial year", [3]int{2016, 4, 1}, [3]int{2017, 3, 31}, nil},
		{"a year and a day", [3]int{2016, 4, 1}, [3]int{2017, 4, 1}, []string{"p.end"}},
		{"a leap year from 29 February", [3]int{2016, 2, 29}, [3]int{2017, 2, 28}, nil},
		{"past a year from 29 February", [3]int{2016, 2, 29}, [3]int{2017, 3, 1}, []string{"p.end"}},
		{"a calendar year with a leap day", [3]int{2016, 1, 1}, [3]int{2016, 12, 31}, nil},
		{"end before start", [3]int{2016, 6, 2}, [3]int{2016, 6, 1}, []string{"p.end"}},
		{"no start", [3]int{}, [3]int{2016, 6, 1}, []string{"p.start"}},
		{"no end", [3]int{2016, 6, 1}, [3]int{}, []string{"p.end"}},
		{"neither", [3]int{}, [3]int{}, []string{"p.end", "p.start"}},
	}
	ymd := func(v [3]int) time.Time {
		if v[0] == 0 {
			return time.Time{}
		}
		return storetest.Day(v[0], time.Month(v[1]), v[2])
	}
	for _, tc := range tests {
		p := Period{Start: ymd(tc.start), End: ymd(tc.end)}
		got := rpctest.InvalidFields(t, p.Validate("p.").Err())
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: violations %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestPeriodContainsBothEnds(t *testing.T) {
	p := Period{Start: storetest.Day(2016, 4, 1), End: storetest.Day(2016, 6, 30)}
	for d, want := range map[[3]int]bool{
		{2016, 3, 31}: false, {2016, 4, 1}: true, {2016, 5, 15}: true, {2016, 6, 30}: true, {2016, 7, 1}: false,
	} {
		if got := p.Contains(storetest.Day(d[0], time.Month(d[1]), d[2])); got != want {
			t.Errorf("Contains(%v) = %v, want %v", d, got, want)
		}
	}
}

func TestCompensate(t *testing.T) {
	const (
		leeds   = "E08000035"
		bradfrd = "E08000032"
	)
	engs := []Engagement{
		{Sponsor: hampshire, ID: "e-slough", Council: storetest.Slough},
		{Sponsor: hampshire, ID: "e-doncaster", Council: storetest.Doncaster},
		{Sponsor: hampshire, ID: "e-slough-2", Council: storetest.Slough},
		{Sponsor: hampshire, ID: "e-leeds", Council: leeds},
		{Sponsor: hampshire, ID: "e-bradford", Council: bradfrd},
	}
	dep := func(eng string, y, m, d int, h HalfDays) Deployment {
		return Deployment{Sponsor: hampshire, Engagement: eng, ID: NewID(), Date: storetest.Day(y, time.Month(m), d), HalfDays: h, Role: Manager}
	}
	period := Period{Start: storetest.Day(2016, 4, 1), End: storetest.Day(2016, 6, 30)}
	deps := []Deployment{
		dep("e-slough", 2016, 3, 31, 10),   // the day before: ignored
		dep("e-slough", 2016, 4, 1, 3),     // first day: counts
		dep("e-slough-2", 2016, 5, 9, 2),   // a second engagement with the same council
		dep("e-doncaster", 2016, 6, 30, 1), // last day: counts
		dep("e-doncaster", 2016, 7, 1, 62), // the day after: ignored
		dep("e-leeds", 2016, 7, 1, 4),      // only outside: no line for Leeds
	}
	const rate = 40_001 // odd, so odd half-days leave half a penny
	s, err := Compensate(hampshire, period, rate, engs, deps)
	if err != nil {
		t.Fatal(err)
	}
	want := []CouncilAmount{
		// Ordered by GSS code. Slough: 3 + 2 = 5 half-days = 100,002.5p,
		// rounded up once for the council, not once per deployment.
		{Council: storetest.Slough, Days: 5, AmountPence: 100_003},
		// Doncaster: 1 half-day = 20,000.5p, rounded up.
		{Council: storetest.Doncaster, Days: 1, AmountPence: 20_001},
	}
	if !slices.Equal(s.Councils, want) {
		t.Fatalf("councils = %+v, want %+v", s.Councils, want)
	}
	if s.TotalDays != 6 || s.TotalPence != 120_004 || s.DayRatePence != rate || s.Sponsor != hampshire || s.Period != period {
		t.Errorf("statement = %+v, want 6 half-days and 120,004p, the sum of its lines", s)
	}

	empty, err := Compensate(hampshire, Period{Start: storetest.Day(2015, 1, 1), End: storetest.Day(2015, 12, 31)}, rate, engs, deps)
	if err != nil || len(empty.Councils) != 0 || empty.TotalDays != 0 || empty.TotalPence != 0 {
		t.Errorf("statement of a year without deployments = %+v, %v", empty, err)
	}
	none, err := Compensate(hampshire, period, rate, nil, nil)
	if err != nil || len(none.Councils) != 0 || none.TotalPence != 0 {
		t.Errorf("statement of a sponsor without engagements = %+v, %v", none, err)
	}
}

func TestCompensateRefusesInconsistentData(t *testing.T) {
	period := Period{Start: storetest.Day(2016, 4, 1), End: storetest.Day(2016, 6, 30)}
	engs := []Engagement{{Sponsor: hampshire, ID: "e1", Council: storetest.Slough}}
	tests := []struct {
		name string
		dep  Deployment
	}{
		{"another sponsor's deployment", Deployment{Sponsor: "leeds", Engagement: "e1", ID: "d1", Date: storetest.Day(2016, 5, 1), HalfDays: 2}},
		{"a deployment of an engagement not given", Deployment{Sponsor: hampshire, Engagement: "e2", ID: "d1", Date: storetest.Day(2016, 5, 1), HalfDays: 2}},
	}
	for _, tc := range tests {
		if _, err := Compensate(hampshire, period, 100, engs, []Deployment{tc.dep}); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	big := []Deployment{
		{Sponsor: hampshire, Engagement: "e1", ID: "d1", Date: storetest.Day(2016, 5, 1), HalfDays: 62},
	}
	if _, err := Compensate(hampshire, period, math.MaxInt64/10, engs, big); !errors.Is(err, ErrOverflow) {
		t.Errorf("an amount past int64 = %v, want ErrOverflow", err)
	}
}
