package progressreviewapi

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/proto"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
)

// lookUps counts the commands a client sends that read an idempotency
// record by itself, outside the commit script.
type lookUps struct {
	mu sync.Mutex
	n  int
}

func (l *lookUps) count(cmd redis.Cmder) {
	if name := cmd.Name(); name == "evalsha" || name == "eval" {
		return
	}
	for _, a := range cmd.Args()[1:] {
		if s, ok := a.(string); ok && strings.Contains(s, ":idempotency:") {
			l.mu.Lock()
			l.n++
			l.mu.Unlock()
			return
		}
	}
}

func (l *lookUps) get() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

func (l *lookUps) DialHook(next redis.DialHook) redis.DialHook { return next }
func (l *lookUps) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { l.count(cmd); return next(ctx, cmd) }
}
func (l *lookUps) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			l.count(c)
		}
		return next(ctx, cmds)
	}
}

// TestCreateLooksUpNoReplayBeforeItsCommit records a review with a
// request_id: the commit checks the idempotency record itself, so the first
// call reads none by itself. A retry after the plan has closed, which the
// create alone would refuse, still gets the first call's review, found
// after that refusal.
func TestCreateLooksUpNoReplayBeforeItsCommit(t *testing.T) {
	e := newEnv(t)
	p := e.planIn(leeds, plan.Approved)
	l := &lookUps{}
	e.store.Client().AddHook(l)
	req := &improvementplanv1.CreateProgressReviewRequest{
		Parent: p.Name(), ProgressReview: progress(ofstedVisit, day(2016, 3, 2), little), RequestId: "visit-1",
	}
	first, err := e.client.CreateProgressReview(e.as(rpctest.Inspector), req)
	if err != nil {
		t.Fatal(err)
	}
	if n := l.get(); n != 0 {
		t.Errorf("a first create read the idempotency record %d times by itself, want none", n)
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
	again, err := e.client.CreateProgressReview(e.as(rpctest.Inspector), req)
	if err != nil || !proto.Equal(again, first) {
		t.Fatalf("retry after the plan closed = %v, %v; want the first review %v", again, err, first)
	}
	if n := l.get(); n != 1 {
		t.Errorf("the retry read the idempotency record %d times, want once, after the refusal", n)
	}
	other := proto.Clone(req).(*improvementplanv1.CreateProgressReviewRequest)
	other.RequestId = "visit-2"
	if _, err := e.client.CreateProgressReview(e.as(rpctest.Inspector), other); err == nil {
		t.Error("a new review of the closed plan was recorded")
	}
}
