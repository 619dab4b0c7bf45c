package needstore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/turnaround-sli/turnaround/proto/turnaround/events/v1"
	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
)

const ivName = "localAuthorities/E08000024/interventions/iv1"

var opened = time.Date(2016, 1, 11, 10, 0, 0, 0, time.UTC)

func newStore(t *testing.T) (*Needs, *store.Store) {
	t.Helper()
	st := rpctest.NewStore(t)
	return New(st, codec), st
}

// codec stands in for the API's stored form: the store keeps whatever form
// it is given.
var codec = redistest.JSONCodec(func(n *need.Need, version int64) { n.Version = version })

func mkNeed(t *testing.T, gss, id string, urgency int) need.Need {
	t.Helper()
	n, err := need.New(gss, id, need.Need{
		Areas:   []need.AreaWeight{{Area: reference.AreaHelpAndProtection, Weight: 8}, {Area: reference.AreaLSCB, Weight: 2}},
		Urgency: urgency, StaffDaysNeeded: 60, ExcludedSponsors: []string{"durham"},
	}, "", opened)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var official = change.Request{Subject: "official-1", Roles: []string{"dfe_official"}, Method: sponsorv1.SponsorService_CreateSponsorNeed_FullMethodName}

// outbox is what a council's outbox holds.
type outbox struct {
	opened []*eventsv1.SponsorNeedOpened
	closed []*eventsv1.SponsorNeedClosed
	audits []store.AuditEntry
}

func readOutbox(t *testing.T, st *store.Store, gss string) outbox {
	t.Helper()
	evs := rpctest.Outbox(t, st, Tag(gss))
	for _, ev := range rpctest.Outbox(t, st, Tag(gss), SponsorNeedOpenedType) {
		var p eventsv1.SponsorNeedOpened
		if err := ev.Unmarshal(&p); err != nil {
			t.Fatal(err)
		}
		if ev.Topic != Topic || ev.Subject != p.GetSponsorNeed() {
			t.Errorf("envelope %+v", ev)
		}
	}
	return outbox{
		opened: rpctest.Payloads[*eventsv1.SponsorNeedOpened](t, evs),
		closed: rpctest.Payloads[*eventsv1.SponsorNeedClosed](t, evs),
		audits: rpctest.Audits(t, evs),
	}
}

func TestInsertGet(t *testing.T) {
	ctx := context.Background()
	s, st := newStore(t)
	n := mkNeed(t, storetest.Sunderland, "abc", 5)
	got, err := s.Insert(ctx, n, official)
	if err != nil || got.Version != 1 {
		t.Fatalf("insert: %+v, %v", got, err)
	}
	read, err := s.Get(ctx, storetest.Sunderland, "abc")
	n.Version = 1
	if err != nil || !reflect.DeepEqual(read, n) {
		t.Errorf("Get = %+v, %v\nwant  %+v", read, err, n)
	}
	if _, err := s.Get(ctx, storetest.Sunderland, "xyz"); !errors.Is(err, need.ErrNotFound) {
		t.Errorf("missing need: %v", err)
	}
	if _, err := s.Insert(ctx, n, official); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a taken id: %v", err)
	}
	box := readOutbox(t, st, storetest.Sunderland)
	want := &eventsv1.SponsorNeedOpened{SponsorNeed: "localAuthorities/E08000024/sponsorNeeds/abc", LocalAuthority: "localAuthorities/E08000024"}
	if len(box.opened) != 1 || !proto.Equal(box.opened[0], want) {
		t.Errorf("SponsorNeedOpened = %v, want one %v", box.opened, want)
	}
	if len(box.audits) != 1 || box.audits[0].Actor != "official-1" || box.audits[0].EtagAfter != `"1"` ||
		box.audits[0].Resource != want.SponsorNeed {
		t.Errorf("audit = %+v", box.audits)
	}
}

// A need closed by hand is announced; another change is not.
func TestClosingIsAnnounced(t *testing.T) {
	ctx := context.Background()
	s, st := newStore(t)
	n, err := s.Insert(ctx, mkNeed(t, storetest.Sunderland, "abc", 5), official)
	if err != nil {
		t.Fatal(err)
	}
	n.Urgency = 4
	if n, err = s.Save(ctx, n, official); err != nil {
		t.Fatal(err)
	}
	if box := readOutbox(t, st, storetest.Sunderland); len(box.closed) != 0 {
		t.Fatalf("a change of urgency announced a closing: %v", box.closed)
	}
	closed, err := n.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save(ctx, closed, change.Request{Subject: "official-2", Method: "m"}); err != nil {
		t.Fatal(err)
	}
	want := &eventsv1.SponsorNeedClosed{SponsorNeed: n.Name(), LocalAuthority: "localAuthorities/" + storetest.Sunderland, ClosedBy: "official-2"}
	if box := readOutbox(t, st, storetest.Sunderland); len(box.closed) != 1 || !proto.Equal(box.closed[0], want) {
		t.Errorf("SponsorNeedClosed = %v, want one %v", box.closed, want)
	}
}

func TestInterventionMarker(t *testing.T) {
	ctx := context.Background()
	s, st := newStore(t)
	if _, ok, err := s.OpenedBy(ctx, storetest.Sunderland, ivName); ok || err != nil {
		t.Fatalf("before: %v, %v", ok, err)
	}
	n := mkNeed(t, storetest.Sunderland, "first", 5)
	n.Intervention = ivName
	// A need opened from an event names no method: it is audited as the
	// RPC whose effect it has.
	if _, err := s.Insert(ctx, n, change.Request{Subject: need.SystemActor, RequestID: "event-1"}); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.OpenedBy(ctx, storetest.Sunderland, ivName)
	if err != nil || !ok || got.ID != "first" || got.Intervention != ivName {
		t.Fatalf("OpenedBy = %+v, %v, %v", got, ok, err)
	}
	// A second need for the same intervention conflicts on the marker and
	// commits nothing.
	second := mkNeed(t, storetest.Sunderland, "second", 5)
	second.Intervention = ivName
	if _, err := s.Insert(ctx, second, change.Request{Subject: need.SystemActor}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second need for one intervention: %v", err)
	}
	if _, err := s.Get(ctx, storetest.Sunderland, "second"); !errors.Is(err, need.ErrNotFound) {
		t.Errorf("the second need was stored: %v", err)
	}
	box := readOutbox(t, st, storetest.Sunderland)
	if len(box.opened) != 1 || box.opened[0].GetIntervention() != ivName {
		t.Errorf("events = %v", box.opened)
	}
	if len(box.audits) != 1 || box.audits[0].Actor != need.SystemActor || box.audits[0].RequestID != "event-1" ||
		box.audits[0].Method != sponsorv1.SponsorService_CreateSponsorNeed_FullMethodName {
		t.Errorf("audit = %+v", box.audits)
	}
	other := mkNeed(t, storetest.Wight, "x", 3)
	other.Intervention = ivName
	if _, err := s.Insert(ctx, other, official); err == nil {
		t.Error("a need of one council opened by another council's intervention")
	}
	if _, _, err := s.OpenedBy(ctx, storetest.Wight, ivName); err == nil {
		t.Error("OpenedBy across councils")
	}
}

func TestListsAndOpen(t *testing.T) {
	ctx := context.Background()
	s, st := newStore(t)
	for _, n := range []need.Need{mkNeed(t, storetest.Sunderland, "a", 5), mkNeed(t, storetest.Sunderland, "b", 3), mkNeed(t, storetest.Wight, "c", 4)} {
		if _, err := s.Insert(ctx, n, official); err != nil {
			t.Fatal(err)
		}
	}
	names := func(ns []need.Need) []string {
		var out []string
		for _, n := range ns {
			out = append(out, n.GSSCode+"/"+n.ID)
		}
		slices.Sort(out)
		return out
	}
	if got, err := s.List(ctx, storetest.Sunderland); err != nil || !slices.Equal(names(got), []string{"E08000024/a", "E08000024/b"}) {
		t.Errorf("List(Sunderland) = %v, %v", names(got), err)
	}
	all, err := s.List(ctx, need.AllCouncils)
	if err != nil || !slices.Equal(names(all), []string{"E06000046/c", "E08000024/a", "E08000024/b"}) {
		t.Errorf("List(all) = %v, %v", names(all), err)
	}
	open, fp1, err := s.Open(ctx)
	if err != nil || len(open) != 3 || open[0].GSSCode != storetest.Wight {
		t.Fatalf("Open = %v, %v", names(open), err)
	}
	if _, fp, _ := s.Open(ctx); fp != fp1 {
		t.Error("the fingerprint changed without a change")
	}

	// Close one through Save: it leaves the open set, and the fingerprint
	// changes.
	b, _ := s.Get(ctx, storetest.Sunderland, "b")
	closed, err := b.Close()
	if err != nil {
		t.Fatal(err)
	}
	if saved, err := s.Save(ctx, closed, change.Request{Subject: "official-1"}); err != nil || saved.Version != 2 {
		t.Fatalf("save: %+v, %v", saved, err)
	}
	if _, err := s.Save(ctx, closed, change.Request{}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("stale save: %v", err)
	}
	open, fp2, err := s.Open(ctx)
	if err != nil || !slices.Equal(names(open), []string{"E06000046/c", "E08000024/a"}) || fp2 == fp1 {
		t.Errorf("Open after close = %v (fingerprint changed %v), %v", names(open), fp2 != fp1, err)
	}

	// A match run's approval commits the need it matched with Write and
	// Index in a mutation of its own.
	a, _ := s.Get(ctx, storetest.Sunderland, "a")
	matched, err := a.Match("sponsors/hampshire/engagements/e1")
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.Write(matched)
	if err != nil {
		t.Fatal(err)
	}
	m := store.Mutation{Tag: Tag(storetest.Sunderland), Writes: []store.Write{w}, Index: s.Index(matched),
		Audit: []store.AuditEntry{{Audit: change.Audit{Actor: "official-2", Method: "approve", Resource: matched.Name()}, Key: w.Key}}}
	if _, err := st.Commit(ctx, m); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(ctx, storetest.Sunderland, "a")
	if got.State != need.Matched || got.Engagement != "sponsors/hampshire/engagements/e1" || got.Version != 2 {
		t.Errorf("after the approval: %+v", got)
	}
	if _, err := st.Commit(ctx, m); !errors.Is(err, store.ErrConflict) {
		t.Errorf("the same write twice: %v", err)
	}
	if open, _, _ := s.Open(ctx); !slices.Equal(names(open), []string{"E06000046/c"}) {
		t.Errorf("Open after the match = %v", names(open))
	}
	if all, _ := s.List(ctx, need.AllCouncils); len(all) != 3 {
		t.Errorf("List(all) after the match = %v", names(all))
	}
	if _, err := s.Write(mkNeed(t, storetest.Wight, "never-read", 1)); err == nil {
		t.Error("Write of a need never read")
	}

	// A write that left the open index behind (no Index ops) is still not
	// reported open.
	c, _ := s.Get(ctx, storetest.Wight, "c")
	cClosed, _ := c.Close()
	wc, _ := s.Write(cClosed)
	if _, err := st.Commit(ctx, store.Mutation{Tag: Tag(storetest.Wight), Writes: []store.Write{wc}}); err != nil {
		t.Fatal(err)
	}
	if open, _, _ := s.Open(ctx); len(open) != 0 {
		t.Errorf("Open reports a closed need: %v", names(open))
	}
}

func TestReplay(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	r := official
	r.RequestID, r.RequestHash = "req-1", []byte("h1")
	if _, err := s.Insert(ctx, mkNeed(t, storetest.Sunderland, "abc", 4), r); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Replay(ctx, storetest.Sunderland, r)
	if err != nil || !ok || got.ID != "abc" || got.Version != 1 || got.Urgency != 4 {
		t.Errorf("replay = %+v, %v, %v", got, ok, err)
	}
	if _, ok, _ := s.Replay(ctx, storetest.Wight, r); ok {
		t.Error("replay under another council")
	}
	r.RequestHash = []byte("h2")
	if _, _, err := s.Replay(ctx, storetest.Sunderland, r); !errors.Is(err, store.ErrRequestIDReused) {
		t.Errorf("reused request id: %v", err)
	}
}

// TestListsReadInTwoRoundTripsAndSeeOtherReplicas: a list of every
// council's needs, and the open needs, take two round trips whatever the
// number of needs and of needs changed since the last list; a need changed
// through another store (another replica) shows on the next list; and a
// caller that changes a need it listed does not change the next list.
func TestListsReadInTwoRoundTripsAndSeeOtherReplicas(t *testing.T) {
	ctx := context.Background()
	s, st := newStore(t)
	replica := New(st, codec)
	trips := redistest.CountRoundTrips(st.Client())
	if _, err := s.List(ctx, need.AllCouncils); err != nil { // dials the pool's connections
		t.Fatal(err)
	}
	for i, gss := range []string{storetest.Sunderland, storetest.Wight, storetest.Sunderland, storetest.Leeds} {
		if _, err := replica.Insert(ctx, mkNeed(t, gss, fmt.Sprint("n", i), 3), official); err != nil {
			t.Fatal(err)
		}
		if i == 2 { // change a need the first store has listed
			n, err := replica.Get(ctx, storetest.Sunderland, "n0")
			if err != nil {
				t.Fatal(err)
			}
			n.Urgency = 5
			if _, err := replica.Save(ctx, n, change.Request{Subject: "official-1"}); err != nil {
				t.Fatal(err)
			}
		}
		var all, open []need.Need
		var err, openErr error
		if rt := trips.During(func() { all, err = s.List(ctx, need.AllCouncils) }); rt != 2 || err != nil || len(all) != i+1 {
			t.Errorf("List of %d needs took %d round trips, want 2 (%d listed, %v)", i+1, rt, len(all), err)
		}
		if rt := trips.During(func() { open, _, openErr = s.Open(ctx) }); rt != 2 || openErr != nil || len(open) != i+1 {
			t.Errorf("Open of %d needs took %d round trips, want 2 (%d listed, %v)", i+1, rt, len(open), openErr)
		}
		for _, n := range all {
			if n.ID == "n0" && i >= 2 && (n.Urgency != 5 || n.Version != 2) {
				t.Errorf("list %d: n0 at urgency %d, version %d; want the other store's write (5, version 2)", i, n.Urgency, n.Version)
			}
			n.Areas[0].Weight = 1 // a caller changing what it listed
			n.ExcludedSponsors[0] = "changed"
		}
	}
	all, err := s.List(ctx, need.AllCouncils)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range all {
		if n.Areas[0].Weight != 8 || n.ExcludedSponsors[0] != "durham" {
			t.Errorf("%s lists as %+v, changed by an earlier caller", n.Name(), n)
		}
	}
}
