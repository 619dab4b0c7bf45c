package reviewapi

import (
	"fmt"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"google.golang.org/protobuf/types/known/timestamppb"
	"strconv"

	"github.com/turnaround-sli/turnaround/services/reference/refproto"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/team"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
)

// Enum name prefixes of the proto enums the API uses.
const (
	kindPrefix     = "REVIEW_KIND_"
	statePrefix    = "REVIEW_STATE_"
	themePrefix    = "THEME_"
	findingPrefix  = "FINDING_KIND_"
	severityPrefix = "FINDING_SEVERITY_"
	riskPrefix     = "INADEQUACY_RISK_"
)

// toProto renders a review as the API returns it: its stored form with
// its etag.
func toProto(rv review.Review) *peerreviewv1.PeerReview {
	m := ToStored(rv)
	m.Etag = change.Format(rv.Version)
	return m
}

// render renders a review in view v: whole for a Full view, summarised
// for a Summarised one.
func render(rv review.Review, v access.View) *peerreviewv1.PeerReview {
	m := toProto(rv)
	if v != access.Full {
		summarise(m)
	}
	return m
}

// summarise clears, in place, what a caller with the access matrix's
// summary view of peer reviews (DfE officials, Ofsted inspectors) may not
// see: the review's content (why it was requested, its team, findings,
// conclusion and the support offer the conclusion led to), who requested
// it and why it was cancelled. What stays is that a review took place:
// its name, kind, state, dates on site, create and complete times and
// etag.
func summarise(m *peerreviewv1.PeerReview) {
	m.Reason = ""
	m.Team = nil
	m.Findings = nil
	m.ConclusionRisk = peerreviewv1.InadequacyRisk_INADEQUACY_RISK_UNSPECIFIED
	m.Conclusion = ""
	m.SupportOffer = ""
	m.RequestedBy = ""
	m.CancelReason = ""
}

// ToStored is the stored form of a review: the API message without its
// etag, which is the record's version.
func ToStored(rv review.Review) *peerreviewv1.PeerReview {
	m := &peerreviewv1.PeerReview{
		Name:           rv.Name(),
		Kind:           peerreviewv1.ReviewKind(peerreviewv1.ReviewKind_value[kindPrefix+string(rv.Kind)]),
		State:          peerreviewv1.ReviewState(peerreviewv1.ReviewState_value[statePrefix+string(rv.State)]),
		Reason:         rv.Reason,
		StartDate:      refproto.Date(rv.StartDate),
		EndDate:        refproto.Date(rv.EndDate),
		ConclusionRisk: peerreviewv1.InadequacyRisk(peerreviewv1.InadequacyRisk_value[riskPrefix+string(rv.ConclusionRisk)]),
		Conclusion:     rv.Conclusion,
		SupportOffer:   rv.SupportOffer,
		RequestedBy:    rv.RequestedBy,
		CancelReason:   rv.CancelReason,
		CreateTime:     timestamppb.New(rv.CreateTime),
	}
	if !rv.CompleteTime.IsZero() {
		m.CompleteTime = timestamppb.New(rv.CompleteTime)
	}
	for _, t := range rv.Team {
		m.Team = append(m.Team, &peerreviewv1.TeamMember{Reviewer: reviewer.Name(t.ReviewerID), Lead: t.Lead, Days: int32(t.Days)})
	}
	for _, f := range rv.Findings {
		m.Findings = append(m.Findings, &peerreviewv1.Finding{
			Theme:    peerreviewv1.Theme(peerreviewv1.Theme_value[themePrefix+string(f.Theme)]),
			Kind:     peerreviewv1.FindingKind(peerreviewv1.FindingKind_value[findingPrefix+string(f.Kind)]),
			Severity: peerreviewv1.FindingSeverity(peerreviewv1.FindingSeverity_value[severityPrefix+string(f.Severity)]),
			Evidence: f.Evidence,
		})
	}
	return m
}

// FromStored reads a stored review at version. Stored data was validated
// when written, so anything unexpected is corruption and an error.
func FromStored(m *peerreviewv1.PeerReview, version int64) (review.Review, error) {
	gss, id, err := resource.ParseCouncilChild("name", review.Collection, m.GetName())
	if err != nil {
		return review.Review{}, fmt.Errorf("decode peer review %q: %w", m.GetName(), err)
	}
	bad := func(format string, args ...any) (review.Review, error) {
		return review.Review{}, fmt.Errorf("decode peer review %s: %s", m.GetName(), fmt.Sprintf(format, args...))
	}
	rv := review.Review{
		GSSCode:        gss,
		ID:             id,
		Kind:           review.Kind(refproto.EnumName(m.GetKind(), kindPrefix)),
		State:          review.State(refproto.EnumName(m.GetState(), statePrefix)),
		Reason:         m.GetReason(),
		ConclusionRisk: review.Risk(refproto.EnumName(m.GetConclusionRisk(), riskPrefix)),
		Conclusion:     m.GetConclusion(),
		SupportOffer:   m.GetSupportOffer(),
		RequestedBy:    m.GetRequestedBy(),
		CancelReason:   m.GetCancelReason(),
		Version:        version,
		CreateTime:     m.GetCreateTime().AsTime(),
	}
	if m.GetCompleteTime() != nil {
		rv.CompleteTime = m.GetCompleteTime().AsTime()
	}
	if !rv.Kind.Valid() || !rv.State.Valid() {
		return bad("kind %s, state %s", m.GetKind(), m.GetState())
	}
	if rv.StartDate, _, err = refproto.DateFrom(m.GetStartDate()); err != nil {
		return bad("start date: %v", err)
	}
	if rv.EndDate, _, err = refproto.DateFrom(m.GetEndDate()); err != nil {
		return bad("end date: %v", err)
	}
	for _, t := range m.GetTeam() {
		rid, err := resource.ParseID("team.reviewer", reviewer.Collection, t.GetReviewer())
		if err != nil {
			return bad("team: %v", err)
		}
		rv.Team = append(rv.Team, review.Member{ReviewerID: rid, Lead: t.GetLead(), Days: int(t.GetDays())})
	}
	if len(m.GetFindings()) > 0 {
		rv.Findings = findingsFrom(m.GetFindings())
	}
	return rv, nil
}

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
		vs.Merge(err)
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
