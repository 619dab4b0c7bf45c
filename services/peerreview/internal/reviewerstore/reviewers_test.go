package reviewerstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewerapi"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
)

const method = "/turnaround.peerreview.v1.PeerReviewService/CreateReviewer"

type fixture struct {
	st *store.Store
	s  *Reviewers
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := rpctest.NewStore(t)
	return &fixture{st: st, s: New(st, rpctest.Codec(reviewerapi.ToStored, reviewerapi.FromStored))}
}

func sample(id string) reviewer.Reviewer {
	return reviewer.Reviewer{
		ID:                      id,
		DisplayName:             "Reviewer " + id,
		HomeCouncil:             storetest.Leeds,
		Role:                    reviewer.TeamManager,
		Expertise:               []reviewer.Theme{reviewer.Caseloads, reviewer.VoiceOfTheChild},
		AvailableDaysPerQuarter: 15,
		Conflicts:               []string{storetest.Hampshire, storetest.Camden},
		UpdateTime:              time.Date(2015, 12, 14, 9, 0, 0, 0, time.UTC),
	}
}

func req(id string) change.Request {
	return change.Request{Subject: "adviser-1", Roles: []string{"lga_adviser"}, Method: method, RequestID: id, RequestHash: []byte("h-" + id)}
}

func TestInsertGetRoundTrip(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	in := sample("abc")
	out, err := f.s.Insert(ctx, in, req(""))
	if err != nil {
		t.Fatal(err)
	}
	if out.Version != 1 {
		t.Errorf("version %d, want 1", out.Version)
	}
	got, err := f.s.Get(ctx, "abc")
	if err != nil {
		t.Fatal(err)
	}
	in.Version = 1
	if got.ID != in.ID || got.DisplayName != in.DisplayName || got.HomeCouncil != in.HomeCouncil || got.Role != in.Role ||
		!slices.Equal(got.Expertise, in.Expertise) || got.AvailableDaysPerQuarter != in.AvailableDaysPerQuarter ||
		!slices.Equal(got.Conflicts, in.Conflicts) || got.Version != 1 || !got.UpdateTime.Equal(in.UpdateTime) {
		t.Errorf("read back %+v, want %+v", got, in)
	}

	assoc := reviewer.Reviewer{ID: "assoc", DisplayName: "A", Role: reviewer.LGAAssociate, AvailableDaysPerQuarter: 0}
	if _, err := f.s.Insert(ctx, assoc, req("")); err != nil {
		t.Fatal(err)
	}
	if got, err := f.s.Get(ctx, "assoc"); err != nil || got.HomeCouncil != "" || got.Expertise != nil || got.Conflicts != nil {
		t.Errorf("associate read back %+v, %v", got, err)
	}

	if _, err := f.s.Get(ctx, "missing"); !errors.Is(err, reviewer.ErrNotFound) {
		t.Errorf("get missing: %v, want ErrNotFound", err)
	}
	if _, err := f.s.Insert(ctx, sample("abc"), req("")); !errors.Is(err, store.ErrConflict) || !errors.Is(err, change.ErrConflict) {
		t.Errorf("insert over an existing id: %v, want ErrConflict", err)
	}
}

func TestSaveAndDeleteArePinnedToTheVersion(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	rv, err := f.s.Insert(ctx, sample("abc"), req(""))
	if err != nil {
		t.Fatal(err)
	}
	rv.AvailableDaysPerQuarter = 30
	saved, err := f.s.Save(ctx, rv, req(""))
	if err != nil || saved.Version != 2 {
		t.Fatalf("save: %+v, %v; want version 2", saved, err)
	}
	if got, _ := f.s.Get(ctx, "abc"); got.AvailableDaysPerQuarter != 30 || got.Version != 2 {
		t.Errorf("read back %+v", got)
	}
	// rv still holds version 1.
	if _, err := f.s.Save(ctx, rv, req("")); !errors.Is(err, change.ErrConflict) {
		t.Errorf("stale save: %v, want ErrConflict", err)
	}
	if err := f.s.Delete(ctx, rv, req("")); !errors.Is(err, change.ErrConflict) {
		t.Errorf("stale delete: %v, want ErrConflict", err)
	}
	if err := f.s.Delete(ctx, saved, req("")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Get(ctx, "abc"); !errors.Is(err, reviewer.ErrNotFound) {
		t.Errorf("get deleted: %v, want ErrNotFound", err)
	}
	all, _, err := f.s.All(ctx)
	if err != nil || len(all) != 0 {
		t.Errorf("All after delete: %v, %v; want an empty pool", all, err)
	}
}

func TestAllAndFingerprint(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, empty, err := f.s.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var prints []string
	record := func(what string) {
		t.Helper()
		_, fp, err := f.s.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(prints, fp) {
			t.Errorf("%s: fingerprint %s seen before", what, fp)
		}
		prints = append(prints, fp)
	}
	prints = append(prints, empty)

	a, _ := f.s.Insert(ctx, sample("a"), req(""))
	record("create a")
	b, _ := f.s.Insert(ctx, sample("b"), req(""))
	record("create b")

	all, fp, err := f.s.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fp != prints[len(prints)-1] {
		t.Errorf("fingerprint changed without a change: %s then %s", prints[len(prints)-1], fp)
	}
	if len(all) != 2 || all[0].ID != "a" || all[1].ID != "b" {
		t.Errorf("All = %+v, want a and b in id order", all)
	}

	b.DisplayName = "Renamed"
	b, err = f.s.Save(ctx, b, req(""))
	if err != nil {
		t.Fatal(err)
	}
	record("update b")
	if err := f.s.Delete(ctx, a, req("")); err != nil {
		t.Fatal(err)
	}
	record("delete a")

	// The same id back at the same version with other data is another
	// pool, so the fingerprint differs from the one a had at version 1.
	again := sample("a")
	again.AvailableDaysPerQuarter = 1
	if _, err := f.s.Insert(ctx, again, req("")); err != nil {
		t.Fatal(err)
	}
	record("recreate a with other data")
}

// countingHook counts the commands and pipelines the client sends, leaving
// out the handshake of a new connection, which is no round trip of the
// operation under test.
type countingHook struct{ n atomic.Int64 }

func (h *countingHook) count(first redis.Cmder) {
	if name := first.Name(); name != "hello" && name != "client" {
		h.n.Add(1)
	}
}

func (h *countingHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *countingHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.count(cmd)
		return next(ctx, cmd)
	}
}

func (h *countingHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 0 {
			h.count(cmds[0])
		}
		return next(ctx, cmds)
	}
}

var _ redis.Hook = (*countingHook)(nil)

func TestAllTakesTwoRoundTripsWhateverThePoolSize(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	hook := &countingHook{}
	f.st.Client().AddHook(hook)
	for _, size := range []int{0, 3, 40} {
		for i := range size {
			if _, err := f.s.Insert(ctx, sample(fmt.Sprintf("r%03d", i)), req("")); err != nil && !errors.Is(err, store.ErrConflict) {
				t.Fatal(err)
			}
		}
		hook.n.Store(0)
		all, _, err := f.s.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != size {
			t.Fatalf("All returned %d reviewers, want %d", len(all), size)
		}
		want := int64(2)
		if size == 0 {
			want = 1 // no records to read
		}
		if got := hook.n.Load(); got != want {
			t.Errorf("pool of %d: All took %d round trips, want %d", size, got, want)
		}
	}
}

func TestReplayAndAudit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := req("req-1")
	created, err := f.s.Insert(ctx, sample("abc"), r)
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := f.s.Replay(ctx, r)
	if err != nil || !ok || got.ID != "abc" || got.Version != created.Version {
		t.Fatalf("replay: %+v, %v, %v; want the created reviewer", got, ok, err)
	}
	if _, ok, err := f.s.Replay(ctx, req("req-2")); err != nil || ok {
		t.Errorf("replay of an unknown request: %v, %v; want none", ok, err)
	}
	reused := r
	reused.RequestHash = []byte("another request")
	if _, _, err := f.s.Replay(ctx, reused); !errors.Is(err, store.ErrRequestIDReused) {
		t.Errorf("reused request id: %v, want ErrRequestIDReused", err)
	}
	other := r
	other.Subject = "adviser-2"
	if _, ok, err := f.s.Replay(ctx, other); err != nil || ok {
		t.Errorf("another caller's request id replayed: %v, %v", ok, err)
	}

	up := created
	up.AvailableDaysPerQuarter = 3
	up.Version = created.Version
	saved, err := f.s.Save(ctx, up, change.Request{Subject: "adviser-1", Method: "/turnaround.peerreview.v1.PeerReviewService/UpdateReviewer"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.Delete(ctx, saved, change.Request{Subject: "adviser-2"}); err != nil {
		t.Fatal(err)
	}

	entries := audits(t, f)
	want := []struct{ method, actor, before, after string }{
		{method, "adviser-1", "", `"1"`},
		{"/turnaround.peerreview.v1.PeerReviewService/UpdateReviewer", "adviser-1", `"1"`, `"2"`},
		{"/turnaround.peerreview.v1.PeerReviewService/DeleteReviewer", "adviser-2", `"2"`, ""},
	}
	if len(entries) != len(want) {
		t.Fatalf("audit entries %+v, want %d", entries, len(want))
	}
	for i, w := range want {
		e := entries[i]
		if e.Method != w.method || e.Actor != w.actor || e.EtagBefore != w.before || e.EtagAfter != w.after || e.Resource != "reviewers/abc" {
			t.Errorf("audit %d = %+v, want %+v", i, e, w)
		}
	}
	if entries[0].RequestID != "req-1" {
		t.Errorf("create audit request id %q, want req-1", entries[0].RequestID)
	}
}

// audits reads the audit entries of the pool's outbox.
func audits(t *testing.T, f *fixture) []store.AuditEntry {
	t.Helper()
	evs := rpctest.Outbox(t, f.st, Tag)
	for _, e := range evs {
		if e.Type != store.AuditType {
			t.Errorf("outbox holds a %s event; the pool publishes audit entries only", e.Type)
		}
	}
	return rpctest.Audits(t, evs)
}

func TestSeed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := change.Request{Subject: "demo-loader", Method: method}
	pool := []reviewer.Reviewer{sample("a"), sample("b")}
	if n, err := f.s.Seed(ctx, pool, r); err != nil || n != 2 {
		t.Fatalf("seed: %d, %v; want 2", n, err)
	}
	changed := sample("a")
	changed.DisplayName = "Changed"
	if n, err := f.s.Seed(ctx, []reviewer.Reviewer{changed, sample("c")}, r); err != nil || n != 1 {
		t.Fatalf("second seed: %d, %v; want 1 added", n, err)
	}
	if got, _ := f.s.Get(ctx, "a"); got.DisplayName != "Reviewer a" || got.Version != 1 {
		t.Errorf("seed changed an existing reviewer: %+v", got)
	}
	bad := sample("d")
	bad.AvailableDaysPerQuarter = 99
	if _, err := f.s.Seed(ctx, []reviewer.Reviewer{bad}, r); !fault.IsKind(err, fault.KindInvalid) {
		t.Errorf("seed of an invalid reviewer: %v, want INVALID_ARGUMENT", err)
	}
	if _, err := f.s.Seed(ctx, []reviewer.Reviewer{sample("Bad ID")}, r); err == nil {
		t.Errorf("seed of an invalid id succeeded")
	}
}

// openReviews is a test double of the peer review store's
// OpenAssignments: the reviewers it names are on an open review.
type openReviews map[string]bool

func (o openReviews) Assigned(_ context.Context, id string) (bool, error) {
	if id == "broken" {
		return false, errors.New("review store unavailable")
	}
	return o[id], nil
}

func TestServiceOverTheStore(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	now := time.Date(2016, 1, 4, 9, 0, 0, 0, time.UTC)
	svc := reviewer.NewService(f.s, openReviews{}, func() time.Time { return now })
	r := req("create-1")

	in := sample("")
	in.DisplayName = "Amara Okafor"
	created, err := svc.Create(ctx, in, r)
	if err != nil {
		t.Fatal(err)
	}
	if !resource.ValidID(created.ID) || created.Version != 1 || !created.UpdateTime.Equal(now) {
		t.Errorf("created %+v", created)
	}
	again, err := svc.Create(ctx, in, r)
	if err != nil || again.ID != created.ID {
		t.Errorf("repeat create: %+v, %v; want the first reviewer replayed", again, err)
	}
	if all, _, _ := svc.All(ctx); len(all) != 1 {
		t.Errorf("pool holds %d reviewers after a repeated create, want 1", len(all))
	}
	bad := in
	bad.Role = ""
	if _, err := svc.Create(ctx, bad, req("")); !fault.IsKind(err, fault.KindInvalid) {
		t.Errorf("invalid create: %v, want INVALID_ARGUMENT", err)
	}

	m, _ := reviewer.ParseMask([]string{"available_days_per_quarter"})
	up, err := svc.Update(ctx, created.ID, reviewer.Reviewer{AvailableDaysPerQuarter: 40}, m, change.At(1), req(""))
	if err != nil || up.AvailableDaysPerQuarter != 40 || up.Version != 2 {
		t.Fatalf("update: %+v, %v", up, err)
	}
	if _, err := svc.Update(ctx, created.ID, reviewer.Reviewer{AvailableDaysPerQuarter: 41}, m, change.At(1), req("")); !errors.Is(err, change.ErrConflict) {
		t.Errorf("stale update: %v, want ErrConflict", err)
	}
	if _, err := svc.Update(ctx, "nobody", reviewer.Reviewer{}, m, change.At(1), req("")); !errors.Is(err, reviewer.ErrNotFound) {
		t.Errorf("update of a missing reviewer: %v, want ErrNotFound", err)
	}
	if err := svc.Delete(ctx, created.ID, change.At(1), req("")); !errors.Is(err, change.ErrConflict) {
		t.Errorf("stale delete: %v, want ErrConflict", err)
	}
	if err := svc.Delete(ctx, created.ID, change.At(2), req("")); err != nil {
		t.Errorf("delete: %v", err)
	}
}

func TestServiceDeleteRefusesReviewersOnOpenReviews(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, id := range []string{"busy", "free", "broken"} {
		if _, err := f.s.Insert(ctx, sample(id), req("")); err != nil {
			t.Fatal(err)
		}
	}
	svc := reviewer.NewService(f.s, openReviews{"busy": true}, nil)
	err := svc.Delete(ctx, "busy", change.At(1), req(""))
	if fe, ok := fault.As(err); !ok || fe.Kind != fault.KindFailedPrecondition || fe.Reason != reviewer.ReasonOnOpenReview {
		t.Errorf("delete of a reviewer on an open review: %v, want FAILED_PRECONDITION %s", err, reviewer.ReasonOnOpenReview)
	}
	if _, err := f.s.Get(ctx, "busy"); err != nil {
		t.Errorf("refused delete removed the reviewer: %v", err)
	}
	if err := svc.Delete(ctx, "broken", change.At(1), req("")); err == nil || fault.IsKind(err, fault.KindFailedPrecondition) {
		t.Errorf("delete when the review store fails: %v, want its error", err)
	}
	if err := svc.Delete(ctx, "free", change.At(1), req("")); err != nil {
		t.Errorf("delete of a free reviewer: %v", err)
	}
	// Without an OpenAssignments source nobody is on a review.
	if err := reviewer.NewService(f.s, nil, nil).Delete(ctx, "busy", change.At(1), req("")); err != nil {
		t.Errorf("delete without a source: %v", err)
	}
}
