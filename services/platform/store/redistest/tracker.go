package redistest

import (
	"context"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/keyspace"
	"github.com/turnaround-sli/turnaround/services/platform/store"
)

// Tracker opens a key tracker on the test's Redis for the keys of ks,
// closed when the test ends, and skips the test where the suite tracks no
// keys (Sentinel, Cluster, a server without CLIENT TRACKING): the tests of
// reads answered from memory.
func Tracker(t testing.TB, ks keyspace.Keyspace) *store.Tracker {
	t.Helper()
	tr, err := store.OpenTracker(context.Background(), URL(), ks.Prefix)
	if err != nil {
		t.Fatal(err)
	}
	if tr == nil {
		t.Skipf("no tracker on %s: the suite tracks keys on a standalone Redis only", URL())
	}
	t.Cleanup(func() { _ = tr.Close() })
	return tr
}
