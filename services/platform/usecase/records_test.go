package usecase

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/change"
)

// councilRecs holds each council's record names, as a store would.
type councilRecs map[string][]string

var errNoRecord = errors.New("no such record")

func (m councilRecs) Get(_ context.Context, gss, id string) (string, error) {
	if slices.Contains(m[gss], id) {
		return gss + "/" + id, nil
	}
	return "", errNoRecord
}

func (m councilRecs) List(_ context.Context, gss string) ([]string, error) {
	if gss == "broken" {
		return nil, errors.New("storage down")
	}
	return slices.Clone(m[gss]), nil
}

func (m councilRecs) Replay(context.Context, string, change.Request) (string, bool, error) {
	return "", false, nil
}

func (m councilRecs) Save(_ context.Context, v string, _ change.Request) (string, error) {
	return v, nil
}

func TestCouncilCoreReads(t *testing.T) {
	st := councilRecs{"E08000035": {"c", "a", "b"}}
	c := NewCouncil[string](st, nil)
	ctx := context.Background()
	if got, err := c.Get(ctx, "E08000035", "a"); err != nil || got != "E08000035/a" {
		t.Errorf("Get = %q, %v", got, err)
	}
	if _, err := c.Get(ctx, "E08000035", "z"); !errors.Is(err, errNoRecord) {
		t.Errorf("Get of a missing record: %v, want the store's not-found", err)
	}
	if got, err := c.List(ctx, "E08000035"); err != nil || !slices.Equal(got, []string{"c", "a", "b"}) {
		t.Errorf("List = %v, %v: want the store's order", got, err)
	}
	got, err := c.Sorted(ctx, "E08000035", slices.Sort[[]string])
	if err != nil || !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("Sorted = %v, %v", got, err)
	}
	if got, err := c.Sorted(ctx, "broken", slices.Sort[[]string]); err == nil || got != nil {
		t.Errorf("Sorted over a failing store = %v, %v; want its error", got, err)
	}
	if c.Now().IsZero() {
		t.Error("a nil clock is not time.Now")
	}
}
