package progressreviewstore

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/progressreview"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// Enum name prefixes of the proto enums a review uses.
const (
	SourcePrefix = "REVIEW_SOURCE_"
	RatingPrefix = "PROGRESS_RATING_"
)

// Rating returns the proto enum of r; PROGRESS_RATING_UNSPECIFIED for a
// rating that is not one of plan.ProgressRatings.
func Rating(r plan.ProgressRating) improvementplanv1.ProgressRating {
	return improvementplanv1.ProgressRating(improvementplanv1.ProgressRating_value[RatingPrefix+string(r)])
}

// Encode renders r as the API message. A review has no etag or derived
// fields, so the message is also its stored form, and the handlers answer
// with it as it is.
func Encode(r progressreview.Review) *improvementplanv1.ProgressReview {
	m := &improvementplanv1.ProgressReview{
		Name:          r.Name(),
		ReviewDate:    refproto.Date(r.Date),
		Source:        improvementplanv1.ReviewSource(improvementplanv1.ReviewSource_value[SourcePrefix+string(r.Source)]),
		OverallRating: Rating(r.Overall),
		Narrative:     r.Narrative,
		Evidence:      append([]string(nil), r.Evidence...),
		RecordedBy:    r.RecordedBy,
		CreateTime:    timestamppb.New(r.CreateTime),
	}
	for _, pr := range r.PriorityRatings {
		m.PriorityRatings = append(m.PriorityRatings, &improvementplanv1.PriorityRating{
			Priority:  pr.Priority,
			Rating:    Rating(pr.Rating),
			Narrative: pr.Narrative,
		})
	}
	return m
}

// decode reads a stored review; reviews never change, so the version
// says nothing a review keeps. Stored data was validated when written, so
// anything unexpected is corruption and an error.
func decode(m *improvementplanv1.ProgressReview, _ int64) (progressreview.Review, error) {
	gss, planID, id, err := progressreview.ParseName("name", m.GetName())
	if err != nil {
		return progressreview.Review{}, fmt.Errorf("decode progress review %q: %w", m.GetName(), err)
	}
	date, ok, err := refproto.DateFrom(m.GetReviewDate())
	if err != nil || !ok {
		return progressreview.Review{}, fmt.Errorf("decode progress review %s: review date %v: %v", m.GetName(), m.GetReviewDate(), err)
	}
	r := progressreview.Review{
		GSSCode:    gss,
		PlanID:     planID,
		ID:         id,
		Date:       date,
		Source:     progressreview.Source(strings.TrimPrefix(m.GetSource().String(), SourcePrefix)),
		Overall:    plan.ProgressRating(strings.TrimPrefix(m.GetOverallRating().String(), RatingPrefix)),
		Narrative:  m.GetNarrative(),
		Evidence:   append([]string(nil), m.GetEvidence()...),
		RecordedBy: m.GetRecordedBy(),
		CreateTime: m.GetCreateTime().AsTime(),
	}
	if !r.Source.Valid() || !r.Overall.Valid() {
		return progressreview.Review{}, fmt.Errorf("decode progress review %s: source %s, overall rating %s",
			m.GetName(), m.GetSource(), m.GetOverallRating())
	}
	for _, pr := range m.GetPriorityRatings() {
		rating := plan.ProgressRating(strings.TrimPrefix(pr.GetRating().String(), RatingPrefix))
		if !rating.Valid() {
			return progressreview.Review{}, fmt.Errorf("decode progress review %s: rating of priority %s: %s",
				m.GetName(), pr.GetPriority(), pr.GetRating())
		}
		r.PriorityRatings = append(r.PriorityRatings, progressreview.PriorityRating{
			Priority: pr.GetPriority(), Rating: rating, Narrative: pr.GetNarrative(),
		})
	}
	return r, nil
}
