package planstore

import (
	"context"
	"errors"
	"testing"
	"time"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

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
