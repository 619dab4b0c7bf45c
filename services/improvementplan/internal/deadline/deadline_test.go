package deadline_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/deadline"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planstore"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/schedule"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

const (
	gss   = "E08000017"
	lease = 5 * time.Minute
)

// judged is the publication date of the judgement behind the test plans;
// their deadline is six months later, 14 June 2016, and it passes at
// midnight UTC at the start of 15 June.
var (
	judged      = time.Date(2015, time.December, 14, 0, 0, 0, 0, time.UTC)
	deadlineDay = time.Date(2016, time.June, 14, 0, 0, 0, 0, time.UTC)
	passes      = time.Date(2016, time.June, 15, 0, 0, 0, 0, time.UTC)
)

// reached builds the event as the service face does.
func reached(ctx context.Context, p plan.Plan) (events.Event, error) {
	return events.NewEvent(ctx, planstore.Topic, p.Name(), &eventsv1.ImprovementDeadlineReached{
		ImprovementPlan: p.Name(),
		LocalAuthority:  resource.CouncilName(p.GSSCode),
		Deadline:        refproto.Date(p.Deadline),
	})
}

// instance is one replica of the service's clock: its own Redis connection,
// stores, schedule and deadline clock, over the shared Redis and keyspace.
type instance struct {
	plans *planstore.Plans
	sched *schedule.Scheduler
	clock *deadline.Clock
}

// newInstance starts a replica. wrap, if set, wraps the job handler, to
// simulate a replica that dies mid-job.
// oneInstance is a single replica over a keyspace of its own, with its
// clock at start.
func oneInstance(t *testing.T, start time.Time) (*instance, *rpctest.Clock) {
	t.Helper()
	_, ks := redistest.New(t)
	clk := rpctest.NewClock(start)
	return newInstance(t, ks, clk, nil), clk
}

func newInstance(t *testing.T, ks keyspace.Keyspace, clk *rpctest.Clock, wrap func(schedule.Handler) schedule.Handler) *instance {
	t.Helper()
	rdb, err := store.Open(t.Context(), redistest.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	in := &instance{plans: planstore.New(store.New(rdb, ks))}
	h := func(ctx context.Context, j schedule.Job) error {
		_, err := in.clock.Fire(ctx, j.ID)
		return err
	}
	if wrap != nil {
		h = wrap(h)
	}
	in.sched, err = schedule.New(rdb, ks, schedule.Options{
		Name: deadline.ScheduleName, Handler: h, Now: clk.Now, Lease: lease,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	in.clock = deadline.New(in.plans, in.sched, reached, clk.Now)
	return in
}

// openPlan opens a plan from an inadequate judgement and schedules its
// deadline, as the judgement consumer does.
func openPlan(t *testing.T, in *instance, inspection string, now time.Time) plan.Plan {
	t.Helper()
	p := plan.Open(plan.OpenInput{
		GSSCode: gss, Inspection: "localAuthorities/" + gss + "/inspections/" + inspection, JudgementDate: judged,
		KeyJudgements: map[string]reference.Grade{
			reference.AreaHelpAndProtection: reference.Inadequate, reference.AreaLeadershipManagementGovernance: reference.Inadequate,
		},
	}, now)
	p, created, err := in.plans.OpenFromJudgement(t.Context(), p, events.Event{})
	if err != nil || !created {
		t.Fatalf("open plan: created %v, %v", created, err)
	}
	if err := in.clock.Reschedule(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

// outboxEvents are the council outbox's events of type typ: nothing
// relays them in these tests, so every event committed is still there.
func outboxEvents(t *testing.T, c redis.UniversalClient, ks keyspace.Keyspace, typ string) []events.Event {
	t.Helper()
	return rpctest.Outbox(t, store.New(c, ks), keyspace.CouncilTag(gss), typ)
}

var reachedType = events.TypeName(&eventsv1.ImprovementDeadlineReached{})

func tickAll(t *testing.T, ins ...*instance) {
	t.Helper()
	var wg sync.WaitGroup
	for _, in := range ins {
		wg.Go(func() {
			if _, err := in.sched.Tick(t.Context()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func decisionDues(p plan.Plan) int {
	n := 0
	for _, h := range p.History {
		if h.To == plan.DecisionDue {
			n++
		}
	}
	return n
}

// TestDeadlineFiresOnceWithTwoInstancesAndARestart is the test of
// the clock: two service instances share one Redis; one of them restarts
// between the plan opening and the deadline; the deadline passes and the
// plan moves to DECISION_DUE once, with one ImprovementDeadlineReached,
// however often the job is handled afterwards.
func TestDeadlineFiresOnceWithTwoInstancesAndARestart(t *testing.T) {
	c, ks := redistest.New(t)
	clk := rpctest.NewClock(judged.Add(10 * time.Hour))
	a := newInstance(t, ks, clk, nil)
	b := newInstance(t, ks, clk, nil)
	p := openPlan(t, a, "ins-1", clk.Now())

	// Before the deadline passes, both tick and nothing happens; the
	// deadline day itself is still within the time allowed.
	for _, at := range []time.Time{judged.AddDate(0, 3, 0), deadlineDay, passes.Add(-time.Millisecond)} {
		clk.Set(at)
		tickAll(t, a, b)
		got, err := a.plans.Get(t.Context(), gss, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != plan.Draft {
			t.Fatalf("at %v the plan is %s, want DRAFT", at, got.State)
		}
	}

	// Instance a restarts: a new process with a new connection.
	a = newInstance(t, ks, clk, nil)

	clk.Set(passes)
	for range 3 {
		tickAll(t, a, b)
	}
	got, err := b.plans.Get(t.Context(), gss, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != plan.DecisionDue || decisionDues(got) != 1 {
		t.Fatalf("after the deadline: state %s with %d moves to DECISION_DUE, want DECISION_DUE once", got.State, decisionDues(got))
	}
	evs := outboxEvents(t, c, ks, reachedType)
	if len(evs) != 1 {
		t.Fatalf("%d ImprovementDeadlineReached events, want 1", len(evs))
	}
	var payload eventsv1.ImprovementDeadlineReached
	if err := evs[0].Unmarshal(&payload); err != nil {
		t.Fatal(err)
	}
	if payload.GetImprovementPlan() != p.Name() || payload.GetLocalAuthority() != "localAuthorities/"+gss ||
		payload.GetDeadline().GetYear() != 2016 || payload.GetDeadline().GetMonth() != 6 || payload.GetDeadline().GetDay() != 14 {
		t.Fatalf("event payload = %v", &payload)
	}
	audit, err := a.plans.Store().Client().XLen(t.Context(), ks.Outbox(keyspace.CouncilTag(gss))).Result()
	if err != nil || audit < 3 {
		// ImprovementPlanOpened, its audit entry, the event and its audit entry.
		t.Fatalf("outbox holds %d entries (%v), want the events and their audit entries", audit, err)
	}

	// Redelivery: the job handled again (a replica that did the work but
	// died before completing it) changes nothing.
	for _, in := range []*instance{a, b} {
		out, err := in.clock.Fire(t.Context(), p.Name())
		if err != nil || out != deadline.Unwatched {
			t.Fatalf("fire again = %v, %v; want unwatched", out, err)
		}
	}
	again, err := a.plans.Get(t.Context(), gss, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.Version != got.Version || len(outboxEvents(t, c, ks, reachedType)) != 1 {
		t.Fatalf("a second firing changed the plan (version %d → %d) or emitted again", got.Version, again.Version)
	}
	if _, ok, err := a.sched.Lookup(t.Context(), p.Name()); err != nil || ok {
		t.Fatalf("the deadline job is still scheduled (%v, %v)", ok, err)
	}
}

// TestReplicaDiesAfterTheEffect: the replica that fires the deadline dies
// before completing the job, so the other handles it again after the lease;
// the plan still moves and the event is still emitted only once.
func TestReplicaDiesAfterTheEffect(t *testing.T) {
	c, ks := redistest.New(t)
	clk := rpctest.NewClock(judged)
	dying := newInstance(t, ks, clk, func(h schedule.Handler) schedule.Handler {
		return func(ctx context.Context, j schedule.Job) error {
			if err := h(ctx, j); err != nil {
				return err
			}
			return errors.New("the process died before completing the job")
		}
	})
	survivor := newInstance(t, ks, clk, nil)
	p := openPlan(t, dying, "ins-1", clk.Now())

	clk.Set(passes)
	tickAll(t, dying)
	clk.Set(passes.Add(lease - time.Second))
	tickAll(t, survivor)
	if j, ok, err := survivor.sched.Lookup(t.Context(), p.Name()); err != nil || !ok || j.Attempt != 1 {
		t.Fatalf("during the dead replica's lease: job %+v, %v, %v; want it claimed once", j, ok, err)
	}
	clk.Set(passes.Add(lease))
	tickAll(t, survivor)
	if _, ok, err := survivor.sched.Lookup(t.Context(), p.Name()); err != nil || ok {
		t.Fatalf("after the lease the job is still scheduled (%v, %v)", ok, err)
	}
	got, err := survivor.plans.Get(t.Context(), gss, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != plan.DecisionDue || decisionDues(got) != 1 || len(outboxEvents(t, c, ks, reachedType)) != 1 {
		t.Fatalf("state %s, %d moves to DECISION_DUE, %d events; want DECISION_DUE once with one event",
			got.State, decisionDues(got), len(outboxEvents(t, c, ks, reachedType)))
	}
}

// TestExtensionMovesTheDeadline covers both ways an extension reaches the
// clock: the handler's Reschedule, and, when that was lost, the old job
// reconciling with the plan when it fires.
func TestExtensionMovesTheDeadline(t *testing.T) {
	extended := deadlineDay.AddDate(0, 3, 0)
	for _, tc := range []struct {
		name       string
		reschedule bool
	}{
		{"rescheduled by the handler", true},
		{"reschedule lost, reconciled on firing", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, clk := oneInstance(t, judged)
			p := openPlan(t, in, "ins-1", clk.Now())

			clk.Set(judged.AddDate(0, 5, 0))
			if err := p.Extend(extended, "a new director started in May", "dfe-official", clk.Now()); err != nil {
				t.Fatal(err)
			}
			p, err := in.plans.Save(t.Context(), p, change.Request{Subject: "dfe-official", Method: "ExtendDeadline"})
			if err != nil {
				t.Fatal(err)
			}
			if tc.reschedule {
				if err := in.clock.Reschedule(t.Context(), p); err != nil {
					t.Fatal(err)
				}
			}

			clk.Set(passes)
			tickAll(t, in)
			got, err := in.plans.Get(t.Context(), gss, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != plan.Draft {
				t.Fatalf("at the original deadline the extended plan is %s, want DRAFT", got.State)
			}
			j, ok, err := in.sched.Lookup(t.Context(), p.Name())
			if err != nil || !ok || !j.Due.Equal(extended.AddDate(0, 0, 1)) {
				t.Fatalf("job = %+v, %v, %v; want it due when the extended deadline passes", j, ok, err)
			}

			clk.Set(extended.AddDate(0, 0, 1))
			tickAll(t, in)
			got, err = in.plans.Get(t.Context(), gss, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != plan.DecisionDue {
				t.Fatalf("after the extended deadline the plan is %s, want DECISION_DUE", got.State)
			}
		})
	}
}

// TestRescheduleFollowsTheState: a watched plan has a job due when its
// deadline passes; any other has none.
func TestRescheduleFollowsTheState(t *testing.T) {
	in, _ := oneInstance(t, judged)
	for _, tc := range []struct {
		state plan.State
		job   bool
	}{
		{plan.Draft, true}, {plan.Submitted, true}, {plan.Approved, true}, {plan.Monitoring, true},
		{plan.Continued, true}, {plan.DecisionDue, false}, {plan.Improved, false}, {plan.Escalated, false},
		{plan.Closed, false},
	} {
		t.Run(string(tc.state), func(t *testing.T) {
			p := plan.Plan{GSSCode: gss, ID: "p-" + strings.ReplaceAll(strings.ToLower(string(tc.state)), "_", "-"), Deadline: deadlineDay, State: plan.Draft}
			// Scheduled first as a draft, then moved to the state.
			if err := in.clock.Reschedule(t.Context(), p); err != nil {
				t.Fatal(err)
			}
			p.State = tc.state
			if err := in.clock.Reschedule(t.Context(), p); err != nil {
				t.Fatal(err)
			}
			j, ok, err := in.sched.Lookup(t.Context(), p.Name())
			if err != nil || ok != tc.job {
				t.Fatalf("job scheduled = %v (%v), want %v", ok, err, tc.job)
			}
			if ok && (!j.Due.Equal(passes) || string(j.Payload) != "2016-06-14") {
				t.Fatalf("job = %+v, want due %v with the deadline as payload", j, passes)
			}
			if _, err := in.sched.Cancel(t.Context(), p.Name()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestFireOutcomes(t *testing.T) {
	in, _ := oneInstance(t, passes)
	improved := openPlan(t, in, "ins-improved", judged)
	if err := improved.Transition(plan.Improved, plan.ServiceActor, "re-inspected", judged.AddDate(0, 2, 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := in.plans.Save(t.Context(), improved, change.Request{Subject: plan.ServiceActor, Method: "test"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		job  string
		want deadline.Outcome
	}{
		{"no such plan", plan.Name(gss, "nosuchplan"), deadline.Missing},
		{"not a plan name", "localAuthorities/x", deadline.Missing},
		{"improved plan", improved.Name(), deadline.Unwatched},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := in.clock.Fire(t.Context(), tc.job)
			if err != nil || got != tc.want {
				t.Fatalf("Fire = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestDueAt(t *testing.T) {
	for _, tc := range []struct {
		deadline, want time.Time
	}{
		{deadlineDay, passes},
		{time.Date(2016, 2, 29, 0, 0, 0, 0, time.UTC), time.Date(2016, 3, 1, 0, 0, 0, 0, time.UTC)},
		{time.Date(2016, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if got := deadline.DueAt(plan.Plan{Deadline: tc.deadline}); !got.Equal(tc.want) {
			t.Errorf("DueAt(%v) = %v, want %v", tc.deadline, got, tc.want)
		}
	}
}

// concurrentEdit is a plan store whose first SaveWithEvents is preceded by another
// writer's change to the plan, as a council saving its plan at the moment
// the deadline passes would make.
type concurrentEdit struct {
	*planstore.Plans
	once sync.Once
	t    *testing.T
}

func (s *concurrentEdit) SaveWithEvents(ctx context.Context, p plan.Plan, r change.Request, evs ...events.Event) (plan.Plan, error) {
	s.once.Do(func() {
		cur, err := s.Plans.Get(ctx, p.GSSCode, p.ID)
		if err != nil {
			s.t.Error(err)
			return
		}
		cur.Priorities[0].Recommendations = append(cur.Priorities[0].Recommendations, "added by the council")
		if _, err := s.Plans.Save(ctx, cur, change.Request{Subject: "council-officer", Method: "UpdateImprovementPlan"}); err != nil {
			s.t.Error(err)
		}
	})
	return s.Plans.SaveWithEvents(ctx, p, r, evs...)
}

// TestFireRetriesAfterAConcurrentEdit: the firing's commit conflicts with a
// council's edit; it re-reads and moves the edited plan.
func TestFireRetriesAfterAConcurrentEdit(t *testing.T) {
	c, ks := redistest.New(t)
	clk := rpctest.NewClock(judged)
	in := newInstance(t, ks, clk, nil)
	p := openPlan(t, in, "ins-1", clk.Now())
	clk.Set(passes)
	edited := &concurrentEdit{Plans: in.plans, t: t}
	out, err := deadline.New(edited, in.sched, reached, clk.Now).Fire(t.Context(), p.Name())
	if err != nil || out != deadline.Reached {
		t.Fatalf("Fire = %v, %v; want reached", out, err)
	}
	got, err := in.plans.Get(t.Context(), gss, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	recs := got.Priorities[0].Recommendations
	if got.State != plan.DecisionDue || len(recs) == 0 || recs[len(recs)-1] != "added by the council" {
		t.Fatalf("plan = %s with recommendations %v; want DECISION_DUE keeping the council's edit", got.State, recs)
	}
	if n := len(outboxEvents(t, c, ks, reachedType)); n != 1 {
		t.Fatalf("%d events, want 1", n)
	}
}

// TestSweepRepairsTheSchedule: plans whose jobs were lost, or moved without
// a Reschedule, get them back; the rest are left alone.
func TestSweepRepairsTheSchedule(t *testing.T) {
	in, clk := oneInstance(t, judged)
	ctx := t.Context()

	kept := openPlan(t, in, "ins-kept", clk.Now())
	lost := openPlan(t, in, "ins-lost", clk.Now())
	if _, err := in.sched.Cancel(ctx, lost.Name()); err != nil {
		t.Fatal(err)
	}
	// Reached its deadline, then DfE extended it: the plan is back to
	// DRAFT with a new deadline and, with no Reschedule, no job.
	extended := openPlan(t, in, "ins-extended", clk.Now())
	clk.Set(passes)
	if out, err := in.clock.Fire(ctx, extended.Name()); err != nil || out != deadline.Reached {
		t.Fatalf("Fire = %v, %v", out, err)
	}
	if _, err := in.sched.Cancel(ctx, extended.Name()); err != nil {
		t.Fatal(err)
	}
	extended, err := in.plans.Get(ctx, gss, extended.ID)
	if err != nil {
		t.Fatal(err)
	}
	newDeadline := passes.AddDate(0, 2, 0)
	if err := extended.Extend(newDeadline, "the new director needs time", "dfe-official", clk.Now()); err != nil {
		t.Fatal(err)
	}
	if extended, err = in.plans.Save(ctx, extended, change.Request{Subject: "dfe-official", Method: "ExtendDeadline"}); err != nil {
		t.Fatal(err)
	}
	improved := openPlan(t, in, "ins-improved", clk.Now())
	if err := improved.Transition(plan.Improved, plan.ServiceActor, "re-inspected", clk.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := in.plans.Save(ctx, improved, change.Request{Subject: plan.ServiceActor, Method: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := in.sched.Cancel(ctx, improved.Name()); err != nil {
		t.Fatal(err)
	}

	n, err := in.clock.Sweep(ctx)
	if err != nil || n != 2 {
		t.Fatalf("Sweep = %d, %v; want the lost and the extended plan rescheduled", n, err)
	}
	due, err := in.sched.Scheduled(ctx, kept.Name(), lost.Name(), extended.Name(), improved.Name())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Time{
		kept.Name(): passes, lost.Name(): passes, extended.Name(): newDeadline.AddDate(0, 0, 1),
	}
	if len(due) != len(want) {
		t.Fatalf("scheduled %v, want %v", due, want)
	}
	for name, at := range want {
		if !due[name].Equal(at) {
			t.Errorf("%s due %v, want %v", name, due[name], at)
		}
	}
	if n, err := in.clock.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("second Sweep = %d, %v; want nothing to do", n, err)
	}
}

// TestContinuedPlanWaitsForANewDeadline: after DfE lets a plan continue,
// the deadline that brought the decision does not run again; the one DfE
// sets next does.
func TestContinuedPlanWaitsForANewDeadline(t *testing.T) {
	in, clk := oneInstance(t, judged)
	ctx := t.Context()
	p := openPlan(t, in, "ins-1", clk.Now())
	clk.Set(passes)
	if out, err := in.clock.Fire(ctx, p.Name()); err != nil || out != deadline.Reached {
		t.Fatalf("Fire = %v, %v", out, err)
	}
	p, err := in.plans.Get(ctx, gss, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	decided := passes.AddDate(0, 0, 10)
	clk.Set(decided)
	if err := p.Transition(plan.Continued, "dfe-official", "significant improvement", decided); err != nil {
		t.Fatal(err)
	}
	if p, err = in.plans.Save(ctx, p, change.Request{Subject: "dfe-official", Method: "DecideProgress"}); err != nil {
		t.Fatal(err)
	}
	if deadline.Watches(p) {
		t.Fatal("a continued plan with the deadline that brought the decision is watched")
	}
	if n, err := in.clock.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("Sweep = %d, %v; want nothing scheduled", n, err)
	}
	if out, err := in.clock.Fire(ctx, p.Name()); err != nil || out != deadline.Unwatched {
		t.Fatalf("Fire = %v, %v; want unwatched", out, err)
	}

	next := decided.AddDate(0, 6, 0)
	if err := p.Extend(next, "six more months to sustain the improvement", "dfe-official", decided); err != nil {
		t.Fatal(err)
	}
	if p, err = in.plans.Save(ctx, p, change.Request{Subject: "dfe-official", Method: "ExtendDeadline"}); err != nil {
		t.Fatal(err)
	}
	if !deadline.Watches(p) {
		t.Fatal("a continued plan with a new deadline is not watched")
	}
	if n, err := in.clock.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("Sweep = %d, %v; want the new deadline scheduled", n, err)
	}
	clk.Set(deadline.DueAt(p))
	if _, err := in.sched.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := in.plans.Get(ctx, gss, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != plan.DecisionDue || decisionDues(got) != 2 {
		t.Fatalf("after the new deadline: %s with %d moves to DECISION_DUE, want the second", got.State, decisionDues(got))
	}
}
