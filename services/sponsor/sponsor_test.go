package sponsor

import (
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
	sponsorevents "github.com/turnaround-sli/turnaround/services/sponsor/internal/events"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/needapi"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/needstore"
)

var now = time.Date(2016, 6, 2, 9, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

type env struct {
	rdb redis.UniversalClient
	ks  keyspace.Keyspace
	st  *store.Store
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st := rpctest.NewStore(t)
	return &env{rdb: st.Client(), ks: st.Keyspace(), st: st}
}

// start builds a service over the environment's Redis, seeds it and runs
// it until the test ends.
func (e *env) start(t *testing.T, demo bool) *Service {
	t.Helper()
	s, err := New(Deps{Base: rpctest.Base(t, e.st, clock)})
	if err != nil {
		t.Fatal(err)
	}
	rpctest.SeedAndRun(t, s, demo)
	return s
}

// order publishes an InterventionOrdered of the council gss on the
// improvement-plan topic, as the relay does.
func (e *env) order(t *testing.T, gss, id, kind string) {
	t.Helper()
	name := "localAuthorities/" + gss + "/interventions/" + id
	ev, err := events.NewEvent(t.Context(), sponsorevents.Topic, name, &eventsv1.InterventionOrdered{
		Intervention: name, LocalAuthority: "localAuthorities/" + gss, Kind: kind,
		Areas: []string{"HELP_AND_PROTECTION", "LEADERSHIP_MANAGEMENT_GOVERNANCE"}, Reason: "Insufficient progress.",
		OrderedBy: "official-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.rdb.XAdd(t.Context(), &redis.XAddArgs{Stream: e.ks.Topic(sponsorevents.Topic), Values: ev.Values()}).Err(); err != nil {
		t.Fatal(err)
	}
}

func (e *env) loaded(t *testing.T) bool {
	n, err := e.rdb.Exists(t.Context(), e.ks.Key("demo", "sponsor", "loaded")).Result()
	if err != nil {
		t.Fatal(err)
	}
	return n == 1
}

func (e *env) allNeeds(t *testing.T) []need.Need {
	t.Helper()
	ns, err := needstore.New(e.st, rpctest.Codec(needapi.ToStored, needapi.FromStored)).List(t.Context(), need.AllCouncils)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

func councils(ns []need.Need) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.GSSCode)
	}
	slices.Sort(out)
	return out
}

func TestDemoLoads(t *testing.T) {
	t.Run("the escalation's need and both hand needs", func(t *testing.T) {
		e := newEnv(t)
		// Doncaster's escalation, as the improvement-plan demo publishes
		// one.
		e.order(t, "E08000017", "demo-trust", "CHILDRENS_SERVICES_TRUST")
		s := e.start(t, true)
		rpctest.Eventually(t, "the demo is loaded", 20*time.Second, func() (bool, string) { return e.loaded(t), "" })
		all, fp, err := s.sponsors.All(t.Context())
		if err != nil || len(all) != 8 || fp == "" {
			t.Fatalf("%d sponsors, %v", len(all), err)
		}
		ns := e.allNeeds(t)
		// Birmingham's need is opened after the demo's run, and waits.
		if got := councils(ns); !slices.Equal(got, []string{"E06000046", "E08000017", "E08000024", "E08000025"}) {
			t.Fatalf("needs in %v", got)
		}
		for _, n := range ns {
			switch n.GSSCode {
			case "E08000017":
				if n.Intervention != "localAuthorities/E08000017/interventions/demo-trust" || !n.RequiresTrustSponsor || n.Urgency != 5 {
					t.Errorf("the escalation's need: %+v", n)
				}
			case "E08000024":
				if n.ID != "sunderland-trust" || !n.RequiresTrustSponsor || !slices.Equal(n.ExcludedSponsors, []string{"durham"}) {
					t.Errorf("Sunderland's need: %+v", n)
				}
			case "E08000025":
				if n.ID != "birmingham-improvement" || n.State != need.Open {
					t.Errorf("Birmingham's need, opened after the demo's run, is not open: %+v", n)
				}
			default:
				if n.State != need.Matched {
					t.Errorf("%s, in the demo's approved run, is %s", n.Name(), n.State)
				}
			}
		}
		// The documented OPTIMAL dry run over the demo has a need to
		// match, and shows a real result.
		dry, err := s.server.MatchRuns.RunMatching(auth.NewContext(t.Context(), rpctest.Official),
			&sponsorv1.RunMatchingRequest{Algorithm: sponsorv1.Algorithm_ALGORITHM_OPTIMAL, DryRun: true})
		if err != nil || len(dry.GetCandidates()) != 1 || dry.GetCandidates()[0].GetNeed() != "localAuthorities/E08000025/sponsorNeeds/birmingham-improvement" ||
			len(dry.GetAssignments())+len(dry.GetUnmatched()) != 1 {
			t.Errorf("the demo's dry run: %v, %v", dry, err)
		}
		// One match run, approved by a second official, engaged sponsors
		// for the needs and each engagement has a deployment.
		engs, err := s.engagements.List(t.Context(), engagement.AllSponsors)
		if err != nil || len(engs) == 0 {
			t.Fatalf("demo engagements = %d, %v", len(engs), err)
		}
		for _, en := range engs {
			if en.Deployed == 0 || en.MatchRun == "" {
				t.Errorf("demo engagement %+v has no deployment or run", en)
			}
		}
		// The demo is loaded once: a restarted replica stores nothing
		// again, even a demo sponsor that has gone since, and leaves DfE's
		// changes alone. Seed is synchronous, so this is known once
		// start returns.
		hampshire, err := s.sponsors.Get(t.Context(), "hampshire")
		if err != nil {
			t.Fatal(err)
		}
		hampshire.Paused = true
		if _, err := s.sponsors.Save(t.Context(), hampshire, change.Request{Subject: "official-1"}); err != nil {
			t.Fatal(err)
		}
		if err := e.rdb.Del(t.Context(), s.sponsors.Key("nspcc")).Err(); err != nil {
			t.Fatal(err)
		}
		e.start(t, true)
		if _, err := s.sponsors.Get(t.Context(), "nspcc"); err == nil {
			t.Error("a restart stored a demo sponsor again")
		}
		if got, _ := s.sponsors.Get(t.Context(), "hampshire"); !got.Paused || got.Version != 2 {
			t.Errorf("a restart overwrote DfE's change: %+v", got)
		}
	})
	t.Run("a hand need is skipped when the escalation opened one", func(t *testing.T) {
		e := newEnv(t)
		e.order(t, "E08000024", "demo-trust", "CHILDRENS_SERVICES_TRUST")
		e.start(t, true)
		rpctest.Eventually(t, "the demo is loaded", 20*time.Second, func() (bool, string) { return e.loaded(t), "" })
		ns := e.allNeeds(t)
		if got := councils(ns); !slices.Equal(got, []string{"E06000046", "E08000024", "E08000025"}) {
			t.Fatalf("needs in %v", got)
		}
		for _, n := range ns {
			if n.GSSCode == "E08000024" && n.Intervention == "" {
				t.Errorf("Sunderland's hand need was opened beside its intervention's: %+v", n)
			}
		}
	})
}

// TestWithoutDemo: no demo data, and the consumer still opens needs.
func TestWithoutDemo(t *testing.T) {
	e := newEnv(t)
	s := e.start(t, false)
	e.order(t, "E08000017", "iv1", "STATUTORY_DIRECTION")
	rpctest.Eventually(t, "the need opens", 20*time.Second, func() (bool, string) { return len(e.allNeeds(t)) == 1, "" })
	if all, _, err := s.sponsors.All(t.Context()); err != nil || len(all) != 0 {
		t.Errorf("sponsors without the demo: %d, %v", len(all), err)
	}
	if e.loaded(t) {
		t.Error("the demo marker is set without the demo")
	}
}

// TestServesWithUsage: the service on a gRPC server behind its own
// policies shows a sponsor's capacity in use from its engagements.
func TestServesWithUsage(t *testing.T) {
	if _, err := New(Deps{}); err == nil {
		t.Error("New without a store")
	}
	e := newEnv(t)
	s := e.start(t, true)
	if len(s.Policies()) != len(sponsorv1.SponsorService_ServiceDesc.Methods) {
		t.Errorf("%d policies for %d methods", len(s.Policies()), len(sponsorv1.SponsorService_ServiceDesc.Methods))
	}
	eng, err := engagement.New(engagement.Start{
		Sponsor: "hampshire", Council: "E06000046", Need: "localAuthorities/E06000046/sponsorNeeds/isle-of-wight-partnership",
		MatchRun: "matchRuns/run1", StartDate: now, PlannedStaffDays: 90,
	}, engagement.NewID(), "", now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.engagements.Create(t.Context(), eng, store.AuditEntry{Audit: change.Audit{Actor: "official-2", Method: "approve"}}); err != nil {
		t.Fatal(err)
	}

	client := sponsorv1.NewSponsorServiceClient(rpctest.Serve(t, s.Policies(), func(srv *grpc.Server) { s.Register(srv) }))
	ctx := rpctest.As(t, rpctest.Official)
	got, err := client.GetSponsor(ctx, &sponsorv1.GetSponsorRequest{Name: "sponsors/hampshire"})
	if err != nil || got.GetActiveEngagements() != 1 || got.GetCommittedStaffDays() != 90 {
		t.Errorf("hampshire = %v, %v; want 1 engagement and 90 staff-days in use", got, err)
	}
	resp, err := client.ListSponsors(ctx, &sponsorv1.ListSponsorsRequest{Filter: "kind = CHARITY"})
	if err != nil || resp.GetTotalSize() != 2 {
		t.Errorf("charities = %v, %v", resp, err)
	}
	for _, sp := range resp.GetSponsors() {
		if sp.GetActiveEngagements() != 0 {
			t.Errorf("%s shows engagements it does not have", sp.GetName())
		}
	}
	// Compensation statements read the day rate from the sponsor store.
	st, err := client.GetCompensationStatement(ctx, &sponsorv1.GetCompensationStatementRequest{
		Sponsor: "sponsors/hampshire",
		Period:  &typev1.DateRange{Start: &typev1.Date{Year: 2016, Month: 4, Day: 1}, End: &typev1.Date{Year: 2016, Month: 6, Day: 30}},
	})
	if err != nil || st.GetDayRatePence() != 60_000 {
		t.Errorf("statement = %v, %v; want Hampshire's day rate", st, err)
	}
}
