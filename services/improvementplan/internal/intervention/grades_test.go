package intervention

import (
	"maps"
	"testing"

	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// The sponsor need opened from an intervention weighs its areas by the
// grades that failed, so the intervention carries them.
func TestAreaGradesComeFromThePlansJudgement(t *testing.T) {
	p := plan.Plan{KeyJudgements: map[string]reference.Grade{
		"HELP_AND_PROTECTION": reference.Inadequate,
		"LEADERSHIP":          reference.RequiresImprovement,
		"CARE_LEAVERS":        reference.Good,
	}}
	got := gradesOf(p, []string{"HELP_AND_PROTECTION", "LEADERSHIP", "ADOPTION"})
	want := map[string]string{"HELP_AND_PROTECTION": "INADEQUATE", "LEADERSHIP": "REQUIRES_IMPROVEMENT"}
	if !maps.Equal(got, want) {
		t.Errorf("gradesOf = %v, want %v", got, want)
	}
	if gradesOf(plan.Plan{}, []string{"HELP_AND_PROTECTION"}) != nil {
		t.Error("a plan with no key judgements gave grades")
	}
	iv := Intervention{Areas: []string{"A"}, AreaGrades: map[string]string{"A": "INADEQUATE"}}
	c := iv.Clone()
	c.AreaGrades["A"] = "GOOD"
	if iv.AreaGrades["A"] != "INADEQUATE" {
		t.Error("Clone shares its area grades")
	}
}
