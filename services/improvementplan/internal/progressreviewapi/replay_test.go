package progressreviewapi

import (
	"context"
	"testing"

	"google.golang.org/protobuf/proto"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

// TestCreateLooksUpNoReplayBeforeItsCommit records a review with a
// request_id: the commit checks the idempotency record itself, so the first
// call takes no round trip to look it up. A retry after the plan has closed, which the
// create alone would refuse, still gets the first call's review, found
// after that refusal.
func TestCreateLooksUpNoReplayBeforeItsCommit(t *testing.T) {
	e := newEnv(t)
	p := e.planIn(leeds, plan.Approved)
	trips := redistest.CountRoundTrips(e.store.Client())
	req := &improvementplanv1.CreateProgressReviewRequest{
		Parent: p.Name(), ProgressReview: progress(ofstedVisit, day(2016, 3, 2), little), RequestId: "visit-1",
	}
	var (
		first *improvementplanv1.ProgressReview
		err   error
	)
	// The plan's read and the commit, which checks the request's
	// idempotency record itself: no look-up of it before.
	if n := trips.During(func() { first, err = e.client.CreateProgressReview(e.as(rpctest.Inspector), req) }); err != nil || n != 2 {
		t.Fatalf("a first create: %v in %d round trips, want 2 (the plan's read, the commit)", err, n)
	}

	ctx := context.Background()
	cur, err := e.plans.Get(ctx, leeds, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	cur.State = plan.Closed
	if _, err := e.plans.Save(ctx, cur, change.Request{Subject: rpctest.Official.Subject, Method: "close"}); err != nil {
		t.Fatal(err)
	}
	var again *improvementplanv1.ProgressReview
	// The plan's read, refused, then the look-up of the first answer.
	n := trips.During(func() { again, err = e.client.CreateProgressReview(e.as(rpctest.Inspector), req) })
	if err != nil || !proto.Equal(again, first) {
		t.Fatalf("retry after the plan closed = %v, %v; want the first review %v", again, err, first)
	}
	if n != 2 {
		t.Errorf("the retry took %d round trips, want 2 (the plan's read, then the look-up after its refusal)", n)
	}
	other := proto.Clone(req).(*improvementplanv1.CreateProgressReviewRequest)
	other.RequestId = "visit-2"
	if _, err := e.client.CreateProgressReview(e.as(rpctest.Inspector), other); err == nil {
		t.Error("a new review of the closed plan was recorded")
	}
}
