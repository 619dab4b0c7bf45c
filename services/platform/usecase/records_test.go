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

// versioned is a store of one council's records at versions, whose Save
// refuses a record read at another version than the one it holds, and
// which remembers the answer of each request_id it committed.
type versioned struct {
	at        map[string]int // id → version
	answers   map[string]string
	gets      int
	saves     int
	interfere func() // runs before each Save, as a concurrent writer would
}

func (v *versioned) Get(_ context.Context, _, id string) (string, error) {
	v.gets++
	n, ok := v.at[id]
	if !ok {
		return "", errNoRecord
	}
	return id + "@" + string(rune('0'+n)), nil
}

func (v *versioned) List(context.Context, string) ([]string, error) { return nil, nil }

func (v *versioned) Replay(_ context.Context, _ string, r change.Request) (string, bool, error) {
	a, ok := v.answers[r.RequestID]
	return a, ok, nil
}

func (v *versioned) Save(_ context.Context, rec string, r change.Request) (string, error) {
	v.saves++
	if v.interfere != nil {
		v.interfere()
	}
	id, read := rec[:1], int(rec[2]-'0')
	if v.at[id] != read {
		return "", change.ErrConflict
	}
	v.at[id]++
	out := id + "@" + string(rune('0'+v.at[id]))
	if r.RequestID != "" {
		v.answers[r.RequestID] = out
	}
	return out, nil
}

// TestCouncilCoreChange: every attempt reads afresh, a concurrent write
// is attempted again, a refusal of the rule stops before any save, and a
// retry of a committed request is answered with its first answer.
func TestCouncilCoreChange(t *testing.T) {
	ctx := context.Background()
	st := &versioned{at: map[string]int{"a": 1}, answers: map[string]string{}}
	c := NewCouncil[string](st, nil)
	keep := func(cur string) (string, error) { return cur, nil }

	// A writer moves the record under the first attempt's save.
	st.interfere = func() { st.interfere = nil; st.at["a"]++ }
	got, err := c.Change(ctx, "change a", "E08000035", "a", change.Request{RequestID: "r1"}, keep)
	if err != nil || got != "a@3" || st.gets != 2 || st.saves != 2 {
		t.Fatalf("after a concurrent write: %q, %v with %d reads and %d saves; want a@3 after 2 and 2", got, err, st.gets, st.saves)
	}

	// The same request again: its commit is refused (the record moved on)
	// and the first answer stands.
	st.at["a"] = 7
	got, err = c.Change(ctx, "change a", "E08000035", "a", change.Request{RequestID: "r1"}, func(cur string) (string, error) {
		return cur[:2] + "6", nil // as read at version 6: stale
	})
	if err != nil || got != "a@3" {
		t.Errorf("a retry of a committed request: %q, %v; want its first answer a@3", got, err)
	}

	// A refusal of the rule (an etag check, say) saves nothing.
	st.gets, st.saves = 0, 0
	refused := errors.New("refused")
	got, err = c.Change(ctx, "change a", "E08000035", "a", change.Request{}, func(cur string) (string, error) { return cur, refused })
	if !errors.Is(err, refused) || got != "" || st.saves != 0 || st.gets != 1 {
		t.Errorf("a refused rule: %q, %v after %d reads and %d saves; want no record and it after 1 and 0", got, err, st.gets, st.saves)
	}
	if _, err := c.Change(ctx, "change z", "E08000035", "z", change.Request{}, keep); !errors.Is(err, errNoRecord) {
		t.Errorf("a missing record: %v, want the store's not-found", err)
	}
}
