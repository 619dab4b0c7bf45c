package engagementstore

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/engagement"
)

const hampshire = "hampshire"

// now is the stores' clock: a morning in May 2016, in 2016-Q2.
var now = time.Date(2016, 5, 16, 9, 0, 0, 0, time.UTC)

type fixture struct {
	t    *testing.T
	st   *store.Store
	engs *Engagements
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := rpctest.NewStore(t)
	return &fixture{t: t, st: st, engs: New(st, WithClock(func() time.Time { return now }))}
}

// newEngagement returns a new engagement of sponsor with council gss,
// planning planned staff-days a quarter from 1 April 2016.
func newEngagement(t *testing.T, sponsor, gss string, planned int) engagement.Engagement {
	t.Helper()
	e, err := engagement.New(engagement.Start{
		Sponsor: sponsor, Council: gss, Need: "localAuthorities/" + gss + "/sponsorNeeds/" + engagement.NewID(),
		MatchRun: "matchRuns/run-1", StartDate: storetest.Day(2016, 4, 1), PlannedStaffDays: planned,
	}, engagement.NewID(), "", now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// create stores a new engagement and returns it at version 1.
func (f *fixture) create(sponsor, gss string, planned int) engagement.Engagement {
	f.t.Helper()
	e, err := f.engs.Create(context.Background(), newEngagement(f.t, sponsor, gss, planned), store.AuditEntry{Audit: change.Audit{Actor: "official-2", Method: "approve"}})
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

// get reads the engagement id of sponsor from the store.
func (f *fixture) get(sponsor, id string) engagement.Engagement {
	f.t.Helper()
	e, err := f.engs.Get(context.Background(), sponsor, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

// drafted is e with the deployment d, given the id, recorded by actor:
// what the use case would hand the store.
func (f *fixture) drafted(e engagement.Engagement, d engagement.Draft, id, actor string) (engagement.Engagement, engagement.Deployment) {
	f.t.Helper()
	next, dep, err := e.Deploy(d, "", id, actor, now)
	if err != nil {
		f.t.Fatal(err)
	}
	return next, dep
}

// deploy records days staff-days on date to e, as read from the store.
func (f *fixture) deploy(sponsor, id string, on time.Time, days float64) (engagement.Engagement, engagement.Deployment) {
	f.t.Helper()
	next, dep := f.drafted(f.get(sponsor, id), engagement.Draft{Date: on, Role: engagement.SocialWorker, StaffDays: days}, engagement.NewID(), "officer-1")
	saved, err := f.engs.AddDeployment(context.Background(), next, dep, change.Request{Subject: "officer-1", Method: "record"})
	if err != nil {
		f.t.Fatal(err)
	}
	return saved, dep
}

// outbox decodes the sponsor's outbox: EngagementStarted payloads and
// audit entries, oldest first.
func (f *fixture) outbox(sponsor string) (started []*eventsv1.EngagementStarted, envelopes []events.Event, audits []store.AuditEntry) {
	f.t.Helper()
	evs := rpctest.Outbox(f.t, f.st, Tag(sponsor))
	for _, ev := range evs {
		if ev.Type != store.AuditType {
			envelopes = append(envelopes, ev)
		}
	}
	return rpctest.Payloads[*eventsv1.EngagementStarted](f.t, evs), envelopes, rpctest.Audits(f.t, evs)
}

func TestCreateCommitsTheEngagementWithItsEventAndAudit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	e := newEngagement(t, hampshire, storetest.Slough, 40)
	extra := events.Event{Topic: Topic, Type: "turnaround.events.v1.MatchRunApproved", Subject: "matchRuns/run-1"}
	created, err := f.engs.Create(ctx, e, store.AuditEntry{Audit: change.Audit{Actor: "official-2", Method: "approve", RequestID: "req-1"}}, extra)
	if err != nil {
		t.Fatal(err)
	}
	if created.Version != 1 {
		t.Errorf("created at version %d, want 1", created.Version)
	}
	got := f.get(hampshire, e.ID)
	want := e.Clone()
	want.Version = 1
	if got.Name() != want.Name() || got.Council != storetest.Slough || got.Need != e.Need || got.MatchRun != e.MatchRun ||
		!got.StartDate.Equal(e.StartDate) || got.PlannedStaffDays != 40 || got.State != engagement.Active ||
		!got.CreateTime.Equal(e.CreateTime) || got.Version != 1 || got.Deployed != 0 {
		t.Errorf("Get = %+v, want %+v", got, want)
	}

	started, envelopes, audits := f.outbox(hampshire)
	wantEvent := &eventsv1.EngagementStarted{
		Engagement: e.Name(), Sponsor: "sponsors/hampshire", LocalAuthority: "localAuthorities/" + storetest.Slough, SponsorNeed: e.Need,
	}
	if len(started) != 1 || !proto.Equal(started[0], wantEvent) {
		t.Fatalf("EngagementStarted events %v, want %v", started, wantEvent)
	}
	if envelopes[0].Topic != Topic || envelopes[0].Subject != e.Name() || !envelopes[0].Time.Equal(e.CreateTime) {
		t.Errorf("event envelope %+v", envelopes[0])
	}
	if len(envelopes) != 2 || envelopes[1].Type != extra.Type {
		t.Errorf("the extra event did not follow: %+v", envelopes)
	}
	if len(audits) != 1 || audits[0].Resource != e.Name() || audits[0].EtagAfter != `"1"` || audits[0].RequestID != "req-1" {
		t.Errorf("audit %+v", audits)
	}

	// The id is taken now.
	if _, err := f.engs.Create(ctx, e, store.AuditEntry{Audit: change.Audit{Actor: "official-2", Method: "approve"}}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second create = %v, want ErrConflict", err)
	}
	if _, err := f.engs.Get(ctx, hampshire, "missing"); !errors.Is(err, engagement.ErrNotFound) {
		t.Errorf("Get(missing) = %v, want ErrNotFound", err)
	}
}

func TestNewMutationsMergeIntoOneCommit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a, b := newEngagement(t, "leeds", storetest.Slough, 10), newEngagement(t, "leeds", storetest.Doncaster, 20)
	ma, err := f.engs.NewMutation(ctx, a, store.AuditEntry{Audit: change.Audit{Actor: "official-2", Method: "approve"}})
	if err != nil {
		t.Fatal(err)
	}
	mb, err := f.engs.NewMutation(ctx, b, store.AuditEntry{Audit: change.Audit{Actor: "official-2", Method: "approve"}})
	if err != nil {
		t.Fatal(err)
	}
	if ma.Tag != Tag("leeds") || mb.Tag != ma.Tag {
		t.Fatalf("tags %q, %q, want %q", ma.Tag, mb.Tag, Tag("leeds"))
	}
	// An approval merges the engagements of one sponsor with a record of
	// its own under the same tag.
	marker := f.st.Keyspace().Key(Tag("leeds"), "approval-marker")
	m := store.Mutation{
		Tag:    ma.Tag,
		Writes: append(append(slices.Clone(ma.Writes), mb.Writes...), store.Write{Key: marker, Data: []byte("x")}),
		Index:  append(slices.Clone(ma.Index), mb.Index...),
		Events: append(slices.Clone(ma.Events), mb.Events...),
		Audit:  append(slices.Clone(ma.Audit), mb.Audit...),
	}
	if _, err := f.st.Commit(ctx, m); err != nil {
		t.Fatal(err)
	}
	all, err := f.engs.List(ctx, "leeds")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Fatalf("List = %d engagements, want 2", len(all))
	}
	if started, _, audits := f.outbox("leeds"); len(started) != 2 || len(audits) != 2 {
		t.Errorf("outbox holds %d EngagementStarted and %d audit entries, want 2 and 2", len(started), len(audits))
	}
	// The sponsor is registered, so lists across sponsors find it.
	across, err := f.engs.List(ctx, engagement.AllSponsors)
	if err != nil || len(across) != 2 {
		t.Errorf("List(all) = %d engagements, %v; want 2", len(across), err)
	}

	// Only new engagements can be written this way.
	used := newEngagement(t, "leeds", storetest.Slough, 10)
	used.Deployed = 2
	ended := newEngagement(t, "leeds", storetest.Slough, 10)
	ended.State = engagement.Ended
	for _, bad := range []engagement.Engagement{used, ended, {Sponsor: "Leeds", ID: "x", State: engagement.Active}} {
		if _, _, err := f.engs.NewWrites(ctx, bad); !errors.Is(err, store.ErrBadMutation) {
			t.Errorf("NewWrites(%+v) = %v, want ErrBadMutation", bad, err)
		}
	}
}

func TestDeploymentAndTotalCommitTogether(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	e := f.create(hampshire, storetest.Slough, 40)
	cur := f.get(hampshire, e.ID)
	next, dep := f.drafted(cur, engagement.Draft{Date: storetest.Day(2016, 5, 2), Role: engagement.Director, StaffDays: 2.5, Notes: "Interim DCS."},
		"dep-1", "officer-1")
	req := &sponsorv1.RecordDeploymentRequest{Parent: e.Name(), RequestId: "req-1"}
	hash, err := store.RequestHash(req)
	if err != nil {
		t.Fatal(err)
	}
	r := change.Request{Subject: "officer-1", Method: "record", RequestID: "req-1", RequestHash: hash}
	saved, err := f.engs.AddDeployment(ctx, next, dep, r)
	if err != nil {
		t.Fatal(err)
	}
	got := f.get(hampshire, e.ID)
	if saved.Version != 2 || got.Version != 2 || got.Deployed != 5 || got.ByQuarter["2016-Q2"] != 5 || len(got.ByQuarter) != 1 {
		t.Errorf("engagement after the deployment = %+v (returned at version %d)", got, saved.Version)
	}
	if got.Deployed.StaffDays() != 2.5 {
		t.Errorf("deployed_staff_days = %v, want 2.5", got.Deployed.StaffDays())
	}
	deps, err := f.engs.Deployments(ctx, hampshire, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(deps) != 1 || deps[0] != dep {
		t.Errorf("Deployments = %+v, want [%+v]", deps, dep)
	}
	if replayed, ok, err := f.engs.ReplayDeployment(ctx, hampshire, r); err != nil || !ok || replayed != dep {
		t.Errorf("Replay = %v, %v, %v; want the stored response", replayed, ok, err)
	}
	_, _, audits := f.outbox(hampshire)
	var trail []string
	for _, a := range audits[1:] { // after the creation's
		trail = append(trail, a.Resource+" "+a.EtagBefore+">"+a.EtagAfter)
	}
	if want := []string{dep.Name() + ` >"1"`, e.Name() + ` "1">"2"`}; !slices.Equal(trail, want) {
		t.Errorf("audit trail %q, want %q", trail, want)
	}
}

func TestStaleEngagementVersionConflicts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	e := f.create(hampshire, storetest.Slough, 40)
	read := f.get(hampshire, e.ID)
	// Another deployment commits after our read.
	f.deploy(hampshire, e.ID, storetest.Day(2016, 5, 3), 1)

	next, dep := f.drafted(read, engagement.Draft{Date: storetest.Day(2016, 5, 4), Role: engagement.Manager, StaffDays: 3}, "late", "officer-2")
	_, err := f.engs.AddDeployment(ctx, next, dep, change.Request{Subject: "officer-2", Method: "record"})
	if !errors.Is(err, store.ErrConflict) || !errors.Is(err, engagement.ErrConflict) {
		t.Fatalf("AddDeployment on a stale engagement = %v, want ErrConflict", err)
	}
	got := f.get(hampshire, e.ID)
	if got.Version != 2 || got.Deployed != 2 {
		t.Errorf("engagement = version %d with %d half-days, want version 2 with only the first deployment's 2", got.Version, got.Deployed)
	}
	deps, err := f.engs.Deployments(ctx, hampshire, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(deps) != 1 || deps[0].ID == "late" {
		t.Errorf("deployments %+v, want only the first", deps)
	}
	in, _, err := f.engs.DeploymentsIn(ctx, hampshire, engagement.Period{Start: storetest.Day(2016, 4, 1), End: storetest.Day(2016, 6, 30)})
	if err != nil || len(in) != 1 {
		t.Errorf("dated index holds %d deployments, %v; want 1", len(in), err)
	}
	// An engagement never read (version 0) cannot be written this way.
	fresh := newEngagement(t, hampshire, storetest.Slough, 1)
	if _, err := f.engs.AddDeployment(ctx, fresh, engagement.Deployment{Sponsor: hampshire, Engagement: fresh.ID, ID: "d"}, change.Request{}); !errors.Is(err, store.ErrBadMutation) {
		t.Errorf("AddDeployment at version 0 = %v, want ErrBadMutation", err)
	}
}

func TestDeploymentsInPeriod(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.create(hampshire, storetest.Slough, 40)
	b := f.create(hampshire, storetest.Doncaster, 20)
	other := f.create("leeds", storetest.Slough, 20)
	f.deploy(hampshire, a.ID, storetest.Day(2016, 4, 1), 1)    // first day of the period
	f.deploy(hampshire, a.ID, storetest.Day(2016, 4, 30), 2)   // last day
	f.deploy(hampshire, b.ID, storetest.Day(2016, 4, 15), 3)   // within
	f.deploy(hampshire, b.ID, storetest.Day(2016, 5, 1), 4)    // after
	f.deploy("leeds", other.ID, storetest.Day(2016, 4, 10), 5) // another sponsor

	deps, engs, err := f.engs.DeploymentsIn(ctx, hampshire, engagement.Period{Start: storetest.Day(2016, 4, 1), End: storetest.Day(2016, 4, 30)})
	if err != nil {
		t.Fatal(err)
	}
	var days []float64
	for _, d := range deps {
		days = append(days, d.HalfDays.StaffDays())
	}
	if want := []float64{1, 3, 2}; !slices.Equal(days, want) {
		t.Errorf("deployments' days %v, want %v (oldest first)", days, want)
	}
	var ids []string
	for _, e := range engs {
		ids = append(ids, e.ID)
	}
	slices.Sort(ids)
	wantIDs := []string{a.ID, b.ID}
	slices.Sort(wantIDs)
	if !slices.Equal(ids, wantIDs) {
		t.Errorf("engagements %v, want %v", ids, wantIDs)
	}
	none, noEngs, err := f.engs.DeploymentsIn(ctx, "durham", engagement.Period{Start: storetest.Day(2016, 4, 1), End: storetest.Day(2016, 4, 30)})
	if err != nil || len(none) != 0 || len(noEngs) != 0 {
		t.Errorf("a sponsor without deployments: %v, %v, %v", none, noEngs, err)
	}
}

func TestUsageAndListsInConstantRoundTrips(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	count := redistest.CountRoundTrips(f.st.Client()).During
	usage := func(wantTrips int64) map[string]Usage {
		var u map[string]Usage
		trips := count(func() {
			var err error
			if u, err = f.engs.Usage(ctx); err != nil {
				t.Fatal(err)
			}
		})
		if trips != wantTrips {
			t.Errorf("Usage() took %d round trips, want %d", trips, wantTrips)
		}
		return u
	}

	// An empty registry ends the reading at once.
	if u := usage(1); len(u) != 0 {
		t.Errorf("Usage before any engagement = %v", u)
	}
	a := f.create(hampshire, storetest.Slough, 40)
	if u := usage(3); !maps.Equal(u, map[string]Usage{hampshire: {Active: 1, CommittedStaffDays: 40}}) {
		t.Errorf("Usage with one engagement = %v", u)
	}

	// Six sponsors, several engagements each, deployments beyond the plan
	// this quarter and in the last one: the cost does not grow.
	sponsors := []string{hampshire, "leeds", "durham", "north-yorkshire", "tri-borough", "richmond-kingston"}
	for i, sp := range sponsors {
		for k := range i + 1 {
			f.create(sp, storetest.Doncaster, 10*(k+1))
		}
	}
	f.deploy(hampshire, a.ID, storetest.Day(2016, 5, 2), 31)
	f.deploy(hampshire, a.ID, storetest.Day(2016, 5, 9), 14.5) // 45.5 days this quarter: 46 in use
	f.deploy(hampshire, a.ID, storetest.Day(2016, 4, 1), 0.5)  // 46 days: the plan of 40 is exceeded
	f.deploy("leeds", mustList(t, f, "leeds")[0].ID, storetest.Day(2016, 5, 2), 1)
	u := usage(3)
	want := map[string]Usage{
		// a: 46 deployed > 40 planned; plus one engagement planning 10.
		hampshire:           {Active: 2, CommittedStaffDays: 46 + 10},
		"leeds":             {Active: 2, CommittedStaffDays: 10 + 20},
		"durham":            {Active: 3, CommittedStaffDays: 10 + 20 + 30},
		"north-yorkshire":   {Active: 4, CommittedStaffDays: 10 + 20 + 30 + 40},
		"tri-borough":       {Active: 5, CommittedStaffDays: 150},
		"richmond-kingston": {Active: 6, CommittedStaffDays: 210},
	}
	if !maps.Equal(u, want) {
		t.Errorf("Usage = %v, want %v", u, want)
	}

	var named map[string]Usage
	if trips := count(func() {
		var err error
		named, err = f.engs.Usage(ctx, "durham", "leeds", "durham", "nspcc")
		if err != nil {
			t.Fatal(err)
		}
	}); trips != 2 {
		t.Errorf("Usage(named sponsors) took %d round trips, want 2", trips)
	}
	if !maps.Equal(named, map[string]Usage{"durham": want["durham"], "leeds": want["leeds"]}) {
		t.Errorf("Usage(durham, leeds, durham, nspcc) = %v", named)
	}

	var all []engagement.Engagement
	if trips := count(func() {
		var err error
		if all, err = f.engs.List(ctx, engagement.AllSponsors); err != nil {
			t.Fatal(err)
		}
	}); trips != 3 || len(all) != 1+21 {
		t.Errorf("List(all) = %d engagements in %d round trips, want 22 in 3", len(all), trips)
	}
	if trips := count(func() { mustList(t, f, "durham") }); trips != 2 {
		t.Errorf("List(durham) took %d round trips, want 2", trips)
	}
}

func mustList(t *testing.T, f *fixture, sponsor string) []engagement.Engagement {
	t.Helper()
	all, err := f.engs.List(context.Background(), sponsor)
	if err != nil {
		t.Fatal(err)
	}
	return all
}

func TestUsageFollowsTheClocksQuarter(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	e := f.create(hampshire, storetest.Slough, 5)
	f.deploy(hampshire, e.ID, storetest.Day(2016, 5, 2), 20)
	clock := now
	later := New(f.st, WithClock(func() time.Time { return clock }))
	for _, tc := range []struct {
		at   time.Time
		want int
	}{
		{now, 20},
		// 23:30 UTC on 30 June is 1 July in England: a new quarter, where
		// only the plan counts.
		{time.Date(2016, 6, 30, 23, 30, 0, 0, time.UTC), 5},
		{time.Date(2016, 6, 30, 22, 30, 0, 0, time.UTC), 20},
	} {
		clock = tc.at
		u, err := later.Usage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := u[hampshire].CommittedStaffDays; got != tc.want {
			t.Errorf("at %v: %d staff-days committed, want %d", tc.at, got, tc.want)
		}
	}
}

// TestEveryEngagementFromMemorySeesEveryWrite: with a Tracker, every
// sponsor's engagements are answered from memory (no command on the
// store's client) while nothing changed, and the next list after another
// replica's write shows it: a new engagement of a sponsor never seen, a
// second one of the same sponsor, and a deployment that changes one.
func TestEveryEngagementFromMemorySeesEveryWrite(t *testing.T) {
	ctx := context.Background()
	c, ks := redistest.New(t)
	tr := redistest.Tracker(t, ks)
	reader := New(store.New(c, ks, store.WithTracker(tr)), WithClock(func() time.Time { return now }))
	writer := &fixture{t: t, st: store.New(c, ks), engs: New(store.New(c, ks), WithClock(func() time.Time { return now }))}
	direct := writer.engs // reads Redis on every call
	trips := redistest.CountRoundTrips(c)

	check := func(step string) {
		t.Helper()
		want, err := direct.List(ctx, engagement.AllSponsors)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			var got []engagement.Engagement
			n := trips.During(func() { got, err = reader.List(ctx, engagement.AllSponsors) })
			if err != nil {
				t.Fatal(err)
			}
			byID := func(a, b engagement.Engagement) int { return strings.Compare(a.ID, b.ID) }
			slices.SortFunc(got, byID)
			slices.SortFunc(want, byID)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s, read %d: %d engagements, want %d as Redis holds them", step, i, len(got), len(want))
			}
			// The first read after a write reads Redis (the very first may
			// read twice while its invalidation is on its way); the third
			// is from memory.
			if i == 2 && n != 0 {
				t.Fatalf("%s: an unchanged list took %d round trips on the store's client, want 0", step, n)
			}
		}
	}
	first := writer.create("durham", "E06000047", 10)
	check("a first engagement")
	writer.create("durham", "E08000037", 5)
	check("a second engagement of the sponsor")
	writer.create("leeds", "E08000035", 8)
	check("an engagement of another sponsor")
	writer.deploy("durham", first.ID, storetest.Day(2016, 5, 2), 2)
	check("a deployment")
}
