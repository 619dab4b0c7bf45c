package disclosure

import (
	"fmt"
	"testing"
)

func TestValue(t *testing.T) {
	t.Cleanup(func() { SetMinCouncils(0) })
	if MinCouncils() != DefaultMinCouncils {
		t.Fatalf("default threshold = %d", MinCouncils())
	}
	for _, tc := range []struct {
		councils int
		want     float64
		reason   string
	}{
		{0, 0, ReasonTooFewCouncils},
		{2, 0, ReasonTooFewCouncils},
		{9, 0, ReasonTooFewCouncils},
		{10, 4.5, ""},
		{152, 4.5, ""},
	} {
		if v, r := Value(4.5, tc.councils); v != tc.want || r != tc.reason {
			t.Errorf("Value(4.5, %d) = %v %q, want %v %q", tc.councils, v, r, tc.want, tc.reason)
		}
	}
	SetMinCouncils(3)
	if v, r := Value(4.5, 3); v != 4.5 || r != "" {
		t.Errorf("threshold 3: Value(4.5, 3) = %v %q", v, r)
	}
	SetMinCouncils(-1)
	if MinCouncils() != DefaultMinCouncils {
		t.Errorf("SetMinCouncils(-1) left %d", MinCouncils())
	}
}

// groups is Breakdowns of one breakdown: members maps each group to its
// councils, each council one record.
func groups(members map[string][]string, min int) map[string]string {
	var records []Record
	for g, cs := range members {
		for _, c := range cs {
			records = append(records, Record{Council: c, Groups: []string{g}})
		}
	}
	return Breakdowns(records, 1, min)[0]
}

func TestOneBreakdown(t *testing.T) {
	councils := func(prefix string, n int) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf("%s%02d", prefix, i))
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		members map[string][]string
		min     int
		want    map[string]string
	}{
		{"every group large enough", map[string][]string{"a": councils("a", 10), "b": councils("b", 12)}, 10, map[string]string{}},
		{"small groups that cover enough together",
			map[string][]string{"a": councils("a", 4), "b": councils("b", 6), "c": councils("c", 30)}, 10,
			map[string]string{"a": ReasonTooFewCouncils, "b": ReasonTooFewCouncils}},
		{"one small group: the smallest other joins it",
			map[string][]string{"a": councils("a", 1), "b": councils("b", 10), "c": councils("c", 30)}, 10,
			map[string]string{"a": ReasonTooFewCouncils, "b": ReasonComplementary}},
		{"ties go by name",
			map[string][]string{"z": councils("z", 2), "b": councils("b", 12), "a": councils("a", 12)}, 10,
			map[string]string{"z": ReasonTooFewCouncils, "a": ReasonComplementary}},
		{"a council listed twice counts once",
			map[string][]string{"a": append(councils("a", 9), "a00"), "b": councils("b", 20)}, 10,
			map[string]string{"a": ReasonTooFewCouncils, "b": ReasonComplementary}},
		{"too few in all: everything withheld",
			map[string][]string{"a": councils("a", 2), "b": councils("b", 3)}, 10,
			map[string]string{"a": ReasonTooFewCouncils, "b": ReasonTooFewCouncils}},
		{"a council in two groups covers both once",
			map[string][]string{"a": councils("x", 6), "b": councils("x", 6), "c": councils("c", 10)}, 10,
			map[string]string{"a": ReasonTooFewCouncils, "b": ReasonTooFewCouncils, "c": ReasonComplementary}},
	} {
		if got := groups(tc.members, tc.min); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: withheld %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestOneBreakdownNests: the groups withheld at one threshold are withheld at
// every higher one, so a caller who asks at two thresholds and subtracts
// learns only sums of groups one of the answers showed anyway.
func TestOneBreakdownNests(t *testing.T) {
	members := map[string][]string{}
	for g := range 9 {
		name := fmt.Sprintf("g%d", g)
		for c := range (g*7)%23 + 1 {
			members[name] = append(members[name], fmt.Sprintf("c%d-%d", g, c))
		}
	}
	prev := groups(members, 1)
	for min := 2; min <= 60; min++ {
		got := groups(members, min)
		for g := range prev {
			if _, ok := got[g]; !ok {
				t.Errorf("%s withheld at %d but shown at %d", g, min-1, min)
			}
		}
		prev = got
	}
}

// TestBreakdownsCrossed: one council of region a is graded x with ten of
// region c; folding only a (with b) would show c and x, and x minus c is
// a's one council. Every cell crossed must cover min councils, so c or x
// is withheld too; and the groups withheld nest as the threshold rises.
func TestBreakdownsCrossed(t *testing.T) {
	var records []Record
	add := func(prefix string, n int, region, grade string) {
		for i := range n {
			records = append(records, Record{Council: fmt.Sprintf("%s%02d", prefix, i), Groups: []string{region, grade}})
		}
	}
	add("a", 1, "a", "x")
	add("b", 10, "b", "y")
	add("c", 10, "c", "x")
	add("d", 10, "d", "y")
	got := Breakdowns(records, 2, 10)
	if _, ok := got[0]["a"]; !ok {
		t.Errorf("region a of one council shown: %v", got)
	}
	_, cHidden := got[0]["c"]
	_, xHidden := got[1]["x"]
	if !cHidden && !xHidden {
		t.Errorf("c and x both shown, so x minus c is a's council: %v", got)
	}
	if got[0]["a"] != ReasonTooFewCouncils {
		t.Errorf("a withheld as %q", got[0]["a"])
	}

	prev := Breakdowns(records, 2, 1)
	for min := 2; min <= 40; min++ {
		next := Breakdowns(records, 2, min)
		for i := range prev {
			for g := range prev[i] {
				if _, ok := next[i][g]; !ok {
					t.Errorf("breakdown %d: %s withheld at %d but shown at %d", i, g, min-1, min)
				}
			}
		}
		prev = next
	}
}
