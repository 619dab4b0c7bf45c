package store_test

import (
	"errors"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

func TestReadsTakeRecordsAndTheReplayInOneRoundTrip(t *testing.T) {
	ctx := testContext(t)
	c, ks := redistest.New(t)
	st := store.New(c, ks)
	trips := redistest.CountRoundTrips(c)
	missing := errors.New("no such widget")
	widgets := store.NewCollection(st, widgetCodec, missing)
	const tag = "widget:w1"
	a, b, none := ks.Key(tag, "widget", "a"), ks.Key(tag, "widget", "b"), ks.Key(tag, "widget", "none")
	r := change.Request{Subject: "s", Method: "M", RequestID: "req-1", RequestHash: []byte{1}}
	for _, k := range []string{a, b} {
		w, err := widgets.Put(k, widget{Name: k}, store.MustNotExist)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Commit(ctx, store.Mutation{Tag: tag, Writes: []store.Write{w}}); err != nil {
			t.Fatal(err)
		}
	}

	// read is what one Reads of the three widgets and r's answer gives.
	type readOut struct {
		prev     widget
		replayed bool
		err      error
		got      []widget
		errs     []error
	}
	read := func(r change.Request) readOut {
		rs := st.Reads(tag)
		prev := widgets.ReplayIn(rs, r)
		got := []store.Pending[widget]{widgets.In(rs, a), widgets.In(rs, b), widgets.In(rs, none)}
		n := trips.During(func() {
			if err := rs.Do(ctx); err != nil {
				t.Fatal(err)
			}
		})
		if n != 1 {
			t.Errorf("Do took %d round trips, want 1", n)
		}
		var out readOut
		for _, p := range got {
			w, err := p.Get()
			out.got, out.errs = append(out.got, w), append(out.errs, err)
		}
		out.prev, out.replayed, out.err = prev.Get(ctx)
		return out
	}

	first := read(r)
	if first.replayed || first.err != nil {
		t.Errorf("replay before any commit: %v, %v", first.replayed, first.err)
	}
	if first.got[0] != (widget{Name: a, Version: 1}) || first.got[1] != (widget{Name: b, Version: 1}) || first.errs[0] != nil || first.errs[1] != nil {
		t.Errorf("records: %+v, %v", first.got, first.errs)
	}
	if !errors.Is(first.errs[2], missing) {
		t.Errorf("a missing record: %v, want the collection's not-found", first.errs[2])
	}

	w, err := widgets.Put(a, widget{Name: "changed"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	idem, err := widgets.Idempotency(r, widget{Name: "changed"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Commit(ctx, store.Mutation{Tag: tag, Writes: []store.Write{w}, Idempotency: idem}); err != nil {
		t.Fatal(err)
	}
	if after := read(r); after.err != nil || !after.replayed || after.prev != (widget{Name: "changed", Version: 2}) {
		t.Errorf("replay after the commit: %+v, %v, %v", after.prev, after.replayed, after.err)
	}
	other := r
	other.RequestHash = []byte{2}
	if reused := read(other); reused.replayed || !errors.Is(reused.err, store.ErrRequestIDReused) {
		t.Errorf("request_id reused for another request: %v, %v; want ErrRequestIDReused", reused.replayed, reused.err)
	}
	if none := read(change.Request{Subject: "s", Method: "M"}); none.replayed || none.err != nil {
		t.Errorf("a request without request_id: %v, %v; want nothing to replay", none.replayed, none.err)
	}
}

func TestReadsRefuseKeysOutsideTheirTag(t *testing.T) {
	ctx := testContext(t)
	c, ks := redistest.New(t)
	st := store.New(c, ks)
	widgets := store.NewCollection(st, widgetCodec, store.ErrNotFound)
	rs := st.Reads("widget:w1")
	p := widgets.In(rs, ks.Key("widget:w2", "widget"))
	if err := rs.Do(ctx); !errors.Is(err, store.ErrBadMutation) {
		t.Fatalf("Do with a key of another tag: %v, want ErrBadMutation", err)
	}
	if _, err := p.Get(); err == nil {
		t.Error("a read that never ran gave a record")
	}
}
