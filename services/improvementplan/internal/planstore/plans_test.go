package planstore

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

var now = time.Date(2015, 12, 14, 9, 30, 0, 0, time.UTC)

func newStore(t *testing.T) (*Plans, *store.Store) {
	t.Helper()
	st := rpctest.NewStore(t)
	return New(st), st
}

func opened(gss, inspection string) plan.Plan {
	return plan.Open(plan.OpenInput{
		GSSCode: gss, Inspection: "localAuthorities/" + gss + "/inspections/" + inspection,
		JudgementDate: time.Date(2015, 8, 31, 0, 0, 0, 0, time.UTC),
		KeyJudgements: map[string]reference.Grade{
			reference.AreaHelpAndProtection:              reference.Inadequate,
			reference.AreaLeadershipManagementGovernance: reference.Inadequate,
			reference.AreaCareLeavers:                    reference.RequiresImprovement,
		},
		Recommendations: []string{"HELP_AND_PROTECTION: Hold strategy discussions promptly."},
	}, now)
}

// outbox reads the council's outbox: events by type, and audit entries.
func outbox(t *testing.T, st *store.Store, gss string) (map[string][]events.Event, []store.AuditEntry) {
	t.Helper()
	all := rpctest.Outbox(t, st, keyspace.CouncilTag(gss))
	evs := map[string][]events.Event{}
	for _, ev := range all {
		if ev.Type != store.AuditType {
			evs[ev.Type] = append(evs[ev.Type], ev)
		}
	}
	return evs, rpctest.Audits(t, all)
}

func TestOpenFromJudgementRoundTrip(t *testing.T) {
	s, st := newStore(t)
	ctx := context.Background()
	p := opened(storetest.Leeds, "sif2015")
	p.Priorities[0].Actions = []plan.Action{{
		ID: "a1", Title: "Audit", OwnerRole: "DCS", DueDate: time.Date(2015, 10, 1, 0, 0, 0, 0, time.UTC),
		Measure: plan.Measure{Indicator: &plan.Indicator{Name: "AGENCY_RATE", Baseline: 0, Target: 12.5}},
		Status:  plan.OnTrack, EvidenceNotes: []string{"n1"},
	}}
	p.Priorities[1].Actions = []plan.Action{{
		ID: "a2", Title: "DCS", OwnerRole: "CEO", DueDate: time.Date(2015, 11, 1, 0, 0, 0, 0, time.UTC),
		Measure: plan.Measure{Milestone: &plan.Milestone{Milestone: "in post", EvidenceExpected: "letter"}}, Status: plan.NotStarted,
	}}
	cause := events.Event{ID: "evt-1", Type: events.TypeName(&eventsv1.JudgementPublished{})}
	got, created, err := s.OpenFromJudgement(ctx, p, cause)
	if err != nil || !created || got.Version != 1 {
		t.Fatalf("open = %+v, %v, %v", got, created, err)
	}
	read, err := s.Get(ctx, storetest.Leeds, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	p.Version = 1
	if !equalPlans(read, p) {
		t.Fatalf("read back:\n%+v\nwant\n%+v", read, p)
	}
	if !read.Deadline.Equal(time.Date(2016, 2, 29, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("deadline %s", read.Deadline)
	}
	by, ok, err := s.ByInspection(ctx, storetest.Leeds, p.Inspection)
	if err != nil || !ok || by.ID != p.ID {
		t.Fatalf("by inspection name = %v %v %v", by.ID, ok, err)
	}
	if by, ok, err := s.ByInspection(ctx, storetest.Leeds, "sif2015"); err != nil || !ok || by.ID != p.ID {
		t.Fatalf("by inspection id = %v %v %v", by.ID, ok, err)
	}
	if _, ok, err := s.ByInspection(ctx, storetest.Leeds, "other"); err != nil || ok {
		t.Fatalf("by unknown inspection = %v %v", ok, err)
	}
	if _, err := s.Get(ctx, storetest.Leeds, "missing"); !errors.Is(err, plan.ErrNotFound) {
		t.Fatalf("get missing = %v", err)
	}

	evs, audit := outbox(t, st, storetest.Leeds)
	opens := evs[events.TypeName(&eventsv1.ImprovementPlanOpened{})]
	if len(opens) != 1 || opens[0].Topic != Topic || opens[0].Subject != p.Name() {
		t.Fatalf("events = %+v", evs)
	}
	var ev eventsv1.ImprovementPlanOpened
	if err := opens[0].Unmarshal(&ev); err != nil {
		t.Fatal(err)
	}
	if ev.GetImprovementPlan() != p.Name() || ev.GetLocalAuthority() != "localAuthorities/"+storetest.Leeds || ev.GetInspection() != p.Inspection ||
		ev.GetDeadline().GetYear() != 2016 || ev.GetDeadline().GetMonth() != 2 || ev.GetDeadline().GetDay() != 29 {
		t.Errorf("event = %v", &ev)
	}
	if len(audit) != 1 || audit[0].Actor != plan.ServiceActor || audit[0].RequestID != "evt-1" || audit[0].Resource != p.Name() ||
		audit[0].EtagBefore != "" || audit[0].EtagAfter != `"1"` || audit[0].Method != cause.Type {
		t.Errorf("audit = %+v", audit)
	}
}

// equalPlans compares plans through their stored form, which holds every
// field but the version.
func equalPlans(a, b plan.Plan) bool {
	x, err1 := marshal(a)
	y, err2 := marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y) && a.Version == b.Version
}

// TestOpenFromJudgementExactlyOnce delivers one judgement to ten
// concurrent handlers, each with a plan of its own ID, as ten replicas
// would: one plan is created, every caller gets it, one event is emitted.
func TestOpenFromJudgementExactlyOnce(t *testing.T) {
	s, st := newStore(t)
	ctx := context.Background()
	id := rpctest.OnceOnly(t, "plan", 10, func() (string, bool, error) {
		got, created, err := s.OpenFromJudgement(ctx, opened(storetest.Leeds, "sif2015"), events.Event{ID: "evt-1"})
		return got.ID, created, err
	})
	// A redelivery long after returns the same plan, not a new one.
	again, created, err := s.OpenFromJudgement(ctx, opened(storetest.Leeds, "sif2015"), events.Event{ID: "evt-1"})
	if err != nil || created || again.ID != id || again.Version != 1 {
		t.Fatalf("redelivery = %v %v %v", again.ID, created, err)
	}
	all, err := s.List(ctx, storetest.Leeds)
	if err != nil || len(all) != 1 {
		t.Fatalf("council has %d plans (%v)", len(all), err)
	}
	evs, audit := outbox(t, st, storetest.Leeds)
	if got := len(evs[events.TypeName(&eventsv1.ImprovementPlanOpened{})]); got != 1 || len(audit) != 1 {
		t.Fatalf("%d ImprovementPlanOpened events, %d audit entries", got, len(audit))
	}
	// Another inspection of the same council opens another plan.
	other, created, err := s.OpenFromJudgement(ctx, opened(storetest.Leeds, "sif2016"), events.Event{})
	if err != nil || !created || other.ID == id {
		t.Fatalf("second inspection = %v %v %v", other.ID, created, err)
	}
}

func TestSavePinnedToVersion(t *testing.T) {
	s, st := newStore(t)
	ctx := context.Background()
	p, _, err := s.OpenFromJudgement(ctx, opened(storetest.Leeds, "sif2015"), events.Event{})
	if err != nil {
		t.Fatal(err)
	}
	later := now.Add(time.Hour)
	a := p.Clone()
	if err := a.Transition(plan.DecisionDue, plan.ServiceActor, "deadline reached", later); err != nil {
		t.Fatal(err)
	}
	ev, err := events.NewEvent(ctx, Topic, p.Name(), &eventsv1.ImprovementDeadlineReached{ImprovementPlan: p.Name()})
	if err != nil {
		t.Fatal(err)
	}
	saved, err := s.SaveWithEvents(ctx, a, change.Request{Subject: plan.ServiceActor, Method: "clock"}, ev)
	if err != nil || saved.Version != 2 {
		t.Fatalf("save = %v, %v", saved.Version, err)
	}
	// A second writer holding the version-1 read loses.
	b := p.Clone()
	if err := b.Submit("officer", later); err == nil {
		t.Fatal("the opened plan is credible?")
	}
	if err := b.Transition(plan.Improved, plan.ServiceActor, "re-inspected", later); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save(ctx, b, change.Request{Subject: "x"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale save = %v, want ErrConflict", err)
	}
	got, err := s.Get(ctx, storetest.Leeds, p.ID)
	if err != nil || got.State != plan.DecisionDue || got.Version != 2 || len(got.History) != 2 {
		t.Fatalf("after stale save: %+v %v", got, err)
	}
	// Write and Index let another package commit the plan with its own
	// records; Write is pinned the same way.
	c := got.Clone()
	c.Intervention = "localAuthorities/" + storetest.Leeds + "/interventions/i1"
	if err := c.Transition(plan.Escalated, "dfe-1", "insufficient", later); err != nil {
		t.Fatal(err)
	}
	w, err := s.Write(c)
	if err != nil {
		t.Fatal(err)
	}
	other := store.Write{Key: st.Keyspace().Key(keyspace.CouncilTag(storetest.Leeds), "intervention", "i1"), Data: []byte("x")}
	if _, err := st.Commit(ctx, store.Mutation{Tag: keyspace.CouncilTag(storetest.Leeds), Writes: []store.Write{w, other}, Index: s.Index(c)}); err != nil {
		t.Fatal(err)
	}
	stale, err := s.Write(got) // still at version 2
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Commit(ctx, store.Mutation{Tag: keyspace.CouncilTag(storetest.Leeds), Writes: []store.Write{stale}}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale Write commit = %v", err)
	}
	if got, _ := s.Get(ctx, storetest.Leeds, p.ID); got.State != plan.Escalated || got.Intervention != c.Intervention || got.Version != 3 {
		t.Fatalf("after commit: %+v", got)
	}
	_, audit := outbox(t, st, storetest.Leeds)
	if len(audit) != 2 || audit[1].EtagBefore != `"1"` || audit[1].EtagAfter != `"2"` || audit[1].Resource != p.Name() {
		t.Fatalf("audit = %+v", audit)
	}
	// A plan is created only by OpenFromJudgement.
	if _, err := s.Save(ctx, opened(storetest.Leeds, "new"), change.Request{}); err == nil {
		t.Fatal("Save created a plan")
	}
}

func TestListAcrossCouncilsInConstantRoundTrips(t *testing.T) {
	s, st := newStore(t)
	ctx := context.Background()
	hook := redistest.CountRoundTrips(st.Client())
	// A first list dials the pool's connections, whose handshakes count
	// as round trips; the lists measured below reuse them.
	if all, err := s.List(ctx, plan.AllCouncils); err != nil || len(all) != 0 {
		t.Fatalf("empty store lists %d plans (%v)", len(all), err)
	}
	trips := map[int]int{}
	want := map[string]int{}
	for round, gss := range []string{storetest.Leeds, storetest.Doncaster, storetest.Slough, storetest.Leeds, storetest.Doncaster, storetest.Leeds} {
		p, _, err := s.OpenFromJudgement(ctx, opened(gss, "ins"+string(rune('a'+round))), events.Event{})
		if err != nil {
			t.Fatal(err)
		}
		want[gss]++
		if round == 2 || round == 5 {
			p2 := p.Clone()
			if err := p2.Transition(plan.Improved, plan.ServiceActor, "", now); err != nil {
				t.Fatal(err)
			}
			if round == 5 {
				if err := p2.Transition(plan.Closed, "dfe", "", now); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.Save(ctx, p2, change.Request{Subject: "t"}); err != nil {
				t.Fatal(err)
			}
		}
		before := hook.Count()
		all, err := s.List(ctx, plan.AllCouncils)
		if err != nil {
			t.Fatal(err)
		}
		trips[len(all)] = int(hook.Count() - before)
	}
	// One pipeline over the indexes, one over the records, whatever the
	// number of plans.
	for n, rt := range trips {
		if rt != 2 {
			t.Errorf("list of %d plans took %d round trips, want 2", n, rt)
		}
	}
	if len(trips) != 6 {
		t.Errorf("lists saw %v plans", trips)
	}
	for gss, n := range want {
		got, err := s.List(ctx, gss)
		if err != nil || len(got) != n {
			t.Errorf("%s: %d plans, want %d (%v)", gss, len(got), n, err)
		}
		for _, p := range got {
			if p.GSSCode != gss {
				t.Errorf("%s list holds %s", gss, p.Name())
			}
		}
	}
	// Open leaves out improved and closed plans.
	var states []string
	for _, gss := range []string{storetest.Leeds, storetest.Slough} {
		open, err := s.Open(ctx, gss)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range open {
			states = append(states, gss+":"+string(p.State))
		}
	}
	slices.Sort(states)
	if !slices.Equal(states, []string{storetest.Leeds + ":DRAFT", storetest.Leeds + ":DRAFT"}) {
		t.Errorf("open plans = %v", states)
	}
}

// TestListShowsAnotherStoresWritesAndHandsOutCopies: a plan saved through
// another store (another replica) lists as saved on the next list, and a
// caller that changes a plan it listed (its history, key judgements or
// actions) does not change what the next list returns.
func TestListShowsAnotherStoresWritesAndHandsOutCopies(t *testing.T) {
	s, replica, p := openedThroughAnother(t)
	ctx := context.Background()
	listed := func() plan.Plan {
		t.Helper()
		all, err := s.List(ctx, plan.AllCouncils)
		if err != nil || len(all) != 1 {
			t.Fatalf("List = %d plans, %v; want 1", len(all), err)
		}
		return all[0]
	}
	first := listed()
	if first.State != plan.Draft || first.Version != 1 {
		t.Fatalf("listed %s at version %d, want DRAFT at 1", first.State, first.Version)
	}
	first.History = append(first.History, plan.StateChange{To: plan.Closed, Actor: "caller"})
	first.KeyJudgements[reference.AreaCareLeavers] = reference.Outstanding
	first.Priorities[0].Recommendations[0] = "changed by a caller"
	again := listed()
	if len(again.History) != len(p.History) || again.KeyJudgements[reference.AreaCareLeavers] != reference.RequiresImprovement ||
		again.Priorities[0].Recommendations[0] != p.Priorities[0].Recommendations[0] {
		t.Errorf("a caller's changes to a listed plan reached the next list: %+v", again)
	}

	p2 := improvedThrough(t, replica, p)
	if got := listed(); got.State != plan.Improved || got.Version != 2 || len(got.History) != len(p2.History) {
		t.Errorf("after another store's save: listed %s at version %d, want IMPROVED at 2", got.State, got.Version)
	}
}

// Every change of a plan's state and deadline is announced in the commit
// that makes it, once: a plan saved again (read back or as returned) does
// not announce its earlier changes twice, and a stale save announces
// nothing.
func TestEveryTransitionIsAnnouncedOnce(t *testing.T) {
	ctx := context.Background()
	s, st := newStore(t)
	p, created, err := s.OpenFromJudgement(ctx, opened(storetest.Doncaster, "i1"), events.Event{})
	if err != nil || !created {
		t.Fatalf("open: %v", err)
	}
	council := change.Request{Subject: "dcs", Roles: []string{"council_officer"}, Method: "m"}
	dfe := change.Request{Subject: "dfe-1", Roles: []string{"dfe_official"}, Method: "m"}
	clock := change.Request{Subject: plan.ServiceActor, Method: "clock"}
	step := func(p plan.Plan, r change.Request, fn func(*plan.Plan) error) plan.Plan {
		t.Helper()
		next := p.Clone()
		if err := fn(&next); err != nil {
			t.Fatal(err)
		}
		saved, err := s.Save(ctx, next, r)
		if err != nil {
			t.Fatal(err)
		}
		return saved
	}
	to := func(state plan.State, actor string) func(*plan.Plan) error {
		return func(p *plan.Plan) error { return p.Transition(state, actor, "because", now) }
	}
	p = step(p, council, to(plan.Submitted, "dcs"))
	p = step(p, dfe, to(plan.Approved, "dfe-1"))
	// Read back, not chained: the stored version's history is not new.
	if p, err = s.Get(ctx, storetest.Doncaster, p.ID); err != nil {
		t.Fatal(err)
	}
	stale := p
	p = step(p, clock, to(plan.DecisionDue, plan.ServiceActor))
	if _, err := s.Save(ctx, func() plan.Plan { n := stale.Clone(); _ = n.Transition(plan.Monitoring, "dfe-1", "", now); return n }(), dfe); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale save: %v", err)
	}
	extended := time.Date(2016, 9, 30, 0, 0, 0, 0, time.UTC)
	p = step(p, dfe, func(p *plan.Plan) error { return p.Extend(extended, "Ofsted revisits in September", "dfe-1", now) })
	p = step(p, clock, to(plan.DecisionDue, plan.ServiceActor))
	// DfE decides after the deadline has passed.
	decided := extended.AddDate(0, 0, 3)
	p = step(p, dfe, func(p *plan.Plan) error {
		return p.Transition(plan.Continued, "dfe-1", "significant improvement", decided)
	})
	// A change of neither state nor deadline announces nothing.
	p = step(p, council, func(p *plan.Plan) error { p.UpdateTime = now.Add(time.Hour); return nil })

	evs, _ := outbox(t, st, storetest.Doncaster)
	var got []string
	var last *eventsv1.ImprovementPlanStateChanged
	for _, ev := range evs[events.TypeName(&eventsv1.ImprovementPlanStateChanged{})] {
		var m eventsv1.ImprovementPlanStateChanged
		if err := ev.Unmarshal(&m); err != nil {
			t.Fatal(err)
		}
		if m.GetImprovementPlan() != p.Name() || m.GetLocalAuthority() != "localAuthorities/"+storetest.Doncaster || ev.Subject != p.Name() {
			t.Errorf("event names %s of %s", m.GetImprovementPlan(), m.GetLocalAuthority())
		}
		got = append(got, m.GetFromState()+">"+m.GetToState()+" by "+m.GetChangedBy()+" ("+m.GetChangedByRole()+")")
		last = &m
	}
	want := []string{
		"DRAFT>SUBMITTED by dcs (council_officer)",
		"SUBMITTED>APPROVED by dfe-1 (dfe_official)",
		"APPROVED>DECISION_DUE by system:improvementplan ()",
		"DECISION_DUE>APPROVED by dfe-1 (dfe_official)",
		"APPROVED>DECISION_DUE by system:improvementplan ()",
		"DECISION_DUE>CONTINUED by dfe-1 (dfe_official)",
	}
	if len(got) != len(want) {
		t.Fatalf("announced %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("change %d announced as %q, want %q", i, got[i], want[i])
		}
	}
	// A plan DfE let continue faces no deadline until DfE sets one.
	if d, _, _ := refproto.DateFrom(last.GetDeadline()); !d.Equal(extended) || last.GetDecisionPending() {
		t.Errorf("continued: deadline %v, decision pending %v", d, last.GetDecisionPending())
	}
	ext := evs[events.TypeName(&eventsv1.ImprovementPlanDeadlineExtended{})]
	if len(ext) != 1 {
		t.Fatalf("%d extensions announced, want 1", len(ext))
	}
	var x eventsv1.ImprovementPlanDeadlineExtended
	if err := ext[0].Unmarshal(&x); err != nil {
		t.Fatal(err)
	}
	prev, _, _ := refproto.DateFrom(x.GetPreviousDeadline())
	next, _, _ := refproto.DateFrom(x.GetNewDeadline())
	if !prev.Equal(p.OriginalDeadline) || !next.Equal(extended) || x.GetState() != "APPROVED" || !x.GetDecisionPending() ||
		x.GetExtendedBy() != "dfe-1" || x.GetReason() != "Ofsted revisits in September" {
		t.Errorf("extension announced as %+v", &x)
	}

	// DfE sets the continued plan's next deadline: it is pending again.
	later := time.Date(2017, 1, 31, 0, 0, 0, 0, time.UTC)
	_ = step(p, dfe, func(p *plan.Plan) error {
		return p.Extend(later, "Three more months", "dfe-1", decided.Add(24*time.Hour))
	})
	evs, _ = outbox(t, st, storetest.Doncaster)
	ext = evs[events.TypeName(&eventsv1.ImprovementPlanDeadlineExtended{})]
	if err := ext[len(ext)-1].Unmarshal(&x); err != nil || len(ext) != 2 || x.GetState() != "CONTINUED" || !x.GetDecisionPending() {
		t.Errorf("the continued plan's new deadline: %d extensions, last %+v, %v", len(ext), &x, err)
	}
}

// TestGetShowsAnotherStoresWritesAndHandsOutCopies: a plan read through the
// cache is the one last committed, whichever store committed it, and a
// caller changing what Get returned does not change the next Get's plan.
func TestGetShowsAnotherStoresWritesAndHandsOutCopies(t *testing.T) {
	s, replica, p := openedThroughAnother(t)
	ctx := context.Background()
	got, err := s.Get(ctx, p.GSSCode, p.ID)
	if err != nil || got.State != plan.Draft || got.Version != 1 {
		t.Fatalf("Get = %s at version %d, %v; want DRAFT at 1", got.State, got.Version, err)
	}
	got.Priorities[0].Recommendations[0] = "changed by a caller"
	if again, err := s.Get(ctx, p.GSSCode, p.ID); err != nil || again.Priorities[0].Recommendations[0] != p.Priorities[0].Recommendations[0] {
		t.Fatalf("a caller's change to a plan Get returned reached the next Get: %v", err)
	}
	improvedThrough(t, replica, p)
	if got, err := s.Get(ctx, p.GSSCode, p.ID); err != nil || got.State != plan.Improved || got.Version != 2 {
		t.Fatalf("after another store's save: Get = %s at version %d, %v; want IMPROVED at 2", got.State, got.Version, err)
	}
	if _, err := s.Get(ctx, p.GSSCode, "nope"); !errors.Is(err, plan.ErrNotFound) {
		t.Fatalf("Get of a plan that does not exist = %v, want plan.ErrNotFound", err)
	}
}

// openedThroughAnother returns the store under test, another store over
// the same Redis (another replica) and a plan for Leeds opened through it.
func openedThroughAnother(t *testing.T) (*Plans, *Plans, plan.Plan) {
	t.Helper()
	s, st := newStore(t)
	replica := New(st)
	p, _, err := replica.OpenFromJudgement(context.Background(), opened(storetest.Leeds, "ins1"), events.Event{})
	if err != nil {
		t.Fatal(err)
	}
	return s, replica, p
}

// improvedThrough moves p to IMPROVED and saves it through replica: a
// write of another store, which the store under test must show.
func improvedThrough(t *testing.T, replica *Plans, p plan.Plan) plan.Plan {
	t.Helper()
	p2 := p.Clone()
	if err := p2.Transition(plan.Improved, plan.ServiceActor, "", now); err != nil {
		t.Fatal(err)
	}
	if _, err := replica.Save(context.Background(), p2, change.Request{Subject: "t"}); err != nil {
		t.Fatal(err)
	}
	return p2
}
