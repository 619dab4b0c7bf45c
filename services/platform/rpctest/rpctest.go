// Package rpctest is the one harness handler and service tests share: a
// store on the test Redis with a prefix of its own, a gRPC server with the
// real interceptor chain (error mapping, authentication, the service's
// policies) on an in-memory listener, development tokens for any caller,
// and checks of an error's code, reason and field violations. It also
// holds what the tests of every layer share: clocks a test sets or that
// tick, a quiet log, background runs that must end cleanly, the fields of
// a fault's violations, filter selections, and concurrent deliveries that
// must change things once.
package rpctest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"reflect"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"

	"github.com/turnaround-sli/turnaround/services/platform/apierror"
	"github.com/turnaround-sli/turnaround/services/platform/auth"
	"github.com/turnaround-sli/turnaround/services/platform/paging"
	"github.com/turnaround-sli/turnaround/services/platform/rpc"
	"github.com/turnaround-sli/turnaround/services/platform/serve"
	"github.com/turnaround-sli/turnaround/services/platform/store"
	"github.com/turnaround-sli/turnaround/services/platform/store/redistest"
)

// DevKey is the HS256 development key the harness signs tokens with.
var DevKey = []byte("0123456789abcdef0123456789abcdef")

// Callers of the tests, one per role. Councils and sponsors are those of the
// shipped data set: Leeds (E08000035) and its sponsor id "leeds".
var (
	Official  = auth.Principal{Subject: "official-1", Roles: []auth.Role{auth.RoleDfEOfficial}}
	Official2 = auth.Principal{Subject: "official-2", Roles: []auth.Role{auth.RoleDfEOfficial}}
	Inspector = auth.Principal{Subject: "inspector-1", Roles: []auth.Role{auth.RoleOfstedInspector}}
	Adviser   = auth.Principal{Subject: "adviser-1", Roles: []auth.Role{auth.RoleLGAAdviser}}
	Partner   = auth.Principal{Subject: "partner-1", Roles: []auth.Role{auth.RolePartnerSystem}}
)

// Officer is a council officer of the council gss.
func Officer(gss string) auth.Principal {
	return auth.Principal{Subject: "officer-" + gss, Roles: []auth.Role{auth.RoleCouncilOfficer}, Authority: gss}
}

// SponsorOfficer is an officer of the sponsor id.
func SponsorOfficer(id string) auth.Principal {
	return auth.Principal{Subject: "sponsor-" + id, Roles: []auth.Role{auth.RoleSponsorOfficer}, Sponsor: id}
}

// NewStore returns a store on the test Redis under a fresh key prefix, purged
// when the test ends.
func NewStore(t testing.TB, opts ...store.Option) *store.Store {
	t.Helper()
	c, ks := redistest.New(t)
	return store.New(c, ks, opts...)
}

// NewPages returns a page-token codec with a random secret.
func NewPages(t testing.TB) *paging.Codec {
	t.Helper()
	pages, err := paging.NewRandomCodec(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return pages
}

// Serve runs a gRPC server with the real interceptor chain and policies,
// lets register add the services under test, and returns a client
// connection to it. Both close when the test ends.
func Serve(t testing.TB, policies auth.Policies, register func(*grpc.Server)) *grpc.ClientConn {
	t.Helper()
	v, err := auth.NewVerifier(auth.Config{DevKey: DevKey})
	if err != nil {
		t.Fatal(err)
	}
	srv := serve.NewGRPCServer(serve.Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Unary:  []grpc.UnaryServerInterceptor{auth.UnaryServerInterceptor(v, policies), rpc.TextUnaryInterceptor()},
		Stream: []grpc.StreamServerInterceptor{auth.StreamServerInterceptor(v, policies), rpc.TextStreamInterceptor()},
	})
	register(srv)
	lis := bufconn.Listen(1 << 20)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("passthrough:///bufconn",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// Client serves server as the service desc describes (a generated
// X_ServiceDesc), as Serve does, and returns newClient's client of it (a
// generated NewXClient). The test stops at once when server does not
// implement the service.
func Client[C any](t testing.TB, policies auth.Policies, desc *grpc.ServiceDesc, server any, newClient func(grpc.ClientConnInterface) C) C {
	t.Helper()
	if want := reflect.TypeOf(desc.HandlerType).Elem(); !reflect.TypeOf(server).Implements(want) {
		t.Fatalf("%T does not implement %v", server, want)
	}
	return newClient(Serve(t, policies, func(srv *grpc.Server) { srv.RegisterService(desc, server) }))
}

// Replayed sends req twice with call, a method of a generated client, as
// a client retrying it would, and returns the first response; what names
// the call in failures. The test stops at once when either call fails or
// the retry's response is not the first one again.
func Replayed[Req, Resp proto.Message](t testing.TB, what string, ctx context.Context, call func(context.Context, Req, ...grpc.CallOption) (Resp, error), req Req) Resp {
	t.Helper()
	first, err := call(ctx, req)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	again, err := call(ctx, req)
	if err != nil || !proto.Equal(again, first) {
		t.Fatalf("%s replayed = %v, %v; want %v", what, again, err, first)
	}
	return first
}

// Token mints a development token for p, valid for an hour.
func Token(t testing.TB, p auth.Principal) string {
	t.Helper()
	tok, err := auth.MintDevToken(DevKey, p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// As returns a context whose calls carry a development token for p.
func As(t testing.TB, p auth.Principal) context.Context {
	t.Helper()
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+Token(t, p))
}

// Err is the error of a call that returns a response and an error, for a
// test that checks only how the call failed:
// Err(client.GetThing(ctx, req)).
func Err[Resp any](_ Resp, err error) error { return err }

// Bind is call, a method of a generated client, bound to req: a call that
// sends req with the context it is given and returns the call's error, so
// that a test can make it as each caller.
func Bind[Req, Resp any](call func(context.Context, Req, ...grpc.CallOption) (Resp, error), req Req) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := call(ctx, req)
		return err
	}
}

// ExpectError checks err's code, its ErrorInfo reason (when reason is not
// empty; an ErrorInfo must be there either way) and its field violations
// (exactly fields, in order).
func ExpectError(t testing.TB, what string, err error, code codes.Code, reason string, fields ...string) {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != code {
		t.Errorf("%s: code %v (%v), want %v", what, st.Code(), err, code)
		return
	}
	if info := apierror.Info(st); info == nil || (reason != "" && info.GetReason() != reason) {
		t.Errorf("%s: ErrorInfo %v, want reason %q", what, info, reason)
	}
	var got []string
	for _, v := range apierror.FieldViolations(st) {
		got = append(got, v.GetField())
	}
	if !slices.Equal(got, fields) {
		t.Errorf("%s: field violations %v (%v), want %v", what, got, err, fields)
	}
}
