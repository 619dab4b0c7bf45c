package matchrunstore_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/match"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/matchrun"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/matchrunstore"
	"github.com/turnaround-sli/turnaround/services/sponsor/internal/need"
)

// solvedKeys counts the solved inputs stored under st.
func solvedKeys(t *testing.T, st *store.Store, runs *matchrunstore.Runs) []string {
	t.Helper()
	keys, err := st.Client().Keys(context.Background(), runs.SolvedKey("*")).Result()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// Identical runs refer to one solved input, stored once, and each reads
// back with the explanation and candidates the first run had; a change to
// the inputs gives a new solved input.
func TestIdenticalRunsShareOneSolvedInput(t *testing.T) {
	ctx := context.Background()
	svc, st, runs, needs := newBenchService(t)
	spec := matchrun.Spec{Algorithm: match.Optimal, Weights: match.DefaultWeights(), DryRun: true}
	var ids []string
	for range 3 {
		r, err := svc.Run(ctx, spec, change.Request{Subject: "official-1", Method: "run"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	if keys := solvedKeys(t, st, runs); len(keys) != 1 {
		t.Fatalf("three identical runs stored %d solved inputs, want 1: %v", len(keys), keys)
	}
	first, err := runs.Get(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if first.Result == nil || len(first.Result.Needs) != len(benchCouncils) || len(first.Input.Needs) != len(benchCouncils) {
		t.Fatalf("first run read back without its explanation: %+v", first.Result)
	}
	// Another process (a fresh store over the same Redis) reads the runs
	// from Redis, not from the memory of the one that wrote them.
	fresh := matchrunstore.New(st, nil, nil, nil)
	summaries, err := fresh.All(ctx)
	if err != nil || len(summaries) != 3 {
		t.Fatalf("All: %v, %d runs", err, len(summaries))
	}
	for _, r := range summaries {
		// A list reads the runs, not their solved input, which a process
		// that never read it does not have: only what list filters need.
		if r.Result != nil || r.Solved == "" || r.Input.Algorithm != match.Optimal || r.State != matchrun.DryRun {
			t.Errorf("%s listed as %+v; want a summary with its algorithm and state", r.ID, r)
		}
	}
	all, err := fresh.Explain(ctx, summaries)
	if err != nil || len(all) != len(summaries) {
		t.Fatalf("Explain: %v, %d runs of %d", err, len(all), len(summaries))
	}
	for _, r := range all {
		if !reflect.DeepEqual(r.Result, first.Result) || !reflect.DeepEqual(r.Input, first.Input) {
			t.Errorf("%s read back with another input or result than %s", r.ID, first.ID)
		}
		if r.State != matchrun.DryRun || r.RunBy != "official-1" || r.Version != 1 {
			t.Errorf("%s: %+v", r.ID, r)
		}
	}

	// A new open need changes the input: the next run solves it and
	// stores a second solved input.
	n, err := need.New("E08000035", "another", need.Need{
		Areas: []need.AreaWeight{{Area: reference.AreaCareLeavers, Weight: 7}}, Urgency: 3, StaffDaysNeeded: 30,
	}, "", time.Date(2016, 6, 15, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := needs.Insert(ctx, n, change.Request{Subject: "official-1"}); err != nil {
		t.Fatal(err)
	}
	changed, err := svc.Run(ctx, spec, change.Request{Subject: "official-1", Method: "run"})
	if err != nil {
		t.Fatal(err)
	}
	if changed.Fingerprint() == first.Fingerprint() || len(changed.Input.Needs) != len(benchCouncils)+1 {
		t.Errorf("a run after a need opened kept the old input: %d needs, fingerprint %s", len(changed.Input.Needs), changed.Fingerprint())
	}
	if keys := solvedKeys(t, st, runs); len(keys) != 2 {
		t.Errorf("after the inputs changed: %d solved inputs, want 2", len(keys))
	}
	// What-if overrides are not in the fingerprint, but they change the
	// result: a what-if of the same inputs is solved, not reused.
	what := spec
	what.Overrides = match.Overrides{ExcludeSponsors: []string{first.Result.Assignments[0].Sponsor}}
	wi, err := svc.Run(ctx, what, change.Request{Subject: "official-1", Method: "run"})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range wi.Result.Assignments {
		if a.Sponsor == what.Overrides.ExcludeSponsors[0] {
			t.Errorf("the what-if reused a result that assigns the excluded sponsor: %+v", a)
		}
	}
}

// A run stored before solved inputs existed, with its input and result
// inline, still reads, lists and saves; so does a replayed response of
// that time.
func TestRunStoredInlineStillReads(t *testing.T) {
	ctx := context.Background()
	svc, st, runs, _ := newBenchService(t)
	made, err := svc.Run(ctx, matchrun.Spec{Algorithm: match.Optimal, Weights: match.DefaultWeights()}, change.Request{Subject: "official-1", Method: "run"})
	if err != nil {
		t.Fatal(err)
	}
	old := made
	old.ID, old.Version = "old-format", 0
	// The stored form before solved inputs: {"run": the whole run}.
	data, err := json.Marshal(map[string]any{"run": old})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Commit(ctx, store.Mutation{Tag: matchrunstore.Tag,
		Writes: []store.Write{{Key: runs.Key(old.ID), Data: data}},
		Index:  []store.IndexOp{store.ZAdd(st.Keyspace().Key(matchrunstore.Tag, "index"), float64(old.CreateTime.UnixMilli()-1), old.ID)},
	}); err != nil {
		t.Fatal(err)
	}
	fresh := matchrunstore.New(st, nil, nil, nil)
	got, err := fresh.Get(ctx, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 || got.State != matchrun.Proposed || !reflect.DeepEqual(got.Result, made.Result) || !reflect.DeepEqual(got.Input, made.Input) {
		t.Fatalf("old-format run read back as %+v", got)
	}
	all, err := fresh.All(ctx)
	if err == nil {
		all, err = fresh.Explain(ctx, all)
	}
	if err != nil || len(all) != 2 || !reflect.DeepEqual(all[1].Result, made.Result) || all[1].Solved != "" {
		t.Fatalf("All with an old-format run: %v, %d runs", err, len(all))
	}
	rejected, err := got.Reject("official-2", "not now", time.Date(2016, 6, 16, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fresh.Save(ctx, rejected, change.Request{Subject: "official-2", Method: "reject"}); err != nil {
		t.Fatal(err)
	}
	again, err := matchrunstore.New(st, nil, nil, nil).Get(ctx, old.ID)
	if err != nil || again.State != matchrun.Rejected || again.Version != 2 || !reflect.DeepEqual(again.Result, made.Result) {
		t.Fatalf("old-format run after a save: %v, %+v", err, again)
	}

	// A response recorded for replay before solved inputs: the whole run.
	req := change.Request{Subject: "official-1", Method: "run", RequestID: "old-replay", RequestHash: []byte("h")}
	resp, err := json.Marshal(made)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Commit(ctx, store.Mutation{Tag: matchrunstore.Tag, Idempotency: &store.IdempotencyRecord{
		Scope: store.IdempotencyScope(req.Method, req.Subject), RequestID: req.RequestID, RequestHash: req.RequestHash, Response: resp,
	}}); err != nil {
		t.Fatal(err)
	}
	replayed, ok, err := fresh.Replay(ctx, req)
	if err != nil || !ok || replayed.ID != made.ID || !reflect.DeepEqual(replayed.Result, made.Result) {
		t.Fatalf("old replay: %v, %v, %+v", err, ok, replayed.ID)
	}
}

// A run with a request ID replays, from any process, as it was returned,
// explanation included.
func TestReplayReadsTheSolvedInput(t *testing.T) {
	ctx := context.Background()
	svc, st, _, _ := newBenchService(t)
	req := change.Request{Subject: "official-1", Method: "run", RequestID: "once", RequestHash: []byte("h")}
	spec := matchrun.Spec{Algorithm: match.Optimal, Weights: match.DefaultWeights(), DryRun: true}
	first, err := svc.Run(ctx, spec, req)
	if err != nil {
		t.Fatal(err)
	}
	replayed, ok, err := matchrunstore.New(st, nil, nil, nil).Replay(ctx, req)
	if err != nil || !ok {
		t.Fatalf("Replay: %v, %v", err, ok)
	}
	if replayed.ID != first.ID || replayed.Version != 1 || !reflect.DeepEqual(replayed.Result, first.Result) || !reflect.DeepEqual(replayed.Input, first.Input) {
		t.Errorf("replayed %+v, want the first run", replayed.ID)
	}
}
