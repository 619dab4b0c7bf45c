package progressreviewapi

import (
	"slices"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/progressreview"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/progressreviewstore"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// fromProto reads the client-settable fields of a ProgressReview message.
// Output-only fields (name, recorded_by, create_time) are ignored
// (AIP-203). Only what cannot be represented at all, an impossible date,
// is reported here, as a violation under "progress_review.".
func fromProto(m *improvementplanv1.ProgressReview) (progressreview.Draft, fault.Violations) {
	var vs fault.Violations
	date, _, err := refproto.DateFrom(m.GetReviewDate())
	if err != nil {
		vs.Add("progress_review.review_date", "%s", err.Error())
	}
	d := progressreview.Draft{
		Date:      date,
		Source:    progressreview.Source(refproto.EnumName(m.GetSource(), progressreviewstore.SourcePrefix)),
		Overall:   plan.ProgressRating(refproto.EnumName(m.GetOverallRating(), progressreviewstore.RatingPrefix)),
		Narrative: m.GetNarrative(),
		Evidence:  slices.Clone(m.GetEvidence()),
	}
	for _, pr := range m.GetPriorityRatings() {
		d.PriorityRatings = append(d.PriorityRatings, progressreview.PriorityRating{
			Priority:  pr.GetPriority(),
			Rating:    plan.ProgressRating(refproto.EnumName(pr.GetRating(), progressreviewstore.RatingPrefix)),
			Narrative: pr.GetNarrative(),
		})
	}
	return d, vs
}
