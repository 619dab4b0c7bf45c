package match

import (
	"context"
	"slices"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// TestValidate checks that each kind of invalid input is refused with
// INVALID_ARGUMENT naming the field, and that Solve and Fingerprint refuse
// it too.
func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Input)
		field  string
	}{
		{"unknown algorithm", func(in *Input) { in.Algorithm = "GREEDY" }, "algorithm"},
		{"negative time limit", func(in *Input) { in.TimeLimit = -1 }, "time_limit"},
		{"node limit too big", func(in *Input) { in.NodeLimit = MaxNodeLimit + 1 }, "node_limit"},
		{"negative candidates", func(in *Input) { in.MaxCandidates = -1 }, "max_candidates"},
		{"weight too big", func(in *Input) { in.Weights = &Weights{Expertise: MaxWeight + 1, OutOfAreaFull: 1} }, "weights.expertise"},
		{"out-of-area full at zero", func(in *Input) { in.Weights = &Weights{Expertise: 1} }, "weights.out_of_area_full"},
		{"need without id", func(in *Input) { in.Needs[0].ID = "" }, "needs[0].id"},
		{"need twice", func(in *Input) { in.Needs[1].ID = "n" }, "needs[1].id"},
		{"bad council", func(in *Input) { in.Needs[0].Council = "E07000001" }, "needs[0].council"},
		{"bad region", func(in *Input) { in.Needs[0].Region = "MIDLANDS" }, "needs[0].region"},
		{"no areas", func(in *Input) { in.Needs[0].Areas = nil }, "needs[0].areas"},
		{"area twice", func(in *Input) {
			in.Needs[0].Areas = append(in.Needs[0].Areas, AreaWeight{"CHILD_PROTECTION_PRACTICE", 2})
		}, "needs[0].areas[1].area"},
		{"area weight zero", func(in *Input) { in.Needs[0].Areas[0].Weight = 0 }, "needs[0].areas[0].weight"},
		{"urgency too high", func(in *Input) { in.Needs[0].Urgency = MaxUrgency + 1 }, "needs[0].urgency"},
		{"negative staff-days", func(in *Input) { in.Needs[0].StaffDays = -1 }, "needs[0].staff_days"},
		{"empty excluded sponsor", func(in *Input) { in.Needs[0].ExcludedSponsors = []string{""} }, "needs[0].excluded_sponsors[0]"},
		{"sponsor twice", func(in *Input) { in.Sponsors[1].ID = "strong" }, "sponsors[1].id"},
		{"unknown kind", func(in *Input) { in.Sponsors[0].Kind = "TRUST" }, "sponsors[0].kind"},
		{"council without members", func(in *Input) { in.Sponsors[0].MemberCouncils = nil }, "sponsors[0].member_councils"},
		{"charity with members", func(in *Input) { in.Sponsors[0].Kind = Charity }, "sponsors[0].member_councils"},
		{"bad member council", func(in *Input) { in.Sponsors[0].MemberCouncils = []string{"leeds"} }, "sponsors[0].member_councils[0]"},
		{"no regions", func(in *Input) { in.Sponsors[0].Regions = nil }, "sponsors[0].regions"},
		{"bad region of a sponsor", func(in *Input) { in.Sponsors[0].Regions = []reference.Region{"NORTH"} }, "sponsors[0].regions[0]"},
		{"strength zero", func(in *Input) { in.Sponsors[0].Expertise[0].Strength = 0 }, "sponsors[0].expertise[0].strength"},
		{"negative engagements", func(in *Input) { in.Sponsors[0].Capacity.Engagements = -1 }, "sponsors[0].capacity.engagements"},
		{"negative days in use", func(in *Input) { in.Sponsors[0].Capacity.StaffDaysInUse = -1 }, "sponsors[0].capacity.staff_days_in_use"},
		{"bad conflict", func(in *Input) { in.Sponsors[0].Conflicts = []string{"x"} }, "sponsors[0].conflicts[0]"},
		{"negative placements", func(in *Input) { in.Sponsors[0].OutOfArea = map[string]int{"E08000017": -1} }, "sponsors[0].out_of_area"},
		{"exclude an unknown sponsor", func(in *Input) { in.Overrides.ExcludeSponsors = []string{"x"} }, "overrides.exclude_sponsors[0]"},
		{"capacity of an unknown sponsor", func(in *Input) { in.Overrides.Capacities = []CapacityOverride{{Sponsor: "x"}} }, "overrides.capacities[0].sponsor"},
		{"two capacities for a sponsor", func(in *Input) {
			in.Overrides.Capacities = []CapacityOverride{{Sponsor: "weak"}, {Sponsor: "weak"}}
		}, "overrides.capacities[1].sponsor"},
		{"negative capacity override", func(in *Input) {
			in.Overrides.Capacities = []CapacityOverride{{Sponsor: "weak", StaffDays: -5}}
		}, "overrides.capacities[0].staff_days"},
		{"pin of an unknown need", func(in *Input) { in.Overrides.Pin = []Pair{{"x", "weak"}} }, "overrides.pin[0].need"},
		{"need pinned twice", func(in *Input) { in.Overrides.Pin = []Pair{{"n", "weak"}, {"n", "strong"}} }, "overrides.pin[1].need"},
		{"forbid of an unknown sponsor", func(in *Input) { in.Overrides.Forbid = []Pair{{"n", "x"}} }, "overrides.forbid[0].sponsor"},
		{"pinned and forbidden", func(in *Input) {
			in.Overrides.Pin = []Pair{{"n", "weak"}}
			in.Overrides.Forbid = []Pair{{"n", "weak"}}
		}, "overrides.forbid[0]"},
	}
	if err := Validate(whatIfInput()); err != nil {
		t.Fatalf("the base input is invalid: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := whatIfInput()
			tt.change(&in)
			for name, err := range map[string]error{
				"Validate":    Validate(in),
				"Solve":       func() error { _, err := Solve(context.Background(), in); return err }(),
				"Fingerprint": func() error { _, err := Fingerprint(in); return err }(),
			} {
				f, ok := fault.As(err)
				if !ok || f.Kind != fault.KindInvalid {
					t.Fatalf("%s: err = %v, want INVALID_ARGUMENT", name, err)
				}
				if !slices.ContainsFunc(f.Violations, func(v fault.Violation) bool { return v.Field == tt.field }) {
					t.Errorf("%s: violations %+v, want one on %s", name, f.Violations, tt.field)
				}
			}
		})
	}
}

// TestValidateCollectsEveryProblem: every invalid field is reported at once.
func TestValidateCollectsEveryProblem(t *testing.T) {
	in := whatIfInput()
	in.Needs[0].Urgency = 0
	in.Sponsors[1].Capacity.Engagements = -1
	in.Algorithm = "X"
	f, ok := fault.As(Validate(in))
	if !ok || len(f.Violations) != 3 {
		t.Fatalf("want three violations, got %v", f)
	}
}
