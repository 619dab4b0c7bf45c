package auth

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/turnaround-sli/turnaround/services/platform/apierror"
)

// The probe service is a hand-written gRPC service, so these tests need no
// generated code: each method reports the Principal it was served with.
const probeService = "turnaround.authtest.v1.ProbeService"

func probeMethod(name string) string { return "/" + probeService + "/" + name }

type probeServer struct {
	forwarding *grpc.ClientConn // calls back into this server, forwarding authorization
	bare       *grpc.ClientConn // calls back into this server, forwarding nothing
}

func describe(ctx context.Context) (*wrapperspb.StringValue, error) {
	p, ok := FromContext(ctx)
	if !ok {
		return nil, errors.New("no principal in context")
	}
	var roles []string
	for _, r := range p.Roles {
		roles = append(roles, string(r))
	}
	return wrapperspb.String(p.Subject + "|" + strings.Join(roles, ",") + "|" + p.Authority), nil
}

func unary(name string, fn func(srv *probeServer, ctx context.Context, in *wrapperspb.StringValue) (any, error)) grpc.MethodDesc {
	return grpc.MethodDesc{
		MethodName: name,
		Handler: func(srv any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			call := func(ctx context.Context, req any) (any, error) {
				return fn(srv.(*probeServer), ctx, req.(*wrapperspb.StringValue))
			}
			if icpt == nil {
				return call(ctx, in)
			}
			return icpt(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: probeMethod(name)}, call)
		},
	}
}

var watchDesc = grpc.StreamDesc{
	StreamName:    "Watch",
	ServerStreams: true,
	Handler: func(_ any, stream grpc.ServerStream) error {
		out, err := describe(stream.Context())
		if err != nil {
			return err
		}
		return stream.SendMsg(out)
	},
}

var probeDesc = grpc.ServiceDesc{
	ServiceName: probeService,
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{
		unary("WhoAmI", func(_ *probeServer, ctx context.Context, _ *wrapperspb.StringValue) (any, error) {
			return describe(ctx)
		}),
		unary("Echo", func(_ *probeServer, ctx context.Context, _ *wrapperspb.StringValue) (any, error) {
			return describe(ctx)
		}),
		unary("Undeclared", func(_ *probeServer, ctx context.Context, _ *wrapperspb.StringValue) (any, error) {
			return describe(ctx)
		}),
		unary("GetCouncil", func(_ *probeServer, ctx context.Context, in *wrapperspb.StringValue) (any, error) {
			if err := RequireCouncil(ctx, in.GetValue()); err != nil {
				return nil, apierror.Error(err)
			}
			return describe(ctx)
		}),
		unary("Relay", func(s *probeServer, ctx context.Context, in *wrapperspb.StringValue) (any, error) {
			conn := s.forwarding
			if in.GetValue() == "bare" {
				conn = s.bare
			}
			out := new(wrapperspb.StringValue)
			if err := conn.Invoke(ctx, probeMethod("Echo"), in, out); err != nil {
				return nil, err
			}
			return out, nil
		}),
	},
	Streams: []grpc.StreamDesc{watchDesc},
}

var probePolicies = Policies{
	probeMethod("WhoAmI"):     Allow(RoleDfEOfficial, RoleLGAAdviser),
	probeMethod("Echo"):       AnyAuthenticated(),
	probeMethod("GetCouncil"): AnyAuthenticated(),
	probeMethod("Relay"):      AnyAuthenticated(),
	probeMethod("Watch"):      Allow(RoleOfstedInspector),
}

// startProbe serves the probe and health services behind the interceptors
// on an in-memory listener and returns a client connection to it.
func startProbe(t *testing.T, v *Verifier) *grpc.ClientConn {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	dial := func(opts ...grpc.DialOption) *grpc.ClientConn {
		opts = append(opts,
			grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
			grpc.WithTransportCredentials(insecure.NewCredentials()))
		conn, err := grpc.NewClient("passthrough:///probe", opts...)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	probe := &probeServer{
		forwarding: dial(grpc.WithUnaryInterceptor(ForwardAuthorization()), grpc.WithStreamInterceptor(ForwardAuthorizationStream())),
		bare:       dial(),
	}
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(UnaryServerInterceptor(v, probePolicies)),
		grpc.ChainStreamInterceptor(StreamServerInterceptor(v, probePolicies)),
	)
	srv.RegisterService(&probeDesc, probe)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return dial()
}

func TestInterceptor(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	v := mustVerifier(t, Config{DevKey: key})
	conn := startProbe(t, v)
	mint := func(p Principal) string {
		tok, err := MintDevToken(key, p, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	dfe := mint(Principal{Subject: "dfe-1", Roles: []Role{RoleDfEOfficial}})
	officer := mint(Principal{Subject: "officer-1", Roles: []Role{RoleCouncilOfficer}, Authority: "E08000035"})
	inspector := mint(Principal{Subject: "insp-1", Roles: []Role{RoleOfstedInspector}})
	now := time.Now()
	expired := sign(t, jwt.SigningMethodHS256, key, "", claims(map[string]any{
		"iss": DevIssuer, "aud": nil,
		"iat": now.Add(-2 * time.Hour).Unix(), "nbf": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix(),
	}))

	tests := []struct {
		name     string
		method   string
		auth     string // whole authorization header; empty sends none
		in       string
		code     codes.Code
		reason   string
		wantBody string
	}{
		{name: "allowed role", method: "WhoAmI", auth: "Bearer " + dfe, code: codes.OK, wantBody: "dfe-1|dfe_official|"},
		{name: "lower-case scheme", method: "WhoAmI", auth: "bearer " + dfe, code: codes.OK, wantBody: "dfe-1|dfe_official|"},
		{name: "role not allowed", method: "WhoAmI", auth: "Bearer " + officer, code: codes.PermissionDenied, reason: ReasonRoleNotAllowed},
		{name: "no token", method: "WhoAmI", code: codes.Unauthenticated, reason: ReasonTokenMissing},
		{name: "basic auth", method: "WhoAmI", auth: "Basic dXNlcjpwYXNz", code: codes.Unauthenticated, reason: ReasonTokenMalformed},
		{name: "garbage token", method: "WhoAmI", auth: "Bearer x.y.z", code: codes.Unauthenticated, reason: ReasonTokenMalformed},
		{name: "expired token", method: "WhoAmI", auth: "Bearer " + expired, code: codes.Unauthenticated, reason: ReasonTokenExpired},
		{name: "missing policy with token", method: "Undeclared", auth: "Bearer " + dfe, code: codes.PermissionDenied, reason: ReasonPolicyMissing},
		{name: "missing policy without token", method: "Undeclared", code: codes.PermissionDenied, reason: ReasonPolicyMissing},
		{name: "any authenticated", method: "Echo", auth: "Bearer " + officer, code: codes.OK, wantBody: "officer-1|council_officer|E08000035"},
		{name: "own council", method: "GetCouncil", auth: "Bearer " + officer, in: "E08000035", code: codes.OK,
			wantBody: "officer-1|council_officer|E08000035"},
		{name: "other council", method: "GetCouncil", auth: "Bearer " + officer, in: "E08000017", code: codes.PermissionDenied,
			reason: ReasonCouncilNotAllowed},
		{name: "other council as DfE", method: "GetCouncil", auth: "Bearer " + dfe, in: "E08000017", code: codes.OK, wantBody: "dfe-1|dfe_official|"},
		{name: "relay forwards the caller", method: "Relay", auth: "Bearer " + officer, code: codes.OK,
			wantBody: "officer-1|council_officer|E08000035"},
		{name: "relay without forwarding is refused", method: "Relay", auth: "Bearer " + officer, in: "bare",
			code: codes.Unauthenticated, reason: ReasonTokenMissing},
		{name: "inspector on DfE method", method: "WhoAmI", auth: "Bearer " + inspector, code: codes.PermissionDenied, reason: ReasonRoleNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if tc.auth != "" {
				ctx = metadata.AppendToOutgoingContext(ctx, "authorization", tc.auth)
			}
			out := new(wrapperspb.StringValue)
			err := conn.Invoke(ctx, probeMethod(tc.method), wrapperspb.String(tc.in), out)
			checkStatus(t, err, tc.code, tc.reason)
			if tc.code == codes.OK && out.GetValue() != tc.wantBody {
				t.Fatalf("got %q, want %q", out.GetValue(), tc.wantBody)
			}
		})
	}
}

func TestInterceptorOpenMethods(t *testing.T) {
	v := mustVerifier(t, Config{DevKey: []byte("0123456789abcdef0123456789abcdef")})
	conn := startProbe(t, v)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatalf("health check without a token: %v", err)
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health status %v", resp.GetStatus())
	}
	// A bad token does not break an open method either: it is not read.
	bad := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer nonsense")
	if _, err := healthpb.NewHealthClient(conn).Check(bad, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("health check with a bad token: %v", err)
	}
}

func TestStreamInterceptor(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	v := mustVerifier(t, Config{DevKey: key})
	conn := startProbe(t, v)
	inspector, err := MintDevToken(key, Principal{Subject: "insp-1", Roles: []Role{RoleOfstedInspector}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dfe, err := MintDevToken(key, Principal{Subject: "dfe-1", Roles: []Role{RoleDfEOfficial}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		token  string
		code   codes.Code
		reason string
	}{
		{name: "allowed", token: inspector, code: codes.OK},
		{name: "role not allowed", token: dfe, code: codes.PermissionDenied, reason: ReasonRoleNotAllowed},
		{name: "no token", code: codes.Unauthenticated, reason: ReasonTokenMissing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if tc.token != "" {
				ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tc.token)
			}
			stream, err := conn.NewStream(ctx, &watchDesc, probeMethod("Watch"))
			if err != nil {
				t.Fatalf("NewStream: %v", err)
			}
			if err := stream.SendMsg(wrapperspb.String("")); err != nil {
				t.Fatalf("SendMsg: %v", err)
			}
			if err := stream.CloseSend(); err != nil {
				t.Fatalf("CloseSend: %v", err)
			}
			out := new(wrapperspb.StringValue)
			err = stream.RecvMsg(out)
			if tc.code != codes.OK {
				checkStatus(t, err, tc.code, tc.reason)
				return
			}
			if err != nil {
				t.Fatalf("RecvMsg: %v", err)
			}
			if out.GetValue() != "insp-1|ofsted_inspector|" {
				t.Fatalf("got %q", out.GetValue())
			}
			if err := stream.RecvMsg(out); !errors.Is(err, io.EOF) {
				t.Fatalf("stream end: %v", err)
			}
		})
	}
}

// TestInterceptorUnit drives the interceptors without a server: a JWKS
// verifier (the production path) and its status details.
func TestInterceptorUnit(t *testing.T) {
	key := newECKey(t)
	v := mustVerifier(t, Config{JWKSFile: writeJWKS(t, ecJWK(t, "ec-1", &key.PublicKey)), Issuer: testIssuer, Audience: testAudience})
	now := time.Now()
	tok := sign(t, jwt.SigningMethodES256, key, "ec-1", claims(map[string]any{
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"roles": []string{"partner_system"},
	}))
	icpt := UnaryServerInterceptor(v, Policies{"/svc.v1.S/M": Allow(RolePartnerSystem)})
	var served Principal
	handler := func(ctx context.Context, _ any) (any, error) {
		served, _ = FromContext(ctx)
		return "ok", nil
	}
	tests := []struct {
		name   string
		method string
		md     metadata.MD
		code   codes.Code
		reason string
	}{
		{name: "authorised", method: "/svc.v1.S/M", md: metadata.Pairs("authorization", "Bearer "+tok), code: codes.OK},
		{name: "two authorization values", method: "/svc.v1.S/M",
			md: metadata.Pairs("authorization", "Bearer "+tok, "authorization", "Bearer "+tok), code: codes.Unauthenticated, reason: ReasonTokenMalformed},
		{name: "reflection open", method: "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", code: codes.OK},
		{name: "health open", method: "/grpc.health.v1.Health/Watch", code: codes.OK},
		{name: "lookalike of health is not open", method: "/grpc.health.v1.HealthX/Check", code: codes.PermissionDenied, reason: ReasonPolicyMissing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			served = Principal{}
			ctx := metadata.NewIncomingContext(context.Background(), tc.md)
			_, err := icpt(ctx, nil, &grpc.UnaryServerInfo{FullMethod: tc.method}, handler)
			checkStatus(t, err, tc.code, tc.reason)
			if tc.code == codes.OK && tc.md != nil && served.Subject != "user-1" {
				t.Fatalf("handler saw principal %+v", served)
			}
		})
	}
}

func TestPoliciesValidate(t *testing.T) {
	tests := []struct {
		name string
		ps   Policies
		ok   bool
	}{
		{name: "good", ps: Policies{"/a.v1.S/M": AnyAuthenticated(), "/a.v1.S/N": Allow(RoleDfEOfficial)}, ok: true},
		{name: "empty table", ps: Policies{}, ok: true},
		{name: "no leading slash", ps: Policies{"a.v1.S/M": AnyAuthenticated()}},
		{name: "no method", ps: Policies{"/a.v1.S/": AnyAuthenticated()}},
		{name: "no service", ps: Policies{"//M": AnyAuthenticated()}},
		{name: "extra segment", ps: Policies{"/a.v1.S/M/X": AnyAuthenticated()}},
		{name: "no roles", ps: Policies{"/a.v1.S/M": {}}},
		{name: "unknown role", ps: Policies{"/a.v1.S/M": Allow("root")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.ps.Validate(); (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
	if err := probePolicies.Validate(); err != nil {
		t.Fatalf("probe policies: %v", err)
	}
}

func TestForwardAuthorization(t *testing.T) {
	tests := []struct {
		name     string
		incoming metadata.MD
		outgoing metadata.MD
		want     []string
	}{
		{name: "forwards the caller's token", incoming: metadata.Pairs("authorization", "Bearer a"), want: []string{"Bearer a"}},
		{name: "explicit outgoing token wins", incoming: metadata.Pairs("authorization", "Bearer a"),
			outgoing: metadata.Pairs("authorization", "Bearer mine"), want: []string{"Bearer mine"}},
		{name: "no incoming call", want: nil},
		{name: "incoming call without token", incoming: metadata.Pairs("x-other", "1"), want: nil},
		{name: "ambiguous incoming token", incoming: metadata.Pairs("authorization", "Bearer a", "authorization", "Bearer b"), want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			if tc.incoming != nil {
				ctx = metadata.NewIncomingContext(ctx, tc.incoming)
			}
			if tc.outgoing != nil {
				ctx = metadata.NewOutgoingContext(ctx, tc.outgoing)
			}
			var unaryGot, streamGot []string
			err := ForwardAuthorization()(ctx, "/a.v1.S/M", nil, nil, nil,
				func(ctx context.Context, _ string, _, _ any, _ *grpc.ClientConn, _ ...grpc.CallOption) error {
					md, _ := metadata.FromOutgoingContext(ctx)
					unaryGot = md.Get("authorization")
					return nil
				})
			if err != nil {
				t.Fatal(err)
			}
			_, err = ForwardAuthorizationStream()(ctx, &grpc.StreamDesc{}, nil, "/a.v1.S/M",
				func(ctx context.Context, _ *grpc.StreamDesc, _ *grpc.ClientConn, _ string, _ ...grpc.CallOption) (grpc.ClientStream, error) {
					md, _ := metadata.FromOutgoingContext(ctx)
					streamGot = md.Get("authorization")
					return nil, nil
				})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(unaryGot, ";") != strings.Join(tc.want, ";") || strings.Join(streamGot, ";") != strings.Join(tc.want, ";") {
				t.Fatalf("forwarded unary %q, stream %q; want %q", unaryGot, streamGot, tc.want)
			}
		})
	}
}

// checkStatus checks a gRPC error's code and, for failures, its ErrorInfo.
func checkStatus(t *testing.T, err error, code codes.Code, reason string) {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok {
		t.Fatalf("error %v is not a gRPC status", err)
	}
	if st.Code() != code {
		t.Fatalf("got code %v (%v), want %v", st.Code(), err, code)
	}
	if code == codes.OK {
		return
	}
	info := apierror.Info(st)
	if info == nil {
		t.Fatalf("status %v has no ErrorInfo", st)
	}
	if info.GetReason() != reason || info.GetDomain() != apierror.Domain {
		t.Fatalf("got ErrorInfo %s/%s, want %s/%s", info.GetDomain(), info.GetReason(), apierror.Domain, reason)
	}
}
