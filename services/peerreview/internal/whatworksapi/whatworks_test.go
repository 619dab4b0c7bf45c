package whatworksapi

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/whatworks"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	inspectionv1 "github.com/turnaround-sli/turnaround/proto/turnaround/inspection/v1"
	peerreviewv1 "github.com/turnaround-sli/turnaround/proto/turnaround/peerreview/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/inspectionclient"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/inspectionclient/inspectionclienttest"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/review"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewtest"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/servertest"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/whatworksstore"
	"github.com/turnaround-sli/turnaround/services/platform/access"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/disclosure"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/reference/refproto"
)

type testServer struct {
	servertest.Fallback
	*WhatWorks
}

var completeTime = time.Date(2015, time.June, 10, 15, 0, 0, 0, time.UTC)

const (
	barking  = "E09000002"
	barnet   = "E09000003"
	bexley   = "E09000004"
	brent    = "E09000005"
	barnsley = "E08000016"
	bradford = "E08000032"
	calder   = "E08000033"
	durham   = "E06000047"
)

var (
	officer  = rpctest.Officer(barking)
	sponsor  = rpctest.SponsorOfficer("hampshire")
	everyone = []auth.Principal{rpctest.Adviser, rpctest.Inspector, rpctest.Official, officer, sponsor, rpctest.Partner}
)

func finding(t reviewer.Theme, k review.FindingKind, s review.Severity) review.Finding {
	return review.Finding{Theme: t, Kind: k, Severity: s, Evidence: "evidence"}
}

func completed(gss, id string, fs ...review.Finding) review.Review {
	return review.Review{GSSCode: gss, ID: id, State: review.Completed, CompleteTime: completeTime, Findings: fs}
}

// fixtureReviews: three completed reviews in London, three in Yorkshire
// and the Humber, one in the North East, and reviews in other states whose
// findings must not count.
func fixtureReviews() reviewtest.Reviews {
	lead := finding(reviewer.Leadership, review.Strength, "")
	weakLead := finding(reviewer.Leadership, review.AreaForImprovement, review.Severe)
	caseloads := finding(reviewer.Caseloads, review.AreaForImprovement, review.Significant)
	return reviewtest.Reviews{
		completed(barking, "r1", lead, caseloads),
		completed(barnet, "r2", lead),
		completed(bexley, "r3", lead, caseloads),
		completed(barnsley, "r4", weakLead),
		completed(bradford, "r5", weakLead, caseloads),
		completed(calder, "r6", lead),
		completed(durham, "r7", weakLead),
		{GSSCode: brent, ID: "r8", State: review.Reporting, Findings: []review.Finding{finding(reviewer.Permanence, review.Strength, "")}},
		{GSSCode: "E10000014", ID: "r9", State: review.Cancelled},
	}
}

// fixtureCouncils: the London three and Bradford have judgements published
// after the reviews; Durham's came before.
func fixtureCouncils() []*inspectionv1.LocalAuthority {
	judged := func(gss string, g reference.Grade, published time.Time) *inspectionv1.LocalAuthority {
		return &inspectionv1.LocalAuthority{GssCode: gss, Name: "localAuthorities/" + gss, LatestJudgement: &inspectionv1.LatestJudgement{
			OverallGrade: refproto.Grade(g), PublishDate: refproto.Date(published),
		}}
	}
	after := completeTime.AddDate(0, 4, 0)
	return []*inspectionv1.LocalAuthority{
		judged(barking, reference.Good, after),
		judged(barnet, reference.Good, after),
		judged(bexley, reference.Good, after),
		{GssCode: barnsley, Name: "localAuthorities/" + barnsley},
		judged(bradford, reference.Inadequate, after),
		{GssCode: calder, Name: "localAuthorities/" + calder},
		judged(durham, reference.Good, completeTime.AddDate(-1, 0, 0)),
	}
}

type env struct {
	t       *testing.T
	client  peerreviewv1.PeerReviewServiceClient
	double  *inspectionclienttest.Server
	store   *store.Store
	lessons *whatworksstore.Lessons
}

func newEnv(t *testing.T, reviews whatworks.Reviews) *env {
	t.Helper()
	if err := Policies.Validate(); err != nil {
		t.Fatal(err)
	}
	double := &inspectionclienttest.Server{Councils: fixtureCouncils()}
	inspection := inspectionclienttest.Dial(t, double.Start(t))
	st := rpctest.NewStore(t)
	lessons := whatworksstore.New(st, rpctest.Codec(ToStored, FromStored))
	// The clock starts on the demo day and moves a minute on every reading,
	// so lessons created one after another have distinct create times.
	clk := rpctest.Ticking(time.Date(2015, time.December, 14, 9, 0, 0, 0, time.UTC), time.Minute)
	svc := whatworks.NewService(lessons, reviews, inspectionclient.NewCouncils(inspection))
	client := rpctest.Client(t, Policies, &peerreviewv1.PeerReviewService_ServiceDesc,
		testServer{WhatWorks: New(svc, rpctest.NewPages(t), clk)}, peerreviewv1.NewPeerReviewServiceClient)
	return &env{t: t, client: client, double: double, store: st, lessons: lessons}
}

func (e *env) as(p auth.Principal) context.Context {
	e.t.Helper()
	return rpctest.As(e.t, p)
}

func groups(cs []*peerreviewv1.ThemeCount) map[string]*peerreviewv1.ThemeCount {
	out := map[string]*peerreviewv1.ThemeCount{}
	for _, c := range cs {
		out[group(c)] = c
	}
	return out
}

// group is the group m, a ThemeCount or a SuppressedGroup, holds in its
// oneof group, as the group's enum prints it; "" when none is set.
func group(m proto.Message) string {
	r := m.ProtoReflect()
	fd := r.WhichOneof(r.Descriptor().Oneofs().ByName("group"))
	if fd == nil {
		return ""
	}
	n := r.Get(fd).Enum()
	if v := fd.Enum().Values().ByNumber(n); v != nil {
		return string(v.Name())
	}
	return strconv.Itoa(int(n))
}

// lowerDisclosureThreshold lets the fixture's seven councils be grouped
// in threes; disclosure_test.go covers the suite's threshold of ten.
func lowerDisclosureThreshold(t *testing.T, n int) {
	t.Helper()
	disclosure.SetMinCouncils(n)
	t.Cleanup(func() { disclosure.SetMinCouncils(disclosure.DefaultMinCouncils) })
}

func TestThemeSummaries(t *testing.T) {
	lowerDisclosureThreshold(t, 3)
	e := newEnv(t, fixtureReviews())
	resp, err := e.client.ListThemeSummaries(e.as(rpctest.Adviser), &peerreviewv1.ListThemeSummariesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetCompletedReviews() != 7 || resp.GetCouncils() != 7 || resp.GetMinCouncils() != 3 || resp.GetWithheld() != "" {
		t.Errorf("response = %v, want 7 reviews of 7 councils at a minimum of 3", resp)
	}
	var themes []peerreviewv1.Theme
	for _, s := range resp.GetThemeSummaries() {
		themes = append(themes, s.GetTheme())
	}
	if !slices.Equal(themes, []peerreviewv1.Theme{peerreviewv1.Theme_THEME_LEADERSHIP, peerreviewv1.Theme_THEME_CASELOADS}) {
		t.Fatalf("themes = %v, want leadership and caseloads (permanence was found only by an unfinished review)", themes)
	}
	lead := resp.GetThemeSummaries()[0]
	if o := lead.GetOverall(); group(o) != "AGGREGATE_GROUP_ALL" || o.GetStrengths() != 4 || o.GetAreasForImprovement() != 3 || o.GetSevere() != 3 || o.GetReviews() != 7 || o.GetCouncils() != 7 {
		t.Errorf("leadership overall = %v", o)
	}
	// The North East's single council is too small a region, and
	// INADEQUATE (Bradford) too small a grade. Folding them alone would
	// leave cells of the two breakdowns crossed below three councils
	// (Yorkshire's not yet inspected are Barnsley and Calderdale), so the
	// smallest groups fold until none is: every region, and GOOD.
	regions := groups(lead.GetByRegion())
	if len(regions) != 1 || regions["AGGREGATE_GROUP_OTHER"].GetCouncils() != 7 || regions["AGGREGATE_GROUP_OTHER"].GetStrengths() != 4 {
		t.Errorf("leadership by region = %v", lead.GetByRegion())
	}
	// Later grades: GOOD 3 (London), INADEQUATE 1 (Bradford), not yet
	// inspected 3 (Barnsley, Calderdale, and Durham, judged before its
	// review).
	grades := groups(lead.GetByLaterGrade())
	if len(grades) != 2 || grades["AGGREGATE_GROUP_NOT_YET_INSPECTED"].GetReviews() != 3 || grades["AGGREGATE_GROUP_OTHER"].GetReviews() != 4 {
		t.Errorf("leadership by later grade = %v", lead.GetByLaterGrade())
	}
	if n := grades["AGGREGATE_GROUP_NOT_YET_INSPECTED"]; n.GetStrengths() != 1 || n.GetSevere() != 2 {
		t.Errorf("not yet inspected leadership = %v", n)
	}
	// Every folded group is listed with its reason, regions first.
	var hidden []string
	for _, g := range resp.GetSuppressedGroups() {
		hidden = append(hidden, g.GetGrouping()+" "+group(g)+" "+g.GetWithheld())
	}
	want := []string{
		"region REGION_NORTH_EAST FEWER_THAN_MIN_COUNCILS", "region REGION_YORKSHIRE_AND_THE_HUMBER COMPLEMENTARY", "region REGION_LONDON COMPLEMENTARY",
		"later_grade GRADE_GOOD COMPLEMENTARY", "later_grade GRADE_INADEQUATE FEWER_THAN_MIN_COUNCILS",
	}
	if !slices.Equal(hidden, want) {
		t.Errorf("suppressed groups = %q, want %q", hidden, want)
	}
	if calls := e.double.Calls(); len(calls) == 0 || calls[0].Method != "ListLocalAuthorities" {
		t.Errorf("calls = %v, want the councils read from the inspection service", calls)
	}
}

// TestThemeSummariesNameNoCouncil looks for every council's code and name
// in the whole response, whatever the minimum group size.
func TestThemeSummariesNameNoCouncil(t *testing.T) {
	lowerDisclosureThreshold(t, 3)
	e := newEnv(t, fixtureReviews())
	for _, min := range []int32{0, 3, 4, 7} {
		resp, err := e.client.ListThemeSummaries(e.as(officer), &peerreviewv1.ListThemeSummariesRequest{MinGroupSize: min})
		if err != nil {
			t.Fatal(err)
		}
		text := protojson.Format(resp)
		for _, c := range reference.Councils() {
			if strings.Contains(text, c.GSSCode) || strings.Contains(text, c.Name) {
				t.Errorf("min %d: the response names %s (%s): %s", min, c.Name, c.GSSCode, text)
			}
		}
		if strings.Contains(text, "localAuthorities") {
			t.Errorf("min %d: the response holds a council resource name: %s", min, text)
		}
		for _, s := range resp.GetThemeSummaries() {
			for _, c := range append(s.GetByRegion(), s.GetByLaterGrade()...) {
				if c.GetCouncils() < max(min, 3) {
					t.Errorf("min %d: group %s shows %d councils", min, group(c), c.GetCouncils())
				}
			}
		}
	}
}

func TestThemeSummariesSuppression(t *testing.T) {
	lowerDisclosureThreshold(t, 3)
	e := newEnv(t, fixtureReviews())
	ctx := e.as(rpctest.Adviser)
	resp, err := e.client.ListThemeSummaries(ctx, &peerreviewv1.ListThemeSummariesRequest{MinGroupSize: 7})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range resp.GetThemeSummaries() {
		if r := s.GetByRegion(); len(r) != 1 || group(r[0]) != "AGGREGATE_GROUP_OTHER" || r[0].GetCouncils() != 7 {
			t.Errorf("%v by region at minimum 7 = %v, want only OTHER with 7", s.GetTheme(), r)
		}
	}
	resp, err = e.client.ListThemeSummaries(ctx, &peerreviewv1.ListThemeSummariesRequest{MinGroupSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetCompletedReviews() != 0 || len(resp.GetThemeSummaries()) != 0 || resp.GetWithheld() != disclosure.ReasonTooFewCouncils || resp.GetMinCouncils() != 8 {
		t.Errorf("minimum above the councils reviewed: %v, want no summaries and the reason", resp)
	}
	for _, bad := range []int32{-1, 1, 2, 153} {
		_, err := e.client.ListThemeSummaries(ctx, &peerreviewv1.ListThemeSummariesRequest{MinGroupSize: bad})
		rpctest.ExpectError(t, "min_group_size", err, codes.InvalidArgument, "", "min_group_size")
	}
}

func TestThemeSummariesFewReviewsNeedNoGrades(t *testing.T) {
	e := newEnv(t, fixtureReviews()[:2])
	e.double.Stop()
	resp, err := e.client.ListThemeSummaries(e.as(rpctest.Adviser), &peerreviewv1.ListThemeSummariesRequest{})
	if err != nil {
		t.Fatalf("two completed reviews need no grades, yet: %v", err)
	}
	if resp.GetCompletedReviews() != 0 || len(resp.GetThemeSummaries()) != 0 || resp.GetWithheld() != disclosure.ReasonTooFewCouncils {
		t.Errorf("response = %v, want nothing summarised, not even the number of reviews", resp)
	}
}

func TestThemeSummariesInspectionUnavailable(t *testing.T) {
	lowerDisclosureThreshold(t, 3)
	e := newEnv(t, fixtureReviews())
	e.double.Stop()
	_, err := e.client.ListThemeSummaries(e.as(rpctest.Adviser), &peerreviewv1.ListThemeSummariesRequest{})
	rpctest.ExpectError(t, "inspection service stopped", err, codes.Unavailable, inspectionclient.ReasonUnavailable)
}

// TestThemeSummariesOnlyForThoseWhoReadFindings: the LGA and council
// officers read the summaries; DfE and Ofsted, who see when each review
// completes, and sponsors and partner systems, who read no review, are
// refused by the access matrix.
func TestThemeSummariesOnlyForThoseWhoReadFindings(t *testing.T) {
	lowerDisclosureThreshold(t, 3)
	e := newEnv(t, fixtureReviews())
	for _, p := range []auth.Principal{rpctest.Adviser, officer} {
		if _, err := e.client.ListThemeSummaries(e.as(p), &peerreviewv1.ListThemeSummariesRequest{}); err != nil {
			t.Errorf("%s: %v", p.Roles[0], err)
		}
	}
	for _, p := range []auth.Principal{rpctest.Inspector, rpctest.Official, sponsor, rpctest.Partner} {
		_, err := e.client.ListThemeSummaries(e.as(p), &peerreviewv1.ListThemeSummariesRequest{})
		rpctest.ExpectError(t, string(p.Roles[0]), err, codes.PermissionDenied, "")
	}
	_, err := e.client.ListThemeSummaries(context.Background(), &peerreviewv1.ListThemeSummariesRequest{})
	rpctest.ExpectError(t, "no token", err, codes.Unauthenticated, "")
}

// TestThemeSummaryReadersReadFindings holds the matrix to the rule: a role
// reads theme summaries only if its grant on peer reviews reaches their
// findings (any scope but the summary one), so the cell cannot drift from
// the data it counts.
func TestThemeSummaryReadersReadFindings(t *testing.T) {
	findings := map[auth.Role]bool{}
	for _, c := range access.Cells() {
		if c.Resource == access.PeerReview && c.Action == access.Read {
			for _, g := range c.Grants {
				if g.Scope != access.Summary {
					findings[g.Role] = true
				}
			}
		}
	}
	readers := access.Roles(access.ThemeSummary, access.Read)
	if len(readers) == 0 {
		t.Fatal("nobody reads theme summaries")
	}
	for _, r := range readers {
		if !findings[r] {
			t.Errorf("%s reads theme summaries but not review findings", r)
		}
	}
}

func validLesson() *peerreviewv1.Lesson {
	return &peerreviewv1.Lesson{
		Title:          "One front door for every partner",
		Theme:          peerreviewv1.Theme_THEME_FRONT_DOOR_AND_REFERRALS,
		Summary:        "A multi-agency safeguarding hub with police and health co-located cut re-referrals.",
		LocalAuthority: "localAuthorities/" + barking,
		PeerReview:     "localAuthorities/" + barking + "/peerReviews/r1",
	}
}

func TestCreateAndGetLesson(t *testing.T) {
	e := newEnv(t, fixtureReviews())
	ctx := e.as(rpctest.Adviser)
	created, err := e.client.CreateLesson(ctx, &peerreviewv1.CreateLessonRequest{Lesson: validLesson(), RequestId: "req-1"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.GetName(), "lessons/") || created.GetRegion() != typev1.Region_REGION_LONDON ||
		created.GetCreateTime() == nil || created.GetTitle() != validLesson().GetTitle() ||
		created.GetPeerReview() != validLesson().GetPeerReview() {
		t.Errorf("created = %v", created)
	}
	replayed, err := e.client.CreateLesson(ctx, &peerreviewv1.CreateLessonRequest{Lesson: validLesson(), RequestId: "req-1"})
	if err != nil || replayed.GetName() != created.GetName() {
		t.Errorf("retry = %v, %v; want the first lesson again", replayed, err)
	}
	other := validLesson()
	other.Title = "Another"
	_, err = e.client.CreateLesson(ctx, &peerreviewv1.CreateLessonRequest{Lesson: other, RequestId: "req-1"})
	rpctest.ExpectError(t, "request_id reused", err, codes.InvalidArgument, "REQUEST_ID_REUSED", "request_id")
	if all, _ := e.lessons.All(context.Background()); len(all) != 1 {
		t.Errorf("%d lessons stored, want 1", len(all))
	}
	for _, p := range everyone {
		got, err := e.client.GetLesson(e.as(p), &peerreviewv1.GetLessonRequest{Name: created.GetName()})
		if err != nil || got.GetName() != created.GetName() {
			t.Errorf("%s: GetLesson = %v, %v", p.Roles[0], got, err)
		}
	}
	_, err = e.client.GetLesson(ctx, &peerreviewv1.GetLessonRequest{Name: "lessons/nosuch"})
	rpctest.ExpectError(t, "missing lesson", err, codes.NotFound, "LESSON_NOT_FOUND")
	_, err = e.client.GetLesson(ctx, &peerreviewv1.GetLessonRequest{Name: "lesson/x"})
	rpctest.ExpectError(t, "bad name", err, codes.InvalidArgument, "", "name")
	// The lesson's audit entry is in the outbox with it.
	n, err := e.store.Client().XLen(context.Background(), e.store.Keyspace().Outbox(whatworksstore.Tag)).Result()
	if err != nil || n != 1 {
		t.Errorf("outbox holds %d entries (%v), want one audit entry", n, err)
	}
}

func TestCreateLessonValidation(t *testing.T) {
	e := newEnv(t, fixtureReviews())
	ctx := e.as(rpctest.Adviser)
	with := func(edit func(l *peerreviewv1.Lesson)) *peerreviewv1.Lesson {
		l := validLesson()
		edit(l)
		return l
	}
	cases := []struct {
		name   string
		lesson *peerreviewv1.Lesson
		code   codes.Code
		reason string
		fields []string
	}{
		{"no lesson", nil, codes.InvalidArgument, "", []string{"lesson"}},
		{"nothing set", &peerreviewv1.Lesson{}, codes.InvalidArgument, "", []string{"lesson.summary", "lesson.theme", "lesson.title"}},
		{"unknown theme", with(func(l *peerreviewv1.Lesson) { l.Theme = 99 }), codes.InvalidArgument, "", []string{"lesson.theme"}},
		{"bad council", with(func(l *peerreviewv1.Lesson) { l.LocalAuthority = "Barking"; l.PeerReview = "" }),
			codes.InvalidArgument, "", []string{"lesson.local_authority"}},
		{"review of another council", with(func(l *peerreviewv1.Lesson) { l.LocalAuthority = "localAuthorities/" + barnet }),
			codes.InvalidArgument, "", []string{"lesson.peer_review"}},
		{"review without council", with(func(l *peerreviewv1.Lesson) { l.LocalAuthority = "" }),
			codes.InvalidArgument, "", []string{"lesson.local_authority"}},
		{"missing review", with(func(l *peerreviewv1.Lesson) { l.PeerReview = "localAuthorities/" + barking + "/peerReviews/nosuch" }),
			codes.NotFound, review.ReasonNotFound, nil},
		{"review not completed", with(func(l *peerreviewv1.Lesson) {
			l.LocalAuthority = "localAuthorities/" + brent
			l.PeerReview = "localAuthorities/" + brent + "/peerReviews/r8"
		}), codes.FailedPrecondition, "PEER_REVIEW_NOT_COMPLETED", nil},
	}
	for _, tc := range cases {
		_, err := e.client.CreateLesson(ctx, &peerreviewv1.CreateLessonRequest{Lesson: tc.lesson})
		rpctest.ExpectError(t, tc.name, err, tc.code, tc.reason, tc.fields...)
	}
	_, err := e.client.CreateLesson(ctx, &peerreviewv1.CreateLessonRequest{Lesson: validLesson(), RequestId: strings.Repeat("x", 129)})
	rpctest.ExpectError(t, "long request_id", err, codes.InvalidArgument, "", "request_id")
	if all, _ := e.lessons.All(context.Background()); len(all) != 0 {
		t.Errorf("%d lessons stored by invalid requests", len(all))
	}
}

func TestCreateLessonDenied(t *testing.T) {
	e := newEnv(t, fixtureReviews())
	for _, p := range []auth.Principal{rpctest.Inspector, rpctest.Official, officer, sponsor, rpctest.Partner} {
		_, err := e.client.CreateLesson(e.as(p), &peerreviewv1.CreateLessonRequest{Lesson: validLesson()})
		rpctest.ExpectError(t, string(p.Roles[0]), err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
	}
	for name, call := range rpctest.Calls(t, e.client,
		&peerreviewv1.CreateLessonRequest{Lesson: validLesson()},
		&peerreviewv1.GetLessonRequest{Name: "lessons/abc"},
		&peerreviewv1.ListLessonsRequest{},
	) {
		rpctest.ExpectError(t, name+" without a token", call(context.Background()), codes.Unauthenticated, "")
	}
	if all, _ := e.lessons.All(context.Background()); len(all) != 0 {
		t.Errorf("%d lessons stored by denied callers", len(all))
	}
}

func TestListLessons(t *testing.T) {
	e := newEnv(t, fixtureReviews())
	ctx := e.as(rpctest.Adviser)
	create := func(theme peerreviewv1.Theme, council string) string {
		l := &peerreviewv1.Lesson{Title: "t", Theme: theme, Summary: "s"}
		if council != "" {
			l.LocalAuthority = "localAuthorities/" + council
		}
		got, err := e.client.CreateLesson(ctx, &peerreviewv1.CreateLessonRequest{Lesson: l})
		if err != nil {
			t.Fatal(err)
		}
		return got.GetName()
	}
	a := create(peerreviewv1.Theme_THEME_LEADERSHIP, barking)
	b := create(peerreviewv1.Theme_THEME_CASELOADS, barnsley)
	c := create(peerreviewv1.Theme_THEME_LEADERSHIP, barnsley)
	d := create(peerreviewv1.Theme_THEME_LEADERSHIP, "")
	cases := []struct {
		filter string
		want   []string
	}{
		{"", []string{d, c, b, a}},
		{"theme = LEADERSHIP", []string{d, c, a}},
		{`region = "YORKSHIRE_AND_THE_HUMBER"`, []string{c, b}},
		{"theme = LEADERSHIP AND region = LONDON", []string{a}},
	}
	for _, tc := range cases {
		for _, p := range []auth.Principal{officer, rpctest.Inspector} {
			resp, err := e.client.ListLessons(e.as(p), &peerreviewv1.ListLessonsRequest{Filter: tc.filter})
			if err != nil {
				t.Fatalf("%q: %v", tc.filter, err)
			}
			var got []string
			for _, l := range resp.GetLessons() {
				got = append(got, l.GetName())
			}
			if !slices.Equal(got, tc.want) || resp.GetTotalSize() != int32(len(tc.want)) {
				t.Errorf("%s, filter %q: %v (total %d), want %v", p.Roles[0], tc.filter, got, resp.GetTotalSize(), tc.want)
			}
		}
	}
	first, err := e.client.ListLessons(ctx, &peerreviewv1.ListLessonsRequest{PageSize: 2, Filter: "theme = LEADERSHIP"})
	if err != nil || len(first.GetLessons()) != 2 || first.GetNextPageToken() == "" {
		t.Fatalf("first page = %v, %v", first, err)
	}
	second, err := e.client.ListLessons(ctx, &peerreviewv1.ListLessonsRequest{PageSize: 2, Filter: "theme = LEADERSHIP", PageToken: first.GetNextPageToken()})
	if err != nil || len(second.GetLessons()) != 1 || second.GetLessons()[0].GetName() != a || second.GetNextPageToken() != "" {
		t.Errorf("second page = %v, %v", second, err)
	}
	_, err = e.client.ListLessons(ctx, &peerreviewv1.ListLessonsRequest{Filter: "theme = CASELOADS", PageToken: first.GetNextPageToken()})
	rpctest.ExpectError(t, "token of another filter", err, codes.InvalidArgument, paging.ReasonPageTokenMismatch, "page_token")
	_, err = e.client.ListLessons(ctx, &peerreviewv1.ListLessonsRequest{Filter: "council = E09000002"})
	rpctest.ExpectError(t, "unknown filter field", err, codes.InvalidArgument, "", "filter")
}
