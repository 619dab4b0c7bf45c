package reviewerapi

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/rpctest"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewerstore"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/servertest"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// testServer composes the handlers the way the service does.
type testServer struct {
	servertest.Fallback
	*Reviewers
}

const (
	leeds     = "E08000035"
	hampshire = "E10000014"
	camden    = "E09000007"
	leedsName = "localAuthorities/" + leeds
	hantsName = "localAuthorities/" + hampshire
)

// The council and sponsor callers of these tests; those of the national
// roles are rpctest's.
var (
	officer = rpctest.Officer(leeds)
	sponsor = rpctest.SponsorOfficer("hampshire")
)

func clock() time.Time { return time.Date(2015, 12, 14, 9, 0, 0, 0, time.UTC) }

// reviewStore is a test double of the peer review store: the commitments
// and open assignments it reports are set by the test.
type reviewStore struct {
	mu        sync.Mutex
	committed map[string]int
}

func (r *reviewStore) CommittedDays(context.Context) (map[string]int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for k, v := range r.committed {
		out[k] = v
	}
	return out, nil
}

func (r *reviewStore) Assigned(_ context.Context, id string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.committed[id] > 0, nil
}

func (r *reviewStore) commit(id string, days int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.committed[id] = days
}

type env struct {
	t       *testing.T
	client  peerreviewv1.PeerReviewServiceClient
	store   *store.Store
	reviews *reviewStore
}

// newEnv serves the handlers over real Redis behind the real interceptor
// chain (error mapping, authentication, policies) on an in-memory listener.
func newEnv(t *testing.T) *env {
	t.Helper()
	st := rpctest.NewStore(t)
	pages := rpctest.NewPages(t)
	if err := Policies.Validate(); err != nil {
		t.Fatal(err)
	}
	reviews := &reviewStore{committed: map[string]int{}}
	svc := reviewer.NewService(reviewerstore.New(st, rpctest.Codec(ToStored, FromStored)), reviews, clock)
	client := rpctest.Client(t, Policies, &peerreviewv1.PeerReviewService_ServiceDesc,
		testServer{Reviewers: NewReviewers(svc, pages, reviews)}, peerreviewv1.NewPeerReviewServiceClient)
	return &env{t: t, client: client, store: st, reviews: reviews}
}

// as returns a context whose calls carry a development token for p.
func (e *env) as(p auth.Principal) context.Context {
	e.t.Helper()
	return rpctest.As(e.t, p)
}

func amara() *peerreviewv1.Reviewer {
	return &peerreviewv1.Reviewer{
		DisplayName:             "Amara Okafor",
		HomeCouncil:             leedsName,
		Role:                    peerreviewv1.ReviewerRole_REVIEWER_ROLE_PRINCIPAL_SOCIAL_WORKER,
		Expertise:               []peerreviewv1.Theme{peerreviewv1.Theme_THEME_CASELOADS, peerreviewv1.Theme_THEME_VOICE_OF_THE_CHILD},
		AvailableDaysPerQuarter: 12,
		Conflicts:               []string{hantsName},
	}
}

// create adds rv as the adviser and fails the test on error.
func (e *env) create(rv *peerreviewv1.Reviewer) *peerreviewv1.Reviewer {
	e.t.Helper()
	got, err := e.client.CreateReviewer(e.as(rpctest.Adviser), &peerreviewv1.CreateReviewerRequest{Reviewer: rv})
	if err != nil {
		e.t.Fatalf("create %s: %v", rv.GetDisplayName(), err)
	}
	return got
}

func TestReviewerCRUD(t *testing.T) {
	e := newEnv(t)
	ctx := e.as(rpctest.Adviser)

	in := amara()
	in.Name = "reviewers/chosen" // output only: ignored
	in.CommittedDays = 9         // output only: ignored
	createReq := &peerreviewv1.CreateReviewerRequest{Reviewer: in, RequestId: "6a1f-create"}
	rv := rpctest.Replayed(t, "create", ctx, e.client.CreateReviewer, createReq)
	if _, err := resource.ParseID("name", reviewer.Collection, rv.GetName()); err != nil || rv.GetName() == "reviewers/chosen" {
		t.Errorf("name %q, want a fresh reviewers/{id}", rv.GetName())
	}
	if rv.GetEtag() != `"1"` || rv.GetCommittedDays() != 0 || rv.GetDisplayName() != "Amara Okafor" ||
		rv.GetHomeCouncil() != leedsName || !slices.Equal(rv.GetConflicts(), []string{hantsName}) ||
		len(rv.GetExpertise()) != 2 || !rv.GetUpdateTime().AsTime().Equal(clock()) {
		t.Errorf("created %v", rv)
	}

	e.reviews.commit(rv.GetName()[len("reviewers/"):], 5)
	got, err := e.client.GetReviewer(ctx, &peerreviewv1.GetReviewerRequest{Name: rv.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetCommittedDays() != 5 || got.GetEtag() != `"1"` {
		t.Errorf("got %v, want committed_days 5 from the review store", got)
	}

	up, err := e.client.UpdateReviewer(ctx, &peerreviewv1.UpdateReviewerRequest{
		Reviewer: &peerreviewv1.Reviewer{
			Name: rv.GetName(), Etag: rv.GetEtag(), AvailableDaysPerQuarter: 20,
			Expertise:   []peerreviewv1.Theme{peerreviewv1.Theme_THEME_LEADERSHIP},
			DisplayName: "ignored: not in the mask",
		},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"available_days_per_quarter", "expertise"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if up.GetEtag() != `"2"` || up.GetAvailableDaysPerQuarter() != 20 || up.GetDisplayName() != "Amara Okafor" ||
		!slices.Equal(up.GetExpertise(), []peerreviewv1.Theme{peerreviewv1.Theme_THEME_LEADERSHIP}) || up.GetCommittedDays() != 5 {
		t.Errorf("updated %v", up)
	}

	// The mask the REST gateway derives from a PATCH body names the
	// resource's name, etag and output-only fields: they are ignored.
	up, err = e.client.UpdateReviewer(ctx, &peerreviewv1.UpdateReviewerRequest{
		Reviewer: &peerreviewv1.Reviewer{
			Name: rv.GetName(), Etag: up.GetEtag(), HomeCouncil: "localAuthorities/" + camden, CommittedDays: 40,
		},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"name", "etag", "home_council", "committed_days", "update_time"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if up.GetHomeCouncil() != "localAuthorities/"+camden || up.GetEtag() != `"3"` || up.GetCommittedDays() != 5 {
		t.Errorf("updated through a derived mask %v", up)
	}

	// Without a mask, the fields the request sets are updated.
	up, err = e.client.UpdateReviewer(ctx, &peerreviewv1.UpdateReviewerRequest{
		Reviewer: &peerreviewv1.Reviewer{Name: rv.GetName(), Etag: up.GetEtag(), DisplayName: "Amara O."},
	})
	if err != nil {
		t.Fatal(err)
	}
	if up.GetDisplayName() != "Amara O." || up.GetAvailableDaysPerQuarter() != 20 || up.GetEtag() != `"4"` {
		t.Errorf("updated without a mask %v", up)
	}

	// A reviewer on an open review cannot leave the pool.
	_, err = e.client.DeleteReviewer(ctx, &peerreviewv1.DeleteReviewerRequest{Name: rv.GetName(), Etag: up.GetEtag()})
	rpctest.ExpectError(t, "delete while on an open review", err, codes.FailedPrecondition, reviewer.ReasonOnOpenReview)

	e.reviews.commit(rv.GetName()[len("reviewers/"):], 0)
	if _, err := e.client.DeleteReviewer(ctx, &peerreviewv1.DeleteReviewerRequest{Name: rv.GetName(), Etag: up.GetEtag()}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.GetReviewer(ctx, &peerreviewv1.GetReviewerRequest{Name: rv.GetName()})
	rpctest.ExpectError(t, "get after delete", err, codes.NotFound, reviewer.ReasonNotFound)

	// Every change was audited with the adviser as actor.
	evs := rpctest.Outbox(t, e.store, reviewerstore.Tag)
	audits := rpctest.Audits(t, evs)
	if len(audits) != len(evs) {
		t.Errorf("the reviewers' outbox holds %d events, of which %d audit entries; want only audit entries", len(evs), len(audits))
	}
	var methods []string
	for _, a := range audits {
		if a.Actor != rpctest.Adviser.Subject || a.Resource != rv.GetName() {
			t.Errorf("audit entry %+v, want the adviser acting on %s", a, rv.GetName())
		}
		methods = append(methods, a.Method[len("/turnaround.peerreview.v1.PeerReviewService/"):])
	}
	if want := []string{"CreateReviewer", "UpdateReviewer", "UpdateReviewer", "UpdateReviewer", "DeleteReviewer"}; !slices.Equal(methods, want) {
		t.Errorf("audited %v, want %v", methods, want)
	}
}

func TestStaleEtags(t *testing.T) {
	e := newEnv(t)
	ctx := e.as(rpctest.Adviser)
	rv := e.create(amara())
	up, err := e.client.UpdateReviewer(ctx, &peerreviewv1.UpdateReviewerRequest{
		Reviewer:   &peerreviewv1.Reviewer{Name: rv.GetName(), Etag: rv.GetEtag(), AvailableDaysPerQuarter: 30},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"available_days_per_quarter"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.client.UpdateReviewer(ctx, &peerreviewv1.UpdateReviewerRequest{
		Reviewer:   &peerreviewv1.Reviewer{Name: rv.GetName(), Etag: rv.GetEtag(), AvailableDaysPerQuarter: 31},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"available_days_per_quarter"}},
	})
	rpctest.ExpectError(t, "update with a stale etag", err, codes.Aborted, "ETAG_MISMATCH")
	_, err = e.client.DeleteReviewer(ctx, &peerreviewv1.DeleteReviewerRequest{Name: rv.GetName(), Etag: rv.GetEtag()})
	rpctest.ExpectError(t, "delete with a stale etag", err, codes.Aborted, "ETAG_MISMATCH")

	got, err := e.client.GetReviewer(ctx, &peerreviewv1.GetReviewerRequest{Name: rv.GetName()})
	if err != nil || got.GetAvailableDaysPerQuarter() != 30 || got.GetEtag() != up.GetEtag() {
		t.Errorf("after refused writes: %v, %v; want the first update to stand", got, err)
	}

	_, err = e.client.UpdateReviewer(ctx, &peerreviewv1.UpdateReviewerRequest{
		Reviewer:   &peerreviewv1.Reviewer{Name: rv.GetName(), AvailableDaysPerQuarter: 31},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"available_days_per_quarter"}},
	})
	rpctest.ExpectError(t, "update without an etag", err, codes.InvalidArgument, "", "reviewer.etag")
	_, err = e.client.DeleteReviewer(ctx, &peerreviewv1.DeleteReviewerRequest{Name: rv.GetName(), Etag: "7"})
	rpctest.ExpectError(t, "delete with a malformed etag", err, codes.InvalidArgument, "", "etag")
	_, err = e.client.DeleteReviewer(ctx, &peerreviewv1.DeleteReviewerRequest{Name: rv.GetName()})
	rpctest.ExpectError(t, "delete without an etag", err, codes.InvalidArgument, "", "etag")
}

func TestBadInput(t *testing.T) {
	e := newEnv(t)
	ctx := e.as(rpctest.Adviser)
	tests := []struct {
		name   string
		mutate func(*peerreviewv1.Reviewer)
		fields []string
	}{
		{"unknown council", func(r *peerreviewv1.Reviewer) { r.HomeCouncil = "localAuthorities/E08999999" },
			[]string{"reviewer.home_council"}},
		{"a council that is no resource name", func(r *peerreviewv1.Reviewer) { r.HomeCouncil = "Leeds" },
			[]string{"reviewer.home_council"}},
		{"unknown conflict council", func(r *peerreviewv1.Reviewer) { r.Conflicts = []string{hantsName, "localAuthorities/E10999999", "x"} },
			[]string{"reviewer.conflicts[1]", "reviewer.conflicts[2]"}},
		{"days above 60", func(r *peerreviewv1.Reviewer) { r.AvailableDaysPerQuarter = 61 },
			[]string{"reviewer.available_days_per_quarter"}},
		{"negative days", func(r *peerreviewv1.Reviewer) { r.AvailableDaysPerQuarter = -5 },
			[]string{"reviewer.available_days_per_quarter"}},
		{"unknown theme", func(r *peerreviewv1.Reviewer) {
			r.Expertise = []peerreviewv1.Theme{peerreviewv1.Theme_THEME_CASELOADS, peerreviewv1.Theme(99)}
		}, []string{"reviewer.expertise[1]"}},
		{"unset theme", func(r *peerreviewv1.Reviewer) {
			r.Expertise = []peerreviewv1.Theme{peerreviewv1.Theme_THEME_UNSPECIFIED}
		},
			[]string{"reviewer.expertise[0]"}},
		{"no role", func(r *peerreviewv1.Reviewer) { r.Role = peerreviewv1.ReviewerRole_REVIEWER_ROLE_UNSPECIFIED },
			[]string{"reviewer.role"}},
		{"unknown role", func(r *peerreviewv1.Reviewer) { r.Role = peerreviewv1.ReviewerRole(42) }, []string{"reviewer.role"}},
		{"a team manager without a council", func(r *peerreviewv1.Reviewer) { r.HomeCouncil = "" },
			[]string{"reviewer.home_council"}},
		{"every problem at once", func(r *peerreviewv1.Reviewer) {
			*r = peerreviewv1.Reviewer{HomeCouncil: "Leeds", AvailableDaysPerQuarter: 100, Expertise: []peerreviewv1.Theme{77}}
		}, []string{"reviewer.available_days_per_quarter", "reviewer.display_name", "reviewer.expertise[0]",
			"reviewer.home_council", "reviewer.role"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rv := amara()
			tt.mutate(rv)
			_, err := e.client.CreateReviewer(ctx, &peerreviewv1.CreateReviewerRequest{Reviewer: rv})
			rpctest.ExpectError(t, "create", err, codes.InvalidArgument, "", tt.fields...)
		})
	}
	_, err := e.client.CreateReviewer(ctx, &peerreviewv1.CreateReviewerRequest{})
	rpctest.ExpectError(t, "create without a reviewer", err, codes.InvalidArgument, "", "reviewer")
	long := string(make([]byte, rpc.MaxRequestIDLen+1))
	_, err = e.client.CreateReviewer(ctx, &peerreviewv1.CreateReviewerRequest{Reviewer: amara(), RequestId: long})
	rpctest.ExpectError(t, "create with a long request_id", err, codes.InvalidArgument, "", "request_id")

	// The same checks on update, for the fields the mask names only.
	rv := e.create(amara())
	_, err = e.client.UpdateReviewer(ctx, &peerreviewv1.UpdateReviewerRequest{
		Reviewer: &peerreviewv1.Reviewer{Name: rv.GetName(), Etag: rv.GetEtag(), AvailableDaysPerQuarter: 61,
			HomeCouncil: "nowhere", Expertise: []peerreviewv1.Theme{99}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"available_days_per_quarter", "expertise"}},
	})
	rpctest.ExpectError(t, "update out of range", err, codes.InvalidArgument, "", "reviewer.available_days_per_quarter", "reviewer.expertise[0]")
	_, err = e.client.UpdateReviewer(ctx, &peerreviewv1.UpdateReviewerRequest{
		Reviewer:   &peerreviewv1.Reviewer{Name: rv.GetName(), Etag: rv.GetEtag(), HomeCouncil: "nowhere"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"home_council", "salary"}},
	})
	rpctest.ExpectError(t, "update with a bad council and a bad path", err, codes.InvalidArgument, "", "reviewer.home_council", "update_mask")
	_, err = e.client.UpdateReviewer(ctx, &peerreviewv1.UpdateReviewerRequest{
		Reviewer:   &peerreviewv1.Reviewer{Name: rv.GetName(), Etag: rv.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"home_council"}},
	})
	rpctest.ExpectError(t, "clearing a team manager's council", err, codes.InvalidArgument, "", "reviewer.home_council")
	_, err = e.client.UpdateReviewer(ctx, &peerreviewv1.UpdateReviewerRequest{
		Reviewer:   &peerreviewv1.Reviewer{Name: "reviewers/nobody", Etag: `"1"`, AvailableDaysPerQuarter: 3},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"available_days_per_quarter"}},
	})
	rpctest.ExpectError(t, "update of a missing reviewer", err, codes.NotFound, reviewer.ReasonNotFound)
	_, err = e.client.UpdateReviewer(ctx, &peerreviewv1.UpdateReviewerRequest{})
	rpctest.ExpectError(t, "update without a reviewer", err, codes.InvalidArgument, "", "reviewer")

	for _, name := range []string{"", "reviewers/", "reviewers/A", "localAuthorities/E08000035"} {
		_, err = e.client.GetReviewer(ctx, &peerreviewv1.GetReviewerRequest{Name: name})
		rpctest.ExpectError(t, "get "+name, err, codes.InvalidArgument, "", "name")
	}
	_, err = e.client.DeleteReviewer(ctx, &peerreviewv1.DeleteReviewerRequest{Name: "reviewers/nobody", Etag: `"1"`})
	rpctest.ExpectError(t, "delete of a missing reviewer", err, codes.NotFound, reviewer.ReasonNotFound)
}

func TestListReviewers(t *testing.T) {
	e := newEnv(t)
	ctx := e.as(rpctest.Adviser)
	add := func(name string, role peerreviewv1.ReviewerRole, council string, themes ...peerreviewv1.Theme) *peerreviewv1.Reviewer {
		rv := &peerreviewv1.Reviewer{DisplayName: name, Role: role, Expertise: themes, AvailableDaysPerQuarter: 10}
		if council != "" {
			rv.HomeCouncil = "localAuthorities/" + council
		}
		return e.create(rv)
	}
	const (
		director = peerreviewv1.ReviewerRole_REVIEWER_ROLE_DIRECTOR
		tm       = peerreviewv1.ReviewerRole_REVIEWER_ROLE_TEAM_MANAGER
		assoc    = peerreviewv1.ReviewerRole_REVIEWER_ROLE_LGA_ASSOCIATE
	)
	zoe := add("Zoe Hart", director, camden, peerreviewv1.Theme_THEME_LEADERSHIP)
	add("ann Lee", tm, leeds, peerreviewv1.Theme_THEME_CASELOADS, peerreviewv1.Theme_THEME_LEADERSHIP)
	add("Bob Cole", assoc, "")
	add("Cat Moss", tm, hampshire)
	e.reviews.commit(zoe.GetName()[len("reviewers/"):], 4)

	names := func(resp *peerreviewv1.ListReviewersResponse) []string {
		var out []string
		for _, r := range resp.GetReviewers() {
			out = append(out, r.GetDisplayName())
		}
		return out
	}
	tests := []struct {
		filter string
		want   []string
	}{
		{"", []string{"ann Lee", "Bob Cole", "Cat Moss", "Zoe Hart"}},
		{"role = TEAM_MANAGER", []string{"ann Lee", "Cat Moss"}},
		{"region = LONDON", []string{"Zoe Hart"}},
		{"region = YORKSHIRE_AND_THE_HUMBER OR region = SOUTH_EAST", []string{"ann Lee", "Cat Moss"}},
		{"expertise:LEADERSHIP", []string{"ann Lee", "Zoe Hart"}},
		{"expertise:LEADERSHIP AND role = DIRECTOR", []string{"Zoe Hart"}},
		{"role = LGA_ASSOCIATE AND region != LONDON", []string{"Bob Cole"}},
		// Zoe has 4 of her 10 days committed, 6 left; everyone else 10.
		{"expertise:LEADERSHIP AND remaining_days >= 7", []string{"ann Lee"}},
		{`expertise:"THEME_LEADERSHIP" AND remaining_days >= 5`, []string{"ann Lee", "Zoe Hart"}},
		{"remaining_days < 10", []string{"Zoe Hart"}},
		{"committed_days > 0 OR available_days_per_quarter > 10", []string{"Zoe Hart"}},
	}
	for _, tt := range tests {
		resp, err := e.client.ListReviewers(ctx, &peerreviewv1.ListReviewersRequest{Filter: tt.filter})
		if err != nil {
			t.Fatalf("list %q: %v", tt.filter, err)
		}
		if got := names(resp); !slices.Equal(got, tt.want) || resp.GetTotalSize() != int32(len(tt.want)) || resp.GetNextPageToken() != "" {
			t.Errorf("list %q = %v (total %d), want %v", tt.filter, got, resp.GetTotalSize(), tt.want)
		}
	}

	// Pages of two, bound to their filter; committed days shown.
	first, err := e.client.ListReviewers(ctx, &peerreviewv1.ListReviewersRequest{PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.client.ListReviewers(ctx, &peerreviewv1.ListReviewersRequest{PageSize: 2, PageToken: first.GetNextPageToken()})
	if err != nil {
		t.Fatal(err)
	}
	if got := append(names(first), names(second)...); !slices.Equal(got, tests[0].want) || second.GetNextPageToken() != "" || first.GetTotalSize() != 4 {
		t.Errorf("pages %v / %v, want %v over two pages", names(first), names(second), tests[0].want)
	}
	if z := second.GetReviewers()[1]; z.GetCommittedDays() != 4 || z.GetRemainingDays() != 6 {
		t.Errorf("listed %v, want committed_days 4 and remaining_days 6", z)
	}
	if a := first.GetReviewers()[0]; a.GetCommittedDays() != 0 || a.GetRemainingDays() != 10 {
		t.Errorf("listed %v, want committed_days 0 and remaining_days 10", a)
	}
	_, err = e.client.ListReviewers(ctx, &peerreviewv1.ListReviewersRequest{PageSize: 2, PageToken: first.GetNextPageToken(), Filter: "role = DIRECTOR"})
	rpctest.ExpectError(t, "page token of another filter", err, codes.InvalidArgument, paging.ReasonPageTokenMismatch, "page_token")

	for _, bad := range []string{"role = CHIEF", "expertise = LEADERSHIP", "expertise:ASTROLOGY", "display_name = x", "role =",
		"remaining_days >= many", "remaining_days:5"} {
		_, err := e.client.ListReviewers(ctx, &peerreviewv1.ListReviewersRequest{Filter: bad})
		rpctest.ExpectError(t, "filter "+bad, err, codes.InvalidArgument, "", "filter")
	}
	_, err = e.client.ListReviewers(ctx, &peerreviewv1.ListReviewersRequest{PageSize: -1})
	rpctest.ExpectError(t, "negative page size", err, codes.InvalidArgument, "", "page_size")
}

// TestOnlyLGAAdvisersReachThePool checks every method against every role
// but the LGA adviser's: the pool is the LGA's, so all are refused, except
// that DfE officials read it (the access matrix; this used to be refused)
// and change nothing.
func TestOnlyLGAAdvisersReachThePool(t *testing.T) {
	e := newEnv(t)
	rv := e.create(amara())
	calls := rpctest.Calls(t, e.client,
		&peerreviewv1.CreateReviewerRequest{Reviewer: amara()},
		&peerreviewv1.GetReviewerRequest{Name: rv.GetName()},
		&peerreviewv1.ListReviewersRequest{},
		&peerreviewv1.UpdateReviewerRequest{
			Reviewer:   &peerreviewv1.Reviewer{Name: rv.GetName(), Etag: rv.GetEtag(), AvailableDaysPerQuarter: 1},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"available_days_per_quarter"}},
		},
		&peerreviewv1.DeleteReviewerRequest{Name: rv.GetName(), Etag: rv.GetEtag()},
	)
	if len(calls) != len(Policies) {
		t.Fatalf("%d calls tested, but Policies declares %d methods", len(calls), len(Policies))
	}
	denied := map[string]auth.Principal{
		"council officer": officer, "Ofsted inspector": rpctest.Inspector,
		"partner system": rpctest.Partner, "sponsor officer": sponsor,
		// Holding the council officer role beside a narrow one widens nothing.
		"officer and partner": {Subject: "both", Roles: []auth.Role{auth.RoleCouncilOfficer, auth.RolePartnerSystem}, Authority: leeds},
	}
	reads := []string{"GetReviewer", "ListReviewers"}
	for method, call := range calls {
		for who, p := range denied {
			rpctest.ExpectError(t, who+" calling "+method, call(e.as(p)), codes.PermissionDenied, auth.ReasonRoleNotAllowed)
		}
		if slices.Contains(reads, method) {
			if err := call(e.as(rpctest.Official)); err != nil {
				t.Errorf("DfE official calling %s: %v", method, err)
			}
		} else {
			rpctest.ExpectError(t, "DfE official calling "+method, call(e.as(rpctest.Official)), codes.PermissionDenied, auth.ReasonRoleNotAllowed)
		}
		rpctest.ExpectError(t, "anonymous call of "+method, call(context.Background()), codes.Unauthenticated, "")
	}
	// Nothing the refused calls asked for happened.
	got, err := e.client.GetReviewer(e.as(rpctest.Adviser), &peerreviewv1.GetReviewerRequest{Name: rv.GetName()})
	if err != nil || !proto.Equal(got, rv) {
		t.Errorf("after refused calls: %v, %v; want the reviewer unchanged", got, err)
	}
	resp, err := e.client.ListReviewers(e.as(rpctest.Adviser), &peerreviewv1.ListReviewersRequest{})
	if err != nil || resp.GetTotalSize() != 1 {
		t.Errorf("after refused creates the pool holds %d, %v; want 1", resp.GetTotalSize(), err)
	}
}

func TestThemeConversion(t *testing.T) {
	for _, th := range reviewer.Themes {
		p := ThemeProto(th)
		if p == peerreviewv1.Theme_THEME_UNSPECIFIED || ThemeFromProto(p) != th {
			t.Errorf("theme %s converts to %v and back to %q", th, p, ThemeFromProto(p))
		}
	}
	if len(reviewer.Themes) != len(peerreviewv1.Theme_name)-1 {
		t.Errorf("the taxonomy has %d themes, the proto enum %d", len(reviewer.Themes), len(peerreviewv1.Theme_name)-1)
	}
	if ThemeFromProto(peerreviewv1.Theme_THEME_UNSPECIFIED).Valid() || ThemeFromProto(99).Valid() {
		t.Errorf("unset or unknown themes convert to valid ones")
	}
	for _, r := range reviewer.Roles {
		if RoleProto(r) == peerreviewv1.ReviewerRole_REVIEWER_ROLE_UNSPECIFIED {
			t.Errorf("role %s has no proto enum", r)
		}
	}
	if len(reviewer.Roles) != len(peerreviewv1.ReviewerRole_name)-1 {
		t.Errorf("%d roles, the proto enum has %d", len(reviewer.Roles), len(peerreviewv1.ReviewerRole_name)-1)
	}
}
