package fault

import (
	"errors"
	"strings"
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

func TestJoinFieldsReportsEachFieldOnce(t *testing.T) {
	var own Violations
	own.Add("plan.title", "is required")
	rule := Invalid("INVALID_ARGUMENT",
		Violation{Field: "plan.title", Description: "is too long"},
		Violation{Field: "plan.deadline", Description: "is in the past"})
	err := JoinFields(own, rule, nil)
	f, ok := As(err)
	if !ok || f.Kind != KindInvalid {
		t.Fatalf("JoinFields: %v, want an INVALID_ARGUMENT fault", err)
	}
	var got []string
	for _, v := range f.Violations {
		got = append(got, v.Field+": "+v.Description)
	}
	want := []string{"plan.deadline: is in the past", "plan.title: is required"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("violations %q, want %q", got, want)
	}
	if JoinFields(nil, nil) != nil {
		t.Error("JoinFields of nothing is not nil")
	}
	other := NotFound("NOT_FOUND", "gone")
	if got := JoinFields(own, other); got != other {
		t.Errorf("JoinFields with a NOT_FOUND: %v, want it returned as it is", got)
	}
}

func TestCollectKeepsALoneErrorAsItIs(t *testing.T) {
	lone := Invalid("INVALID_FILTER", Violation{Field: "filter", Description: "unknown field colour"})
	if got := Collect(nil, lone, nil); got != error(lone) {
		t.Errorf("Collect of one error: %v, want it unchanged", got)
	}
	if got := Collect(nil, nil); got != nil {
		t.Errorf("Collect of none: %v", got)
	}
	other := Invalid("INVALID_ETAG", Violation{Field: "etag", Description: "is not an etag"})
	f, ok := As(Collect(lone, other))
	if !ok || f.Kind != KindInvalid || len(f.Violations) != 2 || f.Reason == "INVALID_FILTER" {
		t.Errorf("Collect of two: %+v, want one INVALID_ARGUMENT with both violations", f)
	}
}

func TestEnumMessageListsTheAllowedValues(t *testing.T) {
	type colour string
	allowed := []colour{"RED", "GREEN"}
	if got, want := EnumMessage("", allowed), "is required: one of RED, GREEN"; got != want {
		t.Errorf("unset: %q, want %q", got, want)
	}
	if got, want := EnumMessage("BLUE", allowed), "must be one of RED, GREEN, got BLUE"; got != want {
		t.Errorf("unknown: %q, want %q", got, want)
	}
}
