package inspectionclient

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/whatworks"
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

// Councils answers, from the inspection service and acting for the caller
// in the context, what peer review team proposals need to know about
// councils. It implements review.Inspection and whatworks.Judgements.
type Councils struct {
	c inspectionv1.InspectionServiceClient
}

var (
	_ review.Inspection    = Councils{}
	_ whatworks.Judgements = Councils{}
)

// NewCouncils returns the councils as c reports them. c must forward the
// caller's authorization (serve.Dial with auth.ForwardAuthorization).
func NewCouncils(c inspectionv1.InspectionServiceClient) Councils { return Councils{c: c} }

// Weakness implements review.Inspection: the council's latest published
// graded judgement and its risk factors.
func (cs Councils) Weakness(ctx context.Context, gss string) (review.Weakness, error) {
	var w review.Weakness
	token := ""
	for range maxInspectionPages {
		resp, err := cs.c.ListInspections(ctx, &inspectionv1.ListInspectionsRequest{
			Parent:    resource.CouncilName(gss),
			Filter:    "state = PUBLISHED",
			OrderBy:   "publish_date desc",
			PageSize:  inspectionPageSize,
			PageToken: token,
		})
		if err != nil {
			return review.Weakness{}, Error(err)
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
	ra, err := cs.c.GetRiskAssessment(ctx, &inspectionv1.GetRiskAssessmentRequest{Name: resource.CouncilName(gss) + "/riskAssessment"})
	switch {
	case status.Code(err) == codes.NotFound:
	case err != nil:
		return review.Weakness{}, Error(err)
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

// InadequateCouncils implements review.Inspection, reading every page.
func (cs Councils) InadequateCouncils(ctx context.Context) ([]string, error) {
	las, err := LocalAuthorities(ctx, cs.c, "latest_grade = INADEQUATE")
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

// LatestJudgements implements whatworks.Judgements: every council's latest
// published graded judgement, keyed by GSS code, read in one pass over the
// inspection service's council list. Councils without one are left out.
func (cs Councils) LatestJudgements(ctx context.Context) (map[string]whatworks.Judgement, error) {
	las, err := LocalAuthorities(ctx, cs.c, "")
	if err != nil {
		return nil, err
	}
	out := make(map[string]whatworks.Judgement, len(las))
	for _, la := range las {
		j := la.GetLatestJudgement()
		if j == nil {
			continue
		}
		grade, ok := refproto.GradeFrom(j.GetOverallGrade())
		published, set, err := refproto.DateFrom(j.GetPublishDate())
		if !ok || !set || err != nil {
			continue
		}
		out[la.GetGssCode()] = whatworks.Judgement{Grade: grade, Published: published}
	}
	return out, nil
}
