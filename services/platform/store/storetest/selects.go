package storetest

import (
	"maps"
	"slices"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/filter"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
)

// Selects checks a listing's filter: for each expression of want, sel
// picks, with the filter compiled against schema, the items whose keys
// are the expression's keys, in that order.
func Selects[T any](t testing.TB, schema filter.Schema, sel func(*filter.Filter) []T, key func(T) string, want map[string][]string) {
	t.Helper()
	for _, expr := range slices.Sorted(maps.Keys(want)) {
		if got := rpctest.Selected(t, expr, schema, sel, key); !slices.Equal(got, want[expr]) {
			t.Errorf("filter %q selects %v, want %v", expr, got, want[expr])
		}
	}
}
