package auth

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// forwarded returns ctx with the incoming authorization header copied to the
// outgoing metadata, so a service calling another acts for its own caller
// and the callee authorises that caller, not the calling service. An
// authorization already set on the outgoing context wins, and an ambiguous
// incoming one (several values) is not forwarded.
func forwarded(ctx context.Context) context.Context {
	if out, ok := metadata.FromOutgoingContext(ctx); ok && len(out.Get("authorization")) > 0 {
		return ctx
	}
	in, ok := metadata.FromIncomingContext(ctx)
	if !ok {
		return ctx
	}
	vals := in.Get("authorization")
	if len(vals) != 1 {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", vals[0])
}

// ForwardAuthorization returns a client interceptor that forwards the
// incoming call's authorization header on outgoing unary calls.
func ForwardAuthorization() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return invoker(forwarded(ctx), method, req, reply, cc, opts...)
	}
}

// ForwardAuthorizationStream is ForwardAuthorization for streaming calls.
func ForwardAuthorizationStream() grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		return streamer(forwarded(ctx), desc, cc, method, opts...)
	}
}
