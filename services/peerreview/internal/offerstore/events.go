package offerstore

import (
	"errors"
	"fmt"
	"slices"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/offer"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// The topics and payload types the offer consumers read. They are decoded
// here, beside the other protobuf encodings, so the consumers deal only in
// the offer rules' types.
const (
	// InspectionTopic carries the inspection service's JudgementPublished.
	InspectionTopic = "inspection"
	// PeerReviewTopic carries this service's PeerReviewCompleted (and the
	// SupportOfferCreated this package emits, which the consumers skip).
	PeerReviewTopic = Topic
)

// Payload type names, as events.Event.Type holds them.
var (
	JudgementPublishedType  = events.TypeName(&eventsv1.JudgementPublished{})
	PeerReviewCompletedType = events.TypeName(&eventsv1.PeerReviewCompleted{})
	SupportOfferCreatedType = events.TypeName(&eventsv1.SupportOfferCreated{})
)

// ErrMalformedEvent marks an event whose payload cannot be acted on: a
// resource name that is not one, or a council that disagrees with it.
// Delivering it again cannot help.
var ErrMalformedEvent = errors.New("offerstore: malformed event")

// DecodeJudgement reads a JudgementPublished event. ok is false for an
// event of another type, which the caller skips.
func DecodeJudgement(e events.Event) (j offer.Judgement, ok bool, err error) {
	m, ok, err := events.As[eventsv1.JudgementPublished](e)
	if !ok || err != nil {
		return offer.Judgement{}, false, err
	}
	gss, _, named := offer.ParseInspectionName(m.GetInspection())
	if !named || m.GetLocalAuthority() != resource.CouncilName(gss) {
		return offer.Judgement{}, false, fmt.Errorf("%w: event %s: inspection %q of council %q",
			ErrMalformedEvent, e.ID, m.GetInspection(), m.GetLocalAuthority())
	}
	j = offer.Judgement{Inspection: m.GetInspection(), Framework: m.GetFramework(), Historical: m.GetHistorical()}
	j.OverallGrade, _ = refproto.GradeFrom(m.GetOverallGrade())
	for area, g := range m.GetKeyJudgements() {
		if grade, ok := refproto.GradeFrom(g); ok {
			if j.KeyJudgements == nil {
				j.KeyJudgements = map[string]reference.Grade{}
			}
			j.KeyJudgements[area] = grade
		}
	}
	if d, ok, err := refproto.DateFrom(m.GetPublishDate()); err == nil && ok {
		j.PublishDate = d
	}
	return j, true, nil
}

// DecodeReviewCompleted reads a PeerReviewCompleted event. ok is false for
// an event of another type, which the caller skips.
func DecodeReviewCompleted(e events.Event) (r offer.ReviewConclusion, ok bool, err error) {
	m, ok, err := events.As[eventsv1.PeerReviewCompleted](e)
	if !ok || err != nil {
		return offer.ReviewConclusion{}, false, err
	}
	gss, _, named := offer.ParseReviewName(m.GetPeerReview())
	if !named || m.GetLocalAuthority() != resource.CouncilName(gss) {
		return offer.ReviewConclusion{}, false, fmt.Errorf("%w: event %s: peer review %q of council %q",
			ErrMalformedEvent, e.ID, m.GetPeerReview(), m.GetLocalAuthority())
	}
	return offer.ReviewConclusion{
		PeerReview:   m.GetPeerReview(),
		Kind:         m.GetKind(),
		Risk:         m.GetRisk(),
		SevereThemes: slices.Clone(m.GetSevereThemes()),
	}, true, nil
}
