package redisstore

import (
	"context"
	"errors"
	"testing"

	"github.com/turnaround-sli/turnaround/services/inspection/internal/council"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
	"github.com/turnaround-sli/turnaround/services/reference"
)

func TestCouncilsSeedGetAll(t *testing.T) {
	ctx := context.Background()
	c, ks := redistest.New(t)
	cs := NewCouncils(store.New(c, ks))

	added, err := cs.Seed(ctx, reference.Councils())
	if err != nil || added != 152 {
		t.Fatalf("first seed added %d, %v; want 152", added, err)
	}
	again, err := cs.Seed(ctx, reference.Councils())
	if err != nil || again != 0 {
		t.Fatalf("second seed added %d, %v; want 0", again, err)
	}

	leeds, err := cs.Get(ctx, "E08000035")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := reference.CouncilByCode("E08000035")
	if leeds.Council != want || leeds.Version != 1 || leeds.UpdateTime.IsZero() {
		t.Fatalf("Leeds = %+v, want %+v at version 1", leeds, want)
	}
	if _, err := cs.Get(ctx, "E08999999"); !errors.Is(err, council.ErrNotFound) {
		t.Fatalf("unknown council: %v", err)
	}

	all, err := cs.All(ctx)
	if err != nil || len(all) != 152 {
		t.Fatalf("All = %d, %v", len(all), err)
	}
	seen := map[string]bool{}
	for _, la := range all {
		ref, ok := reference.CouncilByCode(la.GSSCode)
		if !ok || ref != la.Council || seen[la.GSSCode] {
			t.Fatalf("council %+v does not match the reference or repeats", la)
		}
		seen[la.GSSCode] = true
	}
}
