package rpc_test

import (
	"fmt"
	"testing"

	"github.com/turnaround-sli/turnaround/services/platform/rpc"
)

// TestRenderedOncePerState: a record's message is rendered once per state
// and shared by later reads of that state; another state is rendered again
// and kept, and a record never stored (version 0) is rendered on every
// read.
func TestRenderedOncePerState(t *testing.T) {
	var r rpc.Rendered[string, int64, *string]
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
	if kept := get("a", 2); kept != second {
		t.Fatalf("version 2 read again = %q, want the message kept for it", *kept)
	}
	if old := get("a", 1); old == second || *old != "a@1#4" {
		t.Fatalf("a read of version 1 after 2 = %q, want it rendered afresh", *old)
	}
	before := renders
	get("new", 0)
	get("new", 0)
	if renders != before+2 {
		t.Fatalf("an unstored record was rendered %d times in two reads, want 2", renders-before)
	}
}
