package plan

import (
	"context"
	"slices"
	"time"
)

// LateActions returns the IDs of the actions due before today (the day of
// now, UTC) and not done, in plan order. An action due today is not late
// yet.
func (p Plan) LateActions(now time.Time) []string {
	today := Day(now)
	var out []string
	for _, pr := range p.Priorities {
		for _, a := range pr.Actions {
			if !a.DueDate.IsZero() && a.DueDate.Before(today) && a.Status != Done {
				out = append(out, a.ID)
			}
		}
	}
	return out
}

// ProgressRating is a progress review's overall rating, named as the proto
// enum ProgressRating without its PROGRESS_RATING_ prefix.
type ProgressRating string

// The progress ratings, best first.
const (
	RatingSignificant  ProgressRating = "SIGNIFICANT"
	RatingSome         ProgressRating = "SOME"
	RatingLittle       ProgressRating = "LITTLE"
	RatingDeteriorated ProgressRating = "DETERIORATED"
)

// ProgressRatings lists the ratings best first, in the order of the proto
// enum.
var ProgressRatings = []ProgressRating{RatingSignificant, RatingSome, RatingLittle, RatingDeteriorated}

// rank is 1 for the best rating to 4 for the worst, 0 for none.
func (r ProgressRating) rank() int { return slices.Index(ProgressRatings, r) + 1 }

// Valid reports whether r is one of ProgressRatings.
func (r ProgressRating) Valid() bool { return r.rank() > 0 }

// Trend is the direction of a plan's progress reviews.
type Trend string

// The trends, as the plan's trend field shows them.
const (
	Improving     Trend = "improving"
	Steady        Trend = "steady"
	Worsening     Trend = "worsening"
	TooFewReviews Trend = "too few reviews"
)

// TrendOf compares the latest review's rating with the one before it
// (ratings oldest first): a better rating is improving, the same steady, a
// worse one worsening. With fewer than two rated reviews there is nothing
// to compare: too few reviews. Only the last two count, because a plan's
// question is whether it is improving now, and the whole series is shown
// beside the trend (rating_trend) for a reader who wants more. Ratings that
// are not ProgressRatings are skipped.
func TrendOf(ratings []ProgressRating) Trend {
	var last, prev ProgressRating
	for _, r := range ratings {
		if r.Valid() {
			prev, last = last, r
		}
	}
	switch {
	case prev == "":
		return TooFewReviews
	case last.rank() < prev.rank():
		return Improving
	case last.rank() > prev.rank():
		return Worsening
	}
	return Steady
}

// RatingSource gives the overall ratings of a plan's progress reviews,
// oldest first, as ProgressRating names (SIGNIFICANT, SOME, LITTLE,
// DETERIORATED). The progress review store implements it; the plan
// handlers show the ratings and their trend with every plan.
type RatingSource interface {
	Ratings(ctx context.Context, gss, planID string) ([]string, error)
	// RatingsOf gives the ratings of each of plans, in their order, in a
	// number of reads that does not grow with the number of plans.
	RatingsOf(ctx context.Context, plans []Plan) ([][]string, error)
}
