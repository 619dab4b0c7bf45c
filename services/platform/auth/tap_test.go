package auth

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/turnaround-sli/turnaround/services/platform/apierror"
)

// TestTapRefusesBeforeTheMessageIsRead: a call without a valid token, or
// from a role the policy refuses, is answered before the server reads its
// message; a valid caller's message is read and served.
func TestTapRefusesBeforeTheMessageIsRead(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	v := mustVerifier(t, Config{DevKey: key})
	var decoded atomic.Int64
	const upload = "/" + probeService + "/Upload"
	desc := grpc.ServiceDesc{
		ServiceName: probeService,
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: "Upload",
			Handler: func(srv any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
				decoded.Add(1)
				in := new(wrapperspb.StringValue)
				if err := dec(in); err != nil {
					return nil, err
				}
				return icpt(ctx, in, &grpc.UnaryServerInfo{FullMethod: upload}, func(ctx context.Context, req any) (any, error) {
					return wrapperspb.String("ok"), nil
				})
			},
		}},
	}
	ps := Policies{upload: Allow(RoleDfEOfficial)}
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(grpc.InTapHandle(TapHandle(v, ps)), grpc.ChainUnaryInterceptor(UnaryServerInterceptor(v, ps)))
	srv.RegisterService(&desc, struct{}{})
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("passthrough:///tap",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	mint := func(r Role) string {
		tok, err := MintDevToken(key, Principal{Subject: "s", Roles: []Role{r}}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	big := wrapperspb.String(strings.Repeat("x", 512<<10))
	call := func(token string) error {
		ctx := context.Background()
		if token != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
		}
		return conn.Invoke(ctx, upload, big, new(wrapperspb.StringValue))
	}
	for _, tc := range []struct {
		name, token string
		code        codes.Code
		reason      string
	}{
		{"no token", "", codes.Unauthenticated, ReasonTokenMissing},
		{"forged token", mint(RoleDfEOfficial) + "x", codes.Unauthenticated, ReasonTokenInvalid},
		{"role not allowed", mint(RoleLGAAdviser), codes.PermissionDenied, ReasonRoleNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := call(tc.token)
			st := status.Convert(err)
			if st.Code() != tc.code || apierror.Info(st).GetReason() != tc.reason {
				t.Fatalf("call = %v (%v), want %v %s", st.Code(), apierror.Info(st), tc.code, tc.reason)
			}
			if n := decoded.Load(); n != 0 {
				t.Fatalf("the handler read %d messages of refused callers", n)
			}
		})
	}
	if err := call(mint(RoleDfEOfficial)); err != nil {
		t.Fatalf("allowed caller: %v", err)
	}
	if decoded.Load() != 1 {
		t.Fatalf("decoded = %d, want 1", decoded.Load())
	}
}
