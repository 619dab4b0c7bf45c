package resource

import (
	"strings"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

func TestValidID(t *testing.T) {
	for id, want := range map[string]bool{
		"north-yorkshire": true, "a": true, "a1b2": true, strings.Repeat("a", MaxIDLen): true,
		"": false, "1abc": false, "abc-": false, "Abc": false, "a_b": false, "a/b": false,
		strings.Repeat("a", MaxIDLen+1): false,
	} {
		if got := ValidID(id); got != want {
			t.Errorf("ValidID(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestNewIDIsValidAndFresh(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		if len(id) != IDLen || !ValidID(id) {
			t.Fatalf("NewID() = %q: not a valid %d-character ID", id, IDLen)
		}
		if seen[id] {
			t.Fatalf("NewID() repeated %q", id)
		}
		seen[id] = true
	}
}

func TestIDForIsStableAndScoped(t *testing.T) {
	a := IDFor("sponsor", "Create alice", "req-1")
	if a != IDFor("sponsor", "Create alice", "req-1") {
		t.Error("IDFor is not stable for the same request")
	}
	if !ValidID(a) || len(a) != IDLen {
		t.Errorf("IDFor gave %q, not a valid ID", a)
	}
	for _, other := range []string{
		IDFor("sponsor", "Create bob", "req-1"),
		IDFor("sponsor", "Create alice", "req-2"),
		IDFor("plan", "Create alice", "req-1"),
	} {
		if other == a {
			t.Errorf("IDFor gave %q for a different scope, request or kind", a)
		}
	}
}

func TestParseNames(t *testing.T) {
	if id, err := ParseID("name", "sponsors", "sponsors/leeds"); err != nil || id != "leeds" {
		t.Errorf("ParseID: %q, %v", id, err)
	}
	if gss, err := ParseCouncil("parent", "localAuthorities/E08000035"); err != nil || gss != "E08000035" {
		t.Errorf("ParseCouncil: %q, %v", gss, err)
	}
	gss, id, err := ParseCouncilChild("name", "inspections", "localAuthorities/E08000035/inspections/abc123")
	if err != nil || gss != "E08000035" || id != "abc123" {
		t.Errorf("ParseCouncilChild: %q %q %v", gss, id, err)
	}
	if CouncilChildName(gss, "inspections", id) != "localAuthorities/E08000035/inspections/abc123" {
		t.Error("CouncilChildName does not invert ParseCouncilChild")
	}
	for _, bad := range []func() error{
		func() error { _, err := ParseID("name", "sponsors", "sponsor/leeds"); return err },
		func() error { _, err := ParseID("name", "sponsors", "sponsors/Leeds"); return err },
		func() error { _, err := ParseCouncil("parent", "localAuthorities/leeds"); return err },
		func() error {
			_, _, err := ParseCouncilChild("name", "inspections", "localAuthorities/E08000035/plans/abc")
			return err
		},
		func() error {
			_, _, err := ParseCouncilChild("name", "inspections", "localAuthorities/E08000035/inspections/")
			return err
		},
		func() error {
			_, _, err := ParseCouncilChild("name", "inspections", "localAuthorities/E08000035")
			return err
		},
	} {
		err := bad()
		f, ok := fault.As(err)
		if !ok || f.Kind != fault.KindInvalid || len(f.Violations) != 1 {
			t.Errorf("bad name: %v, want one field violation", err)
		}
	}
}

func TestParseCouncilOrAll(t *testing.T) {
	if got, err := ParseCouncilOrAll("parent", "localAuthorities/-"); err != nil || got != AllCouncils {
		t.Errorf("every council: %q, %v", got, err)
	}
	if got, err := ParseCouncilOrAll("parent", "localAuthorities/E08000035"); err != nil || got != "E08000035" {
		t.Errorf("one council: %q, %v", got, err)
	}
	if _, err := ParseCouncilOrAll("parent", "localAuthorities/*"); err == nil {
		t.Error("localAuthorities/* accepted")
	}
}

func TestValidKey(t *testing.T) {
	for id, want := range map[string]bool{
		"north-yorkshire": true, "a": true, "1abc": true, "2024-q3": true, strings.Repeat("9", MaxIDLen): true,
		"": false, "-abc": false, "abc-": false, "Abc": false, "a_b": false, "a/b": false,
		strings.Repeat("a", MaxIDLen+1): false,
	} {
		if got := ValidKey(id); got != want {
			t.Errorf("ValidKey(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestRandomIDHasTheLengthAskedAndIsValid(t *testing.T) {
	for _, n := range []int{1, IDLen, 26, MaxIDLen} {
		if id := RandomID(n); len(id) != n || !ValidID(id) {
			t.Errorf("RandomID(%d) = %q: not a valid %d-character ID", n, id, n)
		}
	}
}
