package rpc_test

import (
	"fmt"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/rpc"
)

// TestRenderedOncePerVersion: a record's message is rendered once per
// version and shared by later reads of that version; a newer version is
// rendered again and kept, a read of an older one never replaces it, and a
// record never stored (version 0) is rendered on every read.
func TestRenderedOncePerVersion(t *testing.T) {
	var r rpc.Rendered[string, *string]
	renders := 0
	get := func(key string, version int64) *string {
		return r.Get(key, version, func() *string {
			renders++
			s := fmt.Sprintf("%s@%d#%d", key, version, renders)
			return &s
		})
	}
	first := get("a", 1)
	if again := get("a", 1); again != first || renders != 1 {
		t.Fatalf("a second read of version 1 gave %q (renders %d), want the first message %q and one render", *again, renders, *first)
	}
	if other := get("b", 1); other == first || renders != 2 {
		t.Fatalf("another record shared a message or was not rendered (renders %d)", renders)
	}
	second := get("a", 2)
	if second == first || *second != "a@2#3" {
		t.Fatalf("version 2 = %q, want a fresh render", *second)
	}
	if old := get("a", 1); old == second || *old != "a@1#4" {
		t.Fatalf("a read of the older version 1 = %q, want it rendered afresh", *old)
	}
	if kept := get("a", 2); kept != second {
		t.Fatalf("after a read of version 1, version 2 = %q, want the message kept for it", *kept)
	}
	before := renders
	get("new", 0)
	get("new", 0)
	if renders != before+2 {
		t.Fatalf("an unstored record was rendered %d times in two reads, want 2", renders-before)
	}
}

// TestRenderedPerStateOfAVersion: a message that shows more than the record
// holds is kept per state of its version: another state of the same
// version is rendered again and replaces it, and a state of an older
// version never does.
func TestRenderedPerStateOfAVersion(t *testing.T) {
	var r rpc.Rendered[string, *string]
	renders := 0
	get := func(version int64, state string) *string {
		return r.GetIn("a", version, state, func() *string {
			renders++
			s := fmt.Sprintf("a@%d/%s#%d", version, state, renders)
			return &s
		})
	}
	first := get(2, "x")
	if again := get(2, "x"); again != first || renders != 1 {
		t.Fatalf("state x read again = %q (renders %d), want the first message and one render", *again, renders)
	}
	other := get(2, "y")
	if other == first || *other != "a@2/y#2" {
		t.Fatalf("state y of version 2 = %q, want a fresh render", *other)
	}
	if kept := get(2, "y"); kept != other {
		t.Fatalf("state y read again = %q, want the message kept for it", *kept)
	}
	get(1, "x")
	if kept := get(2, "y"); kept != other {
		t.Fatalf("after a read of version 1, version 2 state y = %q, want the message kept for it", *kept)
	}
}
