package sponsorstore

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	sponsorv1 "github.com/turnaround-sli/turnaround/proto/turnaround/sponsor/v1"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/sponsor"
)

var updated = time.Date(2016, 1, 4, 9, 30, 0, 0, time.UTC)

func tri() sponsor.Sponsor {
	return sponsor.Sponsor{
		ID: "tri-borough", DisplayName: "Tri-borough", Kind: sponsor.CouncilPartnership,
		MemberCouncils: []string{"E09000033", "E09000013", "E09000020"},
		Expertise: []sponsor.Expertise{
			{Area: sponsor.AreaChildProtectionPractice, Strength: sponsor.Leading},
			{Area: sponsor.AreaCaseloads, Strength: sponsor.Strong},
		},
		MaxEngagements: 3, StaffDaysPerQuarter: 300, DayRatePence: 65_000, CanLeadTrust: true,
		Conflicts:  []string{"E09000001"},
		OutOfArea:  []sponsor.Placement{{Council: "E10000016", Children: 22}},
		UpdateTime: updated,
	}
}

func nspcc() sponsor.Sponsor {
	return sponsor.Sponsor{
		ID: "nspcc", DisplayName: "NSPCC", Kind: sponsor.Charity,
		RegionsServed:  []reference.Region{reference.NorthEast, reference.London},
		Expertise:      []sponsor.Expertise{{Area: reference.AreaHelpAndProtection, Strength: sponsor.Developing}},
		MaxEngagements: 2, StaffDaysPerQuarter: 120, DayRatePence: 52_000, Paused: true, UpdateTime: updated,
	}
}

func newStore(t *testing.T) (*Sponsors, *store.Store) {
	t.Helper()
	st := rpctest.NewStore(t)
	return New(st, codec), st
}

// codec stands in for the API's stored form: the store keeps whatever form
// it is given.
var codec = redistest.JSONCodec(func(sp *sponsor.Sponsor, version int64) { sp.Version = version })

var official = change.Request{Subject: "official-1", Roles: []string{"dfe_official"}, Method: sponsorv1.SponsorService_CreateSponsor_FullMethodName}

func TestInsertGetAll(t *testing.T) {
	ctx := context.Background()
	s, st := newStore(t)

	all, empty, err := s.All(ctx)
	if err != nil || len(all) != 0 {
		t.Fatalf("All of nothing = %v, %v", all, err)
	}
	for _, sp := range []sponsor.Sponsor{tri(), nspcc()} {
		got, err := s.Insert(ctx, sp, official)
		if err != nil || got.Version != 1 {
			t.Fatalf("insert %s: %+v, %v", sp.ID, got, err)
		}
	}
	got, err := s.Get(ctx, "tri-borough")
	if err != nil {
		t.Fatal(err)
	}
	want := tri()
	want.Version = 1
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Get = %+v\nwant  %+v", got, want)
	}
	if _, err := s.Get(ctx, "leeds"); !errors.Is(err, sponsor.ErrNotFound) {
		t.Errorf("missing sponsor: %v", err)
	}
	if _, err := s.Insert(ctx, tri(), official); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a taken id: %v", err)
	}

	all, fp1, err := s.All(ctx)
	if err != nil || len(all) != 2 || all[0].ID != "nspcc" || all[1].ID != "tri-borough" || fp1 == empty {
		t.Fatalf("All = %v, %q, %v", all, fp1, err)
	}
	if _, fp, _ := s.All(ctx); fp != fp1 {
		t.Error("the fingerprint changed without a change")
	}

	// An index entry whose record never committed is skipped, and does
	// not change the fingerprint.
	if err := st.Client().SAdd(ctx, s.indexKey(), "ghost").Err(); err != nil {
		t.Fatal(err)
	}
	all, fp, err := s.All(ctx)
	if err != nil || len(all) != 2 || fp != fp1 {
		t.Errorf("with a dangling index entry: %d sponsors, fingerprint changed %v, %v", len(all), fp != fp1, err)
	}

	// The audit entry commits with the record.
	msgs, err := st.Client().XRange(ctx, st.Keyspace().Outbox(Tag("tri-borough")), "-", "+").Result()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("outbox = %v, %v", msgs, err)
	}
	ev, err := events.Decode(msgs[0].Values)
	if err != nil || ev.Type != store.AuditType {
		t.Fatalf("outbox entry = %+v, %v", ev, err)
	}
	var a store.AuditEntry
	if err := json.Unmarshal(ev.Data, &a); err != nil {
		t.Fatal(err)
	}
	if a.Actor != "official-1" || a.Resource != "sponsors/tri-borough" || a.EtagAfter != `"1"` || a.EtagBefore != "" ||
		a.Method != sponsorv1.SponsorService_CreateSponsor_FullMethodName {
		t.Errorf("audit entry = %+v", a)
	}
}

func TestSave(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	sp, err := s.Insert(ctx, tri(), official)
	if err != nil {
		t.Fatal(err)
	}
	_, before, _ := s.All(ctx)
	sp.Paused = true
	saved, err := s.Save(ctx, sp, change.Request{Subject: "official-1"})
	if err != nil || saved.Version != 2 {
		t.Fatalf("save: %+v, %v", saved, err)
	}
	if got, _ := s.Get(ctx, sp.ID); !got.Paused || got.Version != 2 {
		t.Errorf("after save: %+v", got)
	}
	if _, after, _ := s.All(ctx); after == before {
		t.Error("the fingerprint did not change with a sponsor")
	}
	// The same stale sponsor cannot be saved twice.
	if _, err := s.Save(ctx, sp, change.Request{}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("stale save: %v", err)
	}
	if _, err := s.Save(ctx, nspcc(), change.Request{}); err == nil {
		t.Error("saving a sponsor never read")
	}
}

func TestReplay(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	r := official
	r.RequestID, r.RequestHash = "req-1", []byte("hash-1")
	if _, ok, err := s.Replay(ctx, "tri-borough", r); ok || err != nil {
		t.Fatalf("replay before: %v, %v", ok, err)
	}
	if _, err := s.Insert(ctx, tri(), r); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Replay(ctx, "tri-borough", r)
	if err != nil || !ok || got.Version != 1 || got.ID != "tri-borough" || got.DayRatePence != 65_000 {
		t.Errorf("replay: %+v, %v, %v", got, ok, err)
	}
	r.RequestHash = []byte("hash-2")
	if _, _, err := s.Replay(ctx, "tri-borough", r); !errors.Is(err, store.ErrRequestIDReused) {
		t.Errorf("a request id reused for another request: %v", err)
	}
	// Another caller's request ids are theirs.
	other := r
	other.Subject = "official-2"
	if _, ok, err := s.Replay(ctx, "tri-borough", other); ok || err != nil {
		t.Errorf("another caller's replay: %v, %v", ok, err)
	}
}

// A create with a request_id takes two round trips (the index entry with
// the outbox's registration, then the commit), and so does its retry,
// which the commit's round trip answers with the first call's sponsor
// without storing anything.
func TestCreateInTwoRoundTripsAndItsRetryReplays(t *testing.T) {
	ctx := context.Background()
	s, st := newStore(t)
	svc := sponsor.NewService(s, nil)
	count := redistest.CountRoundTrips(st.Client()).During
	r := official
	r.RequestID, r.RequestHash = "req-1", []byte("hash-1")
	sp := tri()
	sp.ID = ""
	var first, again sponsor.Sponsor
	var err, againErr error
	if trips := count(func() { first, err = svc.Create(ctx, sp, "", r) }); err != nil || first.Version != 1 || trips != 2 {
		t.Fatalf("Create = version %d, %v in %d round trips, want version 1 in 2", first.Version, err, trips)
	}
	changed := sp
	changed.DisplayName = "Tri-borough again"
	if trips := count(func() { again, againErr = svc.Create(ctx, changed, "", r) }); againErr != nil || trips != 2 ||
		again.ID != first.ID || again.Version != 1 || again.DisplayName != "Tri-borough" {
		t.Fatalf("retried Create = %+v, %v in %d round trips, want the first sponsor in 2", again, againErr, trips)
	}
	if all, _, err := s.All(ctx); err != nil || len(all) != 1 || all[0].DisplayName != "Tri-borough" {
		t.Fatalf("after the retry: %d sponsors (%v), want the first one only", len(all), err)
	}
	other := r
	other.RequestHash = []byte("hash-2")
	if _, err := svc.Create(ctx, sp, "", other); !errors.Is(err, store.ErrRequestIDReused) {
		t.Fatalf("a request id reused for another request: %v, want ErrRequestIDReused", err)
	}
	// Insert itself replays, so a concurrent call that committed first
	// answers in place of the one that lost.
	sp.ID = first.ID
	if got, err := s.Insert(ctx, sp, r); err != nil || got.DisplayName != "Tri-borough" || got.Version != 1 {
		t.Fatalf("Insert of a committed request = %+v, %v; want its replay", got, err)
	}
}

func TestMissingAndDayRate(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	if _, err := s.Insert(ctx, nspcc(), official); err != nil {
		t.Fatal(err)
	}
	missing, err := s.Missing(ctx, []string{"nspcc", "leeds", "Bad_ID", "nspcc"})
	if err != nil || !slices.Equal(missing, []string{"Bad_ID", "leeds"}) {
		t.Errorf("Missing = %v, %v", missing, err)
	}
	if missing, err := s.Missing(ctx, nil); err != nil || len(missing) != 0 {
		t.Errorf("Missing(nil) = %v, %v", missing, err)
	}
	if rate, err := s.DayRate(ctx, "nspcc"); err != nil || rate != 52_000 {
		t.Errorf("DayRate = %d, %v", rate, err)
	}
	if _, err := s.DayRate(ctx, "leeds"); !fault.IsKind(err, fault.KindNotFound) {
		t.Errorf("DayRate of a missing sponsor: %v", err)
	}
}

func TestSeed(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	loader := change.Request{Subject: "loader", RequestID: "ignored", RequestHash: []byte("ignored")}
	svc := sponsor.NewService(s, nil)
	if n, err := svc.Seed(ctx, []sponsor.Sponsor{tri(), nspcc()}, loader); err != nil || n != 2 {
		t.Fatalf("first seed: %d, %v", n, err)
	}
	changed, _ := s.Get(ctx, "nspcc")
	changed.Paused = false
	if _, err := s.Save(ctx, changed, change.Request{Subject: "official-1"}); err != nil {
		t.Fatal(err)
	}
	if n, err := svc.Seed(ctx, []sponsor.Sponsor{tri(), nspcc()}, loader); err != nil || n != 0 {
		t.Fatalf("second seed: %d, %v", n, err)
	}
	if got, _ := s.Get(ctx, "nspcc"); got.Paused || got.Version != 2 {
		t.Errorf("a second seed overwrote a change: %+v", got)
	}
	// A seed writes no idempotency record: a seed is not a request.
	if _, ok, _ := s.Replay(ctx, "nspcc", loader); ok {
		t.Error("a seed left a replayable response")
	}
	bad := tri()
	bad.ID, bad.DayRatePence = "bad", 0
	if _, err := svc.Seed(ctx, []sponsor.Sponsor{bad}, loader); err == nil {
		t.Error("an invalid seed was stored")
	}
}
