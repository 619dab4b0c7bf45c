package indicatorapi

import (
	"strings"
	"testing"

	"google.golang.org/grpc/status"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/platform/apierror"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// A council judged inadequate says so beside its modelled score, and lists
// tell modelled risk from councils already inadequate.
func TestRiskSaysWhenAlreadyJudged(t *testing.T) {
	h := newHarness(t)
	h.seedSets(t, nil)
	h.markInspected(t, halton, reference.Inadequate)
	h.markInspected(t, redcar, reference.Good)

	for _, c := range []struct {
		gss    string
		status inspectionv1.RiskStatus
		grade  typev1.Grade
		note   string
	}{
		{halton, inspectionv1.RiskStatus_RISK_STATUS_ALREADY_INADEQUATE, typev1.Grade_GRADE_INADEQUATE, "already inadequate"},
		{redcar, inspectionv1.RiskStatus_RISK_STATUS_RECENTLY_JUDGED, typev1.Grade_GRADE_GOOD, "judged good (SIF) on 2015-06-01"},
		{leeds, inspectionv1.RiskStatus_RISK_STATUS_MODELLED, typev1.Grade_GRADE_UNSPECIFIED, ""},
	} {
		a, err := h.client.GetRiskAssessment(h.as("dfe"), &inspectionv1.GetRiskAssessmentRequest{Name: "localAuthorities/" + c.gss + "/riskAssessment"})
		if err != nil {
			t.Fatal(err)
		}
		if a.GetStatus() != c.status || a.GetLatestJudgement().GetOverallGrade() != c.grade ||
			(c.note == "") != (a.GetNote() == "") || !strings.Contains(a.GetNote(), c.note) {
			t.Errorf("%s: status %v, latest %v, note %q; want %v, %v, %q", c.gss, a.GetStatus(), a.GetLatestJudgement(), a.GetNote(), c.status, c.grade, c.note)
		}
	}

	for filter, want := range map[string]int{
		"status = ALREADY_INADEQUATE": 1,
		"status = RECENTLY_JUDGED":    1,
		"status = MODELLED":           150,
		"latest_grade = INADEQUATE":   1,
		"latest_grade = GOOD":         1,
	} {
		list, err := h.client.ListRiskAssessments(h.as("dfe"), &inspectionv1.ListRiskAssessmentsRequest{Filter: filter, PageSize: 200})
		if err != nil || int(list.GetTotalSize()) != want {
			t.Errorf("%s: %d, %v; want %d", filter, list.GetTotalSize(), violationsOf(err), want)
		}
	}
}

func violationsOf(err error) any {
	st, _ := status.FromError(err)
	return apierror.FieldViolations(st)
}
