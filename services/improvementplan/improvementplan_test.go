package improvementplan

import (
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/deadline"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/demo"
	ipevents "github.com/turnaround-sli/turnaround/services/improvementplan/internal/events"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

type env struct {
	rdb redis.UniversalClient
	ks  keyspace.Keyspace
	st  *store.Store
	clk *rpctest.Clock
}

func newEnv(t *testing.T, now time.Time) *env {
	t.Helper()
	st := rpctest.NewStore(t)
	return &env{rdb: st.Client(), ks: st.Keyspace(), st: st, clk: rpctest.NewClock(now)}
}

// start builds a service over the environment's Redis, seeds it and runs
// it until the test ends.
func (e *env) start(t *testing.T, demo bool) *Service {
	t.Helper()
	s, err := New(Deps{Base: rpctest.Base(t, e.st, e.clk.Now)})
	if err != nil {
		t.Fatal(err)
	}
	rpctest.SeedAndRun(t, s, demo)
	return s
}

// judgement is a JudgementPublished payload.
func judgement(gss, inspection string, overall reference.Grade, published time.Time) *eventsv1.JudgementPublished {
	m := &eventsv1.JudgementPublished{
		Inspection:     "localAuthorities/" + gss + "/inspections/" + inspection,
		LocalAuthority: "localAuthorities/" + gss,
		Framework:      "SIF",
		OverallGrade:   refproto.Grade(overall),
		PublishDate:    refproto.Date(published),
	}
	if overall == reference.Inadequate {
		m.KeyJudgements = map[string]typev1.Grade{
			reference.AreaHelpAndProtection:              refproto.Grade(reference.Inadequate),
			reference.AreaLookedAfterAndPermanence:       refproto.Grade(reference.RequiresImprovement),
			reference.AreaLeadershipManagementGovernance: refproto.Grade(reference.Inadequate),
			reference.AreaLSCB:                           refproto.Grade(reference.RequiresImprovement),
		}
		m.Recommendations = []string{"HELP_AND_PROTECTION: Ensure that every referral is assessed on time."}
	}
	return m
}

// event builds the envelope as the inspection service does.
func event(t *testing.T, m *eventsv1.JudgementPublished) events.Event {
	t.Helper()
	e, err := events.NewEvent(t.Context(), ipevents.Topic, m.GetInspection(), m)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// publish appends e to the inspection topic stream, as the relay does.
func (e *env) publish(t *testing.T, ev events.Event) {
	t.Helper()
	if err := e.rdb.XAdd(t.Context(), &redis.XAddArgs{Stream: e.ks.Topic(ipevents.Topic), Values: ev.Values()}).Err(); err != nil {
		t.Fatal(err)
	}
}

// caughtUp waits until the consumer group has received and acknowledged
// every event of the topic.
func (e *env) caughtUp(t *testing.T) {
	t.Helper()
	rpctest.Eventually(t, "the consumer to catch up", 30*time.Second, func() (bool, string) {
		groups, err := e.rdb.XInfoGroups(t.Context(), e.ks.Topic(ipevents.Topic)).Result()
		if err != nil {
			return false, err.Error() // the group is created when the consumer starts
		}
		for _, g := range groups {
			if g.Name == ipevents.Group {
				return g.Lag == 0 && g.Pending == 0, fmt.Sprintf("lag %d, pending %d", g.Lag, g.Pending)
			}
		}
		return false, "no consumer group"
	})
}

func (s *Service) councilPlans(t *testing.T, gss string) []plan.Plan {
	t.Helper()
	all, err := s.plans.List(t.Context(), gss)
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// TestJudgementEvents drives the consumer through the topic stream: one
// inadequate judgement delivered three times (a relay redelivery, same
// event ID) and published twice more (new event IDs) opens one plan; a later
// judgement that is not inadequate moves it to IMPROVED; a judgement that is
// not inadequate for a council with no plan does nothing.
func TestJudgementEvents(t *testing.T) {
	const gss, other = "E08000017", "E09000001"
	published := time.Date(2015, time.August, 31, 0, 0, 0, 0, time.UTC)
	e := newEnv(t, time.Date(2015, time.September, 1, 9, 0, 0, 0, time.UTC))
	s := e.start(t, false)

	inadequate := judgement(gss, "ins-1", reference.Inadequate, published)
	first := event(t, inadequate)
	for range 3 {
		e.publish(t, first)
	}
	for range 2 {
		e.publish(t, event(t, inadequate))
	}
	e.caughtUp(t)
	plans := s.councilPlans(t, gss)
	if len(plans) != 1 {
		t.Fatalf("%d plans after five deliveries of one judgement, want 1", len(plans))
	}
	p := plans[0]
	if want := time.Date(2016, time.February, 29, 0, 0, 0, 0, time.UTC); p.State != plan.Draft || !p.Deadline.Equal(want) ||
		p.Inspection != inadequate.GetInspection() || len(p.Priorities) != 4 {
		t.Fatalf("plan: state %s, deadline %v, inspection %s, %d priorities; want a draft due %v with 4 priorities",
			p.State, p.Deadline, p.Inspection, len(p.Priorities), want)
	}
	if due, err := s.jobs.Scheduled(t.Context(), p.Name()); err != nil || !due[p.Name()].Equal(deadline.DueAt(p)) {
		t.Fatalf("deadline job due %v (%v), want %v", due, err, deadline.DueAt(p))
	}
	if opened := len(rpctest.Outbox(t, e.st, keyspace.CouncilTag(gss), events.TypeName(&eventsv1.ImprovementPlanOpened{}))); opened != 1 {
		t.Fatalf("%d ImprovementPlanOpened events, want 1", opened)
	}

	// Other types on the topic, a monitoring visit without a grade, and a
	// good judgement of a council with no plan change nothing.
	other1, err := events.NewEvent(t.Context(), ipevents.Topic, "x", &eventsv1.EmergencyInspectionRecommended{LocalAuthority: "localAuthorities/" + gss})
	if err != nil {
		t.Fatal(err)
	}
	e.publish(t, other1)
	e.publish(t, event(t, judgement(gss, "visit-1", "", published.AddDate(0, 2, 0))))
	e.publish(t, event(t, judgement(other, "ins-9", reference.Good, published)))
	e.caughtUp(t)
	if got := s.councilPlans(t, other); len(got) != 0 {
		t.Fatalf("a good judgement opened %d plans for a council with none", len(got))
	}
	if got := s.councilPlans(t, gss); len(got) != 1 || got[0].State != plan.Draft || got[0].Version != p.Version {
		t.Fatalf("events that should change nothing changed the plan: %+v", got)
	}

	// The re-inspection.
	e.publish(t, event(t, judgement(gss, "ins-2", reference.RequiresImprovement, published.AddDate(1, 0, 0))))
	e.caughtUp(t)
	got := s.councilPlans(t, gss)
	if len(got) != 1 || got[0].State != plan.Improved {
		t.Fatalf("after a requires-improvement re-inspection: %+v, want the plan IMPROVED", got)
	}
	if due, err := s.jobs.Scheduled(t.Context(), p.Name()); err != nil || len(due) != 0 {
		t.Fatalf("the improved plan's deadline is still scheduled: %v (%v)", due, err)
	}
}

// TestDemo publishes 20 inadequate judgements as the inspection demo does,
// runs the service with demo data and checks the spread; a second instance
// starting later changes nothing.
func TestDemo(t *testing.T) {
	now := time.Date(2026, time.November, 22, 9, 0, 0, 0, time.UTC)
	e := newEnv(t, now)
	councils := reference.Councils()
	for i := range demo.Plans {
		published := time.Date(2014, time.January, 10, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 30*i)
		e.publish(t, event(t, judgement(councils[i].GSSCode, fmt.Sprintf("ins-%d", i), reference.Inadequate, published)))
	}
	s := e.start(t, true)
	marker := e.ks.Key("demo", "improvementplan", "loaded")
	rpctest.Eventually(t, "the demo to load", 30*time.Second, func() (bool, string) {
		n, err := e.rdb.Exists(t.Context(), marker).Result()
		if err != nil {
			t.Fatal(err)
		}
		return n == 1, "no marker"
	})

	all := s.councilPlans(t, plan.AllCouncils)
	if len(all) != demo.Plans {
		t.Fatalf("%d plans, want %d", len(all), demo.Plans)
	}
	states := map[plan.State]int{}
	for _, p := range all {
		states[p.State]++
		switch p.State {
		case plan.Draft:
			if plan.Credible(p.Check()) {
				t.Errorf("draft %s passes every credibility check", p.Name())
			}
		case plan.Submitted, plan.Approved, plan.Monitoring:
			if !plan.Credible(p.Check()) {
				t.Errorf("%s %s fails credibility: %+v", p.State, p.Name(), p.Check())
			}
			if p.State == plan.Approved && (len(p.LateActions(now)) > 0 || !hasStatus(p, plan.OnTrack)) {
				t.Errorf("approved plan %s: late actions %v; want its first progress report on track", p.Name(), p.LateActions(now))
			}
		case plan.Continued:
			if late := p.LateActions(now); len(late) > 0 || !deadline.Watches(p) {
				t.Errorf("continued plan %s: late actions %v, watched %v; want none late and a new deadline running", p.Name(), late, deadline.Watches(p))
			}
		case plan.DecisionDue:
			if last := p.History[len(p.History)-1]; last.Actor != plan.ServiceActor || deadline.DueAt(p).After(now) {
				t.Errorf("plan %s awaiting decision: moved by %s, deadline %v; want the clock, past", p.Name(), last.Actor, p.Deadline)
			}
		case plan.Escalated:
			ivs, err := s.interventions.List(t.Context(), p.GSSCode)
			if err != nil {
				t.Fatal(err)
			}
			if len(ivs) != 1 || ivs[0].Name() != p.Intervention || ivs[0].Plan != p.Name() {
				t.Errorf("escalated plan %s: intervention %q, interventions %+v", p.Name(), p.Intervention, ivs)
			}
		}
		if !p.Deadline.Equal(p.OriginalDeadline) && len(p.Extensions) == 0 {
			t.Errorf("%s moved its deadline without an extension", p.Name())
		}
	}
	want := map[plan.State]int{
		plan.Draft: 4, plan.Submitted: 2, plan.Approved: 2, plan.Monitoring: 9,
		plan.Continued: 1, plan.DecisionDue: 1, plan.Escalated: 1,
	}
	if fmt.Sprint(states) != fmt.Sprint(want) {
		t.Fatalf("states %v, want %v", states, want)
	}
	onTrack, offTrack := 0, 0
	for _, p := range all {
		if p.State != plan.Monitoring {
			continue
		}
		if off := hasStatus(p, plan.OffTrack); off && len(p.LateActions(now)) > 0 {
			offTrack++
		} else if !off && len(p.LateActions(now)) == 0 {
			onTrack++
		}
	}
	if onTrack != 5 || offTrack != 4 {
		t.Fatalf("monitoring plans: %d on track, %d off track with late actions; want 5 and 4", onTrack, offTrack)
	}

	// The schedule, started after the demo, moves nothing else: every
	// watched plan's deadline is ahead.
	for range 3 {
		if _, err := s.jobs.Tick(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.clock.Sweep(t.Context()); err != nil || n != 0 {
		t.Fatalf("Sweep = %d, %v; want every deadline already scheduled", n, err)
	}
	versions := map[string]int64{}
	for _, p := range s.councilPlans(t, plan.AllCouncils) {
		versions[p.Name()] = p.Version
		if deadline.Watches(p) && !deadline.DueAt(p).After(now) {
			t.Errorf("%s (%s) has a deadline that passed: %v", p.Name(), p.State, p.Deadline)
		}
	}

	// A second instance with demo data, as another replica or a restart:
	// the marker says it is done, and nothing changes.
	again := e.start(t, true)
	if err := again.demo.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, p := range again.councilPlans(t, plan.AllCouncils) {
		if versions[p.Name()] != p.Version {
			t.Errorf("%s changed from version %d to %d on the second start", p.Name(), versions[p.Name()], p.Version)
		}
	}
}

func hasStatus(p plan.Plan, st plan.ActionStatus) bool {
	for _, pr := range p.Priorities {
		for _, a := range pr.Actions {
			if a.Status == st {
				return true
			}
		}
	}
	return false
}
