package matchrunstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/match"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/matchrun"
)

func TestRuns(t *testing.T) {
	ctx := context.Background()
	c, ks := redistest.New(t)
	runs := New(store.New(c, ks), nil, nil, nil)
	at := time.Date(2016, 6, 15, 10, 0, 0, 0, time.UTC)
	w := match.DefaultWeights()
	res := &match.Result{
		Algorithm: match.Optimal, Fingerprint: "fp-1", Objective: 1234, Bound: 1234, Proven: true,
		Assignments: []match.Assignment{{Need: "localAuthorities/E06000039/sponsorNeeds/n1", Council: "E06000039", Sponsor: "leeds", StaffDays: 20}},
		Stability:   &match.Stability{Stable: true, PairsChecked: 3},
	}
	first := matchrun.Run{ID: "run-a", State: matchrun.Proposed, RunBy: "official-1", CreateTime: at,
		Input:  match.Input{Algorithm: match.Optimal, Weights: &w, Needs: []match.Need{{ID: "localAuthorities/E06000039/sponsorNeeds/n1", Urgency: 3}}},
		Result: res}
	second := matchrun.Run{ID: "run-b", State: matchrun.DryRun, RunBy: "official-1", CreateTime: at.Add(time.Minute), Result: &match.Result{Fingerprint: "fp-2"}}
	for _, r := range []matchrun.Run{first, second} {
		got, err := runs.Insert(ctx, r, change.Request{Subject: "official-1", Method: "run"})
		if err != nil || got.Version != 1 {
			t.Fatalf("Insert %s: %v, version %d", r.ID, err, got.Version)
		}
	}
	if _, err := runs.Insert(ctx, first, change.Request{Subject: "official-1", Method: "run"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Insert of a taken id: %v, want a conflict", err)
	}
	got, err := runs.Get(ctx, "run-a")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 || got.Fingerprint() != "fp-1" || got.Result.Objective != 1234 || !got.Result.Stability.Stable ||
		len(got.Result.Assignments) != 1 || got.Result.Assignments[0].Sponsor != "leeds" || *got.Input.Weights != w ||
		got.Input.Needs[0].Urgency != 3 || !got.CreateTime.Equal(at) {
		t.Errorf("Get: %+v", got)
	}
	if _, err := runs.Get(ctx, "run-z"); !errors.Is(err, matchrun.ErrNotFound) {
		t.Errorf("Get of a missing run: %v", err)
	}
	all, err := runs.All(ctx)
	if err != nil || len(all) != 2 || all[0].ID != "run-b" || all[1].ID != "run-a" {
		t.Fatalf("All: %v, %+v; want run-b then run-a", err, all)
	}
	rejected, err := got.Reject("official-2", "wrong", at)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := runs.Save(ctx, rejected, change.Request{Subject: "official-2", Method: "reject"})
	if err != nil || saved.Version != 2 {
		t.Fatalf("Save: %v, version %d", err, saved.Version)
	}
	if _, err := runs.Save(ctx, rejected, change.Request{Subject: "official-2", Method: "reject"}); !errors.Is(err, matchrun.ErrConflict) || !errors.Is(err, store.ErrConflict) {
		t.Errorf("Save over a stale version: %v, want ErrConflict", err)
	}
	again, _ := runs.Get(ctx, "run-a")
	if again.State != matchrun.Rejected || again.RejectReason != "wrong" || again.Version != 2 {
		t.Errorf("after Save: %+v", again)
	}
}
