// Package reviewtest holds what the peer-review service's tests share: the
// moment they happen, and the peer reviews they read in memory in place of
// the review store; and what a page of review priorities ranks.
package reviewtest

import (
	"context"
	"time"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
)

// Now is when the peer-review tests happen: 09:00 UTC on 14 December
// 2015.
var Now = time.Date(2015, 12, 14, 9, 0, 0, 0, time.UTC)

// Clock is a clock stopped at Now.
func Clock() time.Time { return Now }

// Reviews holds peer reviews in memory in place of the review store, for
// the use cases that only read them.
type Reviews []review.Review

// All is every review held, in order.
func (r Reviews) All(context.Context) ([]review.Review, error) { return r, nil }

// Get is the review id of the council gss, or review.ErrNotFound.
func (r Reviews) Get(_ context.Context, gss, id string) (review.Review, error) {
	for _, rv := range r {
		if rv.GSSCode == gss && rv.ID == id {
			return rv, nil
		}
	}
	return review.Review{}, review.ErrNotFound
}

// PriorityCouncils is the councils a page of review priorities ranks, by
// resource name, in rank order.
func PriorityCouncils(resp *peerreviewv1.ListReviewPrioritiesResponse) []string {
	var out []string
	for _, p := range resp.GetPriorities() {
		out = append(out, p.GetLocalAuthority())
	}
	return out
}
