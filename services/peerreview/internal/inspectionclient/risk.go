package inspectionclient

import (
	"context"
	"strings"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/priority"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// notYetInspected asks the inspection service for the councils not yet
// inspected under SIF; the band is judged by the priority rules, since the
// filter language has no "in".
const notYetInspected = "inspected_under_sif = false"

var _ priority.Risks = Councils{}

// NotYetInspected implements priority.Risks: the risk assessments of every
// council not yet inspected under SIF.
func (cs Councils) NotYetInspected(ctx context.Context) ([]priority.Assessment, error) {
	ms, err := RiskAssessments(ctx, cs.c, notYetInspected)
	if err != nil {
		return nil, err
	}
	out := make([]priority.Assessment, 0, len(ms))
	for _, m := range ms {
		// The council is the assessment's name,
		// localAuthorities/{gss}/riskAssessment.
		gss, _, _ := strings.Cut(strings.TrimPrefix(m.GetName(), resource.Councils+"/"), "/")
		a := priority.Assessment{
			Council:           gss,
			DisplayName:       m.GetDisplayName(),
			Score:             m.GetScore(),
			Band:              priority.Band(refproto.RiskBandName(m.GetBand())),
			ModelVersion:      m.GetModelVersion(),
			InspectedUnderSIF: m.GetInspectedUnderSif(),
		}
		for _, f := range m.GetFactors() {
			a.Factors = append(a.Factors, priority.Factor{Contribution: f.GetContribution(), Explanation: f.GetExplanation()})
		}
		out = append(out, a)
	}
	return out, nil
}
