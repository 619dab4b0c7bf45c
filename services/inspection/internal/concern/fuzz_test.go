package concern

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzParseRules checks that any input either fails cleanly or yields a
// valid rule set that survives a round trip through JSON unchanged.
func FuzzParseRules(f *testing.F) {
	f.Add(DefaultRulesJSON())
	f.Add([]byte(`{"rules": [{"id": "a", "description": "d", "window_days": 1, "conditions": [{"at_least": 1}]}]}`))
	f.Add([]byte(`{"rules": [{"id": "a", "description": "d", "window_days": 1, "conditions": [{"at_least": 1, "kinds": []}]}]}`))
	f.Add([]byte(`{"rules": [{"ID": "a"}]}`))
	f.Add([]byte(`{"rules": [[[[{}]]]], "x": {"y": [1, {"z": null}]}}`))
	f.Add([]byte(`{"rules": null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := ParseRules(data)
		if err != nil {
			return
		}
		if err := rs.Validate(); err != nil {
			t.Fatalf("ParseRules accepted an invalid set: %v", err)
		}
		again, err := json.Marshal(rs)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseRules(again)
		if err != nil {
			t.Fatalf("round trip of %s: %v", again, err)
		}
		if !reflect.DeepEqual(back, rs) {
			t.Fatalf("round trip changed %+v into %+v", rs, back)
		}
	})
}
