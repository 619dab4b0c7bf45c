// Package priority ranks the councils the LGA should offer a peer review:
// those not yet inspected under the Single Inspection Framework whose risk
// of an inadequate judgement is medium or worse, leaving out councils that
// have a review under way or completed one in the last twelve months, the
// riskiest first, each with the reasons its risk model gives.
//
// Rank is pure: the risk assessments come from the inspection service and
// the reviews from this service's store, both fetched by the Service
// through its Risks and Reviews, so the rule is table-tested without
// either.
package priority

import (
	"cmp"
	"slices"
	"time"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Band is a risk band, named as the shared turnaround.type.v1.RiskBand enum
// value without its prefix.
type Band string

// The risk bands, least risky first.
const (
	BandInsufficientData Band = "INSUFFICIENT_DATA"
	BandLow              Band = "LOW"
	BandMedium           Band = "MEDIUM"
	BandHigh             Band = "HIGH"
	BandSevere           Band = "SEVERE"
)

// Prioritised reports whether a council in band b is a candidate for a
// review: medium, high and severe risk are; low risk, and councils the model
// could not score, are not.
func (b Band) Prioritised() bool {
	return b == BandMedium || b == BandHigh || b == BandSevere
}

// ReviewState is where a peer review is: the review package's State,
// whose UnderWay says which reviews already have the LGA's attention, and
// whose Completed reviews keep a council off the list for RecentWindow.
// Cancelled reviews do not count.
type ReviewState = review.State

// RecentWindow is how long a completed review keeps its council off the
// list: a council reviewed in the last twelve months is not asked again.
const RecentWindow = 12 // months

// MaxReasons is how many risk factors a priority quotes as its reasons.
const MaxReasons = 3

// Factor is one indicator's part in a council's risk score.
type Factor struct {
	// Contribution is the points the indicator adds to the score; factors
	// that lower the score are not reasons for concern.
	Contribution float64
	// Explanation is the model's sentence about it, with its benchmarks.
	Explanation string
}

// Assessment is the inspection service's explained risk for one council.
type Assessment struct {
	// Council is the GSS code.
	Council     string
	DisplayName string
	Score       float64
	Band        Band
	Factors     []Factor
	// ModelVersion identifies the risk model, so a score can be reproduced.
	ModelVersion      string
	InspectedUnderSIF bool
}

// Review is what the ranking needs to know about one peer review.
type Review struct {
	// Council is the reviewed council's GSS code.
	Council string
	State   ReviewState
	// Completed is when a completed review was completed; zero otherwise.
	Completed time.Time
}

// Priority is one council the LGA should offer a review.
type Priority struct {
	// Council is the GSS code.
	Council      string
	DisplayName  string
	Region       reference.Region
	Score        float64
	Band         Band
	Reasons      []string
	ModelVersion string
}

// Rank returns the councils among assessments that should be offered a
// review at now, highest score first (ties by GSS code, so the order is
// stable from call to call). A council qualifies when it has not been
// inspected under SIF, its band is prioritised, and none of reviews is under
// way for it or completed within RecentWindow months before now. Each
// priority's reasons are the explanations of its MaxReasons largest positive
// contributions.
func Rank(assessments []Assessment, reviews []Review, now time.Time) []Priority {
	excluded := Excluded(reviews, now)
	out := make([]Priority, 0, len(assessments))
	for _, a := range assessments {
		if a.InspectedUnderSIF || !a.Band.Prioritised() || excluded[a.Council] {
			continue
		}
		c, _ := reference.CouncilByCode(a.Council)
		out = append(out, Priority{
			Council:      a.Council,
			DisplayName:  a.DisplayName,
			Region:       c.Region,
			Score:        a.Score,
			Band:         a.Band,
			Reasons:      Reasons(a.Factors),
			ModelVersion: a.ModelVersion,
		})
	}
	slices.SortFunc(out, func(a, b Priority) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.Council, b.Council)
	})
	return out
}

// Excluded returns the councils that reviews keep off the list at now: one
// with a review under way, or with a review completed on or after the day
// RecentWindow months before now.
func Excluded(reviews []Review, now time.Time) map[string]bool {
	since := now.AddDate(0, -RecentWindow, 0)
	out := map[string]bool{}
	for _, r := range reviews {
		recent := r.State == review.Completed && !r.Completed.IsZero() && !r.Completed.Before(since)
		if r.State.UnderWay() || recent {
			out[r.Council] = true
		}
	}
	return out
}

// Reasons returns the explanations of the largest positive contributions,
// at most MaxReasons, largest first. The inspection service sends factors in
// that order already; sorting again keeps the rule true whatever it sends.
func Reasons(factors []Factor) []string {
	fs := slices.Clone(factors)
	slices.SortStableFunc(fs, func(a, b Factor) int { return cmp.Compare(b.Contribution, a.Contribution) })
	var out []string
	for _, f := range fs {
		if len(out) == MaxReasons || f.Contribution <= 0 {
			break
		}
		if f.Explanation != "" {
			out = append(out, f.Explanation)
		}
	}
	return out
}
