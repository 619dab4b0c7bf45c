package inspection

import (
	"strings"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/resource"
)

// FuzzParseName checks that any name is either refused with a violation on
// the field asked for, or parsed into parts that rebuild it exactly.
func FuzzParseName(f *testing.F) {
	for _, s := range []string{"localAuthorities/E08000035/inspections/abc", "localAuthorities/-/inspections/a", "localAuthorities/E08000035/inspections/a{b}", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		gss, id, err := ParseName("name", name)
		if err != nil {
			if fl, ok := fault.As(err); !ok || fl.Kind != fault.KindInvalid || len(fl.Violations) != 1 || fl.Violations[0].Field != "name" {
				t.Fatalf("ParseName(%q) = %v", name, err)
			}
			return
		}
		if Name(gss, id) != name || !resource.ValidID(id) || strings.ContainsAny(id, "{}/:") {
			t.Fatalf("ParseName(%q) = %q, %q", name, gss, id)
		}
	})
}

// FuzzParseMask checks that any mask is either refused with violations on
// update_mask only, or accepted as one that changes something.
func FuzzParseMask(f *testing.F) {
	for _, s := range []string{"judgement", "etag,start_date.day", "judgement.help_and_protection.grade", "framework", "*", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, joined string) {
		paths := strings.Split(joined, ",")
		m, err := ParseMask(paths)
		if err != nil {
			fl, ok := fault.As(err)
			if !ok || fl.Kind != fault.KindInvalid || len(fl.Violations) == 0 {
				t.Fatalf("ParseMask(%q) = %v", paths, err)
			}
			for _, v := range fl.Violations {
				if v.Field != "update_mask" {
					t.Fatalf("ParseMask(%q) violation on %q", paths, v.Field)
				}
			}
			return
		}
		if !m.changes() {
			t.Fatalf("ParseMask(%q) accepted a mask that changes nothing", paths)
		}
	})
}
