package sponsor

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
)

// memStore is an in-memory Storer: enough to test the use cases' own
// logic (IDs, replays, conflicts); the Redis store has its own tests.
type memStore struct {
	byID    map[string]Sponsor
	replays map[string]Sponsor // by sponsor id + request id
	// stored counts the sponsors Insert stored.
	stored int
}

func newMemStore() *memStore {
	return &memStore{byID: map[string]Sponsor{}, replays: map[string]Sponsor{}}
}

func (m *memStore) Get(_ context.Context, id string) (Sponsor, error) {
	s, ok := m.byID[id]
	if !ok {
		return Sponsor{}, ErrNotFound
	}
	return s.Clone(), nil
}

func (m *memStore) All(context.Context) ([]Sponsor, string, error) {
	var out []Sponsor
	for _, s := range m.byID {
		out = append(out, s.Clone())
	}
	return out, "fp", nil
}

func (m *memStore) Replay(_ context.Context, id string, r change.Request) (Sponsor, bool, error) {
	s, ok := m.replays[id+"|"+r.RequestID]
	return s, ok && r.RequestID != "", nil
}

func (m *memStore) Insert(ctx context.Context, s Sponsor, r change.Request) (Sponsor, error) {
	if prev, ok, _ := m.Replay(ctx, s.ID, r); ok {
		return prev, nil
	}
	if _, taken := m.byID[s.ID]; taken {
		return Sponsor{}, ErrConflict
	}
	m.stored++
	s.Version = 1
	m.byID[s.ID] = s.Clone()
	if r.RequestID != "" {
		m.replays[s.ID+"|"+r.RequestID] = s.Clone()
	}
	return s, nil
}

func (m *memStore) Save(_ context.Context, s Sponsor, _ change.Request) (Sponsor, error) {
	if m.byID[s.ID].Version != s.Version {
		return Sponsor{}, ErrConflict
	}
	s.Version++
	m.byID[s.ID] = s.Clone()
	return s, nil
}

func TestCreate(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2016, 1, 4, 9, 0, 0, 0, time.UTC) }
	st := newMemStore()
	svc := NewService(st, now)
	r := change.Request{Subject: "official", Method: "/m/CreateSponsor"}

	named, err := svc.Create(ctx, leeds(), "leeds", r)
	if err != nil || named.ID != "leeds" || named.Version != 1 || !named.UpdateTime.Equal(now()) {
		t.Fatalf("create with an id: %+v, %v", named, err)
	}
	if _, err := svc.Create(ctx, leeds(), "leeds", r); !errors.Is(err, ErrAlreadyExists) {
		t.Errorf("a taken id: %v, want ALREADY_EXISTS", err)
	}

	// Without an id and without a request id: a fresh random one each
	// time.
	a, err := svc.Create(ctx, charity(), "", r)
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.Create(ctx, charity(), "", r)
	if err != nil || a.ID == b.ID || !resource.ValidID(a.ID) {
		t.Errorf("generated ids %q and %q (%v)", a.ID, b.ID, err)
	}

	// Without an id but with a request id: the id is derived, so the
	// retry finds the first response.
	withReq := r
	withReq.RequestID = "7c1a"
	first, err := svc.Create(ctx, charity(), "", withReq)
	if err != nil || first.ID != resource.IDFor("sponsor", r.Method+"\x00"+r.Subject, "7c1a") {
		t.Fatalf("derived id: %+v, %v", first, err)
	}
	stored := st.stored
	again, err := svc.Create(ctx, charity(), "", withReq)
	if err != nil || again.ID != first.ID || st.stored != stored {
		t.Errorf("retry: %+v, %v after %d more sponsors stored; want the first response and none stored", again, err, st.stored-stored)
	}

	bad := leeds()
	bad.DayRatePence = 0
	if _, err := svc.Create(ctx, bad, "bad", r); !slices.Equal(rpctest.Fields(err), []string{"sponsor.day_rate_pence"}) {
		t.Errorf("invalid sponsor: %v", err)
	}
}

func TestUpdate(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	svc := NewService(st, nil)
	if _, err := svc.Create(ctx, leeds(), "leeds", change.Request{}); err != nil {
		t.Fatal(err)
	}
	m, _ := ParseMask([]string{"paused"})
	if _, err := svc.Update(ctx, "leeds", Sponsor{Paused: true}, m, change.At(2), change.Request{}); !errors.Is(err, ErrConflict) {
		t.Errorf("stale etag: %v", err)
	}
	if _, err := svc.Update(ctx, "york", Sponsor{Paused: true}, m, change.At(1), change.Request{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing sponsor: %v", err)
	}
	out, err := svc.Update(ctx, "leeds", Sponsor{Paused: true}, m, change.At(1), change.Request{})
	if err != nil || !out.Paused || out.Version != 2 {
		t.Errorf("update: %+v, %v", out, err)
	}
}
