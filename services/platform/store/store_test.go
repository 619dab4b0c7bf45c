package store_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/turnaround-sli/turnaround/services/platform/apierror"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

// tag is the aggregate every test writes to; each test has its own prefix.
var tag = keyspace.CouncilTag("E08000017")

func newStore(t *testing.T, opts ...store.Option) (*store.Store, keyspace.Keyspace) {
	t.Helper()
	c, ks := redistest.New(t)
	return store.New(c, ks, opts...), ks
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// put commits one write and fails the test on error.
func put(t *testing.T, s *store.Store, key, data string, ifVersion int64) store.Result {
	t.Helper()
	res, err := s.Commit(testContext(t), store.Mutation{Tag: tag, Writes: []store.Write{{Key: key, Data: []byte(data), IfVersion: ifVersion}}})
	if err != nil {
		t.Fatalf("commit %s: %v", key, err)
	}
	return res
}

func mustGet(t *testing.T, s *store.Store, key string) store.Record {
	t.Helper()
	r, err := s.Get(testContext(t), key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	return r
}

func TestNewAccessors(t *testing.T) {
	c, ks := redistest.New(t)
	s := store.New(c, ks)
	if s.Client() != c || s.Keyspace() != ks {
		t.Error("accessors do not return what New was given")
	}
	if got := s.IdempotencyTTL(); got != store.DefaultIdempotencyTTL {
		t.Errorf("default IdempotencyTTL = %v, want %v", got, store.DefaultIdempotencyTTL)
	}
	if got := store.New(c, ks, store.WithIdempotencyTTL(time.Hour)).IdempotencyTTL(); got != time.Hour {
		t.Errorf("IdempotencyTTL = %v, want 1h", got)
	}
	if got := store.New(c, ks, store.WithIdempotencyTTL(-time.Hour)).IdempotencyTTL(); got != store.DefaultIdempotencyTTL {
		t.Errorf("negative TTL option gave %v, want the default", got)
	}
}

func TestGetPutVersions(t *testing.T) {
	s, ks := newStore(t)
	ctx := testContext(t)
	key := ks.Key(tag, "plan", "p1")

	if _, err := s.Get(ctx, key); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get of a missing record: err = %v, want ErrNotFound", err)
	}
	if st, _ := apierror.Convert(func() error { _, err := s.Get(ctx, key); return err }()); st.Code() != codes.NotFound {
		t.Errorf("missing record maps to %v, want NotFound", st.Code())
	}

	steps := []struct {
		data      string
		ifVersion int64
		want      int64
	}{
		{"v1", store.MustNotExist, 1},
		{"v2", 1, 2},
		{"v3", store.AnyVersion, 3},
		{"v4", 3, 4},
	}
	for _, st := range steps {
		res := put(t, s, key, st.data, st.ifVersion)
		if got := res.Versions[key]; got != st.want {
			t.Errorf("write %s: version %d, want %d", st.data, got, st.want)
		}
		if got, want := res.Etag(key), strconv.Quote(strconv.FormatInt(st.want, 10)); got != want {
			t.Errorf("write %s: etag %s, want %s", st.data, got, want)
		}
		r := mustGet(t, s, key)
		if string(r.Data) != st.data || r.Version != st.want || r.Key != key || !r.Exists() {
			t.Errorf("after write %s: got %+v", st.data, r)
		}
	}

	// Binary data survives the round trip.
	bin := string([]byte{0, 1, 2, 0xff, '\n', 0})
	put(t, s, key, bin, 4)
	if r := mustGet(t, s, key); string(r.Data) != bin {
		t.Errorf("binary data = %q, want %q", r.Data, bin)
	}

	// Delete, then create again.
	res, err := s.Commit(ctx, store.Mutation{Tag: tag, Writes: []store.Write{{Key: key, Delete: true, IfVersion: 5}}})
	if err != nil {
		t.Fatalf("delete: %v", err)
	}
	if v, ok := res.Versions[key]; !ok || v != 0 || res.Etag(key) != "" {
		t.Errorf("delete result = %+v, want version 0 and no etag", res)
	}
	if _, err := s.Get(ctx, key); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get after delete: err = %v, want ErrNotFound", err)
	}
	if got := put(t, s, key, "again", store.MustNotExist).Versions[key]; got != 1 {
		t.Errorf("re-create version = %d, want 1", got)
	}
}

func TestGetMany(t *testing.T) {
	s, ks := newStore(t)
	ctx := testContext(t)
	other := keyspace.CouncilTag("E09000033")
	k1, k2, k3 := ks.Key(tag, "plan", "a"), ks.Key(tag, "plan", "missing"), ks.Key(other, "plan", "b")
	put(t, s, k1, "a", store.MustNotExist)
	put(t, s, k1, "a2", 1)
	if _, err := s.Commit(ctx, store.Mutation{Tag: other, Writes: []store.Write{{Key: k3, Data: []byte("b")}}}); err != nil {
		t.Fatal(err)
	}

	got, err := s.GetMany(ctx, []string{k1, k2, k3})
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Record{{Key: k1, Data: []byte("a2"), Version: 2}, {Key: k2}, {Key: k3, Data: []byte("b"), Version: 1}}
	if len(got) != len(want) {
		t.Fatalf("GetMany returned %d records, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Key != want[i].Key || string(got[i].Data) != string(want[i].Data) || got[i].Version != want[i].Version {
			t.Errorf("record %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if got[1].Exists() {
		t.Error("missing record reports Exists")
	}
	if none, err := s.GetMany(ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("GetMany(nil) = %v, %v", none, err)
	}
}

func TestEtag(t *testing.T) {
	for _, v := range []int64{1, 7, 1 << 40} {
		e := store.Etag(v)
		got, err := store.ParseEtag(e)
		if err != nil || got != v {
			t.Errorf("ParseEtag(Etag(%d)) = %d, %v", v, got, err)
		}
	}
	if store.Etag(0) != "" || store.Etag(-1) != "" {
		t.Error("Etag of a non-version is not empty")
	}

	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{`"7"`, 7, true},
		{`W/"7"`, 7, true},
		{"", store.AnyVersion, true},
		{`7`, 0, false},
		{`"0"`, 0, false},
		{`"-3"`, 0, false},
		{`"07"`, 0, false},
		{`"+7"`, 0, false},
		{`"x"`, 0, false},
		{`""`, 0, false},
		{`'7'`, 0, false},
		{`"7`, 0, false},
		{`"99999999999999999999"`, 0, false},
	}
	for _, tc := range tests {
		got, err := store.ParseEtag(tc.in)
		if tc.ok {
			if err != nil || got != tc.want {
				t.Errorf("ParseEtag(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
			}
			continue
		}
		if err == nil {
			t.Errorf("ParseEtag(%q) = %d, want an error", tc.in, got)
			continue
		}
		st, internal := apierror.Convert(err)
		vs := apierror.FieldViolations(st)
		if internal || st.Code() != codes.InvalidArgument || len(vs) != 1 || vs[0].GetField() != "etag" {
			t.Errorf("ParseEtag(%q) error maps to %v %v, want INVALID_ARGUMENT on etag", tc.in, st.Code(), vs)
		}
	}

	_, err := store.ParseEtagField("inspection.etag", "nonsense")
	st, _ := apierror.Convert(err)
	if vs := apierror.FieldViolations(st); len(vs) != 1 || vs[0].GetField() != "inspection.etag" {
		t.Errorf("ParseEtagField violations = %v, want one on inspection.etag", vs)
	}
}

func TestCommitStaleVersionConflicts(t *testing.T) {
	s, ks := newStore(t)
	ctx := testContext(t)
	key := ks.Key(tag, "plan", "p1")
	put(t, s, key, "v1", store.MustNotExist)
	put(t, s, key, "v2", 1)

	tests := []struct {
		name      string
		ifVersion int64
	}{
		{"stale version", 1},
		{"future version", 3},
		{"create over existing", store.MustNotExist},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Commit(ctx, store.Mutation{Tag: tag, Writes: []store.Write{{Key: key, Data: []byte("lost"), IfVersion: tc.ifVersion}}})
			if !errors.Is(err, store.ErrConflict) {
				t.Fatalf("err = %v, want ErrConflict", err)
			}
			if f, ok := fault.As(err); !ok || f.Kind != fault.KindConflict || f.Reason != "ETAG_MISMATCH" {
				t.Errorf("fault = %+v, want KindConflict ETAG_MISMATCH", f)
			}
			st, internal := apierror.Convert(err)
			if internal || st.Code() != codes.Aborted {
				t.Errorf("code = %v (internal %v), want Aborted", st.Code(), internal)
			}
			if info := apierror.Info(st); info == nil || info.GetReason() != "ETAG_MISMATCH" || info.GetDomain() != apierror.Domain {
				t.Errorf("ErrorInfo = %v, want reason ETAG_MISMATCH", info)
			}
			if r := mustGet(t, s, key); string(r.Data) != "v2" || r.Version != 2 {
				t.Errorf("record after conflict = %+v, want v2 at version 2", r)
			}
		})
	}

	missing := ks.Key(tag, "plan", "missing")
	if _, err := s.Commit(ctx, store.Mutation{Tag: tag, Writes: []store.Write{{Key: missing, Data: []byte("x"), IfVersion: 1}}}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("update of a missing record: err = %v, want ErrConflict", err)
	}
}

func TestCommitIsAllOrNothingAcrossKeys(t *testing.T) {
	s, ks := newStore(t)
	ctx := testContext(t)
	a, b := ks.Key(tag, "plan", "a"), ks.Key(tag, "plan", "b")
	idx := ks.Key(tag, "plans")
	put(t, s, a, "a1", store.MustNotExist)

	// b must not exist but a is stale: neither write nor the index op lands.
	_, err := s.Commit(ctx, store.Mutation{
		Tag: tag,
		Writes: []store.Write{
			{Key: b, Data: []byte("b1"), IfVersion: store.MustNotExist},
			{Key: a, Data: []byte("a2"), IfVersion: 7},
		},
		Index: []store.IndexOp{store.ZAdd(idx, 1, "b")},
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("err = %v, want ErrConflict", err)
	}
	if _, err := s.Get(ctx, b); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("b was written by a failed commit (err %v)", err)
	}
	if n := s.Client().Exists(ctx, idx).Val(); n != 0 {
		t.Error("index was written by a failed commit")
	}
}

func TestIndexOps(t *testing.T) {
	s, ks := newStore(t)
	ctx := testContext(t)
	zset, set := ks.Key(tag, "plans", "by-due"), ks.Key(tag, "plans", "open")
	commit := func(ops ...store.IndexOp) {
		t.Helper()
		if _, err := s.Commit(ctx, store.Mutation{Tag: tag, Index: ops}); err != nil {
			t.Fatal(err)
		}
	}
	commit(store.ZAdd(zset, 20, "b"), store.ZAdd(zset, 10, "a"), store.ZAdd(zset, 30, "c"), store.SAdd(set, "a"), store.SAdd(set, "b"))
	commit(store.ZRem(zset, "b"), store.SRem(set, "a"))

	if got := s.Client().ZRange(ctx, zset, 0, -1).Val(); len(got) != 2 || got[0] != "a" || got[1] != "c" {
		t.Errorf("sorted set = %v, want [a c]", got)
	}
	if got := s.Client().SMembers(ctx, set).Val(); len(got) != 1 || got[0] != "b" {
		t.Errorf("set = %v, want [b]", got)
	}
}

func TestConcurrentWritersOneWinsPerVersion(t *testing.T) {
	s, ks := newStore(t)
	ctx := testContext(t)
	key := ks.Key(tag, "plan", "contended")
	const writers, rounds = 12, 4

	for round := range rounds {
		var (
			wg        sync.WaitGroup
			start     = make(chan struct{})
			mu        sync.Mutex
			wins      []int
			otherErrs []error
		)
		expect := int64(round) // version 0 = must not exist on the first round
		for w := range writers {
			wg.Go(func() {
				<-start
				_, err := s.Commit(ctx, store.Mutation{Tag: tag, Writes: []store.Write{{
					Key: key, Data: []byte(strconv.Itoa(w)), IfVersion: expect,
				}}})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins = append(wins, w)
				case !errors.Is(err, store.ErrConflict):
					otherErrs = append(otherErrs, err)
				}
			})
		}
		close(start)
		wg.Wait()
		if len(otherErrs) > 0 {
			t.Fatalf("round %d: unexpected errors: %v", round, otherErrs)
		}
		if len(wins) != 1 {
			t.Fatalf("round %d: %d writers won (%v), want exactly 1", round, len(wins), wins)
		}
		r := mustGet(t, s, key)
		if r.Version != expect+1 || string(r.Data) != strconv.Itoa(wins[0]) {
			t.Fatalf("round %d: record %+v, want winner %d at version %d", round, r, wins[0], expect+1)
		}
	}
}

func TestCommitRejectsKeysOutsideTag(t *testing.T) {
	s, ks := newStore(t)
	ctx := testContext(t)
	other := keyspace.CouncilTag("E09000033")
	own, foreign := ks.Key(tag, "plan", "a"), ks.Key(other, "plan", "a")

	tests := []struct {
		name string
		m    store.Mutation
	}{
		{"write in another tag", store.Mutation{Tag: tag, Writes: []store.Write{{Key: own, Data: []byte("x")}, {Key: foreign, Data: []byte("x")}}}},
		{"index in another tag", store.Mutation{Tag: tag, Writes: []store.Write{{Key: own, Data: []byte("x")}}, Index: []store.IndexOp{store.SAdd(ks.Key(other, "plans"), "a")}}},
		{"key without a tag", store.Mutation{Tag: tag, Writes: []store.Write{{Key: ks.Prefix + "plain", Data: []byte("x")}}}},
		{"key with an empty tag", store.Mutation{Tag: tag, Writes: []store.Write{{Key: ks.Prefix + "{}" + tag, Data: []byte("x")}}}},
		{"tag only as a later brace", store.Mutation{Tag: tag, Writes: []store.Write{{Key: ks.Prefix + "{x}:{" + tag + "}", Data: []byte("x")}}}},
		{"no tag", store.Mutation{Writes: []store.Write{{Key: own, Data: []byte("x")}}}},
		{"same key twice", store.Mutation{Tag: tag, Writes: []store.Write{{Key: own, Data: []byte("x")}, {Key: own, Data: []byte("y")}}}},
		{"event without type", store.Mutation{Tag: tag, Writes: []store.Write{{Key: own, Data: []byte("x")}}, Events: []events.Event{{Topic: "inspection"}}}},
		{"audit for unwritten key", store.Mutation{Tag: tag, Writes: []store.Write{{Key: own, Data: []byte("x")}}, Audit: []store.AuditEntry{{Audit: change.Audit{Resource: "r"}, Key: ks.Key(tag, "plan", "b")}}}},
		{"idempotency without scope", store.Mutation{Tag: tag, Writes: []store.Write{{Key: own, Data: []byte("x")}}, Idempotency: &store.IdempotencyRecord{RequestID: "r1"}}},
		{"version below AnyVersion", store.Mutation{Tag: tag, Writes: []store.Write{{Key: own, Data: []byte("x"), IfVersion: -2}}}},
		{"unknown index op", store.Mutation{Tag: tag, Writes: []store.Write{{Key: own, Data: []byte("x")}}, Index: []store.IndexOp{{Key: ks.Key(tag, "plans"), Member: "a"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Commit(ctx, tc.m)
			if !errors.Is(err, store.ErrBadMutation) {
				t.Fatalf("err = %v, want ErrBadMutation", err)
			}
			if _, ok := fault.As(err); ok {
				t.Errorf("a programming error surfaced as a fault: %v", err)
			}
			if n := s.Client().Exists(ctx, own, foreign).Val(); n != 0 {
				t.Errorf("%d keys written by a rejected mutation", n)
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	s, ks := newStore(t)
	ctx := testContext(t)
	key := ks.Key(tag, "counter")

	incr := func(cur store.Record) (store.Mutation, error) {
		n := 0
		if cur.Exists() {
			var err error
			if n, err = strconv.Atoi(string(cur.Data)); err != nil {
				return store.Mutation{}, err
			}
		}
		return store.Mutation{Tag: tag, Writes: []store.Write{{Key: key, Data: []byte(strconv.Itoa(n + 1)), IfVersion: store.AnyVersion}}}, nil
	}

	t.Run("creates then updates", func(t *testing.T) {
		for want := 1; want <= 3; want++ {
			res, err := s.Update(ctx, key, incr)
			if err != nil {
				t.Fatal(err)
			}
			if r := mustGet(t, s, key); string(r.Data) != strconv.Itoa(want) || r.Version != int64(want) || res.Versions[key] != int64(want) {
				t.Errorf("after update %d: %+v, result %+v", want, r, res)
			}
		}
	})

	t.Run("retries after a concurrent change", func(t *testing.T) {
		calls := 0
		_, err := s.Update(ctx, key, func(cur store.Record) (store.Mutation, error) {
			calls++
			if calls == 1 {
				// Another writer slips in between Update's read and commit.
				put(t, s, key, "100", store.AnyVersion)
			}
			return incr(cur)
		})
		if err != nil {
			t.Fatal(err)
		}
		if calls != 2 {
			t.Errorf("fn called %d times, want 2", calls)
		}
		if r := mustGet(t, s, key); string(r.Data) != "101" {
			t.Errorf("data = %s, want 101 (the concurrent write must not be lost)", r.Data)
		}
	})

	t.Run("fn error is returned and nothing written", func(t *testing.T) {
		before := mustGet(t, s, key)
		boom := errors.New("boom")
		if _, err := s.Update(ctx, key, func(store.Record) (store.Mutation, error) { return store.Mutation{}, boom }); !errors.Is(err, boom) {
			t.Errorf("err = %v, want boom", err)
		}
		if after := mustGet(t, s, key); after.Version != before.Version {
			t.Errorf("version moved from %d to %d", before.Version, after.Version)
		}
	})

	t.Run("gives up under endless contention", func(t *testing.T) {
		calls := 0
		_, err := s.Update(ctx, key, func(cur store.Record) (store.Mutation, error) {
			calls++
			put(t, s, key, "0", store.AnyVersion)
			return incr(cur)
		})
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("err = %v, want ErrConflict", err)
		}
		if calls < 2 || calls > 10 {
			t.Errorf("fn called %d times, want a small bounded number of retries", calls)
		}
	})

	t.Run("concurrent increments lose nothing", func(t *testing.T) {
		counter := ks.Key(tag, "counter", "concurrent")
		const workers, each = 6, 5
		var (
			wg        sync.WaitGroup
			mu        sync.Mutex
			successes int
			otherErrs []error
		)
		inc := func(cur store.Record) (store.Mutation, error) {
			m, err := incr(cur)
			m.Writes[0].Key = counter
			return m, err
		}
		for range workers {
			wg.Go(func() {
				for range each {
					_, err := s.Update(ctx, counter, inc)
					mu.Lock()
					switch {
					case err == nil:
						successes++
					case !errors.Is(err, store.ErrConflict):
						otherErrs = append(otherErrs, err)
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(otherErrs) > 0 {
			t.Fatalf("unexpected errors: %v", otherErrs)
		}
		r := mustGet(t, s, counter)
		if successes == 0 || string(r.Data) != strconv.Itoa(successes) || r.Version != int64(successes) {
			t.Errorf("%d successful updates, record %+v: every success must count exactly once", successes, r)
		}
	})
}

func TestConcurrentAnyVersionWritersCountEveryWrite(t *testing.T) {
	s, ks := newStore(t)
	ctx := testContext(t)
	key := ks.Key(tag, "plan", "last-writer-wins")
	put(t, s, key, "seed", store.MustNotExist)
	const writers = 8
	var (
		wg        sync.WaitGroup
		start     = make(chan struct{})
		mu        sync.Mutex
		versions  = map[int64]bool{}
		otherErrs []error
	)
	for w := range writers {
		wg.Go(func() {
			<-start
			res, err := s.Commit(ctx, store.Mutation{Tag: tag, Writes: []store.Write{{Key: key, Data: []byte(strconv.Itoa(w)), IfVersion: store.AnyVersion}}})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				versions[res.Versions[key]] = true
			case !errors.Is(err, store.ErrConflict): // the bounded retries may run out
				otherErrs = append(otherErrs, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if len(otherErrs) > 0 {
		t.Fatalf("unexpected errors: %v", otherErrs)
	}
	r := mustGet(t, s, key)
	if len(versions) == 0 || r.Version != int64(1+len(versions)) || !versions[r.Version] {
		t.Errorf("successful writes got versions %v, record at %d: each success must take its own version", versions, r.Version)
	}
}
