package disclosure

import "testing"

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
