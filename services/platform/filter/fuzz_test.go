package filter

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// FuzzCompile compiles arbitrary filters. It must never panic; every
// failure must be an INVALID_ARGUMENT fault on field "filter"; and every
// accepted filter's canonical form must compile to itself and match the
// same records.
func FuzzCompile(f *testing.F) {
	for _, seed := range []string{
		``,
		`region = LONDON AND (latest_judgement.grade = GOOD OR population > 100000)`,
		`NOT tags:sli AND updated >= 2024-01-31T09:00:00+01:00`,
		`-(spend_per_child < 1e3) OR in_intervention = true`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, filter string) {
		compiled, err := Compile(filter, councilSchema)
		if err != nil {
			fe, ok := fault.As(err)
			if !ok || fe.Kind != fault.KindInvalid || fe.Reason != ReasonInvalidFilter || len(fe.Violations) == 0 {
				t.Fatalf("Compile(%q) returned %#v, want an INVALID_FILTER fault", filter, err)
			}
			for _, v := range fe.Violations {
				if v.Field != "filter" || v.Description == "" {
					t.Fatalf("Compile(%q) returned violation %+v", filter, v)
				}
			}
			return
		}
		canon := compiled.String()
		for _, c := range councils {
			compiled.Match(c)
		}
		compiled.Equalities()
		if len(canon) > MaxLength {
			// Canonical form can be longer (NOT for -, expanded numbers).
			return
		}
		again, err := Compile(canon, councilSchema)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not compile: %v", canon, filter, err)
		}
		if again.String() != canon {
			t.Fatalf("canonical form is not stable: %q became %q", canon, again.String())
		}
		for name, c := range councils {
			if compiled.Match(c) != again.Match(c) {
				t.Fatalf("%q and its canonical form %q disagree on %s", filter, canon, name)
			}
		}
	})
}

// TestFuzzCorpusIsReadable guards the seed corpus format, which the go
// tool would otherwise reject only when fuzzing.
func TestFuzzCorpusIsReadable(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzCompile")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatal("empty seed corpus")
	}
	for _, e := range entries {
		body, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
		if len(lines) != 2 || lines[0] != "go test fuzz v1" ||
			!strings.HasPrefix(lines[1], "string(") || !strings.HasSuffix(lines[1], ")") {
			t.Fatalf("%s is not a one-string corpus file", e.Name())
		}
		if _, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "string("), ")")); err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
	}
}
