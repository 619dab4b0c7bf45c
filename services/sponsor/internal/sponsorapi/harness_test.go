package sponsorapi

import (
	"context"
	"io"
	"log/slog"
	"net"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/platform/apierror"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/serve"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsorstore"
)

// fallback answers UNIMPLEMENTED for the methods this package leaves to
// others, one level deeper than Sponsors's own, as the service's composite
// server does.
type fallback struct {
	sponsorv1.UnimplementedSponsorServiceServer
}

type testServer struct {
	fallback
	*Sponsors
}

// The callers of these tests, one per role, and some with two.
var (
	official  = auth.Principal{Subject: "official-1", Roles: []auth.Role{auth.RoleDfEOfficial}}
	official2 = auth.Principal{Subject: "official-2", Roles: []auth.Role{auth.RoleDfEOfficial}}
	leedsRep  = auth.Principal{Subject: "leeds-1", Roles: []auth.Role{auth.RoleSponsorOfficer}, Sponsor: "leeds"}
	nspccRep  = auth.Principal{Subject: "nspcc-1", Roles: []auth.Role{auth.RoleSponsorOfficer}, Sponsor: "nspcc"}
	inspector = auth.Principal{Subject: "inspector-1", Roles: []auth.Role{auth.RoleOfstedInspector}}
	adviser   = auth.Principal{Subject: "adviser-1", Roles: []auth.Role{auth.RoleLGAAdviser}}
	officer   = auth.Principal{Subject: "officer-1", Roles: []auth.Role{auth.RoleCouncilOfficer}, Authority: "E08000035"}
	partner   = auth.Principal{Subject: "partner-1", Roles: []auth.Role{auth.RolePartnerSystem}}
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
	key    []byte
	client sponsorv1.SponsorServiceClient
	store  *store.Store
	spons  *sponsorstore.Sponsors
	usage  *usage
}

// newEnv serves the handlers over real Redis behind the real interceptor
// chain (error mapping, authentication, policies) on an in-memory
// listener.
func newEnv(t *testing.T) *env {
	t.Helper()
	c, ks := redistest.New(t)
	st := store.New(c, ks)
	e := &env{t: t, store: st, spons: sponsorstore.New(st), usage: &usage{of: map[string]sponsor.Usage{
		"leeds": {ActiveEngagements: 1, CommittedStaffDays: 60},
	}}}
	pages, err := paging.NewRandomCodec(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	e.key = []byte("0123456789abcdef0123456789abcdef")
	v, err := auth.NewVerifier(auth.Config{DevKey: e.key})
	if err != nil {
		t.Fatal(err)
	}
	srv := serve.NewGRPCServer(serve.Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Unary:  []grpc.UnaryServerInterceptor{auth.UnaryServerInterceptor(v, Policies)},
	})
	svc := sponsor.NewService(e.spons, func() time.Time { return start })
	sponsorv1.RegisterSponsorServiceServer(srv, testServer{Sponsors: New(svc, pages, e.usage)})
	lis := bufconn.Listen(1 << 20)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("passthrough:///sponsor",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	e.client = sponsorv1.NewSponsorServiceClient(conn)
	return e
}

// as returns a context whose calls carry a development token for p.
func (e *env) as(p auth.Principal) context.Context {
	e.t.Helper()
	tok, err := auth.MintDevToken(e.key, p, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+tok)
}

// leedsSponsor is a valid council sponsor message.
func leedsSponsor() *sponsorv1.Sponsor {
	return &sponsorv1.Sponsor{
		DisplayName:    "Leeds City Council",
		Kind:           sponsorv1.SponsorKind_SPONSOR_KIND_COUNCIL,
		MemberCouncils: []string{"localAuthorities/E08000035"},
		Expertise: []*sponsorv1.Expertise{
			{Area: "VOICE_OF_THE_CHILD", Strength: sponsorv1.Strength_STRENGTH_LEADING},
			{Area: "LEADERSHIP_MANAGEMENT_GOVERNANCE", Strength: sponsorv1.Strength_STRENGTH_STRONG},
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
		Expertise:      []*sponsorv1.Expertise{{Area: "CHILD_PROTECTION_PRACTICE", Strength: sponsorv1.Strength_STRENGTH_LEADING}},
		MaxEngagements: 2, StaffDaysPerQuarter: 120, DayRatePence: 52_000,
	}
}

// create adds a sponsor as the DfE official, failing the test on error.
func (e *env) create(id string, m *sponsorv1.Sponsor) *sponsorv1.Sponsor {
	e.t.Helper()
	sp, err := e.client.CreateSponsor(e.as(official), &sponsorv1.CreateSponsorRequest{Sponsor: m, SponsorId: id})
	if err != nil {
		e.t.Fatalf("create %s: %v", id, err)
	}
	return sp
}

// expectError checks err's code, ErrorInfo reason (when given) and field
// violations (exactly these fields, in order).
func expectError(t *testing.T, what string, err error, code codes.Code, reason string, fields ...string) {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != code {
		t.Errorf("%s: code %v (%v), want %v", what, st.Code(), err, code)
		return
	}
	if info := apierror.Info(st); info == nil || (reason != "" && info.GetReason() != reason) {
		t.Errorf("%s: ErrorInfo %v, want reason %q", what, info, reason)
	}
	var got []string
	for _, v := range apierror.FieldViolations(st) {
		got = append(got, v.GetField())
	}
	if !slices.Equal(got, fields) {
		t.Errorf("%s: field violations %v (%v), want %v", what, got, err, fields)
	}
}
