package needapi

import (
	"context"
	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"testing"
	"time"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/needstore"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/servertest"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsorapi"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsorstore"
)

type testServer struct {
	servertest.Fallback
	*Needs
}

const (
	sunderland     = "E08000024"
	wight          = "E06000046"
	sunderlandName = "localAuthorities/" + sunderland
	wightName      = "localAuthorities/" + wight
	allParent      = "localAuthorities/-"
)

// The council and sponsor callers of these tests, and one with two roles;
// those of the national roles are rpctest's.
var (
	officer   = rpctest.Officer(sunderland)
	outsider  = rpctest.Officer(wight)
	sponsorer = rpctest.SponsorOfficer("hampshire")
	// adviserOfficer is a council officer who also holds a role that sees
	// every council elsewhere: here it must not widen their reach.
	adviserOfficer = auth.Principal{Subject: "adviser-officer", Roles: []auth.Role{auth.RoleLGAAdviser, auth.RoleCouncilOfficer}, Authority: wight}
)

var start = time.Date(2016, 1, 11, 9, 0, 0, 0, time.UTC)

type env struct {
	t      *testing.T
	client sponsorv1.SponsorServiceClient
	store  *store.Store
	needs  *needstore.Needs
	// now is the service's clock: a minute on from start at each reading,
	// so resources made one after another are ordered in time.
	now func() time.Time
}

// codec is the stored form of a sponsor need, as the service builds it.
var codec = rpctest.Codec(ToStored, FromStored)

// newEnv serves the handlers over real Redis behind the real interceptor
// chain (rpctest.Serve), with the sponsors hampshire and durham stored.
func newEnv(t *testing.T) *env {
	t.Helper()
	st := rpctest.NewStore(t)
	e := &env{t: t, now: rpctest.Ticking(start, time.Minute), store: st, needs: needstore.New(st, codec)}
	spons := sponsorstore.New(st, rpctest.Codec(sponsorapi.ToStored, sponsorapi.FromStored))
	for _, id := range []string{"hampshire", "durham"} {
		_, err := spons.Insert(context.Background(), sponsor.Sponsor{
			ID: id, DisplayName: id, Kind: sponsor.Charity, National: true,
			Expertise:    []sponsor.Expertise{{Area: reference.AreaLSCB, Strength: sponsor.Strong}},
			DayRatePence: 50_000,
		}, change.Request{Subject: "setup"})
		if err != nil {
			t.Fatal(err)
		}
	}
	svc := need.NewService(e.needs, spons, e.now)
	e.client = rpctest.Client(t, Policies, &sponsorv1.SponsorService_ServiceDesc,
		testServer{Needs: New(svc, rpctest.NewPages(t))}, sponsorv1.NewSponsorServiceClient)
	return e
}

// as returns a context whose calls carry a development token for p.
func (e *env) as(p auth.Principal) context.Context { return rpctest.As(e.t, p) }

// needMsg is a valid need message of the given urgency.
func needMsg(urgency int32) *sponsorv1.SponsorNeed {
	return &sponsorv1.SponsorNeed{
		Areas: []*sponsorv1.AreaOfNeed{
			{Area: &sponsorv1.AreaOfNeed_JudgementArea{JudgementArea: typev1.JudgementArea_JUDGEMENT_AREA_HELP_AND_PROTECTION}, Weight: 9},
			{Area: &sponsorv1.AreaOfNeed_Theme{Theme: peerreviewv1.Theme_THEME_WORKFORCE_STABILITY}, Weight: 6},
		},
		Urgency: urgency, StaffDaysNeeded: 120, RequiresTrustSponsor: urgency == 5,
		ExcludedSponsors: []string{"sponsors/durham"},
	}
}

// open opens a need in the council parent as the DfE official, failing
// the test on error.
func (e *env) open(parent string, m *sponsorv1.SponsorNeed) *sponsorv1.SponsorNeed {
	e.t.Helper()
	n, err := e.client.CreateSponsorNeed(e.as(rpctest.Official), &sponsorv1.CreateSponsorNeedRequest{Parent: parent, SponsorNeed: m})
	if err != nil {
		e.t.Fatalf("open a need in %s: %v", parent, err)
	}
	return n
}
