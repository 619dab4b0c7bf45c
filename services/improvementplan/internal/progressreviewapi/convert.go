package progressreviewapi

import (
	"fmt"
	"slices"

	"google.golang.org/protobuf/types/known/timestamppb"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planapi"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/progressreview"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// sourcePrefix is the enum name prefix of ReviewSource.
const sourcePrefix = "REVIEW_SOURCE_"

// fromProto reads the client-settable fields of a ProgressReview message.
// Output-only fields (name, recorded_by, create_time) are ignored
// (AIP-203). Only what cannot be represented at all, an impossible date,
// is reported here, as a violation under prefix.
func fromProto(m *improvementplanv1.ProgressReview, prefix string) (progressreview.Draft, fault.Violations) {
	var vs fault.Violations
	date, _, err := refproto.DateFrom(m.GetReviewDate())
	if err != nil {
		vs.Add(prefix+"review_date", "%s", err.Error())
	}
	d := progressreview.Draft{
		Date:      date,
		Source:    progressreview.Source(refproto.EnumName(m.GetSource(), sourcePrefix)),
		Overall:   planapi.RatingFrom(m.GetOverallRating()),
		Narrative: m.GetNarrative(),
		Evidence:  slices.Clone(m.GetEvidence()),
	}
	for _, pr := range m.GetPriorityRatings() {
		d.PriorityRatings = append(d.PriorityRatings, progressreview.PriorityRating{
			Priority:  pr.GetPriority(),
			Rating:    planapi.RatingFrom(pr.GetRating()),
			Narrative: pr.GetNarrative(),
		})
	}
	return d, vs
}

// ToProto renders r as the API message. A review has no etag or derived
// fields, so the message is also its stored form, and the handlers answer
// with it as it is.
func ToProto(r progressreview.Review) *improvementplanv1.ProgressReview {
	m := &improvementplanv1.ProgressReview{
		Name:          r.Name(),
		ReviewDate:    refproto.Date(r.Date),
		Source:        improvementplanv1.ReviewSource(improvementplanv1.ReviewSource_value[sourcePrefix+string(r.Source)]),
		OverallRating: planapi.RatingProto(r.Overall),
		Narrative:     r.Narrative,
		Evidence:      slices.Clone(r.Evidence),
		RecordedBy:    r.RecordedBy,
		CreateTime:    timestamppb.New(r.CreateTime),
	}
	for _, pr := range r.PriorityRatings {
		m.PriorityRatings = append(m.PriorityRatings, &improvementplanv1.PriorityRating{
			Priority:  pr.Priority,
			Rating:    planapi.RatingProto(pr.Rating),
			Narrative: pr.Narrative,
		})
	}
	return m
}

// FromStored reads a stored review; reviews never change, so the version
// says nothing a review keeps. Stored data was validated when written, so
// anything unexpected is corruption and an error, where fromProto would
// leave it for the rules to judge.
func FromStored(m *improvementplanv1.ProgressReview, _ int64) (progressreview.Review, error) {
	gss, planID, id, err := progressreview.ParseName("name", m.GetName())
	if err != nil {
		return progressreview.Review{}, fmt.Errorf("decode progress review %q: %w", m.GetName(), err)
	}
	date, ok, err := refproto.DateFrom(m.GetReviewDate())
	if err != nil || !ok {
		return progressreview.Review{}, fmt.Errorf("decode progress review %s: review date %v: %v", m.GetName(), m.GetReviewDate(), err)
	}
	d, _ := fromProto(m, "")
	r := progressreview.Review{
		GSSCode:         gss,
		PlanID:          planID,
		ID:              id,
		Date:            date,
		Source:          d.Source,
		Overall:         d.Overall,
		Narrative:       d.Narrative,
		Evidence:        d.Evidence,
		PriorityRatings: d.PriorityRatings,
		RecordedBy:      m.GetRecordedBy(),
		CreateTime:      m.GetCreateTime().AsTime(),
	}
	if !r.Source.Valid() || !r.Overall.Valid() {
		return progressreview.Review{}, fmt.Errorf("decode progress review %s: source %s, overall rating %s",
			m.GetName(), m.GetSource(), m.GetOverallRating())
	}
	for _, pr := range r.PriorityRatings {
		if !pr.Rating.Valid() {
			return progressreview.Review{}, fmt.Errorf("decode progress review %s: rating of priority %s: %s",
				m.GetName(), pr.Priority, pr.Rating)
		}
	}
	return r, nil
}
