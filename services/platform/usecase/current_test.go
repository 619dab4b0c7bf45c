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
