package rpc

import (
	"context"
	"errors"
	"testing"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	typev1 "github.com/turnaround-sli/turnaround/proto/turnaround/type/v1"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/change"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

type grade string

func TestEnumNamesTheProtoValue(t *testing.T) {
	for _, c := range []struct {
		name grade
		want typev1.Grade
	}{
		{"OUTSTANDING", typev1.Grade_GRADE_OUTSTANDING},
		{"REQUIRES_IMPROVEMENT", typev1.Grade_GRADE_REQUIRES_IMPROVEMENT},
		{"INADEQUATE", typev1.Grade_GRADE_INADEQUATE},
		// A name the enum does not define, or the prefix written twice,
		// is its UNSPECIFIED value, never another grade.
		{"", typev1.Grade_GRADE_UNSPECIFIED},
		{"SPLENDID", typev1.Grade_GRADE_UNSPECIFIED},
		{"GRADE_GOOD", typev1.Grade_GRADE_UNSPECIFIED},
		{"good", typev1.Grade_GRADE_UNSPECIFIED},
	} {
		if got := Enum[typev1.Grade]("GRADE_", c.name); got != c.want {
			t.Errorf("Enum(%q) = %v, want %v", c.name, got, c.want)
		}
	}
}

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
