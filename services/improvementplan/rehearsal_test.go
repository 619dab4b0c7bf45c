package improvementplan

import (
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/durationpb"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	suiteclock "github.com/turnaround-sli/turnaround/services/platform/clock"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// serveWith builds the service over the environment with the suite's clock
// c (nil: production), runs it, and returns a client of it.
func (e *env) serveWith(t *testing.T, c *suiteclock.Clock) (*Service, improvementplanv1.ImprovementPlanServiceClient) {
	t.Helper()
	d := Deps{Base: rpctest.Base(t, e.st, nil), Clock: c}
	if c == nil {
		d.Now = e.clk.Now
	}
	s, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	rpctest.Run(t, "the service", s.Run)
	conn := rpctest.Serve(t, s.Policies(), func(g *grpc.Server) { s.Register(g) })
	return s, improvementplanv1.NewImprovementPlanServiceClient(conn)
}

// TestRehearseTheSixMonthClock: in a non-production mode DfE moves the
// suite's clock past a plan's deadline; the deadline fires at once and the
// plan is DECISION_DUE. Nobody else may move it, and a production clock
// refuses with FAILED_PRECONDITION.
func TestRehearseTheSixMonthClock(t *testing.T) {
	const gss = "E08000017"
	published := time.Date(2015, time.August, 31, 0, 0, 0, 0, time.UTC)
	e := newEnv(t, time.Date(2015, time.September, 1, 9, 0, 0, 0, time.UTC))
	c := suiteclock.New(e.st, suiteclock.Options{Base: e.clk.Now, Movable: true})
	s, client := e.serveWith(t, c)
	e.publish(t, event(t, judgement(gss, "ins-1", reference.Inadequate, published)))
	e.caughtUp(t)
	p := s.councilPlans(t, gss)[0]

	advance := func(who auth.Principal, by time.Duration, id string) (*improvementplanv1.AdvanceClockResponse, error) {
		return client.AdvanceClock(rpctest.As(t, who), &improvementplanv1.AdvanceClockRequest{By: durationpb.New(by), RequestId: id})
	}
	_, err := advance(rpctest.Officer(gss), 200*24*time.Hour, "")
	rpctest.ExpectError(t, "a council officer moving the clock", err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
	_, err = advance(rpctest.Official, 0, "")
	rpctest.ExpectError(t, "no duration", err, codes.InvalidArgument, "", "by")

	// Six months after the judgement and a day: past the deadline of 29
	// February 2016.
	by := 183 * 24 * time.Hour
	resp, err := advance(rpctest.Official, by, "rehearsal-1")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(resp.GetDecisionDue(), []string{p.Name()}) || resp.GetOffset().AsDuration() != by {
		t.Fatalf("advance = %v; want %s decision due and an offset of %v", resp, p.Name(), by)
	}
	if got, err := s.plans.Get(t.Context(), gss, p.ID); err != nil || got.State != plan.DecisionDue {
		t.Fatalf("plan after the move: %s, %v; want DECISION_DUE", got.State, err)
	}
	// A retry replays: the clock does not move twice.
	again, err := advance(rpctest.Official, by, "rehearsal-1")
	if err != nil || again.GetOffset().AsDuration() != by {
		t.Fatalf("retry = %v, %v; want the offset %v", again, err, by)
	}

	// Production: the same call is refused.
	prod := newEnv(t, time.Date(2015, time.September, 1, 9, 0, 0, 0, time.UTC))
	_, prodClient := prod.serveWith(t, nil)
	_, err = prodClient.AdvanceClock(rpctest.As(t, rpctest.Official), &improvementplanv1.AdvanceClockRequest{By: durationpb.New(time.Hour)})
	rpctest.ExpectError(t, "moving a production clock", err, codes.FailedPrecondition, suiteclock.ReasonNotMovable)
}
