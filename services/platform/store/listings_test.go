package store_test

import (
	"errors"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/turnaround-sli/turnaround/services/platform/events"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

// TestListingsGoInTheRoundTripBeforeTheCommit commits records whose IDs join
// an index outside their slot. The first commit sends its listing with the
// outbox's registration (two round trips in all: that pipeline, then the
// script), a later one only its listing; both IDs are listed. A commit that
// fails leaves its ID listed, naming no record.
func TestListingsGoInTheRoundTripBeforeTheCommit(t *testing.T) {
	ctx := testContext(t)
	c, ks := redistest.New(t)
	counter := redistest.CountRoundTrips(c)
	s := store.New(c, ks)
	index := ks.Key("listings", "all")
	event := []events.Event{{Topic: "inspection", Type: "turnaround.events.v1.InspectionCreated"}}
	want := int64(2)
	if _, cluster := c.(*redis.ClusterClient); cluster {
		want = 3 // and the relay's pending hint, in another slot, after the script
	}

	for i, id := range []string{"a", "b"} {
		before := counter.Count()
		_, err := s.Commit(ctx, store.Mutation{
			Tag:      tag,
			Writes:   []store.Write{{Key: ks.Key(tag, "listed", id), Data: []byte(id), IfVersion: store.MustNotExist}},
			Events:   event,
			Listings: []store.IndexOp{store.SAdd(index, id), store.ZAdd(index+":by-time", float64(i), id)},
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := counter.Count() - before; n != want {
			t.Errorf("commit %d took %d round trips, want %d (the listings with the registration, then the script)", i+1, n, want)
		}
	}
	if ids, err := c.SMembers(ctx, index).Result(); err != nil || len(ids) != 2 {
		t.Errorf("index holds %v (%v), want a and b", ids, err)
	}
	if n, err := c.ZCard(ctx, index+":by-time").Result(); err != nil || n != 2 {
		t.Errorf("sorted index holds %d (%v), want 2", n, err)
	}

	_, err := s.Commit(ctx, store.Mutation{
		Tag:      tag,
		Writes:   []store.Write{{Key: ks.Key(tag, "listed", "a"), Data: []byte("again"), IfVersion: store.MustNotExist}},
		Listings: []store.IndexOp{store.SAdd(index, "c")},
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a commit over a taken key: %v, want a conflict", err)
	}
	if ok, _ := c.SIsMember(ctx, index, "c").Result(); !ok {
		t.Error("the failed commit's listing is missing: listings go before the script")
	}

	_, err = s.Commit(ctx, store.Mutation{Tag: tag, Listings: []store.IndexOp{store.SRem(index, "a")}})
	if err == nil {
		t.Error("a removal sent as a listing was accepted; only additions may go before the commit")
	}
}
