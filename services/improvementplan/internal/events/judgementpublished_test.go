package events_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/deadline"
	ipevents "github.com/turnaround-sli/turnaround/services/improvementplan/internal/events"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planstore"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/schedule"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

const gss = "E08000017"

var (
	published = time.Date(2015, time.August, 31, 0, 0, 0, 0, time.UTC)
	now       = time.Date(2015, time.September, 1, 9, 30, 0, 0, time.UTC)
)

type fixture struct {
	plans *planstore.Plans
	jobs  *schedule.Scheduler
	h     *ipevents.Handler
}

func newFixture(t *testing.T, months int) fixture {
	t.Helper()
	c, ks := redistest.New(t)
	plans := planstore.New(store.New(c, ks))
	clock := func() time.Time { return now }
	var clk *deadline.Clock
	jobs, err := schedule.New(c, ks, schedule.Options{
		Name: deadline.ScheduleName, Now: clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Handler: func(ctx context.Context, j schedule.Job) error { _, err := clk.Fire(ctx, j.ID); return err },
	})
	if err != nil {
		t.Fatal(err)
	}
	clk = deadline.New(plans, jobs, func(ctx context.Context, p plan.Plan) (events.Event, error) {
		return events.NewEvent(ctx, planstore.Topic, p.Name(), &eventsv1.ImprovementDeadlineReached{ImprovementPlan: p.Name()})
	}, clock)
	return fixture{plans: plans, jobs: jobs, h: ipevents.New(plans, clk, ipevents.Options{DeadlineMonths: months, Now: clock})}
}

func inadequate(inspection string) ipevents.Judgement {
	return ipevents.Judgement{
		Inspection: "localAuthorities/" + gss + "/inspections/" + inspection,
		GSSCode:    gss,
		Framework:  "SIF",
		Overall:    reference.Inadequate,
		KeyJudgements: map[string]reference.Grade{
			reference.AreaOverallEffectiveness:           reference.Inadequate,
			reference.AreaHelpAndProtection:              reference.Inadequate,
			reference.AreaLookedAfterAndPermanence:       reference.RequiresImprovement,
			reference.AreaLeadershipManagementGovernance: reference.Inadequate,
			reference.AreaLSCB:                           reference.Good,
		},
		Recommendations: []string{"HELP_AND_PROTECTION: Ensure that referrals are assessed on time.", "LSCB: Audit more."},
		PublishDate:     published,
	}
}

func cause(t *testing.T) events.Event {
	t.Helper()
	e, err := events.NewEvent(t.Context(), ipevents.Topic, "localAuthorities/"+gss, &eventsv1.JudgementPublished{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestOpensOnePlanPerJudgement delivers one inadequate judgement three
// times at once, as three replicas handling redeliveries would: one plan
// opens, with its deadline scheduled and its priorities pre-filled.
func TestOpensOnePlanPerJudgement(t *testing.T) {
	for _, tc := range []struct {
		months   int
		deadline time.Time
	}{
		{0, time.Date(2016, time.February, 29, 0, 0, 0, 0, time.UTC)}, // the default six months, clamped to February
		{3, time.Date(2015, time.November, 30, 0, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.deadline.Format(time.DateOnly), func(t *testing.T) {
			f := newFixture(t, tc.months)
			j := inadequate("ins-1")
			var wg sync.WaitGroup
			results := make([]ipevents.Result, 3)
			errs := make([]error, 3)
			for i := range results {
				e := cause(t)
				wg.Go(func() { results[i], errs[i] = f.h.Handle(t.Context(), j, e) })
			}
			wg.Wait()
			created := 0
			for i, r := range results {
				if errs[i] != nil {
					t.Fatal(errs[i])
				}
				if r.Created {
					created++
				}
				if r.Opened == nil || r.Opened.ID != results[0].Opened.ID {
					t.Fatalf("delivery %d opened %+v, not the first delivery's plan", i, r.Opened)
				}
			}
			all, err := f.plans.List(t.Context(), gss)
			if err != nil {
				t.Fatal(err)
			}
			if created != 1 || len(all) != 1 {
				t.Fatalf("%d deliveries created a plan and the council has %d plans; want 1 and 1", created, len(all))
			}
			p := all[0]
			if p.State != plan.Draft || p.Inspection != j.Inspection || !p.Deadline.Equal(tc.deadline) || !p.JudgementDate.Equal(published) {
				t.Fatalf("plan: state %s, inspection %s, deadline %v, judged %v", p.State, p.Inspection, p.Deadline, p.JudgementDate)
			}
			var areas []string
			for _, pr := range p.Priorities {
				areas = append(areas, pr.Area)
			}
			want := []string{reference.AreaHelpAndProtection, reference.AreaLeadershipManagementGovernance, reference.AreaLookedAfterAndPermanence}
			if len(areas) != len(want) || areas[0] != want[0] || areas[1] != want[1] || areas[2] != want[2] {
				t.Fatalf("priorities %v, want %v", areas, want)
			}
			job, ok, err := f.jobs.Lookup(t.Context(), p.Name())
			if err != nil || !ok || !job.Due.Equal(deadline.DueAt(p)) {
				t.Fatalf("deadline job = %+v, %v, %v; want due %v", job, ok, err, deadline.DueAt(p))
			}
		})
	}
}

// TestRedeliveryRepairsTheSchedule: the first delivery opened the plan but
// died before scheduling its deadline; the redelivery schedules it.
func TestRedeliveryRepairsTheSchedule(t *testing.T) {
	f := newFixture(t, 0)
	j := inadequate("ins-1")
	res, err := f.h.Handle(t.Context(), j, cause(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.jobs.Cancel(t.Context(), res.Opened.Name()); err != nil {
		t.Fatal(err)
	}
	again, err := f.h.Handle(t.Context(), j, cause(t))
	if err != nil || again.Created || again.Opened.ID != res.Opened.ID {
		t.Fatalf("redelivery = %+v, %v; want the same plan, not created", again, err)
	}
	if _, ok, err := f.jobs.Lookup(t.Context(), res.Opened.Name()); err != nil || !ok {
		t.Fatalf("the redelivery did not schedule the deadline (%v, %v)", ok, err)
	}
}

// TestLaterJudgements applies a second judgement to a council whose plan
// stands in a given state.
func TestLaterJudgements(t *testing.T) {
	for _, tc := range []struct {
		name     string
		state    plan.State // the plan's state when the judgement arrives; "" for no plan
		overall  reference.Grade
		publish  time.Time
		improved bool
	}{
		{"requires improvement re-inspection", plan.Draft, reference.RequiresImprovement, published.AddDate(1, 0, 0), true},
		{"good re-inspection of an approved plan", plan.Approved, reference.Good, published.AddDate(1, 0, 0), true},
		{"re-inspection of an escalated plan", plan.Escalated, reference.RequiresImprovement, published.AddDate(1, 0, 0), true},
		{"re-inspection at decision due", plan.DecisionDue, reference.Good, published.AddDate(1, 0, 0), true},
		{"an older judgement delivered late", plan.Draft, reference.Good, published.AddDate(-2, 0, 0), false},
		{"a monitoring visit grades nothing", plan.Draft, "", published.AddDate(0, 3, 0), false},
		{"no plan to improve", "", reference.Good, published, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 0)
			var p plan.Plan
			if tc.state != "" {
				res, err := f.h.Handle(t.Context(), inadequate("ins-1"), cause(t))
				if err != nil {
					t.Fatal(err)
				}
				p = *res.Opened
				if tc.state != plan.Draft {
					p.State = tc.state // stored as it stands; only the handler's transition is under test
					if tc.state == plan.DecisionDue {
						p.History = append(p.History, plan.StateChange{From: plan.Draft, To: plan.DecisionDue, Actor: "test"})
					}
					if p, err = f.plans.Save(t.Context(), p, change.Request{Subject: "test", Method: "test"}); err != nil {
						t.Fatal(err)
					}
				}
			}
			later := ipevents.Judgement{
				Inspection: "localAuthorities/" + gss + "/inspections/ins-2", GSSCode: gss, Framework: "SIF",
				Overall: tc.overall, PublishDate: tc.publish,
			}
			for delivery := range 2 {
				res, err := f.h.Handle(t.Context(), later, cause(t))
				if err != nil {
					t.Fatal(err)
				}
				wantImproved := tc.improved && delivery == 0
				if (len(res.Improved) == 1) != wantImproved || len(res.Improved) > 1 || res.Opened != nil {
					t.Fatalf("delivery %d: result %+v, want improved = %v", delivery, res, wantImproved)
				}
			}
			all, err := f.plans.List(t.Context(), gss)
			if err != nil {
				t.Fatal(err)
			}
			if tc.state == "" {
				if len(all) != 0 {
					t.Fatalf("a judgement that is not inadequate opened %d plans", len(all))
				}
				return
			}
			got := all[0]
			want := tc.state
			if tc.improved {
				want = plan.Improved
			}
			if got.State != want {
				t.Fatalf("plan is %s, want %s", got.State, want)
			}
			_, scheduled, err := f.jobs.Lookup(t.Context(), got.Name())
			if err != nil {
				t.Fatal(err)
			}
			if tc.improved && scheduled {
				t.Fatal("the improved plan's deadline is still scheduled")
			}
			if tc.improved {
				last := got.History[len(got.History)-1]
				if last.Actor != plan.ServiceActor || last.From != tc.state || last.Reason == "" {
					t.Fatalf("last history entry %+v, want the service moving it from %s with a reason", last, tc.state)
				}
			}
		})
	}
}

func TestRejectsAJudgementWithoutACouncil(t *testing.T) {
	f := newFixture(t, 0)
	j := inadequate("ins-1")
	j.GSSCode = "nowhere"
	if _, err := f.h.Handle(t.Context(), j, cause(t)); err == nil {
		t.Fatal("a judgement of no council was accepted")
	}
}

// TestHistoricalJudgementsOpenNoPlan: an inadequate judgement imported as
// history (the event's historical flag) opens no plan and schedules no
// deadline, where the same judgement published live does.
func TestHistoricalJudgementsOpenNoPlan(t *testing.T) {
	for _, historical := range []bool{true, false} {
		f := newFixture(t, 0)
		e, err := events.NewEvent(t.Context(), ipevents.Topic, "localAuthorities/"+gss, &eventsv1.JudgementPublished{
			Inspection:     "localAuthorities/" + gss + "/inspections/ins-old",
			LocalAuthority: "localAuthorities/" + gss,
			Framework:      "SIF",
			OverallGrade:   typev1.Grade_GRADE_INADEQUATE,
			PublishDate:    &typev1.Date{Year: 2015, Month: 8, Day: 31},
			Historical:     historical,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.h.Consume(t.Context(), e); err != nil {
			t.Fatal(err)
		}
		all, err := f.plans.List(t.Context(), gss)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{true: 0, false: 1}[historical]; len(all) != want {
			t.Fatalf("historical %v: the council has %d plans, want %d", historical, len(all), want)
		}
	}
}
