package timelinestore

import (
	"context"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/oversight/internal/timeline"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

// TestListingFromMemorySeesEveryWrite: with a Tracker, a council's
// timeline is answered from memory (no command on the store's client)
// while nothing of it changed, and the next listing after another
// replica's write shows it: an entry, a second entry, a changed standing
// (with an entry, and alone), a write to another council (which changes
// nothing here) and a purge.
func TestListingFromMemorySeesEveryWrite(t *testing.T) {
	ctx := context.Background()
	c, ks := redistest.New(t)
	reader := New(store.New(c, ks, store.WithTracker(redistest.Tracker(t, ks))))
	writer := New(store.New(c, ks)) // reads Redis on every call
	trips := redistest.CountRoundTrips(c)
	const leeds, slough = "E08000035", "E06000039"
	at := time.Date(2016, 6, 15, 10, 0, 0, 0, time.UTC)

	check := func(step string, wantEntries int) {
		t.Helper()
		// The writer has no Tracker, so it reads Redis every time: the
		// index and the standing in one round trip, and the entries it has
		// not decoded before in a second; none the second time.
		var want []timeline.Entry
		var wantStanding timeline.Standing
		var err error
		for i, most := range []int64{2, 1} {
			if n := trips.During(func() { want, wantStanding, err = writer.Listing(ctx, leeds) }); n > most {
				t.Fatalf("%s: reading the timeline from Redis (read %d) took %d round trips, want at most %d", step, i, n, most)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if len(want) != wantEntries {
			t.Fatalf("%s: Redis holds %d entries, want %d", step, len(want), wantEntries)
		}
		for i := range 3 {
			var got []timeline.Entry
			var standing timeline.Standing
			n := trips.During(func() { got, standing, err = reader.Listing(ctx, leeds) })
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) || (len(got) > 0 && !reflect.DeepEqual(got, want)) || !reflect.DeepEqual(standing, wantStanding) {
				t.Fatalf("%s, read %d: %d entries and standing %+v, want %d and %+v as Redis holds them",
					step, i, len(got), standing, len(want), wantStanding)
			}
			// The first read after a write reads Redis (the very first may
			// read twice while its invalidation is on its way); the third
			// is from memory.
			if i == 2 && n != 0 {
				t.Fatalf("%s: an unchanged timeline took %d round trips on the store's client, want 0", step, n)
			}
		}
	}
	record := func(gss, id string, st *timeline.Standing) {
		t.Helper()
		at = at.Add(time.Hour)
		e := timeline.Entry{ID: id, Council: gss, Kind: "JUDGEMENT_PUBLISHED", Time: at, Role: "system",
			Summary: "Judgement " + id, Resource: "localAuthorities/" + gss + "/inspections/" + id, Service: "inspection"}
		if _, err := writer.Record(ctx, e, st); err != nil {
			t.Fatal(err)
		}
	}

	check("no timeline yet", 0)
	record(leeds, "e1", nil)
	check("a first entry", 1)
	record(leeds, "e2", nil)
	check("a second entry", 2)
	st, err := writer.Standing(ctx, leeds)
	if err != nil {
		t.Fatal(err)
	}
	st.Records = map[string]timeline.Record{"sponsors/durham/engagements/g1": {
		Kind: timeline.KindEngagement, State: timeline.Open, Since: at, Sponsor: "durham"}}
	record(leeds, "e3", &st)
	check("an engagement in the standing", 3)
	// A standing written on its own, as no path does today, is seen too.
	if st, err = writer.Standing(ctx, leeds); err != nil {
		t.Fatal(err)
	}
	st.Records["localAuthorities/E08000035/improvementPlans/p1"] = timeline.Record{Kind: "plan", State: "SUBMITTED", Since: at}
	w, err := writer.standings.Put(writer.StandingKey(leeds), st, st.Version)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := writer.st.Commit(ctx, store.Mutation{Tag: tag(leeds), Writes: []store.Write{w}}); err != nil {
		t.Fatal(err)
	}
	check("a standing alone", 3)
	record(slough, "s1", nil)
	check("another council's entry", 3)
	if err := writer.Purge(ctx, []string{leeds, slough}); err != nil {
		t.Fatal(err)
	}
	check("a purge", 0)
}

// TestStandingAfterOwnWriteIsWhatRedisHolds: the standing a store wrote is
// what its next read returns, the same as a replica decodes from Redis
// (with its version, so the next write's check-and-set holds), without
// decoding it again; a write by the other replica since is what the next
// read returns, decoded once; and a caller that changes a standing it read
// changes nothing of what later reads get.
func TestStandingAfterOwnWriteIsWhatRedisHolds(t *testing.T) {
	ctx := context.Background()
	c, ks := redistest.New(t)
	// mine counts the standings it decodes; other, made after, does not.
	var decodes atomic.Int64
	decode := standingCodec.Decode
	t.Cleanup(func() { standingCodec.Decode = decode })
	standingCodec.Decode = func(data []byte, version int64) (timeline.Standing, error) {
		decodes.Add(1)
		return decode(data, version)
	}
	mine := New(store.New(c, ks, store.WithTracker(redistest.Tracker(t, ks))))
	standingCodec.Decode = decode
	other := New(store.New(c, ks))
	const leeds = "E08000035"
	at := time.Date(2016, 6, 15, 10, 0, 0, 0, time.UTC)
	n := 0
	record := func(s *Store, change func(*timeline.Standing)) {
		t.Helper()
		st, err := s.Standing(ctx, leeds)
		if err != nil {
			t.Fatal(err)
		}
		change(&st)
		n++
		e := timeline.Entry{ID: fmt.Sprintf("event-%d", n), Council: leeds, Kind: "PLAN_OPENED", Time: at.Add(time.Duration(n) * time.Hour)}
		if ok, err := s.Record(ctx, e, &st); err != nil || !ok {
			t.Fatalf("record %s: %v, %v", e.ID, ok, err)
		}
	}
	same := func(step string, wantDecodes int64) {
		t.Helper()
		got, err := mine.Standing(ctx, leeds)
		if err != nil {
			t.Fatal(err)
		}
		want, err := other.Standing(ctx, leeds)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: standing %+v, want %+v as Redis holds it", step, got, want)
		}
		if n := decodes.Load(); n != wantDecodes {
			t.Fatalf("%s: %d standings decoded in all, want %d", step, n, wantDecodes)
		}
	}
	plan := func(name, state string, hours int) func(*timeline.Standing) {
		return func(st *timeline.Standing) {
			if st.Records == nil {
				st.Records = map[string]timeline.Record{}
			}
			st.Records[name] = timeline.Record{Kind: timeline.KindPlan, State: state, Since: at.Add(time.Duration(hours) * time.Hour)}
		}
	}

	record(mine, func(st *timeline.Standing) {
		st.Council = leeds
		st.Latest = timeline.Judgement{Inspection: "i1", Framework: "SIF", Grade: "INADEQUATE", Published: at, At: at}
		plan("plans/a", "OPEN", 1)(st)
	})
	same("after its own first write", 0)
	record(mine, plan("plans/b", "OPEN", 2))
	same("after its own second write", 0)
	record(other, plan("plans/a", "IMPROVED", 3))
	same("after the other replica's write", 1)
	record(mine, plan("plans/c", "OPEN", 4))
	same("after its own write on the other replica's", 1)

	st, err := mine.Standing(ctx, leeds)
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != 4 || len(st.Records) != 3 || st.Records["plans/a"].State != "IMPROVED" {
		t.Fatalf("standing at version %d with %+v, want version 4 with plans a (IMPROVED), b and c", st.Version, st.Records)
	}
	delete(st.Records, "plans/a")
	same("after a caller changed the standing it read", 1)
}
