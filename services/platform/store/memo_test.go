package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// TestMemoKeepsNothingOfFailedReads: reads that fail (a record not found)
// leave neither an entry nor a watch behind, so callers naming records
// that do not exist cannot grow a process's memory; a successful read is
// kept, with its watch.
func TestMemoKeepsNothingOfFailedReads(t *testing.T) {
	tr := &Tracker{}
	m := NewMemo[int](&Store{tracker: tr})
	notFound := errors.New("not found")
	for i := range 1000 {
		key := fmt.Sprintf("p:{la:E08000035}:thing:%d", i)
		_, err := m.Read(context.Background(), key, func() []string { return []string{key, "p:{la:" + Any + "}:things"} },
			func() (int, error) { return 0, notFound })
		if !errors.Is(err, notFound) {
			t.Fatalf("read %d: %v, want the read's error", i, err)
		}
	}
	if len(m.at) != 0 || len(tr.watches.all) != 0 || len(tr.watches.exact) != 0 || len(tr.watches.shapes[0].watches) != 0 {
		t.Fatalf("after 1,000 failed reads the memo holds %d entries and the tracker %d watches, %d keys, %d watches of a shape; want none",
			len(m.at), len(tr.watches.all), len(tr.watches.exact), len(tr.watches.shapes[0].watches))
	}
	v, err := m.Read(context.Background(), "k", func() []string { return []string{"k"} }, func() (int, error) { return 7, nil })
	if err != nil || v != 7 || len(m.at) != 1 || len(tr.watches.exact["k"]) != 1 {
		t.Fatalf("a successful read = %d, %v, kept %d entries and %d watches of its key; want 7, nil, 1, 1", v, err, len(m.at), len(tr.watches.exact["k"]))
	}
}
