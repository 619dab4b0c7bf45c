package reference

// Grade is Ofsted's four-point scale, named as the enum value in
// turnaround.type.v1.Grade without its prefix.
type Grade string

// The four grades, best first.
const (
	Outstanding         Grade = "OUTSTANDING"
	Good                Grade = "GOOD"
	RequiresImprovement Grade = "REQUIRES_IMPROVEMENT"
	Inadequate          Grade = "INADEQUATE"
)

// Grades lists the grades best first, in the order of the proto enum.
var Grades = []Grade{Outstanding, Good, RequiresImprovement, Inadequate}

// Rank orders grades: 1 for outstanding to 4 for inadequate, 0 for anything
// else, so a higher rank is a worse grade.
func (g Grade) Rank() int {
	for i, x := range Grades {
		if x == g {
			return i + 1
		}
	}
	return 0
}

// Valid reports whether g is one of the four grades.
func (g Grade) Valid() bool { return g.Rank() > 0 }

// BetterThan reports whether g is a better grade than o; both must be valid.
func (g Grade) BetterThan(o Grade) bool { return g.Valid() && o.Valid() && g.Rank() < o.Rank() }
