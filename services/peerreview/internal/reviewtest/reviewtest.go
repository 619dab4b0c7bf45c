// Package reviewtest holds the peer reviews that the peer-review service's
// tests read in memory in place of the review store.
package reviewtest

import (
	"context"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
)

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
