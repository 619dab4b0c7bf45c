package reviewstore

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Enum name prefixes of the proto enums the stored form uses.
const (
	kindPrefix     = "REVIEW_KIND_"
	statePrefix    = "REVIEW_STATE_"
	themePrefix    = "THEME_"
	findingPrefix  = "FINDING_KIND_"
	severityPrefix = "FINDING_SEVERITY_"
	riskPrefix     = "INADEQUACY_RISK_"
)

// Proto renders a review as the API returns it, with its etag. The stored
// form is the same message without the etag, so one conversion serves
// both.
func Proto(rv review.Review) *peerreviewv1.PeerReview {
	m := encode(rv)
	m.Etag = store.Etag(rv.Version)
	return m
}

// encode is the stored form of a review: the API message without its etag,
// which is the record's version.
func encode(rv review.Review) *peerreviewv1.PeerReview {
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

// marshal encodes rv's stored form; with etag, the form an idempotency
// record replays, which carries its version.
func marshal(rv review.Review, withEtag bool) ([]byte, error) {
	m := encode(rv)
	if withEtag {
		m.Etag = store.Etag(rv.Version)
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode peer review %s: %w", rv.Name(), err)
	}
	return b, nil
}

// enumName is a proto enum value's name without prefix, "" for the zero
// value.
func enumName(name string, number int32, prefix string) string {
	if number == 0 {
		return ""
	}
	return strings.TrimPrefix(name, prefix)
}

// decode reads a stored review at version. Stored data was validated when
// written, so anything unexpected is corruption and an error.
func decode(data []byte, version int64) (review.Review, error) {
	var m peerreviewv1.PeerReview
	if err := proto.Unmarshal(data, &m); err != nil {
		return review.Review{}, fmt.Errorf("decode peer review: %w", err)
	}
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
		Kind:           review.Kind(enumName(m.GetKind().String(), int32(m.GetKind()), kindPrefix)),
		State:          review.State(enumName(m.GetState().String(), int32(m.GetState()), statePrefix)),
		Reason:         m.GetReason(),
		ConclusionRisk: review.Risk(enumName(m.GetConclusionRisk().String(), int32(m.GetConclusionRisk()), riskPrefix)),
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
	for _, f := range m.GetFindings() {
		rv.Findings = append(rv.Findings, review.Finding{
			Theme:    review.Theme(enumName(f.GetTheme().String(), int32(f.GetTheme()), themePrefix)),
			Kind:     review.FindingKind(enumName(f.GetKind().String(), int32(f.GetKind()), findingPrefix)),
			Severity: review.Severity(enumName(f.GetSeverity().String(), int32(f.GetSeverity()), severityPrefix)),
			Evidence: f.GetEvidence(),
		})
	}
	return rv, nil
}

// decodeReplay reads the response an idempotency record holds: the stored
// form with the etag of the version the first call produced.
func decodeReplay(data []byte) (review.Review, error) {
	var m peerreviewv1.PeerReview
	if err := proto.Unmarshal(data, &m); err != nil {
		return review.Review{}, fmt.Errorf("decode replayed peer review: %w", err)
	}
	version, err := store.ParseEtag(m.GetEtag())
	if err != nil || version < 1 {
		return review.Review{}, fmt.Errorf("decode replayed peer review %s: etag %q", m.GetName(), m.GetEtag())
	}
	return decode(data, version)
}
