package store_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

type widget struct {
	Name    string
	Version int64
}

var widgetCodec = store.Codec[widget]{
	Encode: func(w widget) ([]byte, error) { return []byte(w.Name), nil },
	Decode: func(b []byte, v int64) (widget, error) { return widget{Name: string(b), Version: v}, nil },
}

func TestCollectionReplaysTheFirstAnswer(t *testing.T) {
	ctx := context.Background()
	c, ks := redistest.New(t)
	st := store.New(c, ks)
	widgets := store.NewCollection(st, widgetCodec, store.ErrNotFound)
	const tag = "widget:w1"
	key := ks.Key(tag, "widget")
	r := change.Request{Subject: "s", Method: "M", RequestID: "req-1", RequestHash: []byte{1}}

	if _, ok, err := widgets.Replay(ctx, tag, r); ok || err != nil {
		t.Fatalf("replay before any commit: %v %v", ok, err)
	}
	w := widget{Name: "first"}
	put, err := widgets.Put(key, w, store.MustNotExist)
	if err != nil {
		t.Fatal(err)
	}
	idem, err := widgets.Idempotency(r, w, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Commit(ctx, store.Mutation{Tag: tag, Writes: []store.Write{put}, Idempotency: idem}); err != nil {
		t.Fatal(err)
	}
	got, ok, err := widgets.Replay(ctx, tag, r)
	if err != nil || !ok || got != (widget{Name: "first", Version: 1}) {
		t.Errorf("replay: %+v %v %v", got, ok, err)
	}
	stored, err := widgets.Get(ctx, key)
	if err != nil || stored != (widget{Name: "first", Version: 1}) {
		t.Errorf("get: %+v %v", stored, err)
	}
	if idem, _ := widgets.Idempotency(change.Request{Method: "M"}, w, 1); idem != nil {
		t.Error("a request without request_id got an idempotency record")
	}
}

func TestAnswerHoldsSeveralAggregates(t *testing.T) {
	widgets := store.NewCollection(nil, widgetCodec, store.ErrNotFound)
	var a store.Answer
	for i := range 3 {
		if err := widgets.AddTo(&a, widget{Name: "w" + strconv.Itoa(i)}, int64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	rec := a.Record(change.Request{RequestID: "r", Method: "M"})
	replayed := store.NewAnswer(rec.Response)
	for i := 0; replayed.More(); i++ {
		w, err := widgets.Next(replayed)
		if err != nil || w != (widget{Name: "w" + strconv.Itoa(i), Version: int64(i + 1)}) {
			t.Fatalf("aggregate %d: %+v %v", i, w, err)
		}
	}
	bad := store.NewAnswer([]byte{0x02, 0x09, 'x'})
	if _, _, err := bad.Next(); err == nil {
		t.Error("a truncated answer decoded")
	}
}

func TestCommitOrReplayAnswersARetryInTheCommitsRoundTrip(t *testing.T) {
	ctx := context.Background()
	c, ks := redistest.New(t)
	st := store.New(c, ks)
	trips := redistest.CountRoundTrips(c)
	widgets := store.NewCollection(st, widgetCodec, store.ErrNotFound)
	const tag = "widget:w1"
	key := ks.Key(tag, "widget")
	r := change.Request{Subject: "s", Method: "M", RequestID: "req-1", RequestHash: []byte{1}}
	create := func(name string, r change.Request) (widget, error) {
		w := widget{Name: name}
		put, err := widgets.Put(key, w, store.MustNotExist)
		if err != nil {
			t.Fatal(err)
		}
		idem, err := widgets.Idempotency(r, w, 1)
		if err != nil {
			t.Fatal(err)
		}
		return widgets.CommitOrReplay(ctx, store.Mutation{Tag: tag, Writes: []store.Write{put}, Idempotency: idem}, widget{Name: name, Version: 1}, "create widget")
	}
	if got, err := create("first", r); err != nil || got != (widget{Name: "first", Version: 1}) {
		t.Fatalf("first create: %+v, %v", got, err)
	}
	// The record exists, so the retry's write is stale; the request's own
	// answer comes first, read by the commit itself.
	var got widget
	var err error
	if n := trips.During(func() { got, err = create("second", r) }); err != nil || got != (widget{Name: "first", Version: 1}) || n != 1 {
		t.Fatalf("retry: %+v, %v in %d round trips; want the first answer in 1", got, err, n)
	}
	if stored, err := widgets.Get(ctx, key); err != nil || stored.Name != "first" {
		t.Fatalf("after the retry: %+v, %v; want the first widget", stored, err)
	}
	other := r
	other.RequestHash = []byte{2}
	if _, err := create("second", other); !errors.Is(err, store.ErrRequestIDReused) {
		t.Errorf("request_id reused for another request: %v, want ErrRequestIDReused", err)
	}
	if _, err := create("second", change.Request{Subject: "s", Method: "M", RequestID: "req-2", RequestHash: []byte{1}}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("another request on a taken key: %v, want a conflict", err)
	}
}
