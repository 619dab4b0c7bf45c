package fault

import (
	"errors"
	"testing"
)

func TestViolationsErr(t *testing.T) {
	var vs Violations
	if vs.Err() != nil {
		t.Fatal("empty violations gave an error")
	}
	vs.Add("page_size", "must not be negative, got %d", -1)
	vs.Add("filter", "unknown field")
	f, ok := As(vs.Err())
	if !ok || f.Kind != KindInvalid || len(f.Violations) != 2 || f.Violations[0].Field != "filter" {
		t.Fatalf("got %+v", f)
	}
}

func TestJoin(t *testing.T) {
	a := Invalid("X", Violation{Field: "a", Description: "bad"})
	b := Invalid("Y", Violation{Field: "b", Description: "bad"})
	f, ok := As(Join(nil, a, nil, b))
	if !ok || len(f.Violations) != 2 {
		t.Fatalf("Join = %+v", f)
	}
	if Join(nil, nil) != nil {
		t.Fatal("Join of nils is not nil")
	}
	nf := NotFound("GONE", "gone")
	if got := Join(a, nf); !errors.Is(got, nf) {
		t.Fatalf("Join with a non-invalid error = %v, want the not-found fault", got)
	}
}

func TestIsMatchesKindAndReason(t *testing.T) {
	sentinel := Conflict("ETAG_MISMATCH", "stale")
	err := Conflict("ETAG_MISMATCH", "the etag %q is stale", "3")
	if !errors.Is(err, sentinel) {
		t.Fatal("same kind and reason do not match")
	}
	if errors.Is(FailedPrecondition("ETAG_MISMATCH", "x"), sentinel) {
		t.Fatal("different kinds match")
	}
}
