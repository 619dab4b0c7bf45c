package rpctest

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/turnaround-sli/turnaround/services/platform/filter"
)

// FilterSpellings checks that each enum field of schema named in enums
// takes exactly the values its protobuf enum prints: the field's Prefix and
// each of its Values make one value of the enum, and every value of the
// enum but the UNSPECIFIED zero is among them. So a value a response prints
// is one a filter accepts, and the other way round.
func FilterSpellings(t testing.TB, schema filter.Schema, enums map[string]protoreflect.EnumDescriptor) {
	t.Helper()
	for _, field := range slices.Sorted(maps.Keys(enums)) {
		enum := enums[field]
		f, ok := schema[field]
		if !ok || f.Type != filter.Enum {
			t.Errorf("filter field %q: not an enum field of the schema", field)
			continue
		}
		if f.Prefix == "" {
			t.Errorf("filter field %q: no Prefix, so %s's names are refused", field, enum.FullName())
			continue
		}
		declared := map[string]bool{}
		for _, v := range f.Values {
			declared[f.Prefix+strings.ToUpper(v)] = true
			if enum.Values().ByName(protoreflect.Name(f.Prefix+v)) == nil {
				t.Errorf("filter field %q: %s%s is not a value of %s", field, f.Prefix, v, enum.FullName())
			}
		}
		for i := range enum.Values().Len() {
			v := enum.Values().Get(i)
			if v.Number() != 0 && !declared[string(v.Name())] {
				t.Errorf("filter field %q: %s prints %s, which the filter refuses", field, enum.FullName(), v.Name())
			}
		}
	}
}
