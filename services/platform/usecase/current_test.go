package usecase

import (
	"context"
	"errors"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/change"
)

type rec struct{ v int64 }

func (r rec) Revision() int64 { return r.v }

func TestCurrent(t *testing.T) {
	missing := errors.New("missing")
	stale := errors.New("stale")
	get := func(_ context.Context, id string) (rec, error) {
		if id != "a" {
			return rec{}, missing
		}
		return rec{v: 3}, nil
	}
	ctx := context.Background()
	if got, err := Current(ctx, get, "a", change.Etag{}, stale); err != nil || got.v != 3 {
		t.Fatalf("no etag: got %v, %v; want version 3", got, err)
	}
	if got, err := Current(ctx, get, "a", change.At(3), stale); err != nil || got.v != 3 {
		t.Fatalf("current etag: got %v, %v; want version 3", got, err)
	}
	if got, err := Current(ctx, get, "a", change.At(2), stale); !errors.Is(err, stale) || got != (rec{}) {
		t.Fatalf("stale etag: got %v, %v; want the zero record and the stale error", got, err)
	}
	if _, err := Current(ctx, get, "b", change.At(2), stale); !errors.Is(err, missing) {
		t.Fatalf("missing record: got %v; want get's error", err)
	}
}

func TestUpdate(t *testing.T) {
	stale := errors.New("stale")
	refused := errors.New("refused")
	get := func(context.Context, string) (rec, error) { return rec{v: 3}, nil }
	var saved []rec
	save := func(_ context.Context, v rec, _ change.Request) (rec, error) {
		saved = append(saved, v)
		v.v++
		return v, nil
	}
	ctx := context.Background()
	bump := func(cur rec) (rec, error) { return rec{v: cur.v * 10}, nil }
	if got, err := Update(ctx, get, save, "a", change.At(3), stale, change.Request{}, bump); err != nil || got.v != 31 {
		t.Fatalf("current etag: got %v, %v; want the saved record at version 31", got, err)
	}
	if _, err := Update(ctx, get, save, "a", change.At(2), stale, change.Request{}, bump); !errors.Is(err, stale) {
		t.Fatalf("stale etag: got %v; want the stale error", err)
	}
	refuse := func(rec) (rec, error) { return rec{}, refused }
	if _, err := Update(ctx, get, save, "a", change.Etag{}, stale, change.Request{}, refuse); !errors.Is(err, refused) {
		t.Fatalf("refused change: got %v; want apply's error", err)
	}
	if len(saved) != 1 || saved[0].v != 30 {
		t.Fatalf("saved %v; want only the one applied change (version 30)", saved)
	}
}
