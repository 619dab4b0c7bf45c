package match

import (
	"testing"
)

// TestCompareNeedsAndLoads covers needs present in one result only and the
// sponsor loads.
func TestCompareNeedsAndLoads(t *testing.T) {
	before := whatIfInput()
	after := whatIfInput()
	after.Needs[0].ID = "m" // n leaves, m arrives
	a, b := solve(t, before), solve(t, after)
	c := Compare(a, b)
	if c.SameInput || c.AlgorithmBefore != Optimal || c.ObjectiveBefore != a.Objective || c.ObjectiveAfter != b.Objective {
		t.Errorf("comparison header %+v", c)
	}
	if len(c.Changes) != 2 || c.Changes[0].Need != "m" || c.Changes[0].Kind != ChangeNeedAdded || c.Changes[0].After != "weak" ||
		c.Changes[1].Need != "n" || c.Changes[1].Kind != ChangeNeedRemoved || c.Changes[1].Before != "weak" {
		t.Errorf("changes %+v", c.Changes)
	}
	if c.Unchanged != 1 || len(c.Loads) != 0 {
		t.Errorf("unchanged %d, loads %+v", c.Unchanged, c.Loads)
	}

	excluded := whatIfInput()
	excluded.Overrides.ExcludeSponsors = []string{"strong"}
	c = Compare(a, solve(t, excluded))
	want := []LoadChange{{Sponsor: "strong", EngagementsBefore: 1, StaffDaysBefore: 20}}
	if len(c.Loads) != 1 || c.Loads[0] != want[0] {
		t.Errorf("loads %+v, want %+v", c.Loads, want)
	}
	if c := Compare(a, a); c.Changes != nil || c.Loads != nil || !c.SameInput || c.Unchanged != 2 {
		t.Errorf("a result compared with itself: %+v", c)
	}
}
