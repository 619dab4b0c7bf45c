package api

import "testing"

func TestEveryMethodHasOnePolicy(t *testing.T) {
	ps, err := Policies()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 21 {
		t.Fatalf("policies for %d methods, want 21", len(ps))
	}
}
