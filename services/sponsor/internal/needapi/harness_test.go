package needapi

import (
	"context"
	"io"
	"log/slog"
	"net"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/apierror"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/serve"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/needstore"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsorstore"
)

// fallback answers UNIMPLEMENTED for the methods this package leaves to
// others, one level deeper than Needs's own, as the service's composite
// server does.
type fallback struct {
	sponsorv1.UnimplementedSponsorServiceServer
}

type testServer struct {
	fallback
	*Needs
}

const (
	sunderland     = "E08000024"
	wight          = "E06000046"
	sunderlandName = "localAuthorities/" + sunderland
	wightName      = "localAuthorities/" + wight
	allParent      = "localAuthorities/-"
)

// The callers of these tests, one per role, and some with two.
var (
	official  = auth.Principal{Subject: "official-1", Roles: []auth.Role{auth.RoleDfEOfficial}}
	officer   = auth.Principal{Subject: "officer-1", Roles: []auth.Role{auth.RoleCouncilOfficer}, Authority: sunderland}
	outsider  = auth.Principal{Subject: "officer-2", Roles: []auth.Role{auth.RoleCouncilOfficer}, Authority: wight}
	inspector = auth.Principal{Subject: "inspector-1", Roles: []auth.Role{auth.RoleOfstedInspector}}
	adviser   = auth.Principal{Subject: "adviser-1", Roles: []auth.Role{auth.RoleLGAAdviser}}
	sponsorer = auth.Principal{Subject: "sponsor-1", Roles: []auth.Role{auth.RoleSponsorOfficer}, Sponsor: "hampshire"}
	partner   = auth.Principal{Subject: "partner-1", Roles: []auth.Role{auth.RolePartnerSystem}}
	// adviserOfficer is a council officer who also holds a role that sees
	// every council elsewhere: here it must not widen their reach.
	adviserOfficer = auth.Principal{Subject: "adviser-officer", Roles: []auth.Role{auth.RoleLGAAdviser, auth.RoleCouncilOfficer}, Authority: wight}
)

var start = time.Date(2016, 1, 11, 9, 0, 0, 0, time.UTC)

type env struct {
	t      *testing.T
	key    []byte
	client sponsorv1.SponsorServiceClient
	store  *store.Store
	needs  *needstore.Needs
	// ticks is how many minutes past start the clock reads; each reading
	// moves it on by one, so needs opened one after another are ordered.
	ticks atomic.Int64
}

func (e *env) now() time.Time { return start.Add(time.Duration(e.ticks.Add(1)) * time.Minute) }

// newEnv serves the handlers over real Redis behind the real interceptor
// chain (error mapping, authentication, policies) on an in-memory
// listener, with the sponsors hampshire and durham stored.
func newEnv(t *testing.T) *env {
	t.Helper()
	c, ks := redistest.New(t)
	st := store.New(c, ks)
	e := &env{t: t, store: st, needs: needstore.New(st)}
	spons := sponsorstore.New(st)
	for _, id := range []string{"hampshire", "durham"} {
		_, err := spons.Insert(context.Background(), sponsor.Sponsor{
			ID: id, DisplayName: id, Kind: sponsor.Charity, National: true,
			Expertise:    []sponsor.Expertise{{Area: sponsor.AreaLSCB, Strength: sponsor.Strong}},
			DayRatePence: 50_000,
		}, change.Request{Subject: "setup"})
		if err != nil {
			t.Fatal(err)
		}
	}
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
	svc := need.NewService(e.needs, spons, e.now)
	sponsorv1.RegisterSponsorServiceServer(srv, testServer{Needs: New(svc, pages)})
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

// needMsg is a valid need message of the given urgency.
func needMsg(urgency int32) *sponsorv1.SponsorNeed {
	return &sponsorv1.SponsorNeed{
		Areas: []*sponsorv1.AreaOfNeed{
			{Area: "HELP_AND_PROTECTION", Weight: 9},
			{Area: "WORKFORCE_STABILITY", Weight: 6},
		},
		Urgency: urgency, StaffDaysNeeded: 120, RequiresTrustSponsor: urgency == 5,
		ExcludedSponsors: []string{"sponsors/durham"},
	}
}

// open opens a need in the council parent as the DfE official, failing
// the test on error.
func (e *env) open(parent string, m *sponsorv1.SponsorNeed) *sponsorv1.SponsorNeed {
	e.t.Helper()
	n, err := e.client.CreateSponsorNeed(e.as(official), &sponsorv1.CreateSponsorNeedRequest{Parent: parent, SponsorNeed: m})
	if err != nil {
		e.t.Fatalf("open a need in %s: %v", parent, err)
	}
	return n
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
