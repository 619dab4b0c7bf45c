// Package concerntest builds what the inspection service's concern tests
// share: the concern use cases over a store with some councils seeded, the
// stored forms the service gives concerns, recommendations and councils,
// and a double of the scheduler that turns an accepted recommendation into
// an emergency inspection.
package concerntest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/concern"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concernapi"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/concernstore"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/councilapi"
	"github.com/turnaround-sli/turnaround/services/inspection/internal/councilstore"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
)

// Now is the service's fixed clock: noon on the demo data's "as of" day,
// 14 December 2015.
var Now = time.Date(2015, 12, 14, 12, 0, 0, 0, time.UTC)

// The stored forms of concerns, recommendations and councils, as the
// service builds them.
var (
	ConcernCodec        = rpctest.Codec(concernapi.ConcernToProto, concernapi.ConcernFromStored)
	RecommendationCodec = rpctest.Codec(concernapi.RecommendationToProto, concernapi.RecommendationFromStored)
	CouncilCodec        = rpctest.Codec(councilapi.ToProto, councilapi.FromStored)
)

// Fixture is the concern use cases over a store, with what they stand on.
type Fixture struct {
	Store     *store.Store
	Councils  *councilstore.Councils
	Concerns  *concernstore.Concerns
	Scheduler *Scheduler
	Service   *concern.Service
}

// New seeds the councils gss in st from the reference data and builds the
// concern use cases over st with the default rules, the clock Now and a
// Scheduler double.
func New(t testing.TB, st *store.Store, gss ...string) Fixture {
	t.Helper()
	councils := councilstore.NewCouncils(st, CouncilCodec)
	var seed []reference.Council
	for _, code := range gss {
		rc, _ := reference.CouncilByCode(code)
		seed = append(seed, rc)
	}
	if _, err := councils.Seed(context.Background(), seed); err != nil {
		t.Fatal(err)
	}
	f := Fixture{Store: st, Councils: councils, Concerns: concernstore.New(st, ConcernCodec, RecommendationCodec), Scheduler: &Scheduler{st: st}}
	svc, err := concern.NewService(f.Concerns, concernstore.NewCouncilGrades(councils), f.Scheduler, concern.DefaultRules(),
		concern.WithClock(func() time.Time { return Now }))
	if err != nil {
		t.Fatal(err)
	}
	f.Service = svc
	return f
}

// Scheduler is a double of concern.InspectionScheduler, standing in for
// the inspectionstore implementation, which another package owns. It
// writes one record per recommendation to Redis under the council's tag
// and, as the real one must, returns the same inspection when asked again
// for the same recommendation. Calls counts the requests it was given.
type Scheduler struct {
	st    *store.Store
	Calls atomic.Int32
}

// Scheduled is what Scheduler recorded for a recommendation.
type Scheduled struct {
	Inspection, Recommendation, RequestID, Actor string
	Start, End                                   time.Time
}

// LastSegment is the last segment of a resource name: a recommendation's
// id, which names the emergency inspection it schedules.
func LastSegment(name string) string { return name[strings.LastIndex(name, "/")+1:] }

func (d *Scheduler) key(gss, recommendation string) string {
	return d.st.Keyspace().Key(keyspace.CouncilTag(gss), "test-double", "emergency", LastSegment(recommendation))
}

// ScheduleEmergency records an emergency inspection of gss for the
// recommendation, named after it, unless one is recorded already, and
// returns the inspection's name.
func (d *Scheduler) ScheduleEmergency(ctx context.Context, gss string, start, end time.Time, recommendation string, r change.Request) (string, error) {
	d.Calls.Add(1)
	rec := Scheduled{
		Inspection:     resource.CouncilName(gss) + "/inspections/emergency-" + LastSegment(recommendation),
		Recommendation: recommendation, RequestID: r.RequestID, Actor: r.Subject, Start: start, End: end,
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return "", err
	}
	_, err = d.st.Commit(ctx, store.Mutation{Tag: keyspace.CouncilTag(gss), Writes: []store.Write{{Key: d.key(gss, recommendation), Data: data}}})
	if errors.Is(err, store.ErrConflict) {
		got, err := d.Scheduled(ctx, gss, recommendation)
		return got.Inspection, err
	}
	return rec.Inspection, err
}

// Scheduled is what was recorded for the recommendation of gss.
func (d *Scheduler) Scheduled(ctx context.Context, gss, recommendation string) (Scheduled, error) {
	r, err := d.st.Get(ctx, d.key(gss, recommendation))
	if err != nil {
		return Scheduled{}, err
	}
	var got Scheduled
	return got, json.Unmarshal(r.Data, &got)
}
