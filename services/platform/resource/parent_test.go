package resource_test

import (
	"slices"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/resource"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
	"github.com/turnaround-sli/turnaround/services/platform/store/storetest"
)

// TestParentsOfCouncilResources checks the parents the handlers of every
// council-owned resource read: one council where a resource is made, and
// with localAuthorities/- every council too where they are listed.
func TestParentsOfCouncilResources(t *testing.T) {
	council := func(field, name string, _ bool) (string, error) { return resource.ParseCouncil(field, name) }
	orAll := func(field, name string, _ bool) (string, error) { return resource.ParseCouncilOrAll(field, name) }
	storetest.Parents(t, council, false, map[string]string{
		"localAuthorities/E08000035": storetest.Leeds,
	}, []string{"localAuthorities/-"})
	storetest.Parents(t, orAll, true, map[string]string{
		"localAuthorities/E08000035": storetest.Leeds,
		"localAuthorities/-":         resource.AllCouncils,
	}, []string{"localAuthorities/*", "localAuthorities/E08000035/interventions", "E08000035"})
	for _, tc := range []struct{ parent, want string }{
		{"localAuthorities/-", resource.AllCouncils},
		{"localAuthorities/E08000035", storetest.Leeds},
		{"localAuthorities/E0800003", ""},
		{"localAuthorities/", ""},
		{"councils/E08000035", ""},
		{"councils/-", ""},
	} {
		got, err := resource.ParseCouncilOrAll("parent", tc.parent)
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("ParseCouncilOrAll(%q) = %q, %v", tc.parent, got, err)
		}
	}
	if gss, err := resource.ParseCouncilOrAll("parent", "localAuthorities/-"); err != nil || gss != resource.AllCouncils {
		t.Errorf("wildcard: %q, %v", gss, err)
	}
	if _, err := resource.ParseCouncil("parent", "localAuthorities/-"); !slices.Equal(rpctest.Fields(err), []string{"parent"}) {
		t.Errorf("wildcard where none is allowed: %v", err)
	}
}
