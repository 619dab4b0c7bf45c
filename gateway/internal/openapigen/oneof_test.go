package main

import (
	"strings"
	"testing"
)

// TestOneofs: the schema of every message with a oneof refuses two of its
// fields together, and no example gives two (a need's area as a judgement
// area and a theme, an action's indicator and milestone), nor names
// overall effectiveness as an area a request could give.
func TestOneofs(t *testing.T) {
	_, doc := built(t)
	schemas := dig(doc, "components", "schemas").(map[string]any)
	for name, pair := range map[string][]any{
		"AreaOfNeed": {"judgement_area", "theme"},
		"Expertise":  {"judgement_area", "theme"},
		"Action":     {"indicator", "milestone"},
	} {
		s := schemas[name].(map[string]any)
		not, _ := s["not"].(map[string]any)
		req, _ := not["required"].([]any)
		if len(req) != 2 || req[0] != pair[0] || req[1] != pair[1] {
			t.Errorf("%s: not = %v, want both of %v refused", name, s["not"], pair)
		}
		if d, _ := s["description"].(string); !strings.Contains(d, "Give at most one of `"+pair[0].(string)+"`") {
			t.Errorf("%s: description %q does not say so", name, d)
		}
	}
	examples := 0
	walk(doc, func(o obj) {
		ex, ok := o["example"]
		if !ok {
			return
		}
		examples++
		walk(ex, func(v obj) {
			for _, pair := range [][2]string{{"judgement_area", "theme"}, {"indicator", "milestone"}} {
				_, a := v[pair[0]]
				_, b := v[pair[1]]
				if a && b {
					t.Errorf("an example gives both %s and %s: %v", pair[0], pair[1], v)
				}
			}
			for _, k := range []string{"area", "judgement_area"} {
				if v[k] == "JUDGEMENT_AREA_OVERALL_EFFECTIVENESS" {
					t.Errorf("an example names overall effectiveness as an area: %v", v)
				}
			}
		})
	})
	if examples == 0 {
		t.Fatal("no examples found")
	}
}
