package filter

import (
	"strings"
	"testing"
)

// spellingSchema declares an enum with its protobuf prefix and a resource
// reference, the two fields whose values have two spellings.
var spellingSchema = Schema{
	"grade":           {Type: Enum, Values: grades, Prefix: "GRADE_"},
	"region":          {Type: Enum, Values: []string{"NORTH_EAST", "EAST", "LONDON"}, Prefix: "REGION_"},
	"local_authority": {Type: Reference, Collection: "localAuthorities"},
}

var spellingRecords = map[string]council{
	"manchester": {"grade": "GOOD", "region": "NORTH_EAST", "local_authority": "localAuthorities/E08000003"},
	"croydon":    {"grade": "INADEQUATE", "region": "LONDON", "local_authority": "localAuthorities/E09000008"},
	"norfolk":    {"grade": "GOOD", "region": "EAST", "local_authority": "localAuthorities/E10000020"},
}

func spelled(t *testing.T, src string) []string {
	t.Helper()
	f, err := Compile(src, spellingSchema)
	if err != nil {
		t.Fatalf("Compile(%q): %v", src, err)
	}
	var out []string
	for _, name := range []string{"croydon", "manchester", "norfolk"} {
		if f.Match(spellingRecords[name]) {
			out = append(out, name)
		}
	}
	return out
}

// TestEnumAcceptsTheFullNameAndTheShortAlias: a filter accepts an enum value
// as responses print it (GRADE_INADEQUATE) and by its short alias; both
// compile to one canonical filter.
func TestEnumAcceptsTheFullNameAndTheShortAlias(t *testing.T) {
	for _, pair := range [][2]string{
		{"grade = GRADE_INADEQUATE", "grade = INADEQUATE"},
		{`grade = "grade_inadequate"`, "grade = inadequate"},
		{"region = REGION_NORTH_EAST", "region = NORTH_EAST"},
		{"region = REGION_EAST", "region = EAST"},
		{"NOT grade = GRADE_GOOD", "NOT grade = GOOD"},
	} {
		full, short := spelled(t, pair[0]), spelled(t, pair[1])
		if strings.Join(full, ",") != strings.Join(short, ",") || len(full) == 0 {
			t.Errorf("%q matched %v, %q matched %v; want the same, not empty", pair[0], full, pair[1], short)
		}
		f1, _ := Compile(pair[0], spellingSchema)
		f2, _ := Compile(pair[1], spellingSchema)
		if f1.String() != f2.String() {
			t.Errorf("canonical forms differ: %q and %q", f1, f2)
		}
	}
	if got := spelled(t, "region = REGION_EAST"); strings.Join(got, ",") != "norfolk" {
		t.Errorf("REGION_EAST matched %v, want norfolk only", got)
	}
	f, _ := Compile("grade = GRADE_GOOD AND region = REGION_EAST", spellingSchema)
	if eq := f.Equalities(); eq["grade"][0] != "GOOD" || eq["region"][0] != "EAST" {
		t.Errorf("Equalities: %v, want the short forms records are indexed by", eq)
	}
}

func TestEnumRefusesAnotherPrefix(t *testing.T) {
	for _, src := range []string{"grade = RISK_BAND_GOOD", "grade = GRADE_", "grade = GRADEGOOD", "region = GRADE_EAST"} {
		_, err := Compile(src, spellingSchema)
		if err == nil {
			t.Errorf("Compile(%q) passed", src)
			continue
		}
		if !strings.Contains(err.Error(), "GRADE_OUTSTANDING") && !strings.Contains(err.Error(), "REGION_LONDON") {
			t.Errorf("Compile(%q): %v; want the full names listed", src, err)
		}
	}
}

// TestReferenceAcceptsTheNameAndTheID: a resource reference matches given in
// full or as its bare id.
func TestReferenceAcceptsTheNameAndTheID(t *testing.T) {
	for _, src := range []string{
		"local_authority = E09000008",
		`local_authority = "E09000008"`,
		`local_authority = "localAuthorities/E09000008"`,
	} {
		if got := spelled(t, src); strings.Join(got, ",") != "croydon" {
			t.Errorf("%q matched %v, want croydon", src, got)
		}
	}
	a, _ := Compile("local_authority = E09000008", spellingSchema)
	b, _ := Compile(`local_authority = "localAuthorities/E09000008"`, spellingSchema)
	if a.String() != b.String() || a.String() != `local_authority = "localAuthorities/E09000008"` {
		t.Errorf("canonical forms %q and %q, want both the full name", a, b)
	}
	if eq := a.Equalities(); eq["local_authority"][0] != "localAuthorities/E09000008" {
		t.Errorf("Equalities: %v", eq)
	}
	if got := spelled(t, "local_authority != E09000008"); strings.Join(got, ",") != "manchester,norfolk" {
		t.Errorf("!= matched %v", got)
	}
	for _, src := range []string{
		`local_authority = "sponsors/E09000008"`,
		`local_authority = "localAuthorities/"`,
		`local_authority = "localAuthorities/E09000008/plans/1"`,
		`local_authority = ""`,
		"local_authority < E09000008",
	} {
		if _, err := Compile(src, spellingSchema); err == nil {
			t.Errorf("Compile(%q) passed", src)
		}
	}
}

func TestSchemaValidatesPrefixesAndCollections(t *testing.T) {
	for name, s := range map[string]Schema{
		"prefix on a string":       {"a": {Type: String, Prefix: "A_"}},
		"lower-case prefix":        {"a": {Type: Enum, Values: []string{"X"}, Prefix: "grade_"}},
		"prefix without _":         {"a": {Type: Enum, Values: []string{"X"}, Prefix: "GRADE"}},
		"reference without a home": {"a": {Type: Reference}},
		"collection with a slash":  {"a": {Type: Reference, Collection: "localAuthorities/x"}},
		"collection on a string":   {"a": {Type: String, Collection: "localAuthorities"}},
	} {
		if err := s.Validate(); err == nil {
			t.Errorf("%s: Validate passed", name)
		}
	}
	if err := spellingSchema.Validate(); err != nil {
		t.Errorf("spellingSchema: %v", err)
	}
}
