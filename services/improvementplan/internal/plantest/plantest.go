// Package plantest builds the improvement plans the service's tests start
// from: a plan opened by an inadequate judgement, stored, and moved
// through the state machine as the handlers and the clock would move it;
// and reads what a council's outbox holds of its interventions.
package plantest

import (
	"context"
	"testing"
	"time"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planstore"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Now is when the service's tests of progress and interventions happen:
// mid-afternoon on 1 June 2016, UTC.
var Now = time.Date(2016, 6, 1, 15, 0, 0, 0, time.UTC)

// Judgement is the day the judgement that opens Judged's plans was
// published: 20 November 2015.
var Judgement = time.Date(2015, 11, 20, 0, 0, 0, 0, time.UTC)

// Judged is the draft plan an inadequate judgement of the council gss,
// published on Judgement with two inadequate key judgements, opens the
// next morning: priorities p1 (help and protection) and p2 (leadership,
// management and governance).
func Judged(gss string) plan.Plan {
	return plan.Open(plan.OpenInput{
		GSSCode: gss, Inspection: "localAuthorities/" + gss + "/inspections/" + resource.NewID(),
		JudgementDate: Judgement,
		KeyJudgements: map[string]reference.Grade{
			reference.AreaHelpAndProtection:              reference.Inadequate,
			reference.AreaLeadershipManagementGovernance: reference.Inadequate,
		},
	}, Judgement.Add(33*time.Hour))
}

// Path is the transitions that take a draft plan to s.
func Path(s plan.State) []plan.State {
	return map[plan.State][]plan.State{
		plan.Draft:       nil,
		plan.Submitted:   {plan.Submitted},
		plan.Approved:    {plan.Submitted, plan.Approved},
		plan.Monitoring:  {plan.Submitted, plan.Approved, plan.Monitoring},
		plan.DecisionDue: {plan.Submitted, plan.Approved, plan.Monitoring, plan.DecisionDue},
		plan.Continued:   {plan.Submitted, plan.Approved, plan.Monitoring, plan.DecisionDue, plan.Continued},
		plan.Escalated:   {plan.Submitted, plan.Approved, plan.Monitoring, plan.DecisionDue, plan.Escalated},
		plan.Improved:    {plan.Improved},
		plan.Closed:      {plan.Improved, plan.Closed},
	}[s]
}

// Stored opens Judged(gss) in plans and moves it to s along Path, each
// step saved at the time at, and returns it as stored.
func Stored(t testing.TB, plans *planstore.Plans, gss string, s plan.State, at time.Time) plan.Plan {
	t.Helper()
	ctx := context.Background()
	p, _, err := plans.OpenFromJudgement(ctx, Judged(gss), events.Event{})
	if err != nil {
		t.Fatal(err)
	}
	for _, next := range Path(s) {
		if err := p.Transition(next, "setup", "test set-up", at); err != nil {
			t.Fatal(err)
		}
		if p, err = plans.Save(ctx, p, change.Request{Subject: "setup", Method: "setup"}); err != nil {
			t.Fatal(err)
		}
	}
	if p.State != s {
		t.Fatalf("plan reached %s, not %s", p.State, s)
	}
	return p
}

// Outbox is what a council's outbox holds of its interventions, in order:
// the InterventionOrdered and InterventionLifted payloads, the envelopes
// of the InterventionOrdered events, and every audit entry.
type Outbox struct {
	Ordered   []*eventsv1.InterventionOrdered
	Lifted    []*eventsv1.InterventionLifted
	Envelopes []events.Event
	Audits    []store.AuditEntry
}

// OutboxOf reads the outbox of the council gss in st.
func OutboxOf(t testing.TB, st *store.Store, gss string) Outbox {
	t.Helper()
	evs := rpctest.Outbox(t, st, keyspace.CouncilTag(gss))
	return Outbox{
		Ordered:   rpctest.Payloads[*eventsv1.InterventionOrdered](t, evs),
		Lifted:    rpctest.Payloads[*eventsv1.InterventionLifted](t, evs),
		Envelopes: rpctest.Outbox(t, st, keyspace.CouncilTag(gss), events.TypeName(&eventsv1.InterventionOrdered{})),
		Audits:    rpctest.Audits(t, evs),
	}
}
