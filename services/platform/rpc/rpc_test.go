package rpc

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
)

func TestCallerNeedsAPrincipal(t *testing.T) {
	if _, err := Caller(context.Background()); !fault.IsKind(err, fault.KindUnauthenticated) {
		t.Errorf("Caller without a principal: %v, want UNAUTHENTICATED", err)
	}
	p := auth.Principal{Subject: "s", Roles: []auth.Role{auth.RoleDfEOfficial}}
	got, err := Caller(auth.NewContext(context.Background(), p))
	if err != nil || got.Subject != "s" {
		t.Errorf("Caller: %v, %v", got, err)
	}
}

func TestNewRequest(t *testing.T) {
	ctx := auth.NewContext(context.Background(), auth.Principal{Subject: "s", Roles: []auth.Role{auth.RoleLGAAdviser}})
	msg := &fieldmaskpb.FieldMask{Paths: []string{"a"}}
	r, err := NewRequest(ctx, "M", "req-1", msg)
	if err != nil || r.Subject != "s" || r.Method != "M" || r.RequestID != "req-1" || !slices.Equal(r.Roles, []string{"lga_adviser"}) || len(r.RequestHash) == 0 {
		t.Fatalf("NewRequest: %+v, %v", r, err)
	}
	other, _ := NewRequest(ctx, "M", "req-1", &fieldmaskpb.FieldMask{Paths: []string{"b"}})
	if string(other.RequestHash) == string(r.RequestHash) {
		t.Error("two different requests hash alike")
	}
	if r, _ := NewRequest(ctx, "M", "", msg); r.RequestHash != nil {
		t.Error("a request without request_id was hashed")
	}
}

func TestRequestIDLimit(t *testing.T) {
	if RequestIDError(strings.Repeat("x", MaxRequestIDLen)) != nil {
		t.Error("a request_id at the limit was refused")
	}
	err := RequestIDError(strings.Repeat("x", MaxRequestIDLen+1))
	if f, ok := fault.As(err); !ok || len(f.Violations) != 1 || f.Violations[0].Field != "request_id" {
		t.Errorf("a request_id over the limit: %v", err)
	}
}

func TestPageSizeAndPage(t *testing.T) {
	for req, want := range map[int32]int32{0: DefaultPageSize, 10: 10, 1000: MaxPageSize} {
		if got, err := PageSize(req); err != nil || got != want {
			t.Errorf("PageSize(%d) = %d, %v; want %d", req, got, err, want)
		}
	}
	if _, err := PageSize(-1); err == nil {
		t.Error("a negative page size was accepted")
	}
	pages, err := paging.NewRandomCodec(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	q := paging.Query{Method: "M"}
	all := []int{1, 2, 3, 4, 5}
	same := func(i int) int { return i }
	first, err := ReadList(plainRequest{size: 2}, nil, nil)
	if err != nil || first.Resume(pages, q) != nil {
		t.Fatal(err)
	}
	page, next, _ := ListPage(first, all, same)
	if !slices.Equal(page, []int{1, 2}) || next == "" {
		t.Fatalf("first page %v next %q", page, next)
	}
	last, err := ReadList(tokenRequest{size: 3, token: next}, nil, nil)
	if err != nil || last.Resume(pages, q) != nil {
		t.Fatal(err)
	}
	page, next, _ = ListPage(last, all, same)
	if !slices.Equal(page, []int{3, 4, 5}) || next != "" {
		t.Errorf("last page %v next %q", page, next)
	}
}

func TestNotFoundNamesTheResource(t *testing.T) {
	sentinel := fault.NotFound("X_NOT_FOUND", "no x")
	err := NotFound(sentinel, sentinel, "X_NOT_FOUND", "xs/a")
	if f, ok := fault.As(err); !ok || f.Kind != fault.KindNotFound || !strings.Contains(f.Message, "xs/a") {
		t.Errorf("NotFound: %v", err)
	}
	other := fault.Unavailable("DOWN", "down")
	if NotFound(other, sentinel, "X_NOT_FOUND", "xs/a") != other {
		t.Error("NotFound changed an unrelated error")
	}
}

func TestMaskPaths(t *testing.T) {
	if got := MaskPaths([]string{"name", "title", "etag", "owner.role"}, nil, "name", "etag"); !slices.Equal(got, []string{"title", "owner.role"}) {
		t.Errorf("explicit mask: %v", got)
	}
	// Without a mask, the fields the message sets.
	got := MaskPaths(nil, durationpb.New(3*time.Second), "nanos")
	if !slices.Equal(got, []string{"seconds"}) {
		t.Errorf("derived mask: %v", got)
	}
}
