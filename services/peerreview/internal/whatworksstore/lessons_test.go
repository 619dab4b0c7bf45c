package whatworksstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/whatworksapi"

	"github.com/turnaround-sli/turnaround/services/peerreview/internal/reviewer"
	"github.com/turnaround-sli/turnaround/services/peerreview/internal/whatworks"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/reference"
)

var created = time.Date(2015, time.December, 14, 9, 0, 0, 0, time.UTC)

func newStore(t *testing.T) (*Lessons, *store.Store) {
	t.Helper()
	st := rpctest.NewStore(t)
	return New(st, rpctest.Codec(whatworksapi.ToStored, whatworksapi.FromStored)), st
}

func lesson(id string, at time.Time) whatworks.Lesson {
	return whatworks.Lesson{
		ID: id, Title: "Stable front door", Theme: reviewer.FrontDoorAndReferrals, Summary: "One hub.",
		Council: "E08000035", PeerReview: "localAuthorities/E08000035/peerReviews/abc", Region: reference.YorkshireAndTheHumber,
		CreateTime: at,
	}
}

var adviser = change.Request{Subject: "adviser-1", Roles: []string{"lga_adviser"}, Method: "/turnaround.peerreview.v1.PeerReviewService/CreateLesson"}

func TestCreateGetAll(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	if all, err := s.All(ctx); err != nil || len(all) != 0 {
		t.Fatalf("All on an empty store = %v, %v", all, err)
	}
	first := lesson("aaa", created)
	if _, err := s.Create(ctx, first, adviser); err != nil {
		t.Fatal(err)
	}
	plain := whatworks.Lesson{ID: "bbb", Title: "Caseload cap", Theme: reviewer.Caseloads, Summary: "Cap at 18.", CreateTime: created.Add(time.Hour)}
	if _, err := s.Create(ctx, plain, adviser); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "aaa")
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != first.Title || got.Theme != first.Theme || got.Summary != first.Summary || got.Council != first.Council ||
		got.PeerReview != first.PeerReview || got.Region != first.Region || !got.CreateTime.Equal(first.CreateTime) {
		t.Errorf("Get = %+v, want %+v", got, first)
	}
	all, err := s.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].ID != "bbb" || all[1].ID != "aaa" {
		t.Errorf("All = %+v, want bbb then aaa (newest first)", all)
	}
	if all[0].Council != "" || all[0].Region != "" {
		t.Errorf("a lesson about no council came back with %q in %q", all[0].Council, all[0].Region)
	}
	if _, err := s.Get(ctx, "zzz"); !errors.Is(err, whatworks.ErrNotFound) {
		t.Errorf("Get of a missing lesson = %v, want ErrNotFound", err)
	}
	if _, err := s.Create(ctx, lesson("aaa", created), adviser); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a second lesson with one ID = %v, want a conflict", err)
	}
}

func TestReplay(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	r := adviser
	r.RequestID, r.RequestHash = "req-1", []byte("hash-1")
	if _, ok, err := s.Replay(ctx, r); ok || err != nil {
		t.Fatalf("Replay before any create = %v, %v", ok, err)
	}
	if _, err := s.Create(ctx, lesson("aaa", created), r); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Replay(ctx, r)
	if err != nil || !ok || got.ID != "aaa" {
		t.Fatalf("Replay = %+v, %v, %v; want lesson aaa", got, ok, err)
	}
	other := r
	other.RequestHash = []byte("hash-2")
	if _, _, err := s.Replay(ctx, other); !errors.Is(err, store.ErrRequestIDReused) {
		t.Errorf("Replay with a different request = %v, want ErrRequestIDReused", err)
	}
	someoneElse := r
	someoneElse.Subject = "adviser-2"
	if _, ok, err := s.Replay(ctx, someoneElse); ok || err != nil {
		t.Errorf("another caller's request ID replayed: %v, %v", ok, err)
	}
}
