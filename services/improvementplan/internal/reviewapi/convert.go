package reviewapi

import (
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/review"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/reviewstore"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

// enumName is the domain value of a proto enum: its name without prefix,
// "" for the zero value, and for a number the enum does not define the
// number itself, which the domain rules then reject by name. Conversion
// never fails, so the rules see, and report, every problem at once.
func enumName(e protoreflect.Enum, prefix string) string {
	if e.Number() == 0 {
		return ""
	}
	if v := e.Descriptor().Values().ByNumber(e.Number()); v != nil {
		return strings.TrimPrefix(string(v.Name()), prefix)
	}
	return strconv.Itoa(int(e.Number()))
}

// fromProto reads the client-settable fields of a ProgressReview message.
// Output-only fields (name, recorded_by, create_time) are ignored
// (AIP-203). Only what cannot be represented at all, an impossible date,
// is reported here, as a violation under "progress_review.".
func fromProto(m *improvementplanv1.ProgressReview) (review.Draft, fault.Violations) {
	var vs fault.Violations
	date, _, err := refproto.DateFrom(m.GetReviewDate())
	if err != nil {
		vs.Add("progress_review.review_date", "%s", err.Error())
	}
	d := review.Draft{
		Date:      date,
		Source:    review.Source(enumName(m.GetSource(), reviewstore.SourcePrefix)),
		Overall:   plan.ProgressRating(enumName(m.GetOverallRating(), reviewstore.RatingPrefix)),
		Narrative: m.GetNarrative(),
		Evidence:  slices.Clone(m.GetEvidence()),
	}
	for _, pr := range m.GetPriorityRatings() {
		d.PriorityRatings = append(d.PriorityRatings, review.PriorityRating{
			Priority:  pr.GetPriority(),
			Rating:    plan.ProgressRating(enumName(pr.GetRating(), reviewstore.RatingPrefix)),
			Narrative: pr.GetNarrative(),
		})
	}
	return d, vs
}
