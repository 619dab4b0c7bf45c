package offer

import (
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/resource"
)

// FuzzParseName checks that ParseName accepts exactly the names Name
// builds, and never a name that would smuggle separators into a key.
func FuzzParseName(f *testing.F) {
	for _, s := range []string{
		"localAuthorities/E08000035/supportOffers/abc123",
		"localAuthorities/E08000035/supportOffers/a-b",
		"localAuthorities/-/supportOffers/x",
		"localAuthorities/E08000035/supportOffers/{x}",
		"localAuthorities/E08000035/supportOffers/a:b",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		gss, id, err := resource.ParseCouncilChild("name", Collection, name)
		if err != nil {
			if gss != "" || id != "" {
				t.Fatalf("ParseName(%q) failed but returned %q, %q", name, gss, id)
			}
			return
		}
		if Name(gss, id) != name || !resource.ValidID(id) {
			t.Fatalf("ParseName(%q) = %q, %q, which names %q", name, gss, id, Name(gss, id))
		}
	})
}
