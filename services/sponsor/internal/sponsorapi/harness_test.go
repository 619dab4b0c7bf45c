package sponsorapi

import (
	"context"
	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"slices"
	"testing"
	"time"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/servertest"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsorstore"
)

type testServer struct {
	servertest.Fallback
	*Sponsors
}

// The callers of these tests beside rpctest's: a second official, sponsor
// officers and council officers.
var (
	official2 = rpctest.Official2
	leedsRep  = auth.Principal{Subject: "leeds-1", Roles: []auth.Role{auth.RoleSponsorOfficer}, Sponsor: "leeds"}
	nspccRep  = auth.Principal{Subject: "nspcc-1", Roles: []auth.Role{auth.RoleSponsorOfficer}, Sponsor: "nspcc"}
	officer   = rpctest.Officer("E08000035")
	// twoHats holds a sponsor role and a council role: neither may widen
	// the other's reach here.
	twoHats = auth.Principal{Subject: "two-hats", Roles: []auth.Role{auth.RoleSponsorOfficer, auth.RoleCouncilOfficer},
		Sponsor: "leeds", Authority: "E08000035"}
	// adviserSponsor holds a sponsor role and a role that sees every
	// council elsewhere.
	adviserSponsor = auth.Principal{Subject: "adviser-sponsor", Roles: []auth.Role{auth.RoleLGAAdviser, auth.RoleSponsorOfficer}, Sponsor: "leeds"}
)

var start = time.Date(2016, 1, 4, 9, 0, 0, 0, time.UTC)

// usage is a fixed UsageSource that records what it was asked for.
type usage struct {
	of    map[string]sponsor.Usage
	asked [][]string
}

func (u *usage) Usage(_ context.Context, ids ...string) (map[string]sponsor.Usage, error) {
	u.asked = append(u.asked, slices.Clone(ids))
	out := map[string]sponsor.Usage{}
	for _, id := range ids {
		if x, ok := u.of[id]; ok {
			out[id] = x
		}
	}
	return out, nil
}

type env struct {
	t      *testing.T
	client sponsorv1.SponsorServiceClient
	store  *store.Store
	spons  *sponsorstore.Sponsors
	usage  *usage
}

// codec is the stored form of a sponsor, as the service builds it.
var codec = rpctest.Codec(ToStored, FromStored)

// newEnv serves the handlers over real Redis behind the real interceptor
// chain (rpctest.Serve).
func newEnv(t *testing.T) *env {
	t.Helper()
	st := rpctest.NewStore(t)
	e := &env{t: t, store: st, spons: sponsorstore.New(st, codec), usage: &usage{of: map[string]sponsor.Usage{
		"leeds": {ActiveEngagements: 1, CommittedStaffDays: 60},
	}}}
	svc := sponsor.NewService(e.spons, func() time.Time { return start })
	e.client = rpctest.Client(t, Policies, &sponsorv1.SponsorService_ServiceDesc,
		testServer{Sponsors: New(svc, rpctest.NewPages(t), e.usage)}, sponsorv1.NewSponsorServiceClient)
	return e
}

// as returns a context whose calls carry a development token for p.
func (e *env) as(p auth.Principal) context.Context { return rpctest.As(e.t, p) }

// leedsSponsor is a valid council sponsor message.
func leedsSponsor() *sponsorv1.Sponsor {
	return &sponsorv1.Sponsor{
		DisplayName:    "Leeds City Council",
		Kind:           sponsorv1.SponsorKind_SPONSOR_KIND_COUNCIL,
		MemberCouncils: []string{"localAuthorities/E08000035"},
		Expertise: []*sponsorv1.Expertise{
			{Area: &sponsorv1.Expertise_Theme{Theme: peerreviewv1.Theme_THEME_VOICE_OF_THE_CHILD}, Strength: sponsorv1.Strength_STRENGTH_LEADING},
			{Area: &sponsorv1.Expertise_JudgementArea{JudgementArea: typev1.JudgementArea_JUDGEMENT_AREA_LEADERSHIP_MANAGEMENT_GOVERNANCE}, Strength: sponsorv1.Strength_STRENGTH_STRONG},
		},
		MaxEngagements: 2, StaffDaysPerQuarter: 180, DayRatePence: 50_000, CanLeadTrust: true,
		Conflicts:           []string{"localAuthorities/E08000032"},
		OutOfAreaPlacements: []*sponsorv1.Placements{{LocalAuthority: "localAuthorities/E08000036", Children: 4}},
	}
}

// nspccSponsor is a valid regional charity message.
func nspccSponsor() *sponsorv1.Sponsor {
	return &sponsorv1.Sponsor{
		DisplayName: "NSPCC", Kind: sponsorv1.SponsorKind_SPONSOR_KIND_CHARITY,
		RegionsServed:  []typev1.Region{typev1.Region_REGION_LONDON, typev1.Region_REGION_NORTH_EAST},
		Expertise:      []*sponsorv1.Expertise{{Area: &sponsorv1.Expertise_Theme{Theme: peerreviewv1.Theme_THEME_CHILD_PROTECTION_PRACTICE}, Strength: sponsorv1.Strength_STRENGTH_LEADING}},
		MaxEngagements: 2, StaffDaysPerQuarter: 120, DayRatePence: 52_000,
	}
}

// create adds a sponsor as the DfE official, failing the test on error.
func (e *env) create(id string, m *sponsorv1.Sponsor) *sponsorv1.Sponsor {
	e.t.Helper()
	sp, err := e.client.CreateSponsor(e.as(rpctest.Official), &sponsorv1.CreateSponsorRequest{Sponsor: m, SponsorId: id})
	if err != nil {
		e.t.Fatalf("create %s: %v", id, err)
	}
	return sp
}
