package progressreviewstore

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planstore"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plantest"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/progressreview"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/progressreviewapi"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
)

type env struct {
	t       *testing.T
	st      *store.Store
	plans   *planstore.Plans
	reviews *Reviews
}

// codec is the stored form the service gives the store: the API message.
var codec = rpctest.Codec(progressreviewapi.ToProto, progressreviewapi.FromStored)

func newEnv(t *testing.T) *env {
	st := rpctest.NewStore(t)
	plans := planstore.New(st)
	return &env{t: t, st: st, plans: plans, reviews: New(st, plans, codec)}
}

// openPlan stores a plan of Leeds opened by an inadequate judgement and
// moves it through the states to s.
func (e *env) openPlan(s plan.State) plan.Plan {
	e.t.Helper()
	return plantest.Stored(e.t, e.plans, storetest.Leeds, s, plantest.Now)
}

func draft(date time.Time, overall plan.ProgressRating) progressreview.Draft {
	return progressreview.Draft{
		Date: date, Source: progressreview.OfstedMonitoringVisit, Overall: overall, Narrative: "Visit findings.",
		PriorityRatings: []progressreview.PriorityRating{{Priority: "p1", Rating: overall, Narrative: "Front door."}},
		Evidence:        []string{"Case audit"},
	}
}

// outbox returns the council's outbox entries: the events' types and the
// audit entries.
func (e *env) outbox() (types []string, audits []store.AuditEntry) {
	e.t.Helper()
	evs := rpctest.Outbox(e.t, e.st, keyspace.CouncilTag(storetest.Leeds))
	for _, ev := range evs {
		types = append(types, ev.Type)
	}
	return types, rpctest.Audits(e.t, evs)
}

func TestFirstReviewMovesThePlanToMonitoring(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p := e.openPlan(plan.Approved)
	_, before := e.outbox()

	rec, err := progressreview.Record(p, draft(storetest.Day(2016, 3, 1), plan.RatingLittle), resource.NewID(), "", "inspector-1", plantest.Now)
	if err != nil || !rec.PlanChanged {
		t.Fatalf("record = %+v, %v", rec, err)
	}
	req := &improvementplanv1.CreateProgressReviewRequest{Parent: p.Name(), RequestId: "req-1"}
	hash, err := store.RequestHash(req)
	if err != nil {
		t.Fatal(err)
	}
	audit := change.Request{Subject: "inspector-1", Roles: []string{"ofsted_inspector"}, Method: "/m/CreateProgressReview", RequestID: "req-1", RequestHash: hash}
	if err := e.reviews.Insert(ctx, rec, audit); err != nil {
		t.Fatal(err)
	}

	stored, err := e.plans.Get(ctx, storetest.Leeds, p.ID)
	if err != nil || stored.State != plan.Monitoring || stored.Version != p.Version+1 {
		t.Fatalf("plan after the first review = %+v, %v", stored, err)
	}
	got, err := e.reviews.Get(ctx, storetest.Leeds, p.ID, rec.Review.ID)
	if err != nil || !reflect.DeepEqual(got, rec.Review) {
		t.Fatalf("get = %+v, %v; want %+v", got, err, rec.Review)
	}
	if replayed, ok, err := e.reviews.Replay(ctx, storetest.Leeds, audit); err != nil || !ok || !reflect.DeepEqual(replayed, rec.Review) {
		t.Fatalf("replay = %v, %v, %v", replayed, ok, err)
	}

	_, audits := e.outbox()
	audits = audits[len(before):]
	if len(audits) != 2 {
		t.Fatalf("audit entries %+v, want the review's and the plan's", audits)
	}
	if a := audits[0]; a.Resource != rec.Review.Name() || a.EtagBefore != "" || a.EtagAfter != `"1"` || a.Actor != "inspector-1" || a.RequestID != "req-1" {
		t.Errorf("review audit = %+v", a)
	}
	if a := audits[1]; a.Resource != p.Name() || a.EtagBefore != store.Etag(p.Version) || a.EtagAfter != store.Etag(p.Version+1) || a.Method != "/m/CreateProgressReview" {
		t.Errorf("plan audit = %+v", a)
	}

	// Later reviews leave the plan, and its etag, alone.
	for _, d := range []progressreview.Draft{draft(storetest.Day(2016, 5, 1), plan.RatingSignificant), draft(storetest.Day(2016, 1, 10), plan.RatingDeteriorated)} {
		rec, err := progressreview.Record(stored, d, resource.NewID(), "", "inspector-1", plantest.Now)
		if err != nil || rec.PlanChanged {
			t.Fatalf("record = %+v, %v", rec, err)
		}
		if err := e.reviews.Insert(ctx, rec, change.Request{Subject: audit.Subject, Roles: audit.Roles, Method: audit.Method}); err != nil {
			t.Fatal(err)
		}
	}
	if again, err := e.plans.Get(ctx, storetest.Leeds, p.ID); err != nil || again.Version != stored.Version {
		t.Fatalf("plan after later reviews = %+v, %v", again, err)
	}
	list, err := e.reviews.List(ctx, storetest.Leeds, p.ID)
	if err != nil || len(list) != 3 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	var dates []string
	for _, r := range list {
		dates = append(dates, r.Date.Format(time.DateOnly))
	}
	if !slices.Equal(dates, []string{"2016-01-10", "2016-03-01", "2016-05-01"}) {
		t.Errorf("list dates = %v, want oldest first", dates)
	}
	ratings, err := e.reviews.Ratings(ctx, storetest.Leeds, p.ID)
	if err != nil || !slices.Equal(ratings, []string{"DETERIORATED", "LITTLE", "SIGNIFICANT"}) {
		t.Errorf("ratings = %v, %v", ratings, err)
	}
}

func TestInsertConflicts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p := e.openPlan(plan.Approved)
	rec, err := progressreview.Record(p, draft(storetest.Day(2016, 3, 1), plan.RatingSome), "rv1", "", "dfe-1", plantest.Now)
	if err != nil {
		t.Fatal(err)
	}
	// The plan moves after it was read: the review's commit must fail
	// whole, since it would otherwise overwrite the newer plan.
	moved := p.Clone()
	if err := moved.Transition(plan.DecisionDue, plan.ServiceActor, "deadline", plantest.Now); err != nil {
		t.Fatal(err)
	}
	if _, err := e.plans.Save(ctx, moved, change.Request{Subject: "test", Method: "test"}); err != nil {
		t.Fatal(err)
	}
	if err := e.reviews.Insert(ctx, rec, change.Request{Subject: "dfe-1", Method: "m"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("insert over a moved plan: %v", err)
	}
	if _, err := e.reviews.Get(ctx, storetest.Leeds, p.ID, "rv1"); !errors.Is(err, progressreview.ErrNotFound) {
		t.Fatalf("review after a failed insert: %v", err)
	}
	if list, err := e.reviews.List(ctx, storetest.Leeds, p.ID); err != nil || len(list) != 0 {
		t.Fatalf("list after a failed insert = %v, %v", list, err)
	}

	// A taken ID conflicts too.
	cur, err := e.plans.Get(ctx, storetest.Leeds, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	rec, err = progressreview.Record(cur, draft(storetest.Day(2016, 3, 1), plan.RatingSome), "rv1", "", "dfe-1", plantest.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.reviews.Insert(ctx, rec, change.Request{Subject: "dfe-1", Method: "m"}); err != nil {
		t.Fatal(err)
	}
	if err := e.reviews.Insert(ctx, rec, change.Request{Subject: "dfe-1", Method: "m"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second insert of rv1: %v", err)
	}
}

func TestReadsOfNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.reviews.Get(ctx, storetest.Leeds, "nope", "nope"); !errors.Is(err, progressreview.ErrNotFound) {
		t.Errorf("get of a missing review: %v", err)
	}
	if list, err := e.reviews.List(ctx, storetest.Leeds, "nope"); err != nil || len(list) != 0 {
		t.Errorf("list of a missing plan = %v, %v", list, err)
	}
	if ratings, err := e.reviews.Ratings(ctx, storetest.Leeds, "nope"); err != nil || len(ratings) != 0 {
		t.Errorf("ratings of a missing plan = %v, %v", ratings, err)
	}
	if _, ok, err := e.reviews.Replay(ctx, storetest.Leeds, change.Request{Subject: "s", Method: "m", RequestID: "never"}); ok || err != nil {
		t.Errorf("replay of an unknown request = %v, %v", ok, err)
	}
}

// TestRatingsOfAPageInTwoRoundTrips: the ratings of a page of plans are
// each plan's own ratings, in the page's order, read in at most two round
// trips whether the page holds one plan or several (one when no plan of the
// page has a review).
func TestRatingsOfAPageInTwoRoundTrips(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	trips := redistest.CountRoundTrips(e.st.Client())
	record := func(p plan.Plan, ratings ...plan.ProgressRating) {
		t.Helper()
		for i, r := range ratings {
			cur, err := e.plans.Get(ctx, p.GSSCode, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := progressreview.Record(cur, draft(storetest.Day(2016, 3, 1+i), r), resource.NewID(), "", "inspector-1", plantest.Now)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.reviews.Insert(ctx, rec, change.Request{Subject: "inspector-1", Method: "m"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	leeds := plantest.Stored(t, e.plans, storetest.Leeds, plan.Approved, plantest.Now)
	doncaster := plantest.Stored(t, e.plans, storetest.Doncaster, plan.Approved, plantest.Now)
	slough := plantest.Stored(t, e.plans, storetest.Slough, plan.Approved, plantest.Now)
	record(leeds, plan.RatingLittle, plan.RatingSome)
	record(slough, plan.RatingDeteriorated)

	for _, page := range [][]plan.Plan{{leeds}, {slough, doncaster, leeds}, {doncaster}} {
		var got [][]string
		var err error
		if n := trips.During(func() { got, err = e.reviews.RatingsOf(ctx, page) }); err != nil || n > 2 {
			t.Fatalf("RatingsOf(%d plans): %d round trips, %v; want at most 2", len(page), n, err)
		}
		if len(got) != len(page) {
			t.Fatalf("RatingsOf(%d plans) gave %d", len(page), len(got))
		}
		for i, p := range page {
			want, err := e.reviews.Ratings(ctx, p.GSSCode, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got[i], want) {
				t.Errorf("ratings of %s in a page: %v; alone: %v", p.Name(), got[i], want)
			}
		}
	}
	if got, err := e.reviews.RatingsOf(ctx, []plan.Plan{leeds, slough}); err != nil || !slices.Equal(got[0], []string{"LITTLE", "SOME"}) || !slices.Equal(got[1], []string{"DETERIORATED"}) {
		t.Errorf("RatingsOf = %v, %v", got, err)
	}
}

// TestPlanListRoundTripsDoNotGrowWithThePage: a page of every council's
// plans, with their ratings, takes as many round trips at one plan a page
// as at three.
func TestPlanListRoundTripsDoNotGrowWithThePage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	trips := redistest.CountRoundTrips(e.st.Client())
	svc := plan.NewService(e.plans, e.reviews, nil, nil)
	for _, gss := range []string{storetest.Leeds, storetest.Doncaster, storetest.Slough} {
		p := plantest.Stored(t, e.plans, gss, plan.Approved, plantest.Now)
		rec, err := progressreview.Record(p, draft(storetest.Day(2016, 3, 1), plan.RatingSome), resource.NewID(), "", "inspector-1", plantest.Now)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.reviews.Insert(ctx, rec, change.Request{Subject: "inspector-1", Method: "m"}); err != nil {
			t.Fatal(err)
		}
	}
	list := func(size int32) int64 {
		var page plan.Page
		var err error
		n := trips.During(func() { page, err = svc.List(ctx, resource.AllCouncils, nil, nil, nil, 0, size) })
		if err != nil || len(page.Plans) != int(size) {
			t.Fatalf("list of %d: %+v, %v", size, page, err)
		}
		for _, p := range page.Plans {
			if !slices.Equal(p.Ratings, []string{"SOME"}) {
				t.Fatalf("plan %s listed with ratings %v", p.Name(), p.Ratings)
			}
		}
		return n
	}
	list(3) // the first read fills what later reads reuse
	if one, three := list(1), list(3); one != three {
		t.Errorf("a page of one plan took %d round trips, a page of three %d", one, three)
	}
}

// TestRatingsFromMemorySeeEveryReview: with a Tracker, a page's ratings are
// answered from memory (no command on the store's client) while no plan of
// it had a review, and each review another replica records shows on the
// very next read, for its plan alone.
func TestRatingsFromMemorySeeEveryReview(t *testing.T) {
	ctx := context.Background()
	c, ks := redistest.New(t)
	tr := redistest.Tracker(t, ks)
	readerStore := store.New(c, ks, store.WithTracker(tr))
	reader := New(readerStore, planstore.New(readerStore), codec)
	writerStore := store.New(c, ks)
	w := &env{t: t, st: writerStore, plans: planstore.New(writerStore)}
	w.reviews = New(writerStore, w.plans, codec)
	trips := redistest.CountRoundTrips(c)

	leeds := plantest.Stored(t, w.plans, storetest.Leeds, plan.Approved, plantest.Now)
	slough := plantest.Stored(t, w.plans, storetest.Slough, plan.Approved, plantest.Now)
	page := []plan.Plan{leeds, slough}
	day := 0
	record := func(p plan.Plan, r plan.ProgressRating) {
		t.Helper()
		cur, err := w.plans.Get(ctx, p.GSSCode, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		day++
		rec, err := progressreview.Record(cur, draft(storetest.Day(2016, 3, day), r), resource.NewID(), "", "inspector-1", plantest.Now)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.reviews.Insert(ctx, rec, change.Request{Subject: "inspector-1", Method: "m"}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(step string, want ...[]string) {
		t.Helper()
		for i := range 3 {
			var got [][]string
			var err error
			n := trips.During(func() { got, err = reader.RatingsOf(ctx, page) })
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(got, want, slices.Equal) {
				t.Fatalf("%s, read %d: ratings %v, want %v", step, i, got, want)
			}
			if i == 2 && n != 0 {
				t.Fatalf("%s: unchanged ratings took %d round trips on the store's client, want 0", step, n)
			}
		}
	}
	check("no review", nil, nil)
	record(leeds, plan.RatingLittle)
	check("a review of Leeds", []string{"LITTLE"}, nil)
	record(slough, plan.RatingDeteriorated)
	check("a review of Slough", []string{"LITTLE"}, []string{"DETERIORATED"})
	record(leeds, plan.RatingSome)
	check("a second review of Leeds", []string{"LITTLE", "SOME"}, []string{"DETERIORATED"})
}
