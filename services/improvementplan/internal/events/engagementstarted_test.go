package events_test

import (
	"slices"
	"testing"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	ipevents "github.com/turnaround-sli/turnaround/services/improvementplan/internal/events"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/support"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/supportstore"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
)

// TestEngagementsFeedTheSupportReadModel: EngagementStarted events (twice,
// as at-least-once delivery may) make their sponsor a supporter of their
// council and of no other; other events of the topic change nothing, and
// an engagement naming no council is refused.
func TestEngagementsFeedTheSupportReadModel(t *testing.T) {
	sup := support.NewService(supportstore.New(rpctest.NewStore(t)))
	h := ipevents.NewEngagements(sup)
	started := func(sponsor, engagement, council string) events.Event {
		e, err := events.NewEvent(t.Context(), ipevents.SponsorTopic, engagement, &eventsv1.EngagementStarted{
			Engagement: engagement, Sponsor: "sponsors/" + sponsor, LocalAuthority: council, SponsorNeed: "need"})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	for _, e := range []events.Event{
		started("york", "sponsors/york/engagements/e1", "localAuthorities/"+gss),
		started("york", "sponsors/york/engagements/e1", "localAuthorities/"+gss),
		started("trafford", "sponsors/trafford/engagements/e2", "localAuthorities/"+gss),
		started("hampshire", "sponsors/hampshire/engagements/e3", "localAuthorities/E08000035"),
	} {
		if err := h.Consume(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	other, err := events.NewEvent(t.Context(), ipevents.SponsorTopic, "x", &eventsv1.MatchRunApproved{MatchRun: "matchRuns/1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Consume(t.Context(), other); err != nil {
		t.Fatalf("another event of the topic: %v", err)
	}
	got, err := sup.SupportedBy(t.Context(), gss)
	if err != nil || !slices.Equal(got, []string{"trafford", "york"}) {
		t.Fatalf("supporters of %s = %v, %v; want [trafford york]", gss, got, err)
	}
	if err := h.Consume(t.Context(), started("york", "sponsors/york/engagements/e4", "E08000017")); err == nil {
		t.Fatal("an engagement whose council is not a resource name was accepted")
	}
	if err := sup.Ended(t.Context(), support.Engagement{Name: "sponsors/york/engagements/e1", Sponsor: "york", GSSCode: gss}); err != nil {
		t.Fatal(err)
	}
	if got, err := sup.SupportedBy(t.Context(), gss); err != nil || !slices.Equal(got, []string{"trafford"}) {
		t.Fatalf("supporters after york's engagement ended = %v, %v; want [trafford]", got, err)
	}
}
