package rpctest_test

import (
	"context"
	"testing"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

func TestOutboxDecodesEventsPayloadsAndAudits(t *testing.T) {
	ctx := context.Background()
	st := rpctest.NewStore(t)
	tag := keyspace.CouncilTag("E08000035")
	published, err := events.NewEvent(ctx, "inspection", "localAuthorities/E08000035/inspections/a", &eventsv1.JudgementPublished{Inspection: "localAuthorities/E08000035/inspections/a"})
	if err != nil {
		t.Fatal(err)
	}
	recommended, err := events.NewEvent(ctx, "inspection", "localAuthorities/E08000035/emergencyInspectionRecommendations/b", &eventsv1.EmergencyInspectionRecommended{Rule: "three-serious-incidents"})
	if err != nil {
		t.Fatal(err)
	}
	m := store.Mutation{
		Tag:    tag,
		Writes: []store.Write{{Key: st.Keyspace().Key(tag, "thing"), Data: []byte("x")}},
		Events: []events.Event{published, recommended},
		Audit:  []store.AuditEntry{{Audit: change.Audit{Actor: "inspector-1", Method: "M", Resource: "localAuthorities/E08000035/inspections/a"}}},
	}
	if _, err := st.Commit(ctx, m); err != nil {
		t.Fatal(err)
	}
	all := rpctest.Outbox(t, st, tag)
	if len(all) != 3 {
		t.Fatalf("outbox holds %d entries, want two events and an audit entry", len(all))
	}
	if got := rpctest.Outbox(t, st, tag, events.TypeName(&eventsv1.JudgementPublished{})); len(got) != 1 || got[0].ID != published.ID {
		t.Errorf("outbox of JudgementPublished: %+v", got)
	}
	if got := rpctest.Payloads[*eventsv1.EmergencyInspectionRecommended](t, all); len(got) != 1 || got[0].GetRule() != "three-serious-incidents" {
		t.Errorf("EmergencyInspectionRecommended payloads: %v", got)
	}
	if got := rpctest.Audits(t, all); len(got) != 1 || got[0].Actor != "inspector-1" {
		t.Errorf("audit entries: %+v", got)
	}
}
