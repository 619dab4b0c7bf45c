package events

import (
	"context"
	"testing"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagementstore"
)

// endedEvents returns the EngagementEnded events in the sponsor's outbox.
func (e *env) endedEvents(sponsor string) []*eventsv1.EngagementEnded {
	e.t.Helper()
	return rpctest.Payloads[*eventsv1.EngagementEnded](e.t, rpctest.Outbox(e.t, e.st, engagementstore.Tag(sponsor)))
}

// TestLiftedInterventionEndsItsEngagement: DfE lifting an intervention ends
// the engagement meeting the need it opened, once however often the event
// comes, and announces it; the sponsor's capacity is freed. Lifting an
// intervention whose need is still open ends nothing.
func TestLiftedInterventionEndsItsEngagement(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	trust := ordered("trust1", "CHILDRENS_SERVICES_TRUST", "HELP_AND_PROTECTION")
	notice := ordered("notice1", "IMPROVEMENT_NOTICE", "LSCB")
	e.deliver(e.event(trust))
	e.deliver(e.event(notice))
	e.settle()
	needs := map[string]string{}
	for _, n := range e.needsOf(storetest.Sunderland) {
		needs[n.Intervention] = n.Name()
	}
	// An approved run matches the trust's need to Leeds.
	eng, err := engagement.New(engagement.Start{Sponsor: "leeds", Council: storetest.Sunderland, Need: needs[trust.Intervention],
		MatchRun: "matchRuns/run1", StartDate: opened, PlannedStaffDays: 20}, "eng1", "", opened)
	if err != nil {
		t.Fatal(err)
	}
	if eng, err = e.engs.Create(ctx, eng, store.AuditEntry{Audit: change.Audit{Actor: "official-2", Method: "approve"}}); err != nil {
		t.Fatal(err)
	}
	n, _, err := e.needs.OpenedBy(ctx, storetest.Sunderland, trust.Intervention)
	if err != nil {
		t.Fatal(err)
	}
	matched, err := n.Match(eng.Name())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.needs.Save(ctx, matched, change.Request{Subject: "official-2", Method: "approve"}); err != nil {
		t.Fatal(err)
	}

	lifted := &eventsv1.InterventionLifted{Intervention: trust.Intervention, LocalAuthority: trust.LocalAuthority,
		Kind: "CHILDRENS_SERVICES_TRUST", Reason: "Ofsted found the service good.", LiftedBy: "official-1"}
	ev := e.event(lifted)
	e.deliver(ev)
	e.deliver(ev)
	e.deliver(e.event(&eventsv1.InterventionLifted{Intervention: notice.Intervention, LocalAuthority: notice.LocalAuthority, Kind: "IMPROVEMENT_NOTICE"}))
	e.settle()
	got, err := e.engs.Get(ctx, "leeds", "eng1")
	if err != nil || got.State != engagement.Ended || got.Version != 2 {
		t.Fatalf("engagement after the lift: %+v, %v", got, err)
	}
	ended := e.endedEvents("leeds")
	if len(ended) != 1 || ended[0].GetEngagement() != eng.Name() || ended[0].GetSponsor() != "sponsors/leeds" ||
		ended[0].GetLocalAuthority() != "localAuthorities/"+storetest.Sunderland || ended[0].GetSponsorNeed() != needs[trust.Intervention] ||
		ended[0].GetIntervention() != trust.Intervention ||
		ended[0].GetReason() != "DfE lifted the childrens services trust it supported: Ofsted found the service good." {
		t.Fatalf("EngagementEnded = %v, want one for %s", ended, eng.Name())
	}
	usage, err := e.engs.Usage(ctx, "leeds")
	if err != nil || usage["leeds"].Active != 0 {
		t.Errorf("leeds's capacity in use after the end: %+v, %v", usage["leeds"], err)
	}
}
