package rpc

import (
	"context"
	"errors"
	"testing"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

func TestDoDescribesRunsAndRenders(t *testing.T) {
	ctx := auth.NewContext(context.Background(), auth.Principal{Subject: "s", Roles: []auth.Role{auth.RoleLGAAdviser}})
	req := &fieldmaskpb.FieldMask{Paths: []string{"a"}}
	var seen change.Request
	got, err := Do(ctx, "M", "req-1", req, func(r change.Request) (int, error) {
		seen = r
		return 41, nil
	}, func(n int) string { return string(rune('A' + n - 41)) })
	if err != nil || got != "A" {
		t.Fatalf("Do = %q, %v", got, err)
	}
	if seen.Method != "M" || seen.RequestID != "req-1" || seen.Subject != "s" || len(seen.RequestHash) == 0 {
		t.Errorf("the use case saw %+v", seen)
	}

	// The use case's error comes back as it is, and nothing is rendered.
	boom := errors.New("boom")
	rendered := false
	if _, err := Do(ctx, "M", "", req, func(change.Request) (int, error) { return 0, boom }, func(int) string { rendered = true; return "" }); !errors.Is(err, boom) || rendered {
		t.Errorf("a failed use case: %v, rendered %v", err, rendered)
	}

	// Without a caller nothing runs.
	ran := false
	if _, err := Do(context.Background(), "M", "", req, func(change.Request) (int, error) { ran = true; return 0, nil }, func(int) string { return "" }); !fault.IsKind(err, fault.KindUnauthenticated) || ran {
		t.Errorf("no caller: %v, ran %v", err, ran)
	}
}
