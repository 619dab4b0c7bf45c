package progressreviewapi

import (
	"context"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/progressreview"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/support"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

// TestRecordBySource records a review from each source by the role that
// owns it: the first moves the approved plan to monitoring, in the same
// transaction, and later ones leave the plan alone. Every source's review
// is read back, listed oldest first, and counted in the plan's ratings.
func TestRecordBySource(t *testing.T) {
	e := newEnv(t)
	p := e.planIn(leeds, plan.Approved)
	create := func(who auth.Principal, r *improvementplanv1.ProgressReview, requestID string) *improvementplanv1.ProgressReview {
		t.Helper()
		got, err := e.client.CreateProgressReview(e.as(who), &improvementplanv1.CreateProgressReviewRequest{
			Parent: p.Name(), ProgressReview: r, RequestId: requestID,
		})
		if err != nil {
			t.Fatalf("%s records a %s: %v", who.Subject, r.GetSource(), err)
		}
		return got
	}

	visit := progress(ofstedVisit, day(2016, 3, 2), little)
	visit.Name, visit.RecordedBy = "ignored", "ignored" // output only
	first := create(rpctest.Inspector, visit, "visit-1")
	if !strings.HasPrefix(first.GetName(), p.Name()+"/progressReviews/") || first.GetRecordedBy() != rpctest.Inspector.Subject ||
		first.GetSource() != ofstedVisit || first.GetOverallRating() != little || !proto.Equal(first.GetReviewDate(), day(2016, 3, 2)) ||
		len(first.GetPriorityRatings()) != 1 || first.GetPriorityRatings()[0].GetPriority() != "p1" || len(first.GetEvidence()) != 2 ||
		!first.GetCreateTime().AsTime().Equal(clock()) {
		t.Fatalf("first review = %v", first)
	}
	moved, err := e.plans.Get(context.Background(), leeds, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := moved.History[len(moved.History)-1]
	if moved.State != plan.Monitoring || moved.Version != p.Version+1 || last.From != plan.Approved || last.To != plan.Monitoring ||
		last.Actor != rpctest.Inspector.Subject || !last.Time.Equal(clock()) || !strings.Contains(last.Reason, first.GetName()) {
		t.Fatalf("plan after the first review: state %s version %d, last change %+v", moved.State, moved.Version, last)
	}

	self := create(officer, progress(selfAssess, day(2016, 5, 31), some), "")
	dfe := create(rpctest.Official, progress(dfeReview, day(2016, 4, 15), significant), "")
	if again, err := e.plans.Get(context.Background(), leeds, p.ID); err != nil || again.Version != moved.Version || again.State != plan.Monitoring {
		t.Fatalf("later reviews changed the plan: %+v, %v", again, err)
	}

	// Every reader sees them, oldest first.
	for _, who := range []auth.Principal{rpctest.Inspector, rpctest.Adviser, rpctest.Official, officer} {
		resp, err := e.client.ListProgressReviews(e.as(who), &improvementplanv1.ListProgressReviewsRequest{Parent: p.Name()})
		if err != nil {
			t.Fatalf("%s lists: %v", who.Subject, err)
		}
		want := []*improvementplanv1.ProgressReview{first, dfe, self}
		if resp.GetTotalSize() != 3 || len(resp.GetProgressReviews()) != 3 || resp.GetNextPageToken() != "" {
			t.Fatalf("%s list = %v", who.Subject, resp)
		}
		for i, r := range resp.GetProgressReviews() {
			if !proto.Equal(r, want[i]) {
				t.Errorf("%s list[%d] = %v, want %v", who.Subject, i, r, want[i])
			}
		}
		got, err := e.client.GetProgressReview(e.as(who), &improvementplanv1.GetProgressReviewRequest{Name: dfe.GetName()})
		if err != nil || !proto.Equal(got, dfe) {
			t.Errorf("%s get = %v, %v", who.Subject, got, err)
		}
	}
	ratings, err := e.reviews.Ratings(context.Background(), leeds, p.ID)
	if err != nil || !slices.Equal(ratings, []string{"LITTLE", "SIGNIFICANT", "SOME"}) {
		t.Errorf("ratings = %v, %v", ratings, err)
	}

	// A request_id replays the first response and records nothing more.
	replay := create(rpctest.Inspector, visit, "visit-1")
	if !proto.Equal(replay, first) {
		t.Fatalf("replay = %v, want %v", replay, first)
	}
	resp, err := e.client.ListProgressReviews(e.as(rpctest.Official), &improvementplanv1.ListProgressReviewsRequest{Parent: p.Name()})
	if err != nil || resp.GetTotalSize() != 3 {
		t.Fatalf("after the replay: %v, %v", resp, err)
	}
	// Reused for a different request, it is refused.
	other := proto.Clone(visit).(*improvementplanv1.ProgressReview)
	other.OverallRating = some
	_, err = e.client.CreateProgressReview(e.as(rpctest.Inspector), &improvementplanv1.CreateProgressReviewRequest{Parent: p.Name(), ProgressReview: other, RequestId: "visit-1"})
	rpctest.ExpectError(t, "request_id reused", err, codes.InvalidArgument, store.ErrRequestIDReused.Reason, "request_id")

	// The audit trail names who recorded what, and the plan's move.
	var trail []string
	for _, a := range rpctest.Audits(t, rpctest.Outbox(t, e.store, keyspace.CouncilTag(leeds))) {
		if a.Method == improvementplanv1.ImprovementPlanService_CreateProgressReview_FullMethodName {
			trail = append(trail, a.Actor+" "+a.Resource+" "+a.EtagAfter+" "+a.RequestID)
		}
	}
	wantTrail := []string{
		rpctest.Inspector.Subject + " " + first.GetName() + ` "1" visit-1`,
		rpctest.Inspector.Subject + " " + p.Name() + " " + store.Etag(p.Version+1) + " visit-1",
		officer.Subject + " " + self.GetName() + ` "1" `,
		rpctest.Official.Subject + " " + dfe.GetName() + ` "1" `,
	}
	if !slices.Equal(trail, wantTrail) {
		t.Errorf("audit trail\n%q\nwant\n%q", trail, wantTrail)
	}
}

// TestReviewStates records reviews on a plan in every state: only approved,
// monitoring, decision-due and continued plans take them.
func TestReviewStates(t *testing.T) {
	e := newEnv(t)
	for _, s := range plan.States {
		p := e.planIn(leeds, s)
		_, err := e.client.CreateProgressReview(e.as(rpctest.Official), &improvementplanv1.CreateProgressReviewRequest{
			Parent: p.Name(), ProgressReview: progress(dfeReview, day(2016, 5, 1), some),
		})
		if progressreview.Recordable(s) {
			if err != nil {
				t.Errorf("review of a %s plan: %v", s, err)
			}
			continue
		}
		rpctest.ExpectError(t, "review of a "+string(s)+" plan", err, codes.FailedPrecondition, progressreview.ReasonPlanNotMonitored)
	}
}

// TestBadInput covers invalid reviews: each gives the right code, reason
// and fields, every problem at once.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	p := e.planIn(leeds, plan.Monitoring)
	ctx := e.as(rpctest.Inspector)
	create := func(parent string, r *improvementplanv1.ProgressReview) error {
		return rpctest.Err(e.client.CreateProgressReview(ctx, &improvementplanv1.CreateProgressReviewRequest{Parent: parent, ProgressReview: r}))
	}
	with := func(change func(r *improvementplanv1.ProgressReview)) *improvementplanv1.ProgressReview {
		r := progress(ofstedVisit, day(2016, 5, 1), some)
		change(r)
		return r
	}
	rating := func(id string) *improvementplanv1.PriorityRating {
		return &improvementplanv1.PriorityRating{Priority: id, Rating: some, Narrative: "n"}
	}
	rpctest.ExpectError(t, "in the future", create(p.Name(), with(func(r *improvementplanv1.ProgressReview) { r.ReviewDate = day(2016, 6, 2) })),
		codes.InvalidArgument, "", "progress_review.review_date")
	rpctest.ExpectError(t, "before the judgement", create(p.Name(), with(func(r *improvementplanv1.ProgressReview) { r.ReviewDate = day(2015, 11, 19) })),
		codes.InvalidArgument, "", "progress_review.review_date")
	rpctest.ExpectError(t, "impossible date", create(p.Name(), with(func(r *improvementplanv1.ProgressReview) { r.ReviewDate = day(2016, 2, 30) })),
		codes.InvalidArgument, "", "progress_review.review_date")
	rpctest.ExpectError(t, "unknown priority", create(p.Name(), with(func(r *improvementplanv1.ProgressReview) {
		r.PriorityRatings = []*improvementplanv1.PriorityRating{rating("p1"), rating("p7")}
	})), codes.InvalidArgument, "", "progress_review.priority_ratings[1].priority")
	rpctest.ExpectError(t, "priority rated twice", create(p.Name(), with(func(r *improvementplanv1.ProgressReview) {
		r.PriorityRatings = []*improvementplanv1.PriorityRating{rating("p2"), rating("p2")}
	})), codes.InvalidArgument, "", "progress_review.priority_ratings[1].priority")
	rpctest.ExpectError(t, "no narrative", create(p.Name(), with(func(r *improvementplanv1.ProgressReview) { r.Narrative = " " })),
		codes.InvalidArgument, "", "progress_review.narrative")
	rpctest.ExpectError(t, "unknown rating", create(p.Name(), with(func(r *improvementplanv1.ProgressReview) { r.OverallRating = 42 })),
		codes.InvalidArgument, "", "progress_review.overall_rating")
	rpctest.ExpectError(t, "no source", create(p.Name(), with(func(r *improvementplanv1.ProgressReview) { r.Source = 0 })),
		codes.InvalidArgument, "", "progress_review.source")
	rpctest.ExpectError(t, "every problem at once", create("plans/1", &improvementplanv1.ProgressReview{
		PriorityRatings: []*improvementplanv1.PriorityRating{{Priority: "p1"}},
	}), codes.InvalidArgument, "", "parent", "progress_review.narrative", "progress_review.overall_rating",
		"progress_review.priority_ratings[0].narrative", "progress_review.priority_ratings[0].rating",
		"progress_review.review_date", "progress_review.source")
	rpctest.ExpectError(t, "no review", create(p.Name(), nil), codes.InvalidArgument, "", "progress_review")
	rpctest.ExpectError(t, "request_id too long", func() error {
		_, err := e.client.CreateProgressReview(ctx, &improvementplanv1.CreateProgressReviewRequest{
			Parent: p.Name(), ProgressReview: progress(ofstedVisit, day(2016, 5, 1), some), RequestId: strings.Repeat("x", 129)})
		return err
	}(), codes.InvalidArgument, "", "request_id")
	rpctest.ExpectError(t, "unknown plan", create(plan.Name(leeds, "nope"), progress(ofstedVisit, day(2016, 5, 1), some)),
		codes.NotFound, plan.ReasonNotFound)
	rpctest.ExpectError(t, "get of an unknown review", rpctest.Err(e.client.GetProgressReview(ctx, &improvementplanv1.GetProgressReviewRequest{Name: p.Name() + "/progressReviews/nope"})),
		codes.NotFound, progressreview.ReasonNotFound)
	rpctest.ExpectError(t, "get with a bad name", rpctest.Err(e.client.GetProgressReview(ctx, &improvementplanv1.GetProgressReviewRequest{Name: p.Name()})),
		codes.InvalidArgument, "", "name")
	rpctest.ExpectError(t, "list of an unknown plan", rpctest.Err(e.client.ListProgressReviews(ctx, &improvementplanv1.ListProgressReviewsRequest{Parent: plan.Name(leeds, "nope")})),
		codes.NotFound, plan.ReasonNotFound)
	rpctest.ExpectError(t, "list with a bad parent and page size", rpctest.Err(e.client.ListProgressReviews(ctx, &improvementplanv1.ListProgressReviewsRequest{Parent: "localAuthorities/-", PageSize: -1})),
		codes.InvalidArgument, "", "page_size", "parent")
}

// TestPaging pages through a plan's reviews; a token is valid only for
// the plan it was issued for.
func TestPaging(t *testing.T) {
	e := newEnv(t)
	p := e.planIn(leeds, plan.Monitoring)
	other := e.planIn(leeds, plan.Monitoring)
	var want []string
	for _, d := range []int32{5, 1, 4, 2, 3} {
		r, err := e.client.CreateProgressReview(e.as(rpctest.Official), &improvementplanv1.CreateProgressReviewRequest{
			Parent: p.Name(), ProgressReview: progress(dfeReview, day(2016, 5, d), some)})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, r.GetName())
	}
	// Oldest first: the days were 5, 1, 4, 2, 3.
	want = []string{want[1], want[3], want[4], want[2], want[0]}
	var got []string
	token := ""
	for pages := 0; ; pages++ {
		resp, err := e.client.ListProgressReviews(e.as(rpctest.Adviser), &improvementplanv1.ListProgressReviewsRequest{Parent: p.Name(), PageSize: 2, PageToken: token})
		if err != nil || resp.GetTotalSize() != 5 || len(resp.GetProgressReviews()) > 2 || pages > 3 {
			t.Fatalf("page %d = %v, %v", pages, resp, err)
		}
		for _, r := range resp.GetProgressReviews() {
			got = append(got, r.GetName())
		}
		if pages == 0 {
			_, err := e.client.ListProgressReviews(e.as(rpctest.Adviser), &improvementplanv1.ListProgressReviewsRequest{Parent: other.Name(), PageToken: resp.GetNextPageToken()})
			rpctest.ExpectError(t, "another plan's page token", err, codes.InvalidArgument, paging.ReasonPageTokenMismatch, "page_token")
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("paged = %v, want %v", got, want)
	}
}

// TestAccess covers every deny case of these methods.
func TestAccess(t *testing.T) {
	e := newEnv(t)
	p := e.planIn(leeds, plan.Monitoring)
	theirs := e.planIn(sheffield, plan.Monitoring)
	supporter := auth.Principal{Subject: "sponsor-york", Roles: []auth.Role{auth.RoleSponsorOfficer}, Sponsor: "york"}
	if err := e.support.Started(context.Background(), support.Engagement{Name: "sponsors/york/engagements/e1", Sponsor: "york", GSSCode: leeds}); err != nil {
		t.Fatal(err)
	}
	existing, err := e.client.CreateProgressReview(e.as(rpctest.Inspector), &improvementplanv1.CreateProgressReviewRequest{
		Parent: p.Name(), ProgressReview: progress(ofstedVisit, day(2016, 5, 1), some)})
	if err != nil {
		t.Fatal(err)
	}
	create := func(source improvementplanv1.ReviewSource, parent string) func(ctx context.Context) error {
		return rpctest.Bind(e.client.CreateProgressReview, &improvementplanv1.CreateProgressReviewRequest{
			Parent: parent, ProgressReview: progress(source, day(2016, 5, 2), some)})
	}
	get := rpctest.Bind(e.client.GetProgressReview, &improvementplanv1.GetProgressReviewRequest{Name: existing.GetName()})
	list := rpctest.Bind(e.client.ListProgressReviews, &improvementplanv1.ListProgressReviewsRequest{Parent: p.Name()})
	for _, tc := range []struct {
		who    string
		ctx    context.Context
		call   func(context.Context) error
		code   codes.Code
		reason string
	}{
		{"nobody creating", context.Background(), create(ofstedVisit, p.Name()), codes.Unauthenticated, ""},
		{"nobody reading", context.Background(), get, codes.Unauthenticated, ""},
		// Each source belongs to one role.
		{"ofsted recording a DfE review", e.as(rpctest.Inspector), create(dfeReview, p.Name()), codes.PermissionDenied, ReasonSourceNotAllowed},
		{"ofsted recording a self-assessment", e.as(rpctest.Inspector), create(selfAssess, p.Name()), codes.PermissionDenied, ReasonSourceNotAllowed},
		{"dfe recording a monitoring visit", e.as(rpctest.Official), create(ofstedVisit, p.Name()), codes.PermissionDenied, ReasonSourceNotAllowed},
		{"dfe recording a self-assessment", e.as(rpctest.Official), create(selfAssess, p.Name()), codes.PermissionDenied, ReasonSourceNotAllowed},
		{"council recording a monitoring visit", e.as(officer), create(ofstedVisit, p.Name()), codes.PermissionDenied, ReasonSourceNotAllowed},
		{"council recording a DfE review", e.as(officer), create(dfeReview, p.Name()), codes.PermissionDenied, ReasonSourceNotAllowed},
		// Another council's plan is the access matrix's refusal, before the
		// request is judged.
		{"council self-assessing another council", e.as(officer), create(selfAssess, theirs.Name()), codes.PermissionDenied, access.ReasonNotAllowed},
		{"another council self-assessing", e.as(outsider), create(selfAssess, p.Name()), codes.PermissionDenied, access.ReasonNotAllowed},
		{"another council sending nothing", e.as(outsider), rpctest.Bind(e.client.CreateProgressReview, &improvementplanv1.CreateProgressReviewRequest{Parent: p.Name()}), codes.PermissionDenied, access.ReasonNotAllowed},
		{"lga recording", e.as(rpctest.Adviser), create(dfeReview, p.Name()), codes.PermissionDenied, auth.ReasonRoleNotAllowed},
		{"sponsor recording", e.as(sponsor), create(selfAssess, p.Name()), codes.PermissionDenied, auth.ReasonRoleNotAllowed},
		{"partner recording", e.as(rpctest.Partner), create(ofstedVisit, p.Name()), codes.PermissionDenied, auth.ReasonRoleNotAllowed},
		// Reading: the access matrix. A sponsor not supporting Leeds is
		// refused by the matrix (its role reads progress reviews of the
		// councils it supports); one supporting Leeds reads them.
		{"another council getting", e.as(outsider), get, codes.PermissionDenied, access.ReasonNotAllowed},
		{"another council listing", e.as(outsider), list, codes.PermissionDenied, access.ReasonNotAllowed},
		{"sponsor getting", e.as(sponsor), get, codes.PermissionDenied, access.ReasonNotAllowed},
		{"sponsor listing", e.as(sponsor), list, codes.PermissionDenied, access.ReasonNotAllowed},
		{"supporting sponsor getting", e.as(supporter), get, codes.OK, ""},
		{"supporting sponsor listing", e.as(supporter), list, codes.OK, ""},
		{"supporting sponsor recording", e.as(supporter), create(selfAssess, p.Name()), codes.PermissionDenied, auth.ReasonRoleNotAllowed},
		{"partner getting", e.as(rpctest.Partner), get, codes.PermissionDenied, auth.ReasonRoleNotAllowed},
		{"partner listing", e.as(rpctest.Partner), list, codes.PermissionDenied, auth.ReasonRoleNotAllowed},
		// Allowed, for contrast.
		{"council self-assessing its own", e.as(officer), create(selfAssess, p.Name()), codes.OK, ""},
		{"another council self-assessing its own", e.as(outsider), create(selfAssess, theirs.Name()), codes.OK, ""},
		{"council getting its own", e.as(officer), get, codes.OK, ""},
		{"lga listing", e.as(rpctest.Adviser), list, codes.OK, ""},
		{"ofsted listing", e.as(rpctest.Inspector), list, codes.OK, ""},
		{"dfe getting", e.as(rpctest.Official), get, codes.OK, ""},
	} {
		err := tc.call(tc.ctx)
		if tc.code == codes.OK {
			if err != nil {
				t.Errorf("%s: %v", tc.who, err)
			}
			continue
		}
		rpctest.ExpectError(t, tc.who, err, tc.code, tc.reason)
	}
	// Nothing denied was recorded: the inspector's review and the two
	// allowed self-assessments are all there is.
	for _, pl := range []plan.Plan{p, theirs} {
		list, err := e.reviews.List(context.Background(), pl.GSSCode, pl.ID)
		if err != nil || len(list) != map[string]int{leeds: 2, sheffield: 1}[pl.GSSCode] {
			t.Errorf("reviews of %s after the deny cases: %d, %v", pl.Name(), len(list), err)
		}
	}

	rpctest.PoliciesFor(t, Policies,
		improvementplanv1.ImprovementPlanService_CreateProgressReview_FullMethodName,
		improvementplanv1.ImprovementPlanService_GetProgressReview_FullMethodName,
		improvementplanv1.ImprovementPlanService_ListProgressReviews_FullMethodName,
	)
}

// TestCreateLooksUpNoReplayBeforeItsCommit records a review with a
// request_id: the commit checks the idempotency record itself, so the first
// call takes no round trip to look it up. A retry after the plan has closed, which the
// create alone would refuse, still gets the first call's review, found
// after that refusal.
func TestCreateLooksUpNoReplayBeforeItsCommit(t *testing.T) {
	e := newEnv(t)
	p := e.planIn(leeds, plan.Approved)
	trips := redistest.CountRoundTrips(e.store.Client())
	req := &improvementplanv1.CreateProgressReviewRequest{
		Parent: p.Name(), ProgressReview: progress(ofstedVisit, day(2016, 3, 2), little), RequestId: "visit-1",
	}
	var (
		first *improvementplanv1.ProgressReview
		err   error
	)
	// The plan's read and the commit, which checks the request's
	// idempotency record itself: no look-up of it before.
	if n := trips.During(func() { first, err = e.client.CreateProgressReview(e.as(rpctest.Inspector), req) }); err != nil || n != 2 {
		t.Fatalf("a first create: %v in %d round trips, want 2 (the plan's read, the commit)", err, n)
	}

	ctx := context.Background()
	cur, err := e.plans.Get(ctx, leeds, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	cur.State = plan.Closed
	if _, err := e.plans.Save(ctx, cur, change.Request{Subject: rpctest.Official.Subject, Method: "close"}); err != nil {
		t.Fatal(err)
	}
	var again *improvementplanv1.ProgressReview
	// The plan's read, refused, then the look-up of the first answer.
	n := trips.During(func() { again, err = e.client.CreateProgressReview(e.as(rpctest.Inspector), req) })
	if err != nil || !proto.Equal(again, first) {
		t.Fatalf("retry after the plan closed = %v, %v; want the first review %v", again, err, first)
	}
	if n != 2 {
		t.Errorf("the retry took %d round trips, want 2 (the plan's read, then the look-up after its refusal)", n)
	}
	other := proto.Clone(req).(*improvementplanv1.CreateProgressReviewRequest)
	other.RequestId = "visit-2"
	if _, err := e.client.CreateProgressReview(e.as(rpctest.Inspector), other); err == nil {
		t.Error("a new review of the closed plan was recorded")
	}
}
