package rpc_test

import (
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/fault"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
	"github.com/turnaround-sli/turnaround/services/platform/rpctest"
)

func TestCheckTextAllowsNewlinesTabsAndUnicode(t *testing.T) {
	for _, s := range []string{"", "plain", "two\nlines", "a\ttab", "Café — Øresund ✓", "emoji 🎉"} {
		if err := rpc.CheckText(wrapperspb.String(s)); err != nil {
			t.Errorf("CheckText(%q): %v, want nil", s, err)
		}
	}
}

func TestCheckTextRefusesControlCharacters(t *testing.T) {
	for _, s := range []string{"nul\x00", "bell\a", "cr\r", "esc\x1b[31m", "del\x7f", "c1\u0085", "vt\v", "ff\f"} {
		err := rpc.CheckText(wrapperspb.String(s))
		f, ok := fault.As(err)
		if !ok || f.Kind != fault.KindInvalid || f.Reason != rpc.ReasonControlCharacter || len(f.Violations) != 1 || f.Violations[0].Field != "value" {
			t.Errorf("CheckText(%q): %v, want one violation on value", s, err)
		}
	}
}

func TestCheckTextNamesNestedRepeatedAndMapFields(t *testing.T) {
	msg, err := structpb.NewStruct(map[string]any{
		"ok":    "fine\n",
		"bad":   "x\x00y",
		"list":  []any{"fine", "no\x01"},
		"inner": map[string]any{"deep": "\x02"},
		"k\x03": "v",
	})
	if err != nil {
		t.Fatal(err)
	}
	err = rpc.CheckText(msg)
	f, ok := fault.As(err)
	if !ok || f.Kind != fault.KindInvalid {
		t.Fatalf("CheckText: %v, want INVALID_ARGUMENT", err)
	}
	want := []string{
		`fields key "k\x03"`,
		`fields["bad"].string_value`,
		`fields["inner"].struct_value.fields["deep"].string_value`,
		`fields["list"].list_value.values[1].string_value`,
	}
	var got []string
	for _, v := range f.Violations {
		got = append(got, v.Field)
	}
	if len(got) != len(want) {
		t.Fatalf("violations on %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("violation %d on %q, want %q", i, got[i], want[i])
		}
	}
	if err := rpc.CheckText(&fieldmaskpb.FieldMask{Paths: []string{"a", "b\x00"}}); err == nil {
		t.Error("a repeated string with NUL passed")
	} else if f, _ := fault.As(err); f.Violations[0].Field != "paths[1]" {
		t.Errorf("violation on %q, want paths[1]", f.Violations[0].Field)
	}
}

func TestTextInterceptorRefusesBeforeTheHandler(t *testing.T) {
	const method = "/grpc.health.v1.Health/Check"
	policies := auth.Policies{
		method:                         auth.AnyAuthenticated(),
		"/grpc.health.v1.Health/Watch": auth.AnyAuthenticated(),
		"/grpc.health.v1.Health/List":  auth.AnyAuthenticated(),
	}
	hs := health.NewServer()
	hs.SetServingStatus("inspection", healthpb.HealthCheckResponse_SERVING)
	conn := rpctest.Serve(t, policies, func(s *grpc.Server) { healthpb.RegisterHealthServer(s, hs) })
	client := healthpb.NewHealthClient(conn)
	ctx := rpctest.As(t, auth.Principal{Subject: "s", Roles: []auth.Role{auth.RoleDfEOfficial}})

	if _, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: "inspection"}); err != nil {
		t.Fatalf("clean request: %v", err)
	}
	_, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: "inspection\x00"})
	rpctest.ExpectError(t, "NUL in a text field", err, codes.InvalidArgument, rpc.ReasonControlCharacter, "service")

	stream, err := client.Watch(ctx, &healthpb.HealthCheckRequest{Service: "in\x1bspection"})
	if err == nil {
		_, err = stream.Recv()
	}
	rpctest.ExpectError(t, "ESC in a streamed request", err, codes.InvalidArgument, rpc.ReasonControlCharacter, "service")

}
