package reviewapi

import (
	"strconv"

	"github.com/turnaround-sli/turnaround/services/reference/refproto"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/team"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
)

// Enum name prefixes of the proto enums the API uses.
const (
	kindPrefix     = "REVIEW_KIND_"
	themePrefix    = "THEME_"
	findingPrefix  = "FINDING_KIND_"
	severityPrefix = "FINDING_SEVERITY_"
	riskPrefix     = "INADEQUACY_RISK_"
)

// findingsFrom reads a request's findings; the rules judge them.
func findingsFrom(ms []*peerreviewv1.Finding) []review.Finding {
	out := make([]review.Finding, len(ms))
	for i, m := range ms {
		out[i] = review.Finding{
			Theme:    review.Theme(refproto.EnumName(m.GetTheme(), themePrefix)),
			Kind:     review.FindingKind(refproto.EnumName(m.GetKind(), findingPrefix)),
			Severity: review.Severity(refproto.EnumName(m.GetSeverity(), severityPrefix)),
			Evidence: m.GetEvidence(),
		}
	}
	return out
}

// teamFrom reads a request's team, reporting malformed reviewer names as
// violations on team[i].reviewer.
func teamFrom(ms []*peerreviewv1.TeamMember) ([]review.Member, fault.Violations) {
	var vs fault.Violations
	out := make([]review.Member, len(ms))
	for i, m := range ms {
		field := "team[" + strconv.Itoa(i) + "].reviewer"
		id, err := resource.ParseID(field, reviewer.Collection, m.GetReviewer())
		if f, ok := fault.As(err); ok {
			vs = append(vs, f.Violations...)
		}
		out[i] = review.Member{ReviewerID: id, Lead: m.GetLead(), Days: int(m.GetDays())}
	}
	return out, vs
}

// proposalProto renders a team proposal for the review named name.
func proposalProto(name string, p team.Proposal, poolEtag string) *peerreviewv1.TeamProposal {
	out := &peerreviewv1.TeamProposal{PeerReview: name, PoolEtag: poolEtag}
	for _, pk := range p.Picks {
		m := &peerreviewv1.Pick{
			Reviewer:       reviewer.Name(pk.ReviewerID),
			Lead:           pk.Lead,
			Days:           int32(pk.Days),
			Reason:         pk.Reason,
			RunnerUpReason: pk.RunnerUpReason,
		}
		if pk.RunnerUpID != "" {
			m.RunnerUp = reviewer.Name(pk.RunnerUpID)
		}
		out.Picks = append(out.Picks, m)
	}
	for _, t := range p.Focus {
		out.Focus = append(out.Focus, peerreviewv1.Theme(peerreviewv1.Theme_value[themePrefix+string(t)]))
	}
	for _, e := range p.Exclusions {
		out.Exclusions = append(out.Exclusions, e.Text)
	}
	return out
}
