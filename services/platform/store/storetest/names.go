package storetest

import (
	"maps"
	"slices"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
)

// Names checks a parser of a resource's two-part names (a parent, such as
// a council's GSS code, and an id) on the field "name": each name of good
// parses to its parent and id, and each of bad is refused with an
// INVALID_ARGUMENT fault whose one violation is on "name".
func Names(t testing.TB, parse func(field, name string) (parent, id string, err error), good map[string][2]string, bad []string) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(good)) {
		parent, id, err := parse("name", name)
		if want := good[name]; err != nil || parent != want[0] || id != want[1] {
			t.Errorf("parsing %q = %q, %q, %v; want %q, %q", name, parent, id, err, want[0], want[1])
		}
	}
	for _, name := range bad {
		parent, id, err := parse("name", name)
		if err == nil || parent != "" || id != "" {
			t.Errorf("parsing %q = %q, %q, %v; want it refused", name, parent, id, err)
		}
		if fields := rpctest.InvalidFields(t, err); err != nil && !slices.Equal(fields, []string{"name"}) {
			t.Errorf("parsing %q: violations on %v, want one on name", name, fields)
		}
	}
}

// Parents checks a parser of parent names on the field "parent", with the
// wildcard allowed or not: each name of good parses to its value (the
// parser's answer for the wildcard among them), and each of bad is refused
// with an INVALID_ARGUMENT fault whose one violation is on "parent".
func Parents(t testing.TB, parse func(field, name string, wildcard bool) (string, error), wildcard bool, good map[string]string, bad []string) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(good)) {
		if got, err := parse("parent", name, wildcard); err != nil || got != good[name] {
			t.Errorf("parsing %q (wildcard %v) = %q, %v; want %q", name, wildcard, got, err, good[name])
		}
	}
	for _, name := range bad {
		got, err := parse("parent", name, wildcard)
		if err == nil || got != "" {
			t.Errorf("parsing %q (wildcard %v) = %q, %v; want it refused", name, wildcard, got, err)
		}
		if fields := rpctest.InvalidFields(t, err); err != nil && !slices.Equal(fields, []string{"parent"}) {
			t.Errorf("parsing %q: violations on %v, want one on parent", name, fields)
		}
	}
}

// IDNames checks a parser of one-part names (a collection and an id, or a
// council's GSS code) on the field "name": each name of good parses to
// its id, and each of bad is refused with an INVALID_ARGUMENT fault whose
// one violation is on "name".
func IDNames(t testing.TB, parse func(field, name string) (string, error), good map[string]string, bad []string) {
	t.Helper()
	Names(t, func(field, name string) (string, string, error) {
		id, err := parse(field, name)
		return "", id, err
	}, withEmptyParent(good), bad)
}

// withEmptyParent is ids as Names takes good names: no parent, and the id.
func withEmptyParent(ids map[string]string) map[string][2]string {
	out := make(map[string][2]string, len(ids))
	for name, id := range ids {
		out[name] = [2]string{"", id}
	}
	return out
}

// IDIn is resource.ParseID of collection, as IDNames takes a parser.
func IDIn(collection string) func(field, name string) (string, error) {
	return func(field, name string) (string, error) { return resource.ParseID(field, collection, name) }
}

// CouncilChildIn is resource.ParseCouncilChild of collection, as Names
// takes a parser.
func CouncilChildIn(collection string) func(field, name string) (string, string, error) {
	return func(field, name string) (string, string, error) {
		return resource.ParseCouncilChild(field, collection, name)
	}
}
