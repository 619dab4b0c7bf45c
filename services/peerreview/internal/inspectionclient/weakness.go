package reviewapi

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/inspectionclient"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// inspectionPageSize is the page size of inspection lists: the largest the
// inspection service serves, so one page nearly always holds the latest
// graded judgement.
const inspectionPageSize = 200

// maxInspectionPages bounds the pages read from one inspection list, so a
// misbehaving server that always returns a next page token cannot keep a
// request looping.
const maxInspectionPages = 50

// maxFocusFactors is how many of a council's top risk factors, those that
// add to its score, count towards the team's focus themes.
const maxFocusFactors = 3

// councilWeakness is a council's weak spots as the inspection service reports
// them: the grades of its latest published judgement by area (the
// JudgementArea names without prefix, overall effectiveness left out) and
// its top risk factors' indicators, largest contribution first.
type councilWeakness struct {
	Grades     map[string]reference.Grade
	Indicators []string
}

// weakness asks the inspection service, acting for the caller in ctx, for
// the council's latest published graded judgement and its risk factors.
// A council never inspected has no grades; one without a risk assessment
// has no indicators.
func weakness(ctx context.Context, c inspectionv1.InspectionServiceClient, gss string) (councilWeakness, error) {
	var w councilWeakness
	token := ""
	for range maxInspectionPages {
		resp, err := c.ListInspections(ctx, &inspectionv1.ListInspectionsRequest{
			Parent:    resource.CouncilName(gss),
			Filter:    "state = PUBLISHED",
			OrderBy:   "publish_date desc",
			PageSize:  inspectionPageSize,
			PageToken: token,
		})
		if err != nil {
			return councilWeakness{}, inspectionclient.Error(err)
		}
		// Newest first: the first with a judgement is the latest graded
		// one; monitoring visits carry no judgement and are passed over.
		for _, ins := range resp.GetInspections() {
			if j := ins.GetJudgement(); j != nil {
				w.Grades = judgementGrades(j)
				break
			}
		}
		token = resp.GetNextPageToken()
		if w.Grades != nil || token == "" {
			break
		}
	}
	ra, err := c.GetRiskAssessment(ctx, &inspectionv1.GetRiskAssessmentRequest{Name: resource.CouncilName(gss) + "/riskAssessment"})
	switch {
	case status.Code(err) == codes.NotFound:
	case err != nil:
		return councilWeakness{}, inspectionclient.Error(err)
	default:
		w.Indicators = topIndicators(ra.GetFactors())
	}
	return w, nil
}

// judgementGrades maps a judgement's graded parts to their grades by area
// name.
func judgementGrades(j *inspectionv1.Judgement) map[string]reference.Grade {
	out := map[string]reference.Grade{}
	for area, part := range map[string]*inspectionv1.GradedJudgement{
		"HELP_AND_PROTECTION":              j.GetHelpAndProtection(),
		"LOOKED_AFTER_AND_PERMANENCE":      j.GetLookedAfterAndPermanence(),
		"ADOPTION_PERFORMANCE":             j.GetAdoptionPerformance(),
		"CARE_LEAVERS":                     j.GetCareLeavers(),
		"LEADERSHIP_MANAGEMENT_GOVERNANCE": j.GetLeadershipManagementGovernance(),
		"LSCB":                             j.GetLscbReview(),
	} {
		if g, ok := refproto.GradeFrom(part.GetGrade()); ok {
			out[area] = g
		}
	}
	return out
}

// topIndicators returns the indicators of the factors that add to the
// score, largest contribution first, at most maxFocusFactors.
func topIndicators(factors []*inspectionv1.RiskFactor) []string {
	fs := slices.Clone(factors)
	slices.SortStableFunc(fs, func(a, b *inspectionv1.RiskFactor) int {
		return cmp.Compare(b.GetContribution(), a.GetContribution())
	})
	var out []string
	for _, f := range fs {
		if len(out) == maxFocusFactors || f.GetContribution() <= 0 {
			break
		}
		out = append(out, strings.TrimPrefix(f.GetIndicator().String(), "INDICATOR_"))
	}
	return out
}

// inadequateCouncils asks the inspection service, acting for the caller in
// ctx, for the GSS codes of every council whose latest judgement is
// inadequate, reading every page.
func inadequateCouncils(ctx context.Context, c inspectionv1.InspectionServiceClient) ([]string, error) {
	las, err := inspectionclient.LocalAuthorities(ctx, c, "latest_grade = INADEQUATE")
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(las))
	for _, la := range las {
		gss := la.GetGssCode()
		if gss == "" {
			gss = strings.TrimPrefix(la.GetName(), resource.Councils+"/")
		}
		out = append(out, gss)
	}
	return out, nil
}
