package progressreviewapi

import (
	"context"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plantest"
	"testing"
	"time"

	improvementplanv1 "github.com/turnaround-sli/turnaround/proto/turnaround/improvementplan/v1"
	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/plan"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/planstore"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/progressreview"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/progressreviewstore"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/servertest"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/support"
	"github.com/turnaround-sli/turnaround/services/improvementplan/internal/supportstore"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

type testServer struct {
	servertest.Fallback
	*Reviews
}

const (
	leeds     = "E08000035"
	sheffield = "E08000019"
)

// The council and sponsor callers of these tests; those of the national
// roles are rpctest's.
var (
	officer  = rpctest.Officer(leeds)
	outsider = rpctest.Officer(sheffield)
	sponsor  = rpctest.SponsorOfficer("hampshire")
)

// clock is the service's clock: mid-afternoon on 1 June 2016.
func clock() time.Time { return time.Date(2016, 6, 1, 15, 0, 0, 0, time.UTC) }

type env struct {
	t       *testing.T
	client  improvementplanv1.ImprovementPlanServiceClient
	store   *store.Store
	plans   *planstore.Plans
	reviews *progressreviewstore.Reviews
	// support is the read model of which sponsors support which councils.
	support *support.Service
}

// newEnv serves the handlers over real Redis behind the real interceptor
// chain (error mapping, authentication, policies) on an in-memory listener.
func newEnv(t *testing.T) *env {
	t.Helper()
	st := rpctest.NewStore(t)
	plans := planstore.New(st)
	reviews := progressreviewstore.New(st, plans, rpctest.Codec(ToProto, FromStored))
	svc := progressreview.NewService(reviews, plans, clock)
	sup := support.NewService(supportstore.New(st))
	client := rpctest.Client(t, Policies, &improvementplanv1.ImprovementPlanService_ServiceDesc,
		testServer{Reviews: New(svc, rpctest.NewPages(t), sup)}, improvementplanv1.NewImprovementPlanServiceClient)
	return &env{t: t, client: client, store: st, plans: plans, reviews: reviews, support: sup}
}

// as returns a context whose calls carry a development token for p.
func (e *env) as(p auth.Principal) context.Context { return rpctest.As(e.t, p) }

// planIn stores a plan of council gss opened by an inadequate judgement
// and moves it to s (see plantest.Stored).
func (e *env) planIn(gss string, s plan.State) plan.Plan {
	e.t.Helper()
	return plantest.Stored(e.t, e.plans, gss, s, clock())
}

func day(y, m, d int32) *typev1.Date { return &typev1.Date{Year: y, Month: m, Day: d} }

const (
	ofstedVisit = improvementplanv1.ReviewSource_REVIEW_SOURCE_OFSTED_MONITORING_VISIT
	dfeReview   = improvementplanv1.ReviewSource_REVIEW_SOURCE_DFE_REVIEW
	selfAssess  = improvementplanv1.ReviewSource_REVIEW_SOURCE_SELF_ASSESSMENT

	significant  = improvementplanv1.ProgressRating_PROGRESS_RATING_SIGNIFICANT
	some         = improvementplanv1.ProgressRating_PROGRESS_RATING_SOME
	little       = improvementplanv1.ProgressRating_PROGRESS_RATING_LITTLE
	deteriorated = improvementplanv1.ProgressRating_PROGRESS_RATING_DETERIORATED
)

// progress is a valid review from source on date, rated overall and on
// priority p1.
func progress(source improvementplanv1.ReviewSource, date *typev1.Date, overall improvementplanv1.ProgressRating) *improvementplanv1.ProgressReview {
	return &improvementplanv1.ProgressReview{
		ReviewDate:    date,
		Source:        source,
		OverallRating: overall,
		PriorityRatings: []*improvementplanv1.PriorityRating{
			{Priority: "p1", Rating: overall, Narrative: "Strategy discussions are now held within a day."},
		},
		Narrative: "Progress since the last visit is " + overall.String() + ".",
		Evidence:  []string{"Audit of 40 case files", "Performance data to April"},
	}
}
