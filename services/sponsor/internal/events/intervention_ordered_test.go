package events

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagementstore"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/needapi"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/needstore"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsorapi"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsorstore"
)

var opened = time.Date(2016, 1, 11, 10, 0, 0, 0, time.UTC)

type env struct {
	t         *testing.T
	rdb       redis.UniversalClient
	ks        keyspace.Keyspace
	st        *store.Store
	needs     *needstore.Needs
	engs      *engagementstore.Engagements
	published int64
}

// newEnv runs the consumer over real Redis until the test ends. Failed
// events come back after a short idle time and are dead-lettered after
// two deliveries, so retries show within a test's patience.
func newEnv(t *testing.T) *env {
	t.Helper()
	st := rpctest.NewStore(t)
	e := &env{t: t, rdb: st.Client(), ks: st.Keyspace(), st: st, needs: needstore.New(st, rpctest.Codec(needapi.ToStored, needapi.FromStored))}
	sponsors := sponsorstore.New(st, rpctest.Codec(sponsorapi.ToStored, sponsorapi.FromStored))
	svc := need.NewService(e.needs, sponsors, func() time.Time { return opened })
	e.engs = engagementstore.New(st)
	c, err := New(st, svc, engagement.NewService(e.engs, sponsors, func() time.Time { return opened }), rpctest.Quiet(), events.ConsumerOptions{
		Block: 100 * time.Millisecond, MinIdle: 200 * time.Millisecond, ClaimInterval: 100 * time.Millisecond, MaxDeliveries: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	rpctest.Run(t, "the consumer", c.Run)
	return e
}

func (e *env) event(payload proto.Message) events.Event {
	e.t.Helper()
	ev, err := events.NewEvent(context.Background(), Topic, "subject", payload)
	if err != nil {
		e.t.Fatal(err)
	}
	return ev
}

// deliver appends ev to the topic stream, as the relay does; appending
// the same event again is a redelivery.
func (e *env) deliver(ev events.Event) {
	e.t.Helper()
	if err := e.rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: e.ks.Topic(Topic), Values: ev.Values()}).Err(); err != nil {
		e.t.Fatal(err)
	}
	e.published++
}

// settle waits until the group has received and acknowledged every entry
// delivered, so the absence of a need means an event changed nothing.
func (e *env) settle() {
	e.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		groups, err := e.rdb.XInfoGroups(context.Background(), e.ks.Topic(Topic)).Result()
		if err == nil {
			for _, g := range groups {
				if g.Name == Group && g.EntriesRead >= e.published && g.Lag == 0 && g.Pending == 0 {
					return
				}
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for the consumer group to handle %d events", e.published)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// opened returns the SponsorNeedOpened events in the council's outbox.
func (e *env) openedEvents(gss string) []*eventsv1.SponsorNeedOpened {
	e.t.Helper()
	return rpctest.Payloads[*eventsv1.SponsorNeedOpened](e.t, rpctest.Outbox(e.t, e.st, keyspace.CouncilTag(gss)))
}

func (e *env) needsOf(gss string) []need.Need {
	e.t.Helper()
	ns, err := e.needs.List(context.Background(), gss)
	if err != nil {
		e.t.Fatal(err)
	}
	return ns
}

func ordered(id, kind string, areas ...string) *eventsv1.InterventionOrdered {
	return &eventsv1.InterventionOrdered{
		Intervention:   "localAuthorities/" + storetest.Sunderland + "/interventions/" + id,
		LocalAuthority: "localAuthorities/" + storetest.Sunderland,
		Kind:           kind,
		Areas:          areas,
		Reason:         "Insufficient progress six months after the inadequate judgement.",
		OrderedBy:      "official-1",
	}
}

// TestSameEventThreeTimes: one intervention's event delivered three times,
// as the same event and as copies with new event IDs (a publisher that
// retried), opens one need and announces it once.
func TestSameEventThreeTimes(t *testing.T) {
	e := newEnv(t)
	payload := ordered("trust1", "CHILDRENS_SERVICES_TRUST", "HELP_AND_PROTECTION", "LEADERSHIP_MANAGEMENT_GOVERNANCE")
	ev := e.event(payload)
	for range 3 {
		e.deliver(ev)
	}
	for range 3 {
		e.deliver(e.event(payload))
	}
	e.settle()
	ns := e.needsOf(storetest.Sunderland)
	if len(ns) != 1 {
		t.Fatalf("%d needs, want 1: %+v", len(ns), ns)
	}
	n := ns[0]
	want := []need.AreaWeight{{Area: "HELP_AND_PROTECTION", Weight: 5}, {Area: "LEADERSHIP_MANAGEMENT_GOVERNANCE", Weight: 5}}
	if n.Intervention != payload.Intervention || n.Urgency != 5 || n.StaffDaysNeeded != 120 || !n.RequiresTrustSponsor ||
		n.State != need.Open || !slices.Equal(n.Areas, want) || !n.CreateTime.Equal(opened) || n.Version != 1 {
		t.Errorf("need = %+v", n)
	}
	announced := e.openedEvents(storetest.Sunderland)
	if len(announced) != 1 || announced[0].GetSponsorNeed() != n.Name() || announced[0].GetIntervention() != payload.Intervention ||
		announced[0].GetLocalAuthority() != "localAuthorities/"+storetest.Sunderland {
		t.Errorf("SponsorNeedOpened = %v, want one for %s", announced, n.Name())
	}
}

// TestEachInterventionOpensItsOwn: two interventions in one council open
// two needs, each with its kind's terms; other event types change nothing.
func TestEachInterventionOpensItsOwn(t *testing.T) {
	e := newEnv(t)
	e.deliver(e.event(ordered("notice1", "IMPROVEMENT_NOTICE", "LSCB")))
	e.deliver(e.event(&eventsv1.ImprovementPlanOpened{ImprovementPlan: "localAuthorities/E08000024/improvementPlans/p1"}))
	e.deliver(e.event(ordered("direction1", "STATUTORY_DIRECTION", "CARE_LEAVERS")))
	e.settle()
	ns := e.needsOf(storetest.Sunderland)
	if len(ns) != 2 {
		t.Fatalf("%d needs, want 2: %+v", len(ns), ns)
	}
	terms := map[string][2]int{}
	for _, n := range ns {
		terms[n.Intervention] = [2]int{n.Urgency, n.StaffDaysNeeded}
	}
	if terms["localAuthorities/E08000024/interventions/notice1"] != [2]int{3, 30} ||
		terms["localAuthorities/E08000024/interventions/direction1"] != [2]int{4, 60} {
		t.Errorf("terms = %v", terms)
	}
}

// TestMalformedEventIsDeadLettered: an event that cannot open a need is
// retried and then moved to the dead-letter stream, opening nothing.
func TestMalformedEventIsDeadLettered(t *testing.T) {
	e := newEnv(t)
	bad := ordered("x", "CHILDRENS_SERVICES_TRUST", "HELP_AND_PROTECTION")
	bad.LocalAuthority = "localAuthorities/E08000035"
	e.deliver(e.event(bad))
	e.deliver(e.event(ordered("y", "ACADEMY_ORDER", "HELP_AND_PROTECTION")))
	e.settle()
	dead, err := e.rdb.XLen(context.Background(), events.DeadLetterStream(e.ks, Topic, Group)).Result()
	if err != nil || dead != 2 {
		t.Errorf("%d dead letters (%v), want 2", dead, err)
	}
	if ns := e.needsOf(need.AllCouncils); len(ns) != 0 {
		t.Errorf("needs opened from malformed events: %+v", ns)
	}
}

func TestDecodeInterventionOrdered(t *testing.T) {
	const ivName = "localAuthorities/E08000024/interventions/iv1"
	ctx := context.Background()
	ev := func(payload proto.Message) events.Event {
		e, err := events.NewEvent(ctx, Topic, "x", payload)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	good := &eventsv1.InterventionOrdered{
		Intervention: ivName, LocalAuthority: "localAuthorities/E08000024", Kind: "CHILDRENS_SERVICES_TRUST",
		Areas: []string{"HELP_AND_PROTECTION"}, Reason: "r", ImprovementPlan: "localAuthorities/E08000024/improvementPlans/p1",
		OrderedBy: "official-1",
	}
	iv, ok, err := DecodeInterventionOrdered(ev(good))
	want := need.Intervention{Name: ivName, GSSCode: storetest.Sunderland, Kind: need.ChildrensServicesTrust, Areas: []string{"HELP_AND_PROTECTION"},
		Plan: "localAuthorities/E08000024/improvementPlans/p1", OrderedBy: "official-1"}
	if err != nil || !ok || !reflect.DeepEqual(iv, want) {
		t.Errorf("decode = %+v, %v, %v", iv, ok, err)
	}
	graded := proto.Clone(good).(*eventsv1.InterventionOrdered)
	graded.Areas = []string{"HELP_AND_PROTECTION", "CARE_LEAVERS"}
	graded.AreaGrades = map[string]string{"HELP_AND_PROTECTION": "INADEQUATE", "CARE_LEAVERS": "REQUIRES_IMPROVEMENT"}
	iv, _, err = DecodeInterventionOrdered(ev(graded))
	if err != nil || iv.Grades["HELP_AND_PROTECTION"] != reference.Inadequate || iv.Grades["CARE_LEAVERS"] != reference.RequiresImprovement {
		t.Errorf("decode with grades = %+v, %v", iv, err)
	}
	n, err := need.FromIntervention(iv, "n1", time.Date(2016, 5, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || !slices.Equal(n.Areas, []need.AreaWeight{{Area: "HELP_AND_PROTECTION", Weight: 8}, {Area: "CARE_LEAVERS", Weight: 5}}) {
		t.Errorf("the need opened from a graded intervention: %+v, %v", n.Areas, err)
	}
	if _, ok, err := DecodeInterventionOrdered(ev(&eventsv1.ImprovementPlanOpened{ImprovementPlan: "p"})); ok || err != nil {
		t.Errorf("another type: %v, %v", ok, err)
	}
	for name, bad := range map[string]*eventsv1.InterventionOrdered{
		"another council":   {Intervention: ivName, LocalAuthority: "localAuthorities/E08000035", Kind: "COMMISSIONER"},
		"a malformed name":  {Intervention: "interventions/iv1", LocalAuthority: "localAuthorities/E08000024"},
		"no council at all": {Intervention: ivName},
	} {
		if _, _, err := DecodeInterventionOrdered(ev(bad)); !errors.Is(err, ErrMalformedEvent) {
			t.Errorf("%s: %v", name, err)
		}
	}
	broken := ev(good)
	broken.Data = []byte{0xff, 0xff}
	if _, _, err := DecodeInterventionOrdered(broken); !errors.Is(err, ErrMalformedEvent) {
		t.Errorf("undecodable payload: %v", err)
	}
}
