package interventionstore

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/intervention"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/interventionapi"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planstore"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plantest"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// codec is the stored form the service gives the store: the API message.
var codec = rpctest.Codec(interventionapi.ToStored, interventionapi.FromStored)

type env struct {
	t     *testing.T
	st    *store.Store
	plans *planstore.Plans
	ivs   *Interventions
}

func newEnv(t *testing.T) *env {
	st := rpctest.NewStore(t)
	plans := planstore.New(st)
	return &env{t: t, st: st, plans: plans, ivs: New(st, plans, codec)}
}

// duePlan stores a plan of Leeds whose deadline has passed.
func (e *env) duePlan() plan.Plan {
	e.t.Helper()
	ctx := context.Background()
	p, _, err := e.plans.OpenFromJudgement(ctx, plan.Open(plan.OpenInput{
		GSSCode: storetest.Leeds, Inspection: "localAuthorities/" + storetest.Leeds + "/inspections/" + resource.NewID(),
		JudgementDate: time.Date(2015, 11, 20, 0, 0, 0, 0, time.UTC),
		KeyJudgements: map[string]reference.Grade{reference.AreaHelpAndProtection: reference.Inadequate},
	}, plantest.Now.AddDate(0, -6, 0)), events.Event{})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := p.Transition(plan.DecisionDue, plan.ServiceActor, "deadline passed", plantest.Now); err != nil {
		e.t.Fatal(err)
	}
	if p, err = e.plans.Save(ctx, p, change.Request{Subject: plan.ServiceActor, Method: "deadline"}); err != nil {
		e.t.Fatal(err)
	}
	return p
}

func order(gss, id string, kind intervention.Kind, at time.Time) intervention.Intervention {
	iv, err := intervention.New(gss, id, intervention.Order{
		Kind: kind, Reason: "Insufficient progress.", Areas: []string{reference.AreaHelpAndProtection, reference.AreaCareLeavers},
	}, "", "dfe-1", at)
	if err != nil {
		panic(err)
	}
	return iv
}

// decide makes the decision in on the due plan p, as the official dfe-1,
// ordering any intervention under the id ivx.
func (e *env) decide(p plan.Plan, in intervention.DecisionInput) intervention.Outcome {
	e.t.Helper()
	out, err := intervention.Decide(p, in, "ivx", "dfe-1", plantest.Now)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// outbox is what the council gss's outbox holds of its interventions.
func (e *env) outbox(gss string) plantest.Outbox { return plantest.OutboxOf(e.t, e.st, gss) }

func TestInsertGetList(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := order(storetest.Leeds, "aaa", intervention.Commissioner, plantest.Now.Add(-48*time.Hour))
	a.Plan = plan.Name(storetest.Leeds, "pln")
	b := order(storetest.Sheffield, "bbb", intervention.ChildrensServicesTrust, plantest.Now)
	req := &improvementplanv1.OrderInterventionRequest{Parent: "localAuthorities/" + storetest.Leeds, RequestId: "r1"}
	hash, err := store.RequestHash(req)
	if err != nil {
		t.Fatal(err)
	}
	r := change.Request{Subject: "dfe-1", Roles: []string{"dfe_official"}, Method: "/m/OrderIntervention", RequestID: "r1", RequestHash: hash}
	plain := r
	plain.RequestHash = nil
	want := a
	want.Version = 1
	got, err := e.ivs.Insert(ctx, a, r)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("insert = %+v, %v", got, err)
	}
	if _, err := e.ivs.Insert(ctx, b, plain); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ivs.Insert(ctx, a, plain); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("inserting a taken id: %v", err)
	}

	read, err := e.ivs.Get(ctx, storetest.Leeds, "aaa")
	if err != nil || !reflect.DeepEqual(read, want) {
		t.Fatalf("get = %+v, %v; want %+v", read, err, want)
	}
	if _, err := e.ivs.Get(ctx, storetest.Leeds, "bbb"); !errors.Is(err, intervention.ErrNotFound) {
		t.Fatalf("get of another council's id: %v", err)
	}
	if replayed, ok, err := e.ivs.Replay(ctx, storetest.Leeds, r); err != nil || !ok || !reflect.DeepEqual(replayed, want) {
		t.Fatalf("replay = %+v, %v, %v", replayed, ok, err)
	}

	names := func(ivs []intervention.Intervention) []string {
		var out []string
		for _, iv := range ivs {
			out = append(out, iv.Name())
		}
		slices.Sort(out)
		return out
	}
	for _, tc := range []struct {
		gss  string
		want []string
	}{
		{storetest.Leeds, []string{a.Name()}},
		{storetest.Sheffield, []string{b.Name()}},
		{"E06000047", nil},
		{plan.AllCouncils, []string{b.Name(), a.Name()}},
	} {
		list, err := e.ivs.List(ctx, tc.gss)
		if err != nil || !slices.Equal(names(list), tc.want) {
			t.Errorf("list %s = %v, %v; want %v", tc.gss, names(list), err, tc.want)
		}
	}

	box := e.outbox(storetest.Leeds)
	if len(box.Ordered) != 1 || len(box.Audits) != 1 {
		t.Fatalf("leeds outbox: %d events, %d audit entries", len(box.Ordered), len(box.Audits))
	}
	wantEvent := &eventsv1.InterventionOrdered{
		Intervention: a.Name(), LocalAuthority: "localAuthorities/" + storetest.Leeds, Kind: "COMMISSIONER",
		Areas: []string{"HELP_AND_PROTECTION", "CARE_LEAVERS"}, Reason: "Insufficient progress.",
		ImprovementPlan: a.Plan, OrderedBy: "dfe-1",
	}
	if !proto.Equal(box.Ordered[0], wantEvent) {
		t.Errorf("event = %v, want %v", box.Ordered[0], wantEvent)
	}
	if env := box.Envelopes[0]; env.Topic != "improvementplan" || env.Subject != a.Name() || !env.Time.Equal(a.OrderTime) {
		t.Errorf("envelope = %+v", env)
	}
	if au := box.Audits[0]; au.Resource != a.Name() || au.EtagAfter != `"1"` || au.RequestID != "r1" || au.Actor != "dfe-1" {
		t.Errorf("audit = %+v", au)
	}
	if len(e.outbox(storetest.Sheffield).Ordered) != 1 {
		t.Error("sheffield's event is not in its own outbox")
	}
}

func TestSave(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	iv, err := e.ivs.Insert(ctx, order(storetest.Leeds, "aaa", intervention.ImprovementNotice, plantest.Now), change.Request{Subject: "dfe-1", Method: "m"})
	if err != nil {
		t.Fatal(err)
	}
	lifted, err := iv.Lift("Sustained improvement.")
	if err != nil {
		t.Fatal(err)
	}
	saved, err := e.ivs.Save(ctx, lifted, change.Request{Subject: "dfe-2", Method: "/m/LiftIntervention"})
	if err != nil || saved.Version != 2 || saved.State != intervention.Lifted {
		t.Fatalf("save = %+v, %v", saved, err)
	}
	// A second save over the version first read is stale.
	if _, err := e.ivs.Save(ctx, lifted, change.Request{Subject: "dfe-2", Method: "m"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale save: %v", err)
	}
	read, err := e.ivs.Get(ctx, storetest.Leeds, "aaa")
	if err != nil || !reflect.DeepEqual(read, saved) {
		t.Fatalf("get = %+v, %v", read, err)
	}
	box := e.outbox(storetest.Leeds)
	if len(box.Ordered) != 1 || len(box.Audits) != 2 || box.Audits[1].EtagBefore != `"1"` || box.Audits[1].EtagAfter != `"2"` || box.Audits[1].Actor != "dfe-2" {
		t.Fatalf("outbox after lift: %d events, audits %+v", len(box.Ordered), box.Audits)
	}
	if len(box.Lifted) != 1 || box.Lifted[0].GetIntervention() != iv.Name() || box.Lifted[0].GetLiftedBy() != "dfe-2" ||
		box.Lifted[0].GetReason() != "Sustained improvement." || box.Lifted[0].GetLocalAuthority() != "localAuthorities/"+storetest.Leeds {
		t.Fatalf("the lift is announced as %v", box.Lifted)
	}
	if _, err := e.ivs.Save(ctx, intervention.Intervention{GSSCode: storetest.Leeds, ID: "new", Kind: intervention.Commissioner, State: intervention.InForce},
		change.Request{}); err == nil {
		t.Fatal("save of an intervention never inserted succeeded")
	}
}

func TestDecide(t *testing.T) {
	t.Run("insufficient", func(t *testing.T) {
		e := newEnv(t)
		ctx := context.Background()
		p := e.duePlan()
		before := e.outbox(storetest.Leeds)
		out := e.decide(p, intervention.DecisionInput{
			Decision: intervention.Insufficient, Rationale: "Too slow.",
			Intervention: &intervention.Order{Kind: intervention.SponsorPartnership, Reason: "Needs a partner.", Areas: []string{reference.AreaHelpAndProtection}},
		})
		got, err := e.ivs.Decide(ctx, out, change.Request{Subject: "dfe-1", Method: "/m/DecideProgress", RequestID: "d1"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Plan.Version != p.Version+1 || got.Intervention.Version != 1 || out.Intervention.Version != 0 {
			t.Fatalf("decided versions: plan %d, intervention %d", got.Plan.Version, got.Intervention.Version)
		}
		stored, err := e.plans.Get(ctx, storetest.Leeds, p.ID)
		if err != nil || stored.State != plan.Escalated || stored.Intervention != out.Intervention.Name() || stored.Version != p.Version+1 {
			t.Fatalf("plan = %+v, %v", stored, err)
		}
		iv, err := e.ivs.Get(ctx, storetest.Leeds, "ivx")
		if err != nil || iv.Plan != p.Name() || iv.State != intervention.InForce || iv.Kind != intervention.SponsorPartnership {
			t.Fatalf("intervention = %+v, %v", iv, err)
		}
		box := e.outbox(storetest.Leeds)
		audits := box.Audits[len(before.Audits):]
		if len(box.Ordered) != 1 || box.Ordered[0].GetImprovementPlan() != p.Name() || box.Ordered[0].GetKind() != "SPONSOR_PARTNERSHIP" ||
			len(audits) != 2 || audits[0].Resource != p.Name() || audits[1].Resource != iv.Name() || audits[0].RequestID != "d1" {
			t.Fatalf("outbox: events %v, audits %+v", box.Ordered, audits)
		}
	})

	t.Run("significant improvement", func(t *testing.T) {
		e := newEnv(t)
		ctx := context.Background()
		p := e.duePlan()
		out := e.decide(p, intervention.DecisionInput{Decision: intervention.SignificantImprovement, Rationale: "Good."})
		got, err := e.ivs.Decide(ctx, out, change.Request{Subject: "dfe-1", Method: "m"})
		if err != nil || got.Intervention != nil || got.Plan.Version != p.Version+1 {
			t.Fatalf("decide = %+v, %v", got, err)
		}
		stored, err := e.plans.Get(ctx, storetest.Leeds, p.ID)
		if err != nil || stored.State != plan.Continued {
			t.Fatalf("plan = %+v, %v", stored, err)
		}
		if list, err := e.ivs.List(ctx, storetest.Leeds); err != nil || len(list) != 0 || len(e.outbox(storetest.Leeds).Ordered) != 0 {
			t.Fatalf("interventions after continuing = %v, %v", list, err)
		}
	})

	t.Run("a plan that moved commits nothing", func(t *testing.T) {
		e := newEnv(t)
		ctx := context.Background()
		p := e.duePlan()
		out := e.decide(p, intervention.DecisionInput{
			Decision: intervention.Insufficient, Rationale: "Too slow.",
			Intervention: &intervention.Order{Kind: intervention.Commissioner, Reason: "r", Areas: []string{reference.AreaLSCB}},
		})
		moved := p.Clone()
		if err := moved.Transition(plan.Improved, plan.ServiceActor, "re-inspected", plantest.Now); err != nil {
			t.Fatal(err)
		}
		if _, err := e.plans.Save(ctx, moved, change.Request{Subject: plan.ServiceActor, Method: "m"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ivs.Decide(ctx, out, change.Request{Subject: "dfe-1", Method: "m"}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("decide over a moved plan: %v", err)
		}
		if _, err := e.ivs.Get(ctx, storetest.Leeds, "ivx"); !errors.Is(err, intervention.ErrNotFound) {
			t.Fatalf("intervention after a failed decision: %v", err)
		}
		if list, err := e.ivs.List(ctx, storetest.Leeds); err != nil || len(list) != 0 || len(e.outbox(storetest.Leeds).Ordered) != 0 {
			t.Fatalf("after a failed decision: list %v, %v", list, err)
		}
	})
}
